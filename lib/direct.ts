/**
 * The package without the middleware: `load()` resolves a declaration map at once (batched,
 * typed like the middleware's context) for init code and top-level `await`, and `getSecret()`,
 * `getParameter()`, `getParameters()`, `getAppConfig()`, `getItem()`, `getItems()` read one value,
 * as Powertools Parameters' functions do. Same options, TTLs, cache and errors as the middleware:
 * a value loaded here and declared in a middleware (with the same store settings) is one cache
 * entry and one fetch.
 */
import { cache, onEviction } from './cache/cache.js'
import { invalidate } from './cache/entry.js'
import {
  appConfig,
  type AppConfigOptions,
  type Declaration,
  type DeclarationKind,
  type DefaultOf,
  type InjectedContext,
  item,
  type ItemOptions,
  items,
  type ItemsOptions,
  type KeyDeclaration,
  type NotOptional,
  type OnlyKnown,
  type OptionalOf,
  type OtherDefault,
  parameter,
  type ParameterOptions,
  parameters,
  type ParametersOptions,
  secret,
  type SecretOptions,
  type ValueOf,
} from './declare.js'
import { ConfigError, type KeyFailure, SecretsError } from './errors.js'
import { inject } from './inject.js'
import { createLimit } from './limit.js'
import { checkBoolean } from './options/checks.js'
import { KEY_OPTIONS } from './options/keys.js'
import { normalize } from './options/normalize.js'
import { OPTION_NAMES } from './options/table.js'
import type { SecretsOptions } from './options/types.js'
import { defaultStore, exactDataKey } from './stores/defaults.js'
import { BACKGROUND_LIFETIME_MS } from './resolver/deadline.js'
import { buildPlan, entryOf, holdsEvicted, type Plan } from './resolver/plan.js'
import { allFresh, resolve } from './resolver/resolve.js'

type Declarations = Record<string, KeyDeclaration>

/**
 * Options only a middleware has: left out of LoadOptions, and from JavaScript refused, not
 * ignored (`env` would write process.env, `refreshOn` would never run).
 */
const MIDDLEWARE_ONLY = ['context', 'env', 'prefetch', 'refreshOn', 'internal'] as const

/** The options of `load()` and the get functions: the middleware's, but for what only it has. */
export interface LoadOptions extends Omit<SecretsOptions<Declarations, Declarations>, (typeof MIDDLEWARE_ONLY)[number]> {
  /** Give up after this many ms with DeadlineExceeded (default 10,000, the Lambda init phase's limit). */
  readonly timeoutMs?: number | undefined
  /** Fetch now, whatever the TTL (as Powertools' `forceFetch`). */
  readonly forceFetch?: boolean | undefined
}

/** What load() accepts: the middleware's options less the ones only it has, and load()'s two. */
const LOAD_OPTION_NAMES: ReadonlySet<string> = new Set([...OPTION_NAMES.filter((name) => !(MIDDLEWARE_ONLY as readonly string[]).includes(name)), 'timeoutMs', 'forceFetch'])

/**
 * Refuses a name that `fn` does not accept, listing what it does: a get function's key options
 * (`keyOptions`) and load()'s (normalize()'s own list would name the middleware's options, not
 * the key's). A middleware-only name gets an error of its own (planFor).
 */
function checkNames(options: object, fn: string, keyOptions: readonly string[] = []): void {
  for (const name of Object.keys(options)) {
    if (keyOptions.includes(name) || LOAD_OPTION_NAMES.has(name) || (MIDDLEWARE_ONLY as readonly string[]).includes(name)) continue
    const allowed = new Set([...keyOptions, ...LOAD_OPTION_NAMES]) // `ttl` is both: listed once
    throw new ConfigError(name, `is not an option of ${fn}; allowed: ${[...allowed].join(', ')}`)
  }
}

/** At most this many distinct (declarations, options) plans are kept for reuse. */
const MAX_PLANS = 256
const plans = new Map<string, Plan>()

// A kept plan's slots hold the entry each last found and its last transform: kept past the
// entry's eviction, they would keep up to MAX_PLANS values alive beyond the cache's bound. So when
// the cache evicts, a plan holding an evicted entry is dropped at once (built again if used again):
// a kept plan only ever holds entries the cache holds. (A reused plan is not scanned per call.)
onEviction(() => {
  for (const [key, plan] of plans) if (holdsEvicted(plan)) plans.delete(key)
})

