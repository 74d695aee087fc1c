/**
 * One declared key (`context.db: secret(...)`) -> its Binding, with every check a key's
 * declaration needs, each ConfigError naming the key's option path (`context.db.ttl`).
 */
import { makePolicy } from '../cache/policy.js'
import type { Declaration, DeclarationKind, ItemOptions, ItemsOptions, KeyDeclaration, ParameterOptions, ParametersOptions, SecretOptions } from '../declare.js'
import { ENV } from '../env-vars.js'
import { ConfigError, type Target } from '../errors.js'
import { splitSelector } from '../ssm-names.js'
import type { StoreRequest } from '../store.js'
import { type ConcreteTransform, concreteTransform, envText, TRANSFORMS, type Transform } from '../transform.js'
import { checkBoolean, checkInteger, checkOptionalString, checkSeconds, show } from './checks.js'
import type { Binding, StoreRole } from './types.js'

/** The options each kind of declaration accepts. */
const COMMON = ['ttl', 'maxStale', 'optional', 'default'] as const
const ATTRIBUTES = ['keyAttribute', 'valueAttribute', 'consistentRead'] as const
export const KEY_OPTIONS: Readonly<Record<DeclarationKind, readonly string[]>> = {
  secret: [...COMMON, 'versionStage', 'versionId', 'transform', 'field', 'rotation'],
  parameter: [...COMMON, 'version', 'label', 'decrypt', 'transform', 'field'],
  parameters: [...COMMON, 'recursive', 'decrypt', 'transform'],
  appConfig: [...COMMON, 'transform', 'field'],
  item: [...COMMON, ...ATTRIBUTES, 'sortKey', 'sortKeyAttribute', 'transform', 'field'],
  items: [...COMMON, ...ATTRIBUTES, 'sortKeyAttribute', 'transform'],
}

/** The store role that serves each kind of declaration. */
const ROLE_OF: Readonly<Record<DeclarationKind, StoreRole>> = {
  secret: 'secretsManager',
  parameter: 'ssm',
  parameters: 'ssm',
  appConfig: 'appConfig',
  item: 'dynamodb',
  items: 'dynamodb',
}

/** Kinds whose value is an object of many values (a transform applies to each; not for env). */
const MANY: ReadonlySet<DeclarationKind> = new Set(['parameters', 'items'])

/** Lambda context properties a key may not overwrite. */
const RESERVED_CONTEXT_KEYS = new Set([
  'functionName', 'functionVersion', 'invokedFunctionArn', 'memoryLimitInMB', 'awsRequestId', 'logGroupName',
  'logStreamName', 'identity', 'clientContext', 'callbackWaitsForEmptyEventLoop', 'getRemainingTimeInMillis',
  'done', 'fail', 'succeed', 'tenantId',
])
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/**
 * The variables Lambda reserves (its runtime sets them; a function's configuration cannot): the
 * credentials, region and runtime API the SDK, the transports and the extension stores read.
 */
const RESERVED_ENV_NAMES = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
])
/**
 * The variables read as settings, by this package (its own and the extensions' names) or by the
 * transports and the SDK (endpoints, profiles, config files): a secret written there would change
 * how the next store works, and a bad setting's error quotes it (env-vars.ts).
 */
const SETTING_ENV_NAMES = new Set<string>([
  ...Object.values(ENV), 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'AWS_ACCOUNT_ID', 'AWS_ACCOUNT_ID_ENDPOINT_MODE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_LAMBDA_LOG_FORMAT', 'AWS_LAMBDA_LOG_LEVEL',
])
const SETTING_ENV_PREFIXES = ['PARAMETERS_SECRETS_EXTENSION_', 'AWS_APPCONFIG_EXTENSION_', 'AWS_ENDPOINT_URL']
const isSettingName = (name: string): boolean => SETTING_ENV_NAMES.has(name) || SETTING_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))

/** What a key falls back to when it sets nothing itself. */
export interface KeyDefaults {
  readonly ttlSeconds: Readonly<Record<StoreRole, number>>
  readonly maxStaleSeconds: number
  readonly rotation: boolean
  readonly jitter: number
  readonly refreshAhead: number
  readonly cacheEnabled: boolean
  /** The context target is a Lambda context (the middleware's), whose own properties no key may take; load() returns a plain object. */
  readonly lambdaContext: boolean
}

