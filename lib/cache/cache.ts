/**
 * The module-scoped cache: one per loaded copy of the package, shared by every middleware in
 * the bundle, so two handlers that declare the same secret share one entry and one in-flight
 * fetch. It is bounded (default 1000 entries, as the extension), and an entry keeps its last
 * good value after it expires so a failed refresh can still serve it (stale-if-error).
 *
 * Eviction is CLOCK (second chance), an approximation of least-recently-used: a read sets one
 * bit on the entry (the warm path pays one boolean store, no map operation), and when the cache
 * is over its bound the sweep walks entries oldest first, sparing (and moving to the back) each
 * one read since it was last passed, evicting the first one that was not. A hot key is therefore
 * never the first to go, whatever its TTL.
 *
 * Storage is a Map in insertion order. lru-cache was measured for this: its import alone cost
 * 3-7 ms of cold start, and its TTL could not serve here anyway (a value must outlive its TTL for
 * stale-if-error). An evicted entry is marked, so a middleware holding it looks it up again.
 */
import { shared } from '../shared-state.js'
import type { Store, StoreRequest } from '../store.js'
import { createEntry, type Entry, evicted, sparedOnce } from './entry.js'

/** Shared by every copy of the package in the process (../shared-state.ts), as the cache is. */
const storeIds = shared('cache.storeIds', () => ({ ids: new WeakMap<Store, number>(), next: 1 }))

/**
 * Told, at once, whenever the cache has evicted entries. What keeps entries outside the cache (the
 * plans load() keeps for reuse, ../direct.ts) lets go of the evicted ones then: otherwise their
 * values would outlive the bound. Shared, as the cache is: whichever copy's cache evicts, every
 * copy's holders hear of it.
 */
const evictionListeners = shared('cache.evictionListeners', () => new Set<() => void>())

/** Calls `listener` (synchronously, after the cache is consistent again) whenever entries were evicted. */
export function onEviction(listener: () => void): void {
  evictionListeners.add(listener)
}

function evictionsDone(): void {
  for (const listener of evictionListeners) listener()
}

/** A number per store object: two stores with the same name are two caches' worth of keys. */
export function storeId(store: Store): number {
  let id = storeIds.ids.get(store)
  if (id === undefined) {
    // Stryker disable next-line UpdateOperator: counting down numbers the stores uniquely too
    id = storeIds.next++
    storeIds.ids.set(store, id)
  }
  return id
}

/**
 * Cache key: store identity, kind, name and whatever else selects the value (AWSCURRENT and
 * AWSPREVIOUS differ; so do two DynamoDB value attributes of one item, and two AppConfig poll
 * intervals of one configuration: each interval is a session of its own).
 */
export function cacheKey(store: Store, request: StoreRequest): string {
  return `${storeId(store)}\u0000${request.kind}\u0000${request.name}\u0000${selectorOf(request)}`
}

function selectorOf(request: StoreRequest): string {
  switch (request.kind) {
    case 'secret':
      return request.versionId !== undefined ? `id=${request.versionId}` : `stage=${request.versionStage ?? 'AWSCURRENT'}`
    case 'parameter':
      // Stryker disable next-line StringLiteral: 'latest' is a name only; any text the other two forms cannot take separates it as well
      return `${request.version !== undefined ? `v=${request.version}` : request.label !== undefined ? `l=${request.label}` : 'latest'};decrypt=${request.decrypt ?? true}`
    case 'parameters':
      return `recursive=${request.recursive ?? false};decrypt=${request.decrypt ?? true}`
    case 'appConfig':
      // The three names apart (a name may hold '/', which joins them in request.name), and the
      // session's poll interval: a key served through a session with a longer interval than its
      // own would get that session's last answer, and see a deployment late.
      return JSON.stringify([request.application, request.environment, request.profile, request.minPollIntervalSeconds ?? null])
    case 'item':
    case 'items':
      // JSON keeps names and values apart whatever characters they hold (and 1 apart from '1').
      return JSON.stringify([request.key?.attribute, request.key?.value, request.sortKey?.attribute, request.sortKey?.value, request.sortKeyAttribute, request.valueAttribute, request.consistentRead ?? false])
  }
}

/**
 * The names one secret may be declared by, as far as the declaration's own spelling tells: the
 * name, or in an ARN the name after `:secret:`, with and without the 6-character suffix Secrets
 * Manager appends. Two declarations of one secret share at least one (the ARN the store answers
 * decides the rest: resolver/stages.ts).
 */
