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
  /** The value may not exist: a not-found answer is kept (for the TTL) as an absence. */
  readonly optional: boolean
  /** From this age a fresh value is refreshed in the background (Infinity: never). */
  readonly aheadMs: number
}

/**
 * Where this execution environment sits in the jitter window: drawn once per module instance,
 * so environments started together expire at different times, while all the keys of one
 * environment (fetched in one batch) still expire together and refresh in one batch. A draw per
 * key would split every batch (measured in bench:fleet: 4x the refresh calls).
 */
const ENVIRONMENT_SPREAD = Math.random()

export function makePolicy(ttlMs: number, maxStaleMs: number, jitter: number, rotation: boolean, optional = false, refreshAhead = 0): Policy {
  const freshMs = Number.isFinite(ttlMs) ? ttlMs - ttlMs * jitter * ENVIRONMENT_SPREAD : ttlMs
  // Stryker disable next-line EqualityOperator,ConditionalExpression,LogicalOperator: freshMs is 0 only for ttl 0, whose values are never fresh, so never due ahead; and an aheadMs of freshMs (refreshAhead 0) or Infinity is never reached while fresh
  const aheadMs = refreshAhead > 0 && Number.isFinite(freshMs) && freshMs > 0 ? freshMs * (1 - refreshAhead) : Number.POSITIVE_INFINITY
  return { ttlMs, freshMs, maxStaleMs, rotation, optional, aheadMs }
}

/**
 * One fetch for keys that share an entry: rotation-aware if one of them is, optional likewise,
 * and with the shortest maxStale, which decides whether a failure is retried: a key that may not
 * serve stale must get its retries, though its twin could have served stale at once.
 */
export function mergePolicies(a: Policy, b: Policy): Policy {
  if ((a.rotation || !b.rotation) && (a.optional || !b.optional) && a.maxStaleMs <= b.maxStaleMs) return a
  return { ...a, rotation: a.rotation || b.rotation, optional: a.optional || b.optional, maxStaleMs: Math.min(a.maxStaleMs, b.maxStaleMs) }
}