function planFor(declarations: Declarations, options: Omit<LoadOptions, 'timeoutMs' | 'forceFetch'>): Plan {
  // Plain declarations and options (the usual case) are built once; a store object or a logger
  // in the options makes them unkeyable, and they are built each time (cheap, and rare).
  // A reused plan skips every check, so its key tells apart all that a check or the result could
  // (NaN from Infinity, undefined from absent, key order): exactDataKey, not plainDataKey.
  const key = exactDataKey({ declarations, options })
  const known = key === undefined ? undefined : plans.get(key)
  if (known !== undefined) return known // its options were checked when it was built: they are in its key
  const given = options as Record<string, unknown>
  const only = MIDDLEWARE_ONLY.find((name) => given[name] !== undefined)
  if (only !== undefined) throw new ConfigError(only, 'is an option of secrets() (the middleware) only; load() and the get functions resolve what their first argument declares, into the object they return')
  checkNames(options, 'load()') // a get function's names were checked by split()
  if (declarations === null || typeof declarations !== 'object' || Array.isArray(declarations) || Object.keys(declarations).length === 0) {
    throw new ConfigError('declarations', 'must be an object of key -> secret()/parameter()/... with at least one key')
  }
  const settings = normalize({ ...options, context: declarations, prefetch: false }, process.env, 'plainObject')
  cache.ensureCapacity(settings.maxEntries)
  const plan = buildPlan(settings, (role) => settings.stores[role] ?? defaultStore(role, settings), createLimit(settings.concurrency))
  if (key !== undefined) {
    if (plans.size >= MAX_PLANS) plans.clear()
    plans.set(key, plan)
  }
  return plan
}

/**
 * Resolves every declaration now (what is fresh in the cache costs nothing) and returns them,
 * typed from the declarations; rejects with one SecretsError listing every key that failed.
 */
export async function load<const C extends Declarations>(declarations: C, options: LoadOptions = {}): Promise<InjectedContext<C>> {
  try {
    return await loadNow(declarations, options)
  } catch (error) {
    // The middleware's paths say `context.db`: here the declarations are load()'s own.
    throw rerooted(error, 'context.', '', (f) => ({ ...f, target: 'load' }))
  }
}

/**
 * The same failure, its ConfigError path moved from `from` to `to`, its SecretsError failures
 * mapped: what load() and the get functions show is what their caller wrote.
 */
function rerooted(error: unknown, from: string, to: string, failure: (f: KeyFailure) => KeyFailure): unknown {
  if (error instanceof SecretsError) return new SecretsError(error.failures.map(failure))
  if (error instanceof ConfigError && error.option.startsWith(from)) {
    return new ConfigError(to + error.option.slice(from.length), error.message.replace(/^middy-secrets: option '[^']*' /, ''))
  }
  return error
}

async function loadNow<const C extends Declarations>(declarations: C, options: LoadOptions): Promise<InjectedContext<C>> {
  const { timeoutMs = BACKGROUND_LIFETIME_MS, forceFetch = false, ...rest } = options
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw new ConfigError('timeoutMs', `must be a number of milliseconds > 0, got ${String(timeoutMs)}`)
  checkBoolean('forceFetch', forceFetch) // 'no' is truthy: unchecked, it would force a fetch
  const plan = planFor(declarations, rest)
  const out: Record<string, unknown> = {}
  if (forceFetch) for (const slot of plan.slots) invalidate(entryOf(slot), 'refresh')
  else if (allFresh(plan, Date.now())) {
    inject(plan, undefined, out)
    return out as InjectedContext<C>
  }
  const { view, failures } = await resolve(plan, plan.slots.map((_, i) => i), { deadline: Date.now() + timeoutMs, background: false })
  inject(plan, view, out, failures)
  return out as InjectedContext<C>
}

/** Splits a get function's options into the key's own and load()'s. */
function split(kind: DeclarationKind, options: object | undefined): { key: Record<string, unknown>; load: LoadOptions } {
  checkNames(options ?? {}, `get${kind[0]!.toUpperCase()}${kind.slice(1)}()`, KEY_OPTIONS[kind])
  const key: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(options ?? {})) {
    // `ttl` is both: the key's TTL is what a get function means by it.
    if (KEY_OPTIONS[kind].includes(name)) key[name] = value
    else rest[name] = value
  }
  return { key, load: rest as LoadOptions }
}

async function one<T>(kind: DeclarationKind, declare: (keyOptions: Record<string, unknown>) => Declaration<unknown>, options: object | undefined): Promise<T> {
  const { key, load: loadOptions } = split(kind, options)
  try {
    const { value } = await load({ value: declare(key) }, loadOptions)
    return value as T
  } catch (error) {
    // The key is named `value` inside: say which value it was instead.
    throw rerooted(error, 'value.', '', (f) => ({ ...f, key: f.name }))
  }
}

type Value<D> = ValueOf<D>

// The overloads follow the declaration helpers' (see TypeGiven in declare.ts): a default of type
// T, then the generic signature (with T, only a key that is not optional), then a default of
// another type (unknown), then T | undefined.

/** One secret, as Powertools' `getSecret`: a SecretString as text, a SecretBinary as bytes. */
export function getSecret<T>(name: string, options: DefaultOf<T, SecretOptions & LoadOptions>): Promise<T>
export function getSecret<T = never, const O extends SecretOptions & LoadOptions = NotOptional<SecretOptions & LoadOptions>>(name: string, options?: OnlyKnown<O, SecretOptions & LoadOptions>): Promise<Value<ReturnType<typeof secret<T, O>>>>
export function getSecret<T>(name: string, options: OtherDefault<T, SecretOptions & LoadOptions>): Promise<unknown>
export function getSecret<T>(name: string, options: OptionalOf<T, SecretOptions & LoadOptions>): Promise<T | undefined>
export function getSecret(name: string, options?: SecretOptions & LoadOptions): Promise<unknown> {
  return one('secret', (o) => secret(name, o as SecretOptions), options)
}

