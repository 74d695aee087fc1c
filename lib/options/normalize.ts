/**
 * `secrets()` options -> Settings. Everything wrong fails here, at `secrets()` time, with a
 * ConfigError that names the option path and what is allowed. Defaults and variables come from
 * the option table (./table.ts); an option given in code wins and its variable is not read.
 */
import type { KeyDeclaration } from '../declare.js'
import { ENV, type Env, lambdaLogLevel, readLogLevel } from '../env-vars.js'
import { ConfigError } from '../errors.js'
import { CAPTURE_NEEDS_SDK } from '../stores/connection.js'
import { isLevel, LOG_LEVELS, packageLog } from '../log.js'
import type { Store } from '../store.js'
import { booleanVariable, checkBoolean, checkInteger, checkSeconds, integerVariable, show } from './checks.js'
import { bindingsOf, type KeyDefaults } from './keys.js'
import { DEFAULTS, OPTION_NAMES, OPTIONS, variableFor } from './table.js'
import type { SecretsOptions, Settings, StoreRole, TransportChoice } from './types.js'

type Options = SecretsOptions<Record<string, KeyDeclaration>, Record<string, KeyDeclaration>>

const ROLES: readonly StoreRole[] = ['secretsManager', 'ssm', 'appConfig', 'dynamodb']
const TRANSPORTS: readonly TransportChoice[] = ['auto', 'sdk', 'https']

/**
 * Validates everything and returns what the middleware runs on. `into`: where the context keys
 * go, a Lambda context (the middleware) or load()'s plain object, which a key may call `identity`.
 */
