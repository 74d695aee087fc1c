/**
 * How a key reads the cache: its TTL, its share of the jitter, how long a stale value may serve,
 * rotation awareness. Computed once per declared key.
 */

export interface Policy {
  readonly ttlMs: number
  /** The TTL minus this environment's share of the jitter: freshness ends here. */
  readonly freshMs: number
  readonly maxStaleMs: number
  readonly rotation: boolean
}

/**
 * Where this execution environment sits in the jitter window: drawn once per module instance,
 * so environments started together expire at different times, while all the keys of one
 * environment (fetched in one batch) still expire together and refresh in one batch. A draw per
 * key would split every batch (measured in bench:fleet: 4x the refresh calls).
 */
const ENVIRONMENT_SPREAD = Math.random()

export function makePolicy(ttlMs: number, maxStaleMs: number, jitter: number, rotation: boolean): Policy {
  const freshMs = Number.isFinite(ttlMs) ? ttlMs - ttlMs * jitter * ENVIRONMENT_SPREAD : ttlMs
  return { ttlMs, freshMs, maxStaleMs, rotation }
}
