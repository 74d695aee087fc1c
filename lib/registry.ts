/**
 * Every middleware created in this module instance, so that the package-level `refresh(keys)`
 * can reach the keys as users declared them, whichever middleware declared them.
 */
import { cache } from './cache.js'
import type { Plan } from './resolve.js'

interface Registered {
  readonly plan: Plan
  readonly refresh: (keys?: string | readonly string[]) => Promise<void>
}

const registered: Registered[] = []

export function register(middleware: Registered): void {
  registered.push(middleware)
}

/**
 * Fetches the named keys (as declared in context/env; every key when omitted) now, bypassing
 * their TTL, in every middleware that declares them. The next invocation injects the result.
 */
export async function refresh(keys?: string | readonly string[]): Promise<void> {
  const names = keys === undefined ? undefined : typeof keys === 'string' ? [keys] : keys
  const targets = registered.filter((m) => names === undefined || m.plan.bindings.some((b) => names.includes(b.key)))
  await Promise.all(targets.map((m) => m.refresh(names)))
}

/** Empties the module-scoped cache: every key is fetched again on its next use. */
export function clearCache(): void {
  cache.clear()
}
