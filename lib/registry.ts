/**
 * Every live middleware of the process, so that the package-level `refresh(keys)` can
 * reach the keys as users declared them, whichever middleware declared them. Held weakly: a
 * middleware nobody uses any more (a test's, say) is neither refreshed nor kept alive.
 */
import { cache } from './cache/cache.js'
import { shared } from './shared-state.js'

interface Refreshable {
  refresh(keys?: string | readonly string[]): Promise<void>
}

interface Registered {
  readonly middleware: WeakRef<Refreshable>
  readonly keys: readonly string[]
}

/** Every copy of the package in the process (ESM, CommonJS) registers here (./shared-state.ts). */
const registry = shared('registry', () => ({ registered: [] as Registered[] }))

export function register(middleware: Refreshable, keys: readonly string[]): void {
  registry.registered.push({ middleware: new WeakRef(middleware), keys })
}

/** `refresh()`'s argument as a list of declared keys; undefined means every key. */
export function keyList(keys: string | readonly string[] | undefined): readonly string[] | undefined {
  return keys === undefined ? undefined : typeof keys === 'string' ? [keys] : keys
}

/**
 * Fetches the named keys (as declared in context/env; every key when omitted) now, bypassing
 * their TTL, in every middleware that declares them. The next invocation injects the result.
 */
export async function refresh(keys?: string | readonly string[]): Promise<void> {
  const names = keyList(keys)
  registry.registered = registry.registered.filter((r) => r.middleware.deref() !== undefined)
  const targets = registry.registered.filter((r) => names === undefined || r.keys.some((k) => names.includes(k)))
  await Promise.all(targets.map((r) => r.middleware.deref()?.refresh(names)))
}

/** Empties the module-scoped cache: every key is fetched again on its next use. */
export function clearCache(): void {
  cache.clear()
}