export function bindingsOf(target: Target, map: Record<string, KeyDeclaration> | undefined, defaults: KeyDefaults): Binding[] {
  if (map === undefined) return []
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new ConfigError(target, 'must be an object of key -> secret()/parameter()/parameters() or a secret name')
  return Object.entries(map).map(([key, declaration]) => binding(target, key, declaration, defaults))
}

function binding(target: Target, key: string, raw: KeyDeclaration, defaults: KeyDefaults): Binding {
  const path = `${target}.${key}`
  if (target === 'env' && !ENV_NAME.test(key)) throw new ConfigError(path, 'is not a valid environment variable name (letters, digits and _, not starting with a digit)')
  if (target === 'env' && RESERVED_ENV_NAMES.has(key)) throw new ConfigError(path, "is reserved by Lambda (its runtime sets it, and the AWS clients read it); choose another name")
  if (target === 'env' && isSettingName(key)) throw new ConfigError(path, 'is read as a setting by this package or the AWS SDK (a secret there would change how they work); choose another name')
  if (target === 'context' && defaults.lambdaContext && RESERVED_CONTEXT_KEYS.has(key)) throw new ConfigError(path, 'is a property of the Lambda context and cannot be overwritten; choose another key')
  // Assigned, it would set the object's prototype (or be dropped, by process.env): never the key the handler reads.
  if (key === '__proto__') throw new ConfigError(path, 'cannot be injected (assigning it sets the prototype); choose another key')
  const declaration: Declaration = typeof raw === 'string' ? { kind: 'secret', name: raw, options: {} } : raw
  if (declaration === null || typeof declaration !== 'object' || !Object.hasOwn(KEY_OPTIONS, declaration.kind)) {
    throw new ConfigError(path, 'must be secret(...), parameter(...), parameters(...), appConfig(...), item(...), items(...) or a secret name string')
  }
  if (typeof declaration.name !== 'string' || declaration.name.trim() === '') throw new ConfigError(`${path}.name`, 'must be a non-empty secret or parameter name')
  if (declaration.options !== undefined && (declaration.options === null || typeof declaration.options !== 'object')) throw new ConfigError(path, 'has options that are not an object')
  const o = declaration.options ?? {}
  const allowed = KEY_OPTIONS[declaration.kind]
  for (const name of Object.keys(o)) {
    if (!allowed.includes(name)) throw new ConfigError(`${path}.${name}`, `is not an option of ${declaration.kind}(); allowed: ${allowed.join(', ')}`)
  }
  const role = ROLE_OF[declaration.kind]
  const ttlSeconds = checkSeconds(`${path}.ttl`, o.ttl ?? defaults.ttlSeconds[role])
  const maxStaleSeconds = checkSeconds(`${path}.maxStale`, o.maxStale ?? defaults.maxStaleSeconds)
  const transform = checkTransform(path, o as { transform?: unknown; field?: unknown }, declaration)
  const field = (o as { field?: string }).field
  checkEnvShape(path, target, declaration.kind, transform, field)
  const rotation = declaration.kind === 'secret' && ((o as SecretOptions).rotation ?? defaults.rotation)
  const on = defaults.cacheEnabled
  const optional = o.optional === undefined ? false : checkBoolean(`${path}.optional`, o.optional)
  if ('default' in o && !optional) throw new ConfigError(`${path}.default`, 'is the value of a key that may not exist: add optional: true')
  if (target === 'env' && o.default !== undefined) checkEnvDefault(`${path}.default`, o.default)

  return {
    key,
    target,
    role,
    request: storeRequest(path, declaration, ttlSeconds, defaults),
    policy: makePolicy(on ? ttlSeconds * 1000 : 0, on ? maxStaleSeconds * 1000 : 0, defaults.jitter, rotation, optional, defaults.refreshAhead),
    transform,
    ...(field !== undefined ? { field } : {}),
    ...(MANY.has(declaration.kind) ? { eachTransform: (o as ParametersOptions | ItemsOptions).transform } : {}),
    optional,
    ...('default' in o ? { fallback: o.default } : {}),
  }
}

/**
 * The name whose suffix `'auto'` reads: an item's is its key (the sort key's, when it has one, as
 * each item of items() goes by its sort key), not its table's, as Powertools' DynamoDB get(key).
 */
