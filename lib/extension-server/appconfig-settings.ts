/**
 * The settings of the local server's AppConfig extension interface: each from its option if
 * given, else from the AppConfig extension's variable, else AWS's default.
 */
import { checkInteger, readInteger, type Env } from '../env-vars.js'
import { APPCONFIG_ENV, APPCONFIG_RULES } from '../stores/appconfig-extension-env.js'

export interface AppConfigServerOptions {
  /** 0 = any free port. Default: AWS_APPCONFIG_EXTENSION_HTTP_PORT, else 2772. */
  readonly port?: number
  /**
   * How long a fetched configuration is served from the cache before the next request polls the
   * backend again (seconds; 0 = every request polls). Default:
   * AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS, else 45.
   */
  readonly pollIntervalSeconds?: number
  /**
   * How long a poll may take (ms; 0 = no bound); past it the cached copy is served, as the
   * extension does. Default: AWS_APPCONFIG_EXTENSION_POLL_TIMEOUT_MILLIS, else 3000.
   */
  readonly pollTimeoutMs?: number
  /** Backend calls at once (>= 1). Default: AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS, else 3. */
  readonly maxConnections?: number
}

export interface AppConfigServerSettings {
  readonly port: number
  readonly pollIntervalSeconds: number
  readonly pollTimeoutMs: number
  readonly maxConnections: number
}

/** Undefined when the interface is not asked for (`appConfig` absent or false). */
export function resolveAppConfigSettings(option: boolean | AppConfigServerOptions | undefined, env: Env): AppConfigServerSettings | undefined {
  if (option === undefined || option === false) return undefined
  const options = option === true ? {} : option
  const integer = (name: Exclude<keyof typeof APPCONFIG_RULES, 'port'>, value: number | undefined): number =>
    value === undefined ? readInteger(env, APPCONFIG_ENV[name], APPCONFIG_RULES[name]) : checkInteger(name, value, APPCONFIG_RULES[name])
  return {
    // Port 0 (any free port) is allowed as an option, for tests and tools; the variable is 1-65535.
    port:
      options.port === undefined
        ? readInteger(env, APPCONFIG_ENV.port, APPCONFIG_RULES.port)
        : checkInteger('appConfig.port', options.port, { ...APPCONFIG_RULES.port, min: 0 }),
    pollIntervalSeconds: integer('pollIntervalSeconds', options.pollIntervalSeconds),
    pollTimeoutMs: integer('pollTimeoutMs', options.pollTimeoutMs),
    maxConnections: integer('maxConnections', options.maxConnections),
  }
}