/** One SSM parameter (SecureString values decrypted), as Powertools' `getParameter`. */
export function getParameter<T>(name: string, options: DefaultOf<T, ParameterOptions & LoadOptions>): Promise<T>
export function getParameter<T = never, const O extends ParameterOptions & LoadOptions = NotOptional<ParameterOptions & LoadOptions>>(name: string, options?: OnlyKnown<O, ParameterOptions & LoadOptions>): Promise<Value<ReturnType<typeof parameter<T, O>>>>
export function getParameter<T>(name: string, options: OtherDefault<T, ParameterOptions & LoadOptions>): Promise<unknown>
export function getParameter<T>(name: string, options: OptionalOf<T, ParameterOptions & LoadOptions>): Promise<T | undefined>
export function getParameter(name: string, options?: ParameterOptions & LoadOptions): Promise<unknown> {
  return one('parameter', (o) => parameter(name, o as ParameterOptions), options)
}

/** Every parameter below a path, keyed by the name relative to it, as Powertools' `getParameters`. */
export function getParameters<T>(path: string, options: DefaultOf<T, ParametersOptions & LoadOptions>): Promise<T>
export function getParameters<T = never, const O extends ParametersOptions & LoadOptions = NotOptional<ParametersOptions & LoadOptions>>(path: string, options?: OnlyKnown<O, ParametersOptions & LoadOptions>): Promise<Value<ReturnType<typeof parameters<T, O>>>>
export function getParameters<T>(path: string, options: OtherDefault<T, ParametersOptions & LoadOptions>): Promise<unknown>
export function getParameters<T>(path: string, options: OptionalOf<T, ParametersOptions & LoadOptions>): Promise<T | undefined>
export function getParameters(path: string, options?: ParametersOptions & LoadOptions): Promise<unknown> {
  return one('parameters', (o) => parameters(path, o as ParametersOptions), options)
}

/** One AppConfig configuration, as Powertools' `getAppConfig`. */
export function getAppConfig<T>(application: string, environment: string, profile: string, options: DefaultOf<T, AppConfigOptions & LoadOptions>): Promise<T>
export function getAppConfig<T = never, const O extends AppConfigOptions & LoadOptions = NotOptional<AppConfigOptions & LoadOptions>>(
  application: string,
  environment: string,
  profile: string,
  options?: OnlyKnown<O, AppConfigOptions & LoadOptions>,
): Promise<Value<ReturnType<typeof appConfig<T, O>>>>
export function getAppConfig<T>(application: string, environment: string, profile: string, options: OtherDefault<T, AppConfigOptions & LoadOptions>): Promise<unknown>
export function getAppConfig<T>(application: string, environment: string, profile: string, options: OptionalOf<T, AppConfigOptions & LoadOptions>): Promise<T | undefined>
export function getAppConfig(application: string, environment: string, profile: string, options?: AppConfigOptions & LoadOptions): Promise<unknown> {
  return one('appConfig', (o) => appConfig(application, environment, profile, o as AppConfigOptions), options)
}

/** One DynamoDB value, as Powertools' `DynamoDBProvider.get`. */
export function getItem<T>(table: string, key: string | number, options: DefaultOf<T, ItemOptions & LoadOptions>): Promise<T>
export function getItem<T = never, const O extends ItemOptions & LoadOptions = NotOptional<ItemOptions & LoadOptions>>(table: string, key: string | number, options?: OnlyKnown<O, ItemOptions & LoadOptions>): Promise<Value<ReturnType<typeof item<T, O>>>>
export function getItem<T>(table: string, key: string | number, options: OtherDefault<T, ItemOptions & LoadOptions>): Promise<unknown>
export function getItem<T>(table: string, key: string | number, options: OptionalOf<T, ItemOptions & LoadOptions>): Promise<T | undefined>
export function getItem(table: string, key: string | number, options?: ItemOptions & LoadOptions): Promise<unknown> {
  return one('item', (o) => item(table, key, o as ItemOptions), options)
}

/** Every value of a DynamoDB partition by sort key, as Powertools' `DynamoDBProvider.getMultiple`. */
export function getItems<T>(table: string, key: string | number, options: DefaultOf<T, ItemsOptions & LoadOptions>): Promise<T>
export function getItems<T = never, const O extends ItemsOptions & LoadOptions = NotOptional<ItemsOptions & LoadOptions>>(table: string, key: string | number, options?: OnlyKnown<O, ItemsOptions & LoadOptions>): Promise<Value<ReturnType<typeof items<T, O>>>>
export function getItems<T>(table: string, key: string | number, options: OtherDefault<T, ItemsOptions & LoadOptions>): Promise<unknown>
export function getItems<T>(table: string, key: string | number, options: OptionalOf<T, ItemsOptions & LoadOptions>): Promise<T | undefined>
export function getItems(table: string, key: string | number, options?: ItemsOptions & LoadOptions): Promise<unknown> {
  return one('items', (o) => items(table, key, o as ItemsOptions), options)
}
