/**
 * Validation of the user's options and their defaults, including the environment variables
 * the AWS Parameters and Secrets Lambda Extension reads. Everything wrong fails here, at
 * `secrets()` time, with a ConfigError that names the option and what is allowed.
 */
import type { Request } from '@middy/core'
import { ENV, type Env, readBoolean, readInteger, readLogLevel, RULES } from './env-vars.js'
import { ConfigError, type Target } from './errors.js'
import type { Declaration, KeyDeclaration, ParameterOptions, ParametersOptions, SecretOptions } from './declare.js'
import type { Logger, Store, StoreRequest } from './store.js'
import { type ConcreteTransform, concreteTransform, TRANSFORMS, type Transform } from './transform.js'

/** Options for the AWS SDK clients the package creates (region, endpoint, credentials...). */
export interface ClientOptions {
  readonly region?: string
  readonly endpoint?: string
  readonly credentials?: unknown
  readonly [option: string]: unknown
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'none'

/** `true` refreshes every key of the middleware; a list names keys as declared. */
export type RefreshDecision = boolean | readonly string[] | undefined

export interface SecretsOptions<C extends Record<string, KeyDeclaration>, E extends Record<string, KeyDeclaration>> {
  /** Keys set on the Lambda context. */
  readonly context?: C
  /** Keys written to process.env (values must be text). */
  readonly env?: E
  /** Default seconds a value stays fresh (300; SECRETS_MANAGER_TTL / SSM_PARAMETER_STORE_TTL per store). */
  readonly ttl?: number
  /** Bound of the module-scoped cache (1000; PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE). */
  readonly maxEntries?: number
  /** false fetches on every invocation (true; PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED). */
  readonly cache?: boolean
  /** Replace the AWS-backed stores (tests: memoryStore; or a store over your own client). */
  readonly stores?: { readonly secretsManager?: Store; readonly ssm?: Store }
  /** For the SDK clients the package creates. */
  readonly clientOptions?: ClientOptions
  /** Console-compatible logger (default console). Values are never logged. */
  readonly logger?: Logger
  /** debug | info | warn | error | none (info; PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL). */
  readonly logLevel?: LogLevel
  /** Use BatchGetSecretValue / GetParameters (true). */
  readonly batch?: boolean
  /** Start fetching when secrets() is called, in the Lambda init phase (true). */
  readonly prefetch?: boolean
  /** AWS requests in flight at once (10; PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS). */
  readonly concurrency?: number
  /** Timeout of one AWS request in ms (3000; SECRETS_MANAGER_TIMEOUT_MILLIS / SSM_PARAMETER_STORE_TIMEOUT_MILLIS). */
  readonly requestTimeoutMs?: number
  /** Resolution stops this many ms before the Lambda deadline (500). */
  readonly deadlineMarginMs?: number
  /** Retries of a retryable failure (10), with full-jitter backoff, never past the deadline. */
  readonly retries?: number
  /** Rotation awareness for every secret (false). */
  readonly rotation?: boolean
  /** Seconds a stale value may serve when refreshes fail transiently (3600; 0 disables). */
  readonly maxStale?: number
  /** Fraction by which expiries are spread earlier (0.1 = up to 10% earlier; 0 disables). */
  readonly jitter?: number
  /** Error phase: which keys to invalidate after the handler failed with `error`. */
  readonly refreshOn?: (error: unknown, request: Request) => RefreshDecision
}

export type StoreRole = 'secretsManager' | 'ssm'

/** One declared key, ready for the warm path. */
export interface Binding {
  readonly key: string
  readonly target: Target
  readonly role: StoreRole
  readonly request: StoreRequest
  readonly ttlMs: number
  readonly maxStaleMs: number
  readonly transform: ConcreteTransform
  readonly field?: string
  /** parameters(): the transform applied to each value (`auto` looks at each name). */
  readonly eachTransform?: Transform
  readonly rotation: boolean
  /** Fraction of the TTL by which this key's expiry may come earlier. */
  readonly jitter: number
  /** Memo of the last transform, so a warm invocation does not parse JSON again. */
  lastRaw: unknown
  lastValue: unknown
}

export interface Settings {
  readonly bindings: readonly Binding[]
  readonly maxEntries: number
  readonly stores: { readonly secretsManager?: Store; readonly ssm?: Store }
  readonly clientOptions?: ClientOptions
  readonly logger: Logger
  readonly batch: boolean
  readonly prefetch: boolean
  readonly concurrency: number
  readonly requestTimeoutMs: Readonly<Record<StoreRole, number>>
  readonly deadlineMarginMs: number
  readonly retries: number
  readonly refreshOn?: (error: unknown, request: Request) => RefreshDecision
}

const GLOBAL_OPTIONS = new Set([
  'context', 'env', 'ttl', 'maxEntries', 'cache', 'stores', 'clientOptions', 'logger', 'logLevel', 'batch',
  'prefetch', 'concurrency', 'requestTimeoutMs', 'deadlineMarginMs', 'retries', 'rotation', 'maxStale', 'jitter', 'refreshOn',
])
const SECRET_OPTIONS = new Set(['ttl', 'maxStale', 'versionStage', 'versionId', 'transform', 'field', 'rotation'])
const PARAMETER_OPTIONS = new Set(['ttl', 'maxStale', 'version', 'label', 'decrypt', 'transform', 'field'])
const PARAMETERS_OPTIONS = new Set(['ttl', 'maxStale', 'recursive', 'decrypt', 'transform'])

/** Lambda context properties a key may not overwrite. */
const RESERVED_CONTEXT_KEYS = new Set([
  'functionName', 'functionVersion', 'invokedFunctionArn', 'memoryLimitInMB', 'awsRequestId', 'logGroupName',
  'logStreamName', 'identity', 'clientContext', 'callbackWaitsForEmptyEventLoop', 'getRemainingTimeInMillis',
  'done', 'fail', 'succeed', 'tenantId',
])
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'none']