export function normalize(options: Options, env: Env = process.env, into: 'lambdaContext' | 'plainObject' = 'lambdaContext'): Settings {
  if (options === null || typeof options !== 'object') throw new ConfigError('options', 'must be an object')
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.includes(name)) throw new ConfigError(name, `is not an option; allowed: ${OPTION_NAMES.join(', ')}`)
  }
  // The extension's variables: a cache size of 0 turns the cache off, as there.
  const envCacheSize = options.maxEntries === undefined ? integerVariable(env, ENV.cacheSize, OPTIONS.maxEntries.rule) : undefined
  const cacheEnabled = options.cache !== undefined ? checkBoolean('cache', options.cache) : booleanVariable(env, ENV.cacheEnabled, DEFAULTS.cache) && envCacheSize !== 0
  const jitter = fraction('jitter', options.jitter ?? DEFAULTS.jitter)
  const refreshAhead = fraction('refreshAhead', options.refreshAhead ?? DEFAULTS.refreshAhead)
  const defaults: KeyDefaults = {
    ttlSeconds: perRole((role) => (options.ttl !== undefined ? checkSeconds('ttl', options.ttl) : integerVariable(env, variableFor(OPTIONS.ttl, role), OPTIONS.ttl.rule) ?? DEFAULTS.ttlSeconds)),
    maxStaleSeconds: checkSeconds('maxStale', options.maxStale ?? DEFAULTS.maxStaleSeconds),
    rotation: checkBoolean('rotation', options.rotation ?? DEFAULTS.rotation),
    jitter,
    refreshAhead,
    cacheEnabled,
    lambdaContext: into === 'lambdaContext',
  }

  const bindings = [...bindingsOf('context', options.context, defaults), ...bindingsOf('env', options.env, defaults)]
  if (bindings.length === 0) throw new ConfigError('context', 'and env declare no keys; declare at least one secret or parameter')
  const seen = new Set<string>()
  for (const b of bindings) {
    if (seen.has(b.key)) throw new ConfigError(`${b.target}.${b.key}`, 'is declared twice (in context and env); each key may be declared once')
    seen.add(b.key)
  }

  for (const flag of ['batch', 'prefetch', 'internal'] as const) if (options[flag] !== undefined) checkBoolean(flag, options[flag])
  checkStores(options.stores)
  if (options.clientOptions !== undefined && (options.clientOptions === null || typeof options.clientOptions !== 'object')) {
    throw new ConfigError('clientOptions', 'must be an object of AWS SDK client options (region, endpoint, credentials...)')
  }
  const transport = options.transport ?? 'auto'
  if (!TRANSPORTS.includes(transport)) throw new ConfigError('transport', `must be one of ${TRANSPORTS.join(', ')}, got ${show(transport)}`)
  if (options.awsClientCapture !== undefined && typeof options.awsClientCapture !== 'function') {
    throw new ConfigError('awsClientCapture', 'must be a function (client) => client, such as captureAWSv3Client from aws-xray-sdk-core')
  }
  if (options.awsClientCapture !== undefined && transport === 'https') throw new ConfigError('awsClientCapture', CAPTURE_NEEDS_SDK)
  if (options.refreshOn !== undefined && typeof options.refreshOn !== 'function') {
    throw new ConfigError('refreshOn', 'must be a function (error, request) => boolean | string | string[]')
  }
  // The option, else the extension's variable, else Lambda's application log level.
  const logLevel = options.logLevel ?? readLogLevel(env, ENV.logLevel, lambdaLogLevel(env))
  if (!isLevel(logLevel)) throw new ConfigError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got ${show(logLevel)}`)
  checkLogger(options.logger)

  return {
    bindings,
    maxEntries: options.maxEntries !== undefined ? checkInteger('maxEntries', options.maxEntries, { min: 1, default: DEFAULTS.maxEntries }) : envCacheSize || DEFAULTS.maxEntries,
    stores: options.stores ?? {},
    clientOptions: options.clientOptions,
    transport,
    ...(options.awsClientCapture !== undefined ? { awsClientCapture: options.awsClientCapture } : {}),
    log: packageLog(options.logger ?? console, logLevel),
    batch: options.batch ?? DEFAULTS.batch,
    prefetch: options.prefetch ?? DEFAULTS.prefetch,
    internal: options.internal ?? DEFAULTS.internal,
    concurrency: integerSetting(options.concurrency, 'concurrency', 'secretsManager', 1, env),
    requestTimeoutMs: perRole((role) => integerSetting(options.requestTimeoutMs, 'requestTimeoutMs', role, 0, env)),
    // Below Lambda's longest timeout (900 s): a larger margin would leave no invocation any time.
    deadlineMarginMs: checkInteger('deadlineMarginMs', options.deadlineMarginMs ?? DEFAULTS.deadlineMarginMs, { min: 0, max: 899_999, default: DEFAULTS.deadlineMarginMs }),
    retries: checkInteger('retries', options.retries ?? DEFAULTS.retries, { min: 0, default: DEFAULTS.retries }),
    refreshOn: options.refreshOn,
  }
}

function fraction(option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new ConfigError(option, `must be a number from 0 to less than 1, got ${show(value)}`)
  return value
}

function perRole<T>(value: (role: StoreRole) => T): Readonly<Record<StoreRole, T>> {
  return Object.fromEntries(ROLES.map((role) => [role, value(role)])) as Record<StoreRole, T>
}

/** An integer option: checked when given, else its variable for this role, else the default. */
function integerSetting(value: unknown, name: 'concurrency' | 'requestTimeoutMs', role: StoreRole, min: number, env: Env): number {
  const row = OPTIONS[name]
  const fallback = row.rule?.default ?? 0
  if (value !== undefined) return checkInteger(name, value, { min, max: row.rule?.max, default: fallback })
  return integerVariable(env, variableFor(row, role), row.rule) ?? fallback
}

function checkStores(stores: Options['stores']): void {
  if (stores === undefined) return
  if (stores === null || typeof stores !== 'object') throw new ConfigError('stores', `must be an object { ${ROLES.map((r) => `${r}?`).join(', ')} }`)
  for (const [role, store] of Object.entries(stores)) {
    if (!(ROLES as readonly string[]).includes(role)) throw new ConfigError(`stores.${role}`, `is not a store role; allowed: ${ROLES.join(', ')}`)
    if (store !== undefined && (store === null || typeof (store as Store).fetch !== 'function')) {
      throw new ConfigError(`stores.${role}`, 'must implement the Store interface (a fetch(requests, options) method)')
    }
  }
}

function checkLogger(logger: unknown): void {
  if (logger === undefined) return
  const methods = ['debug', 'info', 'warn', 'error'] as const
  if (logger === null || typeof logger !== 'object' || methods.some((m) => typeof (logger as Record<string, unknown>)[m] !== 'function')) {
    throw new ConfigError('logger', `must be console-compatible: an object with ${methods.join(', ')} methods (console, Powertools' Logger, pino...)`)
  }
}

