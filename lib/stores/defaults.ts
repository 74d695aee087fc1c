/**
 * The AWS-backed stores a middleware uses when the user gives none. They are shared per client
 * options and batch setting, so that middlewares declaring the same secret share one cache entry
 * and one in-flight fetch. Client options that are plain data (`{ region: 'eu-west-1' }` written
 * inline in two handlers) are keyed by their content; options holding anything else (a
 * credentials provider function, an agent) by the object's identity. The store code is imported
 * statically (a dynamic import() of it measured slower on the cold path than its ~1.3 KB gzip
 * cost); the AWS SDK it needs is imported on the first fetch.
 */
import type { AwsClientCapture, ClientOptions, StoreRole, TransportChoice } from '../options/types.js'
import { shared } from '../shared-state.js'
import type { Store } from '../store.js'
import { appConfigStore } from './appconfig.js'
import { dynamoDbStore } from './dynamodb.js'
import { secretsManagerStore } from './secrets-manager.js'
import { ssmStore } from './ssm.js'

/** What a default store is made from: the settings of the middleware that asks for it. */
export interface StoreSettings {
  readonly clientOptions?: ClientOptions
  readonly batch: boolean
  readonly transport: TransportChoice
  readonly awsClientCapture?: AwsClientCapture
}

/** Shared by every copy of the package in the process (../shared-state.ts): one store, one cache key. */
const made = shared('defaults.stores', () => ({ byContent: new Map<string, Store>(), byIdentity: new WeakMap<object, Map<string, Store>>() }))

/**
 * clearCache(): the stores made so far (and the SDK clients they built) are for middlewares made
 * before it; later ones get new ones. A test that reloads its modules (jest.resetModules) and
 * mocks the SDK client it imported anew (aws-sdk-client-mock) otherwise met the client built from
 * the first test's copy of the SDK, which its mock does not reach, and the first test's answers.
 */
export function forgetDefaultStores(): void {
  made.byContent.clear()
  made.byIdentity = new WeakMap()
}

export function defaultStore(role: StoreRole, settings: StoreSettings): Store {
  const id = `${role}:${settings.batch}:${settings.transport}`
  const make = (): Store => create(role, settings)
  const content = plainDataKey(settings.clientOptions ?? {})
  const capture = settings.awsClientCapture
  if (content !== undefined && capture === undefined) return memo(made.byContent, `${id}:${content}`, make)
  // By identity: options that are not plain data (a credentials provider, an agent), or a capture.
  const owner: object = capture ?? settings.clientOptions!
  let stores = made.byIdentity.get(owner)
  if (stores === undefined) {
    stores = new Map()
    made.byIdentity.set(owner, stores)
  }
  return memo(stores, `${id}:${content ?? identityOf(settings.clientOptions!)}`, make)
}

function memo(map: Map<string, Store>, key: string, make: () => Store): Store {
  let store = map.get(key)
  if (store === undefined) {
    store = make()
    map.set(key, store)
  }
  return store
}

type StoreOptions = Pick<StoreSettings, 'clientOptions' | 'batch' | 'transport' | 'awsClientCapture'>

const MAKERS: Readonly<Record<StoreRole, (options: StoreOptions) => Store>> = {
  secretsManager: secretsManagerStore,
  ssm: ssmStore,
  appConfig: appConfigStore, // its reading code is imported on its first fetch (lazy-store.ts)
  dynamodb: dynamoDbStore, // likewise
}

function create(role: StoreRole, settings: StoreSettings): Store {
  return MAKERS[role]({ clientOptions: settings.clientOptions, batch: settings.batch, transport: settings.transport, awsClientCapture: settings.awsClientCapture })
}

const identities = shared('defaults.identities', () => ({ ids: new WeakMap<object, number>(), next: 1 }))
/** A number per object, for options that are keyed by identity. */
function identityOf(value: object): string {
  let id = identities.ids.get(value)
  if (id === undefined) {
    id = identities.next++
    identities.ids.set(value, id)
  }
  return `#${id}`
}

/**
 * A stable text for options made only of strings, numbers, booleans, plain objects and arrays; else
 * undefined. Object keys are sorted and undefined fields left out: the same content, the same store.
 */
export function plainDataKey(value: unknown): string | undefined {
  return dataKey(value, false)
}

/**
 * Like plainDataKey, but two values that a caller could tell apart never share a text: key order
 * (load() returns and reports keys in declaration order) and fields set to undefined (`default:
 * undefined` is still a default) are kept. For what is reused unchecked, such as load()'s plans.
 */
export function exactDataKey(value: unknown): string | undefined {
  return dataKey(value, true)
}

function dataKey(value: unknown, exact: boolean): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  // JSON writes Infinity, -Infinity and NaN as null (maxAttempts: Infinity is not null), and -0
  // as 0 (the same to a client, but not as a default load() returns).
  if (typeof value === 'number') return Number.isFinite(value) ? (exact && Object.is(value, -0) ? '-0' : JSON.stringify(value)) : String(value)
  if (value === undefined && exact) return 'undefined'
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => dataKey(item, exact))
    return items.includes(undefined) ? undefined : `[${items.join(',')}]`
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return undefined
  const fields: string[] = []
  const keys = Object.keys(value)
  for (const key of exact ? keys : keys.sort()) {
    const field = (value as Record<string, unknown>)[key]
    if (field === undefined && !exact) continue
    const text = dataKey(field, exact)
    if (text === undefined) return undefined
    fields.push(`${JSON.stringify(key)}:${text}`)
  }
  return `{${fields.join(',')}}`
}