function autoName(declaration: Declaration): string {
  if (declaration.kind !== 'item') return declaration.name
  const key = (declaration.options as ItemOptions).sortKey ?? declaration.key
  return typeof key === 'string' ? key : ''
}

function checkTransform(path: string, o: { transform?: unknown; field?: unknown }, declaration: Declaration): ConcreteTransform {
  if (o.transform !== undefined && !TRANSFORMS.includes(o.transform as Transform)) {
    throw new ConfigError(`${path}.transform`, `must be one of ${TRANSFORMS.join(', ')}, got ${show(o.transform)}`)
  }
  let transform = concreteTransform(o.transform as Transform | undefined, autoName(declaration))
  if (o.field !== undefined) {
    if (typeof o.field !== 'string' || o.field === '') throw new ConfigError(`${path}.field`, 'must be a non-empty field name')
    if (transform === 'none' && o.transform === undefined) transform = 'json' // a field implies JSON
    if (transform !== 'json') throw new ConfigError(`${path}.field`, `picks a field of a JSON value, so it needs transform 'json' (or none), not ${show(o.transform)}`)
  }
  return transform
}

/** An env key's default is injected as it is: it must be what an environment variable can hold, as a value must (envText). */
function checkEnvDefault(path: string, fallback: unknown): void {
  try {
    envText(fallback)
  } catch {
    throw new ConfigError(path, 'must be text an environment variable can hold (no NUL character), a number or a boolean')
  }
}

function checkEnvShape(path: string, target: Target, kind: Declaration['kind'], transform: ConcreteTransform, field: string | undefined): void {
  if (target !== 'env') return
  if (MANY.has(kind)) throw new ConfigError(path, `is ${kind}(), an object of values; environment variables hold text, so declare it under context`)
  if (transform === 'json' && field === undefined) throw new ConfigError(`${path}.transform`, "'json' makes an object, and environment variables hold text; add field: '<name>' or declare it under context")
  if (transform === 'base64') throw new ConfigError(`${path}.transform`, "'base64' makes bytes, and environment variables hold text; use 'binary' to decode to text")
}

/**
 * A parameter named with its selector (`/app/db:3`, `/app/db:prod`), as GetParameter(s) and the
 * extension take it: the version or label as if given as options, so that it is one request (one
 * cache entry, one batch answer matched by its Selector) with `parameter('/app/db', { version: 3 })`.
 */
function selectorOptions(path: string, name: string, options: ParameterOptions): ParameterOptions & { readonly name: string } {
  const split = splitSelector(name)
  if (split.selector === undefined) return { ...options, name }
  if (options.version !== undefined || options.label !== undefined) throw new ConfigError(`${path}.name`, `ends with a selector (':${split.selector}') while version or label is given too; give one of them`)
  if (split.selector === '') throw new ConfigError(`${path}.name`, "ends with ':' and no version or label after it")
  if (split.name === '') throw new ConfigError(`${path}.name`, `is a selector (':${split.selector}') with no parameter name before it`)
  return /^\d+$/.test(split.selector) ? { ...options, name: split.name, version: Number(split.selector) } : { ...options, name: split.name, label: split.selector }
}

function storeRequest(path: string, declaration: Declaration, ttlSeconds: number, defaults: KeyDefaults): StoreRequest {
  const name = declaration.name.trim()
  if (declaration.kind === 'appConfig') return appConfigRequest(path, declaration, firstAskSeconds(ttlSeconds, defaults))
  if (declaration.kind === 'item' || declaration.kind === 'items') return itemRequest(path, declaration)
  if (declaration.kind === 'secret') {
    const o = declaration.options as SecretOptions
    if (o.versionStage !== undefined && o.versionId !== undefined) throw new ConfigError(`${path}.versionStage`, 'and versionId select a version each; give one of them')
    checkOptionalString(`${path}.versionStage`, o.versionStage)
    checkOptionalString(`${path}.versionId`, o.versionId)
    if (o.rotation !== undefined) checkBoolean(`${path}.rotation`, o.rotation)
    return { kind: 'secret', name, ...(o.versionId !== undefined ? { versionId: o.versionId } : { versionStage: o.versionStage ?? 'AWSCURRENT' }) }
  }
  if (declaration.kind === 'parameter') {
    const o = selectorOptions(path, name, declaration.options as ParameterOptions)
    if (o.version !== undefined && o.label !== undefined) throw new ConfigError(`${path}.version`, 'and label select a version each; give one of them')
    if (o.version !== undefined) checkInteger(`${path}.version`, o.version, { min: 1 })
    checkOptionalString(`${path}.label`, o.label)
    if (o.decrypt !== undefined) checkBoolean(`${path}.decrypt`, o.decrypt)
    return { kind: 'parameter', name: o.name, decrypt: o.decrypt ?? true, ...(o.version !== undefined ? { version: o.version } : {}), ...(o.label !== undefined ? { label: o.label } : {}) }
  }
  const o = declaration.options as ParametersOptions
  if (!name.startsWith('/')) throw new ConfigError(`${path}.name`, `must be an SSM path starting with '/', got ${show(name)}`)
  if (o.recursive !== undefined) checkBoolean(`${path}.recursive`, o.recursive)
  if (o.decrypt !== undefined) checkBoolean(`${path}.decrypt`, o.decrypt)
  return { kind: 'parameters', name, decrypt: o.decrypt ?? true, recursive: o.recursive ?? false }
}

