/**
 * Every live middleware of the process, so that the package-level `refresh(keys)` can
 * reach the keys as users declared them, whichever middleware declared them. Held weakly: a
 * middleware nobody uses any more (a test's, say) is neither refreshed nor kept alive.
 *
 * What is held weakly is the middleware's plan, not the middleware object: middy's `use()` keeps
 * only the object's `before` and `onError` functions, so an object used inline
 * (`middy().use(secrets({...}))`) is collected at the first garbage collection, while its plan
 * lives as long as those functions do (they close over it).
 */
import { cache } from './cache/cache.js'
import { ConfigError } from './errors.js'
import { shared } from './shared-state.js'

type Refresh = (owner: object, keys: readonly string[] | undefined) => Promise<void>

interface Registered {
  /** What the middleware's retained functions close over: alive exactly as long as the middleware is in use. */
  readonly owner: WeakRef<object>
  readonly keys: readonly string[]
  /** A function of the module, not a closure: it keeps nothing of the middleware alive. */
  readonly refresh: Refresh
}

/** Every copy of the package in the process (ESM, CommonJS) registers here (./shared-state.ts). */
const registry = shared('registry', () => ({ registered: [] as Registered[] }))

export function register<T extends object>(owner: T, keys: readonly string[], refresh: (owner: T, keys: readonly string[] | undefined) => Promise<void>): void {
  registry.registered.push({ owner: new WeakRef(owner), keys, refresh: refresh as Refresh })
}

/** `refresh()`'s argument as a list of declared keys; undefined means every key. */
export function keyList(keys: string | readonly string[] | undefined): readonly string[] | undefined {
  return keys === undefined ? undefined : typeof keys === 'string' ? [keys] : keys
}

/** A `refresh(keys)` that names keys nobody declares is a mistake (a typo would refresh nothing, silently). */
export function undeclaredKeys(names: readonly string[], declared: readonly string[], declarers: string): ConfigError | undefined {
  const unknown = names.filter((name) => !declared.includes(name))
  return unknown.length === 0 ? undefined : new ConfigError('keys', `names ${unknown.map((k) => `'${k}'`).join(', ')}, not declared by ${declarers}`)
}

/**
 * Fetches the named keys (as declared in context/env; every key when omitted) now, bypassing
 * their TTL, in every middleware that declares them. The next invocation injects the result.
 * Rejects with a ConfigError, fetching nothing, when a name is declared by no middleware in use.
 */
export async function refresh(keys?: string | readonly string[]): Promise<void> {
  const names = keyList(keys)
  registry.registered = registry.registered.filter((r) => r.owner.deref() !== undefined)
  const live = registry.registered
  if (names !== undefined) {
    const mistake = undeclaredKeys(names, live.flatMap((r) => r.keys), 'any middleware in use')
    if (mistake) throw mistake
  }
  const targets = names === undefined ? live : live.filter((r) => r.keys.some((k) => names.includes(k)))
  await Promise.all(
    targets.map((r) => {
      const owner = r.owner.deref()
      return owner === undefined ? undefined : r.refresh(owner, names?.filter((k) => r.keys.includes(k)))
    }),
  )
}

/** Empties the module-scoped cache: every key is fetched again on its next use. */
export function clearCache(): void {
  cache.clear()
}
