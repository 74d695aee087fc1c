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
import { forgetDefaultStores } from './stores/defaults.js'
import { shared } from './shared-state.js'

type Refresh = (owner: object, keys: readonly string[] | undefined, invalidated: Set<object>) => Promise<void>

interface Registered {
  /** What the middleware's retained functions close over: alive exactly as long as the middleware is in use. */
  readonly owner: WeakRef<object>
  readonly keys: readonly string[]
  /** A function of the module, not a closure: it keeps nothing of the middleware alive. */
  readonly refresh: Refresh
}

/**
 * The list drops the middlewares no longer in use when it has doubled since it last did (and on
 * every refresh()): a process that creates middlewares over and over (a test suite, a handler
 * that calls secrets() per request) keeps a list as long as the ones in use, not all it made.
 */
const PRUNE_FLOOR = 64

/** Every copy of the package in the process (ESM, CommonJS) registers here (./shared-state.ts). */
const registry = shared('registry', () => ({ registered: [] as Registered[], pruneAt: PRUNE_FLOOR }))

export function register<T extends object>(owner: T, keys: readonly string[], refresh: (owner: T, keys: readonly string[] | undefined, invalidated: Set<object>) => Promise<void>): void {
  if (registry.registered.length >= registry.pruneAt) {
    pruneUnused()
    registry.pruneAt = Math.max(PRUNE_FLOOR, 2 * registry.registered.length)
  }
  registry.registered.push({ owner: new WeakRef(owner), keys, refresh: refresh as Refresh })
}

function pruneUnused(): void {
  registry.registered = registry.registered.filter((r) => r.owner.deref() !== undefined)
}

/** `refresh()`'s argument as a list of declared keys; undefined means every key. Anything else is a ConfigError (option `keys`). */
export function keyList(keys: string | readonly string[] | undefined): readonly string[] | undefined {
  if (keys === undefined) return undefined
  const names = namesIn(keys)
  if (names === undefined) throw new ConfigError('keys', 'must be a key name or a list of key names (as declared in context/env)')
  return names
}

/** A key name or a list of them as a list; undefined for anything else. */
export function namesIn(value: unknown): readonly string[] | undefined {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) && value.every((name) => typeof name === 'string') ? (value as readonly string[]) : undefined
}

/** Declared names an error lists, at most: a package-level refresh() may see hundreds. */
const DECLARED_SHOWN = 20

/**
 * A `refresh(keys)` that names keys nobody declares is a mistake (a typo would refresh nothing,
 * silently). The names are counted, never quoted: `refresh(context.apiKey)` where `'apiKey'` was
 * meant passes a secret value (as refreshOn may, middleware.ts). The declared names say which was meant.
 */
export function undeclaredKeys(names: readonly string[], declared: readonly string[], declarers: string): ConfigError | undefined {
  const unknown = names.filter((name) => !declared.includes(name)).length
  if (unknown === 0) return undefined
  const known = [...new Set(declared)]
  const shown = known.length > DECLARED_SHOWN ? `${known.slice(0, DECLARED_SHOWN).join(', ')}... (${known.length} in all)` : known.join(', ') || 'none'
  return new ConfigError('keys', `names ${unknown === 1 ? 'a key' : `${unknown} keys`} not declared by ${declarers} (declared: ${shown})`)
}

/**
 * Fetches the named keys (as declared in context/env; every key when omitted) now, bypassing
 * their TTL, in every middleware that declares them. The next invocation injects the result.
 * Rejects with a ConfigError, fetching nothing, when a name is declared by no middleware in use.
 */
export async function refresh(keys?: string | readonly string[]): Promise<void> {
  const names = keyList(keys)
  pruneUnused()
  const live = registry.registered
  if (names !== undefined) {
    const mistake = undeclaredKeys(names, live.flatMap((r) => r.keys), 'any middleware in use')
    if (mistake) throw mistake
  }
  const targets = names === undefined ? live : live.filter((r) => r.keys.some((k) => names.includes(k)))
  // One set for all: an entry several middlewares share is invalidated once, and fetched once.
  const invalidated = new Set<object>()
  await Promise.all(
    targets.map((r) => {
      const owner = r.owner.deref()
      return owner === undefined ? undefined : r.refresh(owner, names?.filter((k) => r.keys.includes(k)), invalidated)
    }),
  )
}

/**
 * Empties the module-scoped cache: every key is fetched again on its next use. Middlewares made
 * after it get new default stores (new SDK clients): what a test needs after jest.resetModules.
 */
export function clearCache(): void {
  cache.clear()
  forgetDefaultStores()
}