const DEFAULT_TTL_SECONDS = 300
const DEFAULT_MAX_ENTRIES = 1000
const DEFAULT_CONCURRENCY = 10
const DEFAULT_REQUEST_TIMEOUT_MS = 3000
const DEFAULT_DEADLINE_MARGIN_MS = 500
const DEFAULT_RETRIES = 10
const DEFAULT_MAX_STALE_SECONDS = 3600
const DEFAULT_JITTER = 0.1

/** Validates everything and returns what the middleware runs on. */
export function normalize(
  options: SecretsOptions<Record<string, KeyDeclaration>, Record<string, KeyDeclaration>>,
  env: Env = process.env,
): Settings {
  if (options === null || typeof options !== 'object') throw new ConfigError('options', 'must be an object')
  for (const name of Object.keys(options)) {
    if (!GLOBAL_OPTIONS.has(name)) throw new ConfigError(name, `is not an option; allowed: ${[...GLOBAL_OPTIONS].join(', ')}`)
  }
  // The extension's variables, with its ranges; a cache size of 0 turns the cache off, as there.
  const envCacheSize = fromEnv(env, ENV.cacheSize, RULES.cacheSize)
  const cacheEnabled = options.cache ?? ((fromEnv(env, ENV.cacheEnabled, true) ?? true) && envCacheSize !== 0)
  checkBoolean('cache', cacheEnabled)
  const defaults = {
    ttlSeconds: {
      secretsManager: options.ttl ?? fromEnv(env, ENV.secretsTtl, RULES.secretsTtl) ?? DEFAULT_TTL_SECONDS,
      ssm: options.ttl ?? fromEnv(env, ENV.ssmTtl, RULES.ssmTtl) ?? DEFAULT_TTL_SECONDS,
    },
    maxStaleSeconds: options.maxStale ?? DEFAULT_MAX_STALE_SECONDS,
    rotation: options.rotation ?? false,
    jitter: options.jitter ?? DEFAULT_JITTER,
    cacheEnabled,
  }
  checkSeconds('ttl', defaults.ttlSeconds.secretsManager)
  checkSeconds('ttl', defaults.ttlSeconds.ssm)
  checkSeconds('maxStale', defaults.maxStaleSeconds)
  checkBoolean('rotation', defaults.rotation)
  if (typeof defaults.jitter !== 'number' || !(defaults.jitter >= 0 && defaults.jitter < 1)) {
    throw new ConfigError('jitter', `must be a number from 0 to less than 1, got ${show(defaults.jitter)}`)
  }

  const bindings = [
    ...declarations('context', options.context, defaults),
    ...declarations('env', options.env, defaults),
  ]
  if (bindings.length === 0) throw new ConfigError('context', 'and env declare no keys; declare at least one secret or parameter')
  const seen = new Set<string>()
  for (const b of bindings) {
    if (seen.has(b.key)) throw new ConfigError(`${b.target}.${b.key}`, 'is declared twice (in context and env); each key may be declared once')
    seen.add(b.key)
  }

  const maxEntries = integerOption(options.maxEntries, 'maxEntries', envCacheSize || DEFAULT_MAX_ENTRIES, 1)
  const concurrency = integerOption(options.concurrency, 'concurrency', fromEnv(env, ENV.maxConnections, RULES.maxConnections) ?? DEFAULT_CONCURRENCY, 1)
  const requestTimeoutMs = {
    secretsManager: integerOption(options.requestTimeoutMs, 'requestTimeoutMs', fromEnv(env, ENV.secretsTimeoutMs, RULES.secretsTimeoutMs) ?? DEFAULT_REQUEST_TIMEOUT_MS, 0),
    ssm: integerOption(options.requestTimeoutMs, 'requestTimeoutMs', fromEnv(env, ENV.ssmTimeoutMs, RULES.ssmTimeoutMs) ?? DEFAULT_REQUEST_TIMEOUT_MS, 0),
  }
  const deadlineMarginMs = options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS
  checkInteger('deadlineMarginMs', deadlineMarginMs, 0)
  const retries = options.retries ?? DEFAULT_RETRIES
  checkInteger('retries', retries, 0)
  for (const flag of ['batch', 'prefetch'] as const) if (options[flag] !== undefined) checkBoolean(flag, options[flag])
  checkStores(options.stores)
  if (options.clientOptions !== undefined && (options.clientOptions === null || typeof options.clientOptions !== 'object')) {
    throw new ConfigError('clientOptions', 'must be an object of AWS SDK client options (region, endpoint, credentials...)')
  }
  if (options.refreshOn !== undefined && typeof options.refreshOn !== 'function') {
    throw new ConfigError('refreshOn', 'must be a function (error, request) => boolean | string[]')
  }
  const logLevel = options.logLevel ?? readLogLevel(env, ENV.logLevel)
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got ${show(logLevel)}`)
  checkLogger(options.logger)
  const logger = leveled(options.logger ?? console, logLevel)

  return {
    bindings,
    maxEntries,
    stores: options.stores ?? {},
    clientOptions: options.clientOptions,
    logger,
    batch: options.batch ?? true,
    prefetch: options.prefetch ?? true,
    concurrency,
    requestTimeoutMs,
    deadlineMarginMs,
    retries,
    refreshOn: options.refreshOn,
  }
}

interface Defaults {
  readonly ttlSeconds: Readonly<Record<StoreRole, number>>
  readonly maxStaleSeconds: number
  readonly rotation: boolean
  readonly jitter: number
  readonly cacheEnabled: boolean
}

function declarations(target: Target, map: Record<string, KeyDeclaration> | undefined, defaults: Defaults): Binding[] {
  if (map === undefined) return []
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new ConfigError(target, 'must be an object of key -> secret()/parameter()/parameters() or a secret name')
  return Object.entries(map).map(([key, declaration]) => binding(target, key, declaration, defaults))
}

function binding(target: Target, key: string, raw: KeyDeclaration, defaults: Defaults): Binding {
  const path = `${target}.${key}`
  if (target === 'env' && !ENV_NAME.test(key)) throw new ConfigError(path, 'is not a valid environment variable name (letters, digits and _, not starting with a digit)')
  if (target === 'context' && RESERVED_CONTEXT_KEYS.has(key)) throw new ConfigError(path, 'is a property of the Lambda context and cannot be overwritten; choose another key')
  const declaration: Declaration = typeof raw === 'string' ? { kind: 'secret', name: raw, options: {} } : raw
  if (declaration === null || typeof declaration !== 'object' || !['secret', 'parameter', 'parameters'].includes(declaration.kind)) {
    throw new ConfigError(path, 'must be secret(...), parameter(...), parameters(...) or a secret name string')
  }
  if (typeof declaration.name !== 'string' || declaration.name.trim() === '') throw new ConfigError(`${path}.name`, 'must be a non-empty secret or parameter name')
  const o = declaration.options ?? {}
  const allowed = declaration.kind === 'secret' ? SECRET_OPTIONS : declaration.kind === 'parameter' ? PARAMETER_OPTIONS : PARAMETERS_OPTIONS
  for (const name of Object.keys(o)) {
    if (!allowed.has(name)) throw new ConfigError(`${path}.${name}`, `is not an option of ${declaration.kind}(); allowed: ${[...allowed].join(', ')}`)
  }
  const role: StoreRole = declaration.kind === 'secret' ? 'secretsManager' : 'ssm'
  const ttlSeconds = o.ttl ?? defaults.ttlSeconds[role]
  checkSeconds(`${path}.ttl`, ttlSeconds)
  const maxStaleSeconds = o.maxStale ?? defaults.maxStaleSeconds
  checkSeconds(`${path}.maxStale`, maxStaleSeconds)
  const transform = checkTransform(path, o as { transform?: unknown; field?: unknown }, declaration)
  const field = (o as { field?: string }).field
  checkEnvShape(path, target, declaration.kind, transform, field)

  return {
    key,
    target,
    role,
    request: storeRequest(path, declaration),
    ttlMs: defaults.cacheEnabled ? ttlSeconds * 1000 : 0,
    maxStaleMs: defaults.cacheEnabled ? maxStaleSeconds * 1000 : 0,
    transform,
    field,
    rotation: declaration.kind === 'secret' && ((o as SecretOptions).rotation ?? defaults.rotation),
    jitter: defaults.jitter,
    eachTransform: declaration.kind === 'parameters' ? (o as ParametersOptions).transform : undefined,
    lastRaw: undefined,
    lastValue: undefined,
  }
}

function checkTransform(path: string, o: { transform?: unknown; field?: unknown }, declaration: Declaration): ConcreteTransform {
  if (o.transform !== undefined && !TRANSFORMS.includes(o.transform as Transform)) {
    throw new ConfigError(`${path}.transform`, `must be one of ${TRANSFORMS.join(', ')}, got ${show(o.transform)}`)
  }
  let transform = concreteTransform(o.transform as Transform | undefined, declaration.name)
  if (o.field !== undefined) {
    if (typeof o.field !== 'string' || o.field === '') throw new ConfigError(`${path}.field`, 'must be a non-empty field name')
    if (transform === 'none' && o.transform === undefined) transform = 'json' // a field implies JSON
    if (transform !== 'json') throw new ConfigError(`${path}.field`, `picks a field of a JSON value, so it needs transform 'json' (or none), not ${show(o.transform)}`)
  }
  return transform
}

function checkEnvShape(path: string, target: Target, kind: Declaration['kind'], transform: ConcreteTransform, field: string | undefined): void {
  if (target !== 'env') return
  if (kind === 'parameters') throw new ConfigError(path, 'is a parameters() path, an object; environment variables hold text, so declare it under context')
  if (transform === 'json' && field === undefined) throw new ConfigError(`${path}.transform`, "'json' makes an object, and environment variables hold text; add field: '<name>' or declare it under context")
  if (transform === 'base64') throw new ConfigError(`${path}.transform`, "'base64' makes bytes, and environment variables hold text; use 'binary' to decode to text")
}

function storeRequest(path: string, declaration: Declaration): StoreRequest {
  const name = declaration.name.trim()
  if (declaration.kind === 'secret') {
    const o = declaration.options as SecretOptions
    if (o.versionStage !== undefined && o.versionId !== undefined) throw new ConfigError(`${path}.versionStage`, 'and versionId select a version each; give one of them')
    checkOptionalString(`${path}.versionStage`, o.versionStage)
    checkOptionalString(`${path}.versionId`, o.versionId)
    if (o.rotation !== undefined) checkBoolean(`${path}.rotation`, o.rotation)
    return {
      kind: 'secret',
      name,
      ...(o.versionId !== undefined ? { versionId: o.versionId } : { versionStage: o.versionStage ?? 'AWSCURRENT' }),
    }
  }
  if (declaration.kind === 'parameter') {
    const o = declaration.options as ParameterOptions
    if (o.version !== undefined && o.label !== undefined) throw new ConfigError(`${path}.version`, 'and label select a version each; give one of them')
    if (o.version !== undefined) checkInteger(`${path}.version`, o.version, 1)
    checkOptionalString(`${path}.label`, o.label)
    if (o.decrypt !== undefined) checkBoolean(`${path}.decrypt`, o.decrypt)
    return { kind: 'parameter', name, decrypt: o.decrypt ?? true, ...(o.version !== undefined ? { version: o.version } : {}), ...(o.label !== undefined ? { label: o.label } : {}) }
  }
  const o = declaration.options as ParametersOptions
  if (!name.startsWith('/')) throw new ConfigError(`${path}.name`, `must be an SSM path starting with '/', got ${show(name)}`)
  if (o.recursive !== undefined) checkBoolean(`${path}.recursive`, o.recursive)
  if (o.decrypt !== undefined) checkBoolean(`${path}.decrypt`, o.decrypt)
  return { kind: 'parameters', name, decrypt: o.decrypt ?? true, recursive: o.recursive ?? false }
}

function checkStores(stores: SecretsOptions<never, never>['stores']): void {
  if (stores === undefined) return
  if (stores === null || typeof stores !== 'object') throw new ConfigError('stores', 'must be an object { secretsManager?, ssm? }')
  for (const [role, store] of Object.entries(stores)) {
    if (role !== 'secretsManager' && role !== 'ssm') throw new ConfigError(`stores.${role}`, 'is not a store role; allowed: secretsManager, ssm')
    if (store !== undefined && (store === null || typeof (store as Store).fetch !== 'function')) {
      throw new ConfigError(`stores.${role}`, 'must implement the Store interface (a fetch(requests, options) method)')
    }
  }
}

function checkSeconds(option: string, value: unknown): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new ConfigError(option, `must be a number of seconds >= 0 (0 = every invocation, Infinity = never expire), got ${show(value)}`)
  }
}

function checkInteger(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new ConfigError(option, `must be an integer >= ${min}, got ${show(value)}`)
}

/** An integer option when given (checked, named in the error), else the value from the environment or default. */
function integerOption(value: number | undefined, option: string, fallback: number, min: number): number {
  if (value === undefined) return fallback
  checkInteger(option, value, min)
  return value
}

function checkLogger(logger: unknown): void {
  if (logger === undefined) return
  const methods = ['debug', 'info', 'warn', 'error'] as const
  if (logger === null || typeof logger !== 'object' || methods.some((m) => typeof (logger as Record<string, unknown>)[m] !== 'function')) {
    throw new ConfigError('logger', `must be console-compatible: an object with ${methods.join(', ')} methods (console, Powertools' Logger, pino...)`)
  }
}

