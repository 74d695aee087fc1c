/**
 * The pure step of a resolution round: for one key's entry, now, what to do. No I/O, no writes.
 */
import { backingOff, dueReason, type DueReason, type Entry, type Fetched, freshValue, mayServeStale } from '../cache/entry.js'
import type { Policy } from '../cache/policy.js'

export type Step =
  /** Fresh for this key: use it. */
  | { readonly kind: 'fresh'; readonly value: Fetched }
  /** A refresh failed a moment ago and the stale value may serve: use it, do not ask AWS yet. */
  | { readonly kind: 'stale'; readonly value: Fetched }
  /** Someone is fetching it for the current generation: wait for that fetch. */
  | { readonly kind: 'join' }
  /** Fetch it. */
  | { readonly kind: 'fetch'; readonly reason: DueReason }

/** `backOff`: whether a recent failure holds the fetch back (not after a joined fetch another invocation's deadline cut short). */
export function stepFor(entry: Entry, policy: Policy, now: number, backOff = true): Step {
  const fresh = freshValue(entry, policy, now)
  if (fresh !== undefined) return { kind: 'fresh', value: fresh }
  if (entry.flight !== undefined && entry.flight.generation === entry.generation) return { kind: 'join' }
  if (backOff && backingOff(entry, policy, now) && mayServeStale(entry, entry.value, policy, now)) return { kind: 'stale', value: entry.value }
  return { kind: 'fetch', reason: dueReason(entry) }
}
