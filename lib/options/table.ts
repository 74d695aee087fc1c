/**
 * Every option of `secrets()` in one typed table: its default, the environment variable (of the
 * AWS Parameters and Secrets Lambda Extension) that may set it, and how it is checked. The
 * allowed option names and the defaults named in errors come from here; the README's option
 * table comes from here and from ./docs.ts, its text, which is kept out of this file because
 * every byte imported costs a cold start its compile time (`__tests__/options/table.test.ts`
 * keeps the README in step).
 *
 * An option given in code wins, and its variable is then not read at all. A variable that is set
 * is held to the extension's range, and an error about it names the package's default.
 */
import { ENV, type IntegerRule, RULES } from '../env-vars.js'
import type { KeyDeclaration } from '../declare.js'
import type { SecretsOptions, StoreRole } from './types.js'

export type OptionName = keyof SecretsOptions<Record<string, KeyDeclaration>, Record<string, KeyDeclaration>>

/** Where a variable's value comes from: one variable, or one per store role. */
export type Variable = string | Readonly<Partial<Record<StoreRole, string>>>

export interface OptionRow {
  /** The extension's variable(s) for this option, if any. */
  readonly variable?: Variable
  /** The extension's range for the variable (the package default replaces the extension's). */
  readonly rule?: IntegerRule
}

export const DEFAULTS = {
  ttlSeconds: 300,
  maxEntries: 1000,
  cache: true,
  logLevel: 'info',
  batch: true,
  prefetch: true,
  internal: false,
  concurrency: 10,
  requestTimeoutMs: 3000,
  deadlineMarginMs: 500,
  retries: 10,
  rotation: false,
  maxStaleSeconds: 3600,
  jitter: 0.1,
  refreshAhead: 0.1,
} as const

export const OPTIONS: Readonly<Record<OptionName, OptionRow>> = {
  context: {},
  env: {},
  ttl: { variable: { secretsManager: ENV.secretsTtl, ssm: ENV.ssmTtl }, rule: { ...RULES.secretsTtl, default: DEFAULTS.ttlSeconds } },
  maxEntries: { variable: ENV.cacheSize, rule: { ...RULES.cacheSize, default: DEFAULTS.maxEntries } },
  cache: { variable: ENV.cacheEnabled },
  stores: {},
  clientOptions: {},
  transport: {},
  awsClientCapture: {},
  logger: {},
  logLevel: { variable: ENV.logLevel },
  batch: {},
  prefetch: {},
  internal: {},
  concurrency: { variable: ENV.maxConnections, rule: { ...RULES.maxConnections, default: DEFAULTS.concurrency } },
  requestTimeoutMs: { variable: { secretsManager: ENV.secretsTimeoutMs, ssm: ENV.ssmTimeoutMs }, rule: { ...RULES.secretsTimeoutMs, default: DEFAULTS.requestTimeoutMs } },
  deadlineMarginMs: {},
  retries: {},
  rotation: {},
  maxStale: {},
  refreshAhead: {},
  jitter: {},
  refreshOn: {},
}

export const OPTION_NAMES: readonly string[] = Object.keys(OPTIONS)

/** The variable an option reads for a store role, if it has one. */
export function variableFor(row: OptionRow, role: StoreRole): string | undefined {
  return typeof row.variable === 'string' || row.variable === undefined ? row.variable : row.variable[role]
}
