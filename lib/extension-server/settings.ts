/**
 * The local server's settings: each one from its option if given, else from the extension's
 * environment variable, else AWS's default; all checked against the ranges the extension accepts.
 */
import { ConfigError } from '../errors.js'
import type { Logger } from '../store.js'
import {
  ENV,
  RULES,
  checkInteger,
  checkLogLevel,
  readBoolean,
  readInteger,
  readLogLevel,
  type Env,
  type ExtensionLogLevel,
  type ExtensionSettings,
} from '../env-vars.js'
import { DEFAULT_HOST } from '../extension-protocol.js'
import { APPCONFIG_ENV } from '../stores/appconfig-extension-env.js'
import { resolveAppConfigSettings, type AppConfigServerOptions, type AppConfigServerSettings } from './appconfig-settings.js'
import type { Backend } from './handler.js'

export interface ExtensionServerOptions {
  /** Where values come from: `memoryStore(seed)` for a file, the SDK stores for real AWS. */
  readonly backend: Backend
  /** 0 = any free port. Default: PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, else 2773. */
  readonly port?: number
  /** `127.0.0.1` (default) or `::1`: the server never listens beyond the loopback interface. */
  readonly host?: string
  /** The value clients must send in X-Aws-Parameters-Secrets-Token. Default: AWS_SESSION_TOKEN. */
  readonly token?: string
  /** Default: PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED, else true. */
  readonly cacheEnabled?: boolean
  /** 0-1000. Default: PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE, else 1000. */
  readonly cacheSize?: number
  /** Seconds, 0-300. Default: SECRETS_MANAGER_TTL, else 300. */
  readonly secretsTtl?: number
  /** Seconds, 0-300. Default: SSM_PARAMETER_STORE_TTL, else 300. */
  readonly ssmTtl?: number
  /** Backend call timeout, ms (0 = none). Default: SECRETS_MANAGER_TIMEOUT_MILLIS, else 0. */
  readonly secretsTimeoutMs?: number
  /** Backend call timeout, ms (0 = none). Default: SSM_PARAMETER_STORE_TIMEOUT_MILLIS, else 0. */
  readonly ssmTimeoutMs?: number
  /** Backend calls at once (>= 1). Default: PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS, else 3. */
  readonly maxConnections?: number
  /** Default: PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL, else info. */
  readonly logLevel?: ExtensionLogLevel
  /** Default: console. */
  readonly logger?: Logger
  /** Where the variables are read (default `process.env`). */
  readonly env?: Env
  /**
   * Also serve the AppConfig Lambda extension's interface, on its own port, from
   * `backend.appConfig`: `true` for AWS's defaults (AWS_APPCONFIG_EXTENSION_* variables), or
   * options (`{ port: 0 }` for any free port).
   */
  readonly appConfig?: boolean | AppConfigServerOptions
}

export interface ServerSettings extends ExtensionSettings {
  readonly host: string
  readonly token: string
  /** The AppConfig interface's settings, when it is served. */
  readonly appConfig?: AppConfigServerSettings
}

const SERVER_HOSTS: readonly string[] = ['127.0.0.1', '::1']

export function resolveServerSettings(options: ExtensionServerOptions): ServerSettings {
  const env = options.env ?? process.env
  const integer = (option: keyof typeof RULES, value: number | undefined, variable: string): number =>
    value === undefined ? readInteger(env, variable, RULES[option]) : checkInteger(option, value, RULES[option])
  return checkPortsApart({
    host: checkServerHost(options.host ?? DEFAULT_HOST),
    token: checkToken(options.token ?? env.AWS_SESSION_TOKEN),
    // Port 0 (any free port) is allowed as an option, for tests and tools; the variable is 1-65535.
    port: options.port === undefined ? readInteger(env, ENV.port, RULES.port) : checkInteger('port', options.port, { ...RULES.port, min: 0 }),
    cacheEnabled: options.cacheEnabled ?? readBoolean(env, ENV.cacheEnabled, true),
    cacheSize: integer('cacheSize', options.cacheSize, ENV.cacheSize),
    maxConnections: integer('maxConnections', options.maxConnections, ENV.maxConnections),
    logLevel: options.logLevel === undefined ? readLogLevel(env, ENV.logLevel) : checkLogLevel('logLevel', options.logLevel),
    secretsTtl: integer('secretsTtl', options.secretsTtl, ENV.secretsTtl),
    ssmTtl: integer('ssmTtl', options.ssmTtl, ENV.ssmTtl),
    secretsTimeoutMs: integer('secretsTimeoutMs', options.secretsTimeoutMs, ENV.secretsTimeoutMs),
    ssmTimeoutMs: integer('ssmTimeoutMs', options.ssmTimeoutMs, ENV.ssmTimeoutMs),
    appConfig: checkAppConfigBackend(resolveAppConfigSettings(options.appConfig, env), options.backend),
  })
}

/**
 * The two interfaces on one port: the second listen would fail as "port in use", blaming another
 * process for the one the server holds itself. Said before anything listens, naming both settings.
 */
function checkPortsApart(settings: ServerSettings): ServerSettings {
  if (settings.appConfig !== undefined && settings.port !== 0 && settings.port === settings.appConfig.port) {
    throw new ConfigError(
      'appConfig.port',
      `is ${settings.port}, the port of the Parameters and Secrets interface too: give each its own (--port or ${ENV.port}, --appconfig-port or ${APPCONFIG_ENV.port})`,
    )
  }
  return settings
}

function checkAppConfigBackend(settings: AppConfigServerSettings | undefined, backend: Backend): AppConfigServerSettings | undefined {
  if (settings && !backend.appConfig) {
    throw new ConfigError('backend', 'has no appConfig store: the AppConfig extension interface (the appConfig option) answers from backend.appConfig, e.g. memoryStore(seed)')
  }
  return settings
}

function checkServerHost(host: string): string {
  if (!SERVER_HOSTS.includes(host)) {
    throw new ConfigError('host', `must be ${SERVER_HOSTS.join(' or ')}: the server only listens on the loopback interface, as the extension does; got '${host}'`)
  }
  return host
}

function checkToken(token: string | undefined): string {
  if (!token) {
    throw new ConfigError('token', 'is required: pass it or set AWS_SESSION_TOKEN; clients must send it in X-Aws-Parameters-Secrets-Token (SSRF protection, as the extension does)')
  }
  return token
}
