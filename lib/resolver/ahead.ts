/**
 * Refresh ahead: a key that is still fresh but in the last `refreshAhead` part of its TTL is
 * served as it is and fetched again in the background, by the invocation that notices it (one
 * flight per store, as any fetch), so the next invocation finds the new value and no warm
 * invocation waits on a refresh. The background flight is nobody's wait: its timers do not keep
 * the process alive, its lifetime is bounded, and if Lambda freezes the environment meanwhile,
 * the flight goes on after the thaw (each attempt signed anew). If it fails, the value serves to
 * the end of its TTL and the usual rules take over (a fetch, or stale-if-error).
 */
import type { Entry } from '../cache/entry.js'
import { mergePolicies } from '../cache/policy.js'
import type { Store } from '../store.js'
import { BACKGROUND_LIFETIME_MS } from './deadline.js'
import { type FlightItem, startFlight } from './flight.js'
import { entryOf, type Plan } from './plan.js'

/** Starts the background refresh of these slots (fresh, due ahead: resolve.ts allFresh or startRound found them). */
export function refreshAhead(plan: Plan, due: readonly number[], now: number): void {
  const groups = new Map<Store, Map<number, Map<Entry, FlightItem>>>()
  for (const i of due) {
    const slot = plan.slots[i]!
    const entry = entryOf(slot)
    if (entry.flight !== undefined) continue // a fetch of it started since it was found due
    const byTimeout = groups.get(slot.store) ?? new Map<number, Map<Entry, FlightItem>>()
    groups.set(slot.store, byTimeout)
    const items = byTimeout.get(slot.timeoutMs) ?? new Map<Entry, FlightItem>()
    byTimeout.set(slot.timeoutMs, items)
    // Keys sharing an entry are one item, under the first key's name (the one the logs give), with
    // their policies merged as an invocation's fetch merges them (resolve.ts startRound).
    const twin = items.get(entry)
    if (twin === undefined) items.set(entry, { entry, policy: slot.binding.policy, key: slot.binding.key, reason: 'ahead' })
    else items.set(entry, { ...twin, policy: mergePolicies(twin.policy, slot.binding.policy) })
  }
  const { settings } = plan
  for (const [store, byTimeout] of groups) {
    for (const [timeoutMs, items] of byTimeout) {
      startFlight(store, [...items.values()], {
        timeoutMs,
        limit: plan.limit,
        retries: settings.retries,
        log: settings.log,
        deadline: now + BACKGROUND_LIFETIME_MS,
        background: true,
      })
    }
  }
}