/**
 * A value ages from when it was asked for (resolver/attempts.ts), and AppConfig's interval counts
 * from when the answer came: the poll interval is this much shorter than the earliest ask, so that
 * a request's latency does not bring the ask before the session may poll.
 */
const ASK_LATENCY_MARGIN_SECONDS = 1

/**
 * The earliest age at which any environment asks for a value again: the TTL less the whole
 * jitter, less the refresh-ahead share, less the margin above. AppConfig's poll interval must not
 * be longer, or that ask would be answered from the session's last answer instead of AWS.
 * With the cache off, every invocation asks (the policy's TTL is 0), whatever the ttl says.
 */
function firstAskSeconds(ttlSeconds: number, defaults: KeyDefaults): number {
  if (!defaults.cacheEnabled) return 0
  return Math.floor(ttlSeconds * (1 - defaults.jitter) * (1 - defaults.refreshAhead)) - ASK_LATENCY_MARGIN_SECONDS
}

function appConfigRequest(path: string, declaration: Declaration, pollSeconds: number): StoreRequest {
  const [application, environment, profile] = declaration.appConfig ?? []
  const parts = { application, environment, profile }
  for (const [part, value] of Object.entries(parts)) {
    if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${path}.${part}`, `must be a non-empty AppConfig ${part} name or id, got ${show(value)}`)
  }
  return {
    kind: 'appConfig',
    name: declaration.name,
    application: application!,
    environment: environment!,
    profile: profile!,
    // AppConfig's poll interval: when the key first asks again (the store holds it to AWS's 15 s to 24 h).
    ...(Number.isFinite(pollSeconds) ? { minPollIntervalSeconds: pollSeconds } : {}),
  }
}

/** A key attribute's value, as DynamoDB takes it: no empty string, no NaN or Infinity (sent as `{ N: 'NaN' }`, refused at run time). */
function checkKeyValue(path: string, which: 'partition' | 'sort', value: unknown): asserts value is string | number {
  const valid = (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))
  if (!valid) throw new ConfigError(path, `must be the ${which} key value, a non-empty string or a finite number, got ${show(value)}`)
}

function itemRequest(path: string, declaration: Declaration): StoreRequest {
  const o = declaration.options as ItemOptions & ItemsOptions
  const name = declaration.name.trim()
  const attribute = (option: 'keyAttribute' | 'valueAttribute' | 'sortKeyAttribute', fallback: string): string => {
    checkOptionalString(`${path}.${option}`, o[option])
    return o[option] ?? fallback
  }
  checkKeyValue(`${path}.key`, 'partition', declaration.key)
  if (o.consistentRead !== undefined) checkBoolean(`${path}.consistentRead`, o.consistentRead)
  const common = {
    name,
    key: { attribute: attribute('keyAttribute', 'id'), value: declaration.key },
    valueAttribute: attribute('valueAttribute', 'value'),
    consistentRead: o.consistentRead ?? false,
  }
  if (declaration.kind === 'items') return { kind: 'items', ...common, sortKeyAttribute: attribute('sortKeyAttribute', 'sk') }
  if (o.sortKey !== undefined) checkKeyValue(`${path}.sortKey`, 'sort', o.sortKey)
  return { kind: 'item', ...common, ...(o.sortKey !== undefined ? { sortKey: { attribute: attribute('sortKeyAttribute', 'sk'), value: o.sortKey } } : {}) }
}
