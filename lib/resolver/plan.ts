/**
 * A middleware's declared keys, computed once at `secrets()` time: one slot per key, holding its
 * binding, its store, its cache key, its request timeout, and two shortcuts that only ever cache
 * what can be recomputed (where its entry was last found, and its last transform). An
 * invocation's values never live here: each invocation resolves into a view of its own.
 */
import { cache, cacheKey } from '../cache/cache.js'
import { type Entry, entryChanges, type RawValue } from '../cache/entry.js'
import type { Binding, Settings, StoreRole } from '../options/types.js'
import type { FetchOptions, Store } from '../store.js'

export interface Slot {
  readonly binding: Binding
  readonly store: Store
  readonly key: string
  readonly timeoutMs: number
  /** Where this key's entry was last found: the warm path reads it without a map lookup. */
  entry: Entry | undefined
  /** The last transform of this key, for the raw value it was made from. */
  memo: { readonly raw: RawValue; readonly value: unknown } | undefined
}

export interface Plan {
  readonly slots: readonly Slot[]
  readonly settings: Settings
  readonly limit: FetchOptions['limit']
  /** Every value was fresh from this time (the look; a clock set back since proves nothing)... */
  freshFrom: number
  /** ...until this time (epoch ms)... */
  freshUntil: number
  /** ...as long as entries have had this many writes (entryChanges()). See knownFresh. */
  freshAsOf: number
}

export function buildPlan(settings: Settings, storeFor: (role: StoreRole) => Store, limit: FetchOptions['limit']): Plan {
  // One store per role: asked once, not once per key (a default store is looked up by its options' text).
  const stores = new Map<StoreRole, Store>()
  const slots = settings.bindings.map((binding): Slot => {
    let store = stores.get(binding.role)
    // Stryker disable next-line ConditionalExpression: asking again per key gets the same store (defaults.ts keeps one per options text); it only costs the lookup
    if (store === undefined) {
      store = storeFor(binding.role)
      stores.set(binding.role, store)
    }
    return { binding, store, key: cacheKey(store, binding.request), timeoutMs: settings.requestTimeoutMs[binding.role], entry: undefined, memo: undefined }
  })
  return { slots, settings, limit, freshFrom: Number.POSITIVE_INFINITY, freshUntil: Number.NEGATIVE_INFINITY, freshAsOf: 0 }
}

/**
 * Is every value of the plan still fresh, as the last full look found it? Freshness is read from
 * entries alone (value, generation, rotation date, eviction), so while no entry has been written
 * since, the earliest expiry found then still stands: the warm path is one comparison.
 */
export function knownFresh(plan: Plan, now: number): boolean {
  return plan.freshFrom <= now && now < plan.freshUntil && plan.freshAsOf === entryChanges()
}

/** A full look at the entries, at `now`, found every value fresh until `until`. */
export function rememberFresh(plan: Plan, now: number, until: number): void {
  plan.freshFrom = now
  plan.freshUntil = until
  plan.freshAsOf = entryChanges()
}

/** The slot's entry in the cache, created if absent (and remembered for the warm path). */
export function entryOf(slot: Slot): Entry {
  const known = slot.entry
  // Stryker disable next-line ConditionalExpression: the cache holds the same entry; the test only spares the warm path a lookup
  if (known !== undefined && !known.evicted) return known
  const entry = cache.entry(slot.key, slot.store, slot.binding.request)
  slot.entry = entry
  return entry
}

/** The slot's entry if it is cached, without creating one. */
export function cachedEntryOf(slot: Slot): Entry | undefined {
  const known = slot.entry
  // Stryker disable next-line ConditionalExpression: as in entryOf
  if (known !== undefined && !known.evicted) return known
  return cache.get(slot.key)
}

/**
 * Does a slot still hold an entry the cache evicted? Its slot then keeps that entry's value (and
 * its transform, `memo`) alive outside the cache.
 */
export function holdsEvicted(plan: Plan): boolean {
  return plan.slots.some((slot) => slot.entry?.evicted === true)
}