export function secretNames(name: string): string[] {
  const at = name.indexOf(':secret:')
  // Stryker disable next-line StringLiteral,EqualityOperator: a secret name holds no colon, so only an ARN holds ':secret:', and never at 0
  if (!name.startsWith('arn:') || at < 0) return [name]
  const inArn = name.slice(at + ':secret:'.length)
  const bare = inArn.replace(/-[A-Za-z0-9]{6}$/, '')
  return bare === inArn ? [inArn] : [inArn, bare]
}

export class SecretCache {
  private readonly map = new Map<string, Entry>()
  /**
   * The secret entries by store and secretNames(): the other stages of a secret are looked up
   * here on every settled fetch, which a scan of the whole cache made quadratic (measured: 7 ms
   * of a 50-secret cold start).
   */
  private readonly bySecret = new Map<string, Set<Entry>>()
  private bound: number

  constructor(maxEntries: number) {
    this.bound = maxEntries
  }

  get max(): number {
    return this.bound
  }

  get size(): number {
    return this.map.size
  }

  /** The entry for a key, if cached. */
  get(key: string): Entry | undefined {
    return this.map.get(key)
  }

  /** The entry for a key, created empty if absent. */
  entry(key: string, store: Store, request: StoreRequest): Entry {
    let entry = this.map.get(key)
    if (entry === undefined) {
      entry = createEntry(key, store, request)
      this.map.set(key, entry)
      this.index(entry)
      this.trim(entry)
    }
    return entry
  }

  /** Every cached entry (tests and diagnostics). */
  entries(): IterableIterator<Entry> {
    return this.map.values()
  }

  /** The other cached entries that may hold the same secret (a superset: same store, a name in common). */
  secretPeers(entry: Entry): Entry[] {
    const peers = new Set<Entry>()
    if (entry.request.kind !== 'secret') return []
    for (const name of secretNames(entry.request.name)) {
      for (const other of this.bySecret.get(secretKey(entry.store, name)) ?? []) if (other !== entry) peers.add(other)
    }
    return [...peers]
  }

  clear(): void {
    const any = this.map.size > 0
    for (const entry of this.map.values()) evicted(entry)
    this.map.clear()
    this.bySecret.clear()
    if (any) evictionsDone()
  }

  private index(entry: Entry): void {
    for (const key of this.indexKeys(entry)) {
      let bucket = this.bySecret.get(key)
      if (bucket === undefined) this.bySecret.set(key, (bucket = new Set()))
      bucket.add(entry)
    }
  }

  private unindex(entry: Entry): void {
    for (const key of this.indexKeys(entry)) {
      const bucket = this.bySecret.get(key)
      // Stryker disable OptionalChaining: an indexed entry's buckets exist until it is removed, once (the ?. are guards)
      bucket?.delete(entry)
      if (bucket?.size === 0) this.bySecret.delete(key)
      // Stryker restore OptionalChaining
    }
  }

  private indexKeys(entry: Entry): string[] {
    // Stryker disable next-line ArrayDeclaration: an index key made up for a parameter is store-scoped and never a secret's, so no peer lookup finds it
    return entry.request.kind === 'secret' ? secretNames(entry.request.name).map((name) => secretKey(entry.store, name)) : []
  }

  /** The bound only grows: two middlewares asking for different sizes both fit. */
  ensureCapacity(maxEntries: number): void {
    // Stryker disable next-line EqualityOperator: at equality the assignment changes nothing
    if (maxEntries > this.bound) this.bound = maxEntries
  }

  /** Shrinks or grows to exactly this bound (tests). */
  resize(maxEntries: number): void {
    this.bound = Math.max(1, maxEntries)
    this.trim(undefined)
  }

  /**
   * The CLOCK sweep: oldest first, a read entry is spared once (moved to the back, bit cleared),
   * the first unread one is evicted. Two passes at most: after one, every bit is clear. The entry
   * just added is never the one evicted.
   */
  private trim(added: Entry | undefined): void {
    let any = false
    // Stryker disable next-line ArithmeticOperator,ConditionalExpression,EqualityOperator,UpdateOperator: the budget only guards against a bug; the size test ends the sweep within 2n - 1 steps (n to clear the bits, then one eviction a step)
    for (let budget = 2 * this.map.size + 1; this.map.size > this.bound && budget > 0; budget--) {
      const [key, entry] = this.map.entries().next().value as [string, Entry]
      this.map.delete(key)
      if (entry.referenced || entry === added) {
        sparedOnce(entry)
        this.map.set(key, entry)
        continue
      }
      evicted(entry)
      this.unindex(entry)
      any = true
    }
    if (any) evictionsDone()
  }
}

function secretKey(store: Store, name: string): string {
  return `${storeId(store)}\u0000${name}`
}

/** The one cache of the process, whichever copy of the package (ESM, CommonJS) asks (../shared-state.ts). */
export const cache = shared('cache', () => new SecretCache(1))
