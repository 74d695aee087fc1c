/** Reading cache entries in tests: their value, and the expiry a key with a given TTL derives. */
import { cache, cacheKey } from '../../lib/cache/cache.js'
import { type Entry, expiryOf } from '../../lib/cache/entry.js'
import { makePolicy } from '../../lib/cache/policy.js'
import type { Store, StoreRequest } from '../../lib/store.js'

export function cachedEntry(store: Store, request: StoreRequest): Entry {
  const entry = cache.get(cacheKey(store, request))
  if (!entry) throw new Error(`no cache entry for ${request.kind} ${request.name}`)
  return entry
}

/** When the entry's value stops being fresh for a key with this TTL and jitter (ms epoch). */
export function expiresAt(entry: Entry, ttlSeconds: number, jitter = 0): number {
  if (entry.value === undefined) throw new Error('the entry holds no value')
  return expiryOf(entry, entry.value, makePolicy(ttlSeconds * 1000, 0, jitter, false))
}
