/**
 * The two errors users see. Neither ever holds a secret value: they name the key, the store,
 * the secret name and the AWS error, and say what to do.
 */

/**
 * `instanceof` across copies of the package: an ESM import and a CommonJS require of it in one
 * process are two copies, two classes (./shared-state.ts). The prototype carries a registered
 * symbol, so an error made by the other copy is one of ours too (its subclasses check as usual).
 * Each exported error class is branded, subclasses too (ExtensionConfigError, in env-vars.ts).
 */
export function brand(error: abstract new (...args: never[]) => Error, name: string): void {
  const key = Symbol.for(`middy-secrets.${name}`)
  Object.defineProperty(error.prototype, key, { value: true })
  Object.defineProperty(error, Symbol.hasInstance, {
    value(this: Function, value: unknown): boolean {
      if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
      return this === error && typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[key] === true
    },
  })
}

/** Bad options, thrown by `secrets()` (or a helper) before any handler runs. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  /** The option path that is wrong, e.g. `context.db.ttl`. */
  readonly option: string

  constructor(option: string, problem: string) {
    super(`middy-secrets: option '${option}' ${problem}`)
    this.option = option
  }
}

/** Where a key is injected. */
export type Target = 'context' | 'env'

/** One key that could not be resolved. */
export interface KeyFailure {
  /** The key as declared, e.g. `db` or `API_KEY`. */
  readonly key: string
  /** Where it was to go: `context`, `env`, or `load` for load() and the get functions. */
  readonly target: Target | 'load'
  /** The store that answered: `secretsManager`, `ssm`, `extension`, `memory`... */
  readonly store: string
  /** The secret or parameter name (or path) that was asked for. */
  readonly name: string
  /** The AWS error name (`AccessDeniedException`) or the package's own (`DeadlineExceeded`, `TransformError`). */
  readonly code: string
  /** The AWS (or package) message. AWS messages name resources, never values. */
  readonly message: string
  /** What to do about it. */
  readonly hint: string
  readonly retryable: boolean
}

/** Run-time failure of one invocation: every key that failed, not only the first. */
export class SecretsError extends Error {
  override readonly name = 'SecretsError'
  readonly failures: readonly KeyFailure[]

  constructor(failures: readonly KeyFailure[]) {
    super(describeFailures(failures))
    this.failures = failures
  }
}

brand(ConfigError, 'ConfigError')
brand(SecretsError, 'SecretsError')

/** `context.db (secretsManager 'prod/db')`; load()'s keys have no target, a get function's no key of its own. */
function place(f: KeyFailure): string {
  const source = `${f.store} '${f.name}'`
  if (f.target !== 'load') return `${f.target}.${f.key} (${source})`
  return f.key === f.name ? source : `${f.key} (${source})`
}

function describeFailures(failures: readonly KeyFailure[]): string {
  const lines = failures.map((f) => `  - ${place(f)}: ${f.code}: ${f.message}${f.hint ? ` -> ${f.hint}` : ''}`)
  const noun = failures.length === 1 ? 'key' : 'keys'
  return `middy-secrets: ${failures.length} ${noun} could not be resolved:\n${lines.join('\n')}`
}
