/**
 * The AWS-backed stores a middleware uses when the user gives none. They are shared per client
 * options and batch setting, so that middlewares declaring the same secret share one cache entry
 * and one in-flight fetch. Client options that are plain data (`{ region: 'eu-west-1' }` written
 * inline in two handlers) are keyed by their content; options holding anything else (a
 * credentials provider function, an agent) by the object's identity. The store code is imported
 * statically (a dynamic import() of it measured slower on the cold path than its ~1.3 KB gzip
 * cost); the AWS SDK it needs is imported on the first fetch.
 */
import type { ClientOptions, StoreRole } from '../options/types.js'
import type { Store } from '../store.js'
import { secretsManagerStore } from './secrets-manager.js'
import { ssmStore } from './ssm.js'

const byContent = new Map<string, Store>()
const byIdentity = new WeakMap<ClientOptions, Map<string, Store>>()

export function defaultStore(role: StoreRole, clientOptions: ClientOptions | undefined, batch: boolean): Store {
  const id = `${role}:${batch}`
  const content = plainDataKey(clientOptions ?? {})
  if (content !== undefined) return memo(byContent, `${id}:${content}`, () => create(role, clientOptions, batch))
  let stores = byIdentity.get(clientOptions!)
  if (stores === undefined) {
    stores = new Map()
    byIdentity.set(clientOptions!, stores)
  }
  return memo(stores, id, () => create(role, clientOptions, batch))
}

function memo(map: Map<string, Store>, key: string, make: () => Store): Store {
  let store = map.get(key)
  if (store === undefined) {
    store = make()
    map.set(key, store)
  }
  return store
}

function create(role: StoreRole, clientOptions: ClientOptions | undefined, batch: boolean): Store {
  return role === 'secretsManager' ? secretsManagerStore({ clientOptions, batch }) : ssmStore({ clientOptions, batch })
}

/** A stable text for options made only of strings, numbers, booleans, plain objects and arrays; else undefined. */
export function plainDataKey(value: unknown): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value)
  if (Array.isArray(value)) {
    const items = value.map(plainDataKey)
    return items.includes(undefined) ? undefined : `[${items.join(',')}]`
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return undefined
  const fields: string[] = []
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key]
    if (field === undefined) continue
    const text = plainDataKey(field)
    if (text === undefined) return undefined
    fields.push(`${JSON.stringify(key)}:${text}`)
  }
  return `{${fields.join(',')}}`
}
