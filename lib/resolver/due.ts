/**
 * The pure step of a resolution round: for one key's entry, now, what to do. No I/O, no writes.
 */
import { backingOff, dueReason, type DueReason, type Entry, failingSinceExpiry, type Fetched, freshValue, mayServeStale } from '../cache/entry.js'
import type { Policy } from '../cache/policy.js'

export type Step =
  /** Fresh for this key: use it. */
  | { readonly kind: 'fresh'; readonly value: Fetched }
  /** AWS is failing for it (a refresh failed a moment ago, or fails and is being asked again) and the stale value may serve: use it, do not ask or wait. */
  | { readonly kind: 'stale'; readonly value: Fetched }
  /** Someone is fetching it for the current generation: wait for that fetch. */
  | { readonly kind: 'join' }
  /** Fetch it. */
  | { readonly kind: 'fetch'; readonly reason: DueReason }

/** `backOff`: whether a recent failure holds the fetch back (not after a joined fetch another invocation's deadline cut short). */
export function stepFor(entry: Entry, policy: Policy, now: number, backOff = true): Step {
  const fresh = freshValue(entry, policy, now)
  if (fresh !== undefined) return { kind: 'fresh', value: fresh }
  const asking = entry.flight !== undefined && entry.flight.generation === entry.generation
  // During an outage the last good value serves at once: while a failure holds fetches back, and
  // while the one invocation that asks AWS again after the back-off waits for the answer (its
  // joiners would wait out AWS's failure with it, up to the request timeout).
  const failing = asking ? failingSinceExpiry(entry, policy, now) : backingOff(entry, policy, now)
  if (backOff && failing && mayServeStale(entry, entry.value, policy, now)) return { kind: 'stale', value: entry.value }
  if (asking) return { kind: 'join' }
  return { kind: 'fetch', reason: dueReason(entry) }
}