function checkBoolean(option: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new ConfigError(option, `must be true or false, got ${show(value)}`)
}

function checkOptionalString(option: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw new ConfigError(option, `must be a non-empty string, got ${show(value)}`)
}

/** Describes a wrong option value. Options never hold secrets, but keep it short anyway. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  return typeof value
}

/** An extension variable when it is set (validated with the extension's rules), else undefined. */
function fromEnv(env: Env, variable: string, rule: boolean): boolean | undefined
function fromEnv(env: Env, variable: string, rule: Parameters<typeof readInteger>[2]): number | undefined
function fromEnv(env: Env, variable: string, rule: boolean | Parameters<typeof readInteger>[2]): boolean | number | undefined {
  if (env[variable] === undefined || env[variable]!.trim() === '') return undefined
  return typeof rule === 'boolean' ? readBoolean(env, variable, rule) : readInteger(env, variable, rule)
}

/** A logger that drops messages below the level, so callers need not check. */
function leveled(logger: Logger, level: LogLevel): Logger {
  const rank = LOG_LEVELS.indexOf(level)
  const quiet = (): void => {}
  const at = (method: Exclude<LogLevel, 'none'>): Logger[typeof method] =>
    LOG_LEVELS.indexOf(method) >= rank ? (message, ...details) => logger[method](message, ...details) : quiet
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
