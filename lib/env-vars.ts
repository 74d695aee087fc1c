/**
 * The AWS Parameters and Secrets Lambda Extension's environment variables, with the defaults and
 * valid ranges AWS documents. The middleware (its defaults), the extension store and the local
 * server all read them through this file, so a function configured for the
 * real extension behaves the same against the local one. Out-of-range values are rejected, never
 * clamped, with an error naming the variable, the value and the allowed range.
 */
import { brand, ConfigError } from './errors.js'
import { isLevel, type Level, LOG_LEVELS } from './log.js'

export const ENV = {
  port: 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT',
  cacheEnabled: 'PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED',
  cacheSize: 'PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE',
  maxConnections: 'PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS',
  logLevel: 'PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL',
  secretsTtl: 'SECRETS_MANAGER_TTL',
  ssmTtl: 'SSM_PARAMETER_STORE_TTL',
  secretsTimeoutMs: 'SECRETS_MANAGER_TIMEOUT_MILLIS',
  ssmTimeoutMs: 'SSM_PARAMETER_STORE_TIMEOUT_MILLIS',
} as const

export type ExtensionLogLevel = Level

/** An integer setting: its default and inclusive bounds (`max` undefined = no upper bound). */
export interface IntegerRule {
  /** Shown in errors; required to read a variable (unset means the default). */
  readonly default?: number
  readonly min: number
  readonly max?: number
}

export const RULES = {
  port: { default: 2773, min: 1, max: 65535 },
  cacheSize: { default: 1000, min: 0, max: 1000 },
  maxConnections: { default: 3, min: 1 },
  secretsTtl: { default: 300, min: 0, max: 300 },
  ssmTtl: { default: 300, min: 0, max: 300 },
  // A Node timer waits at most 2^31 - 1 ms; a longer one fires after 1 ms (every request would time out).
  secretsTimeoutMs: { default: 0, min: 0, max: 2 ** 31 - 1 },
  ssmTimeoutMs: { default: 0, min: 0, max: 2 ** 31 - 1 },
} as const satisfies Record<string, IntegerRule>

/** Everything the extension reads from its environment, validated. */
export interface ExtensionSettings {
  readonly port: number
  readonly cacheEnabled: boolean
  readonly cacheSize: number
  readonly maxConnections: number
  readonly logLevel: ExtensionLogLevel
  /** Seconds; 0 = do not cache secrets. */
  readonly secretsTtl: number
  /** Seconds; 0 = do not cache parameters. */
  readonly ssmTtl: number
  /** Milliseconds; 0 = no timeout. */
  readonly secretsTimeoutMs: number
  readonly ssmTimeoutMs: number
}

export type Env = Readonly<Record<string, string | undefined>>

/** A setting outside what the extension accepts. Names the variable (or option), value and range. */
export class ExtensionConfigError extends ConfigError {
  readonly value: string
  readonly allowed: string

  constructor(variable: string, value: string, allowed: string) {
    super(variable, `is '${value}', which is not allowed: expected ${allowed}`)
    this.value = value
    this.allowed = allowed
  }
}
brand(ExtensionConfigError, 'ExtensionConfigError')

export function describeRule(rule: IntegerRule): string {
  const range = rule.max === undefined ? `an integer >= ${rule.min}` : `an integer from ${rule.min} to ${rule.max}`
  return rule.default === undefined ? range : `${range} (default ${rule.default})`
}

/** Checks a value against a rule; `label` is the variable or option name shown in the error. */
export function checkInteger(label: string, value: unknown, rule: IntegerRule): number {
  const inRange = typeof value === 'number' && Number.isInteger(value) && value >= rule.min && (rule.max === undefined || value <= rule.max)
  if (!inRange) throw new ExtensionConfigError(label, typeof value === 'number' ? String(value) : typeof value, describeRule(rule))
  return value
}

/** Reads an integer variable: unset or empty means the default; anything not all digits is rejected. */
export function readInteger(env: Env, variable: string, rule: IntegerRule & { readonly default: number }): number {
  const raw = env[variable]?.trim()
  if (raw === undefined || raw === '') return rule.default
  if (!/^\d+$/.test(raw)) throw new ExtensionConfigError(variable, raw, describeRule(rule))
  return checkInteger(variable, Number(raw), rule)
}

export function readBoolean(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return fallback
  if (raw === 'true') return true
  if (raw === 'false') return false
  throw new ExtensionConfigError(variable, raw, `true or false (default ${fallback})`)
}

export function checkLogLevel(label: string, value: string): ExtensionLogLevel {
  const level = value.trim().toLowerCase()
  if (isLevel(level)) return level
  throw new ExtensionConfigError(label, value, `one of ${LOG_LEVELS.join(', ')} (default info)`)
}

export function readLogLevel(env: Env, variable: string, fallback: ExtensionLogLevel = 'info'): ExtensionLogLevel {
  const raw = env[variable]
  return raw === undefined || raw.trim() === '' ? fallback : checkLogLevel(variable, raw)
}

/** Lambda's levels (advanced logging controls) as the package's: TRACE is its debug, FATAL its error. */
const LAMBDA_LOG_LEVELS: Readonly<Record<string, ExtensionLogLevel>> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'error' }

/**
 * The function's application log level, which Lambda sets in AWS_LAMBDA_LOG_LEVEL with its JSON
 * log format (and Powertools Logger reads too); undefined when not set or not one of Lambda's.
 */
export function lambdaLogLevel(env: Env): ExtensionLogLevel | undefined {
  return LAMBDA_LOG_LEVELS[(env.AWS_LAMBDA_LOG_LEVEL ?? '').trim().toUpperCase()]
}

/** All the extension's settings from an environment (default `process.env`). */
export function readExtensionSettings(env: Env = process.env): ExtensionSettings {
  return {
    port: readInteger(env, ENV.port, RULES.port),
    cacheEnabled: readBoolean(env, ENV.cacheEnabled, true),
    cacheSize: readInteger(env, ENV.cacheSize, RULES.cacheSize),
    maxConnections: readInteger(env, ENV.maxConnections, RULES.maxConnections),
    logLevel: readLogLevel(env, ENV.logLevel),
    secretsTtl: readInteger(env, ENV.secretsTtl, RULES.secretsTtl),
    ssmTtl: readInteger(env, ENV.ssmTtl, RULES.ssmTtl),
    secretsTimeoutMs: readInteger(env, ENV.secretsTimeoutMs, RULES.secretsTimeoutMs),
    ssmTimeoutMs: readInteger(env, ENV.ssmTimeoutMs, RULES.ssmTimeoutMs),
  }
}
