/**
 * The module-scoped cache: one per loaded copy of the package, shared by every middleware in
 * the bundle, so two handlers that declare the same secret share one entry and one in-flight
 * fetch. It is bounded (LRU, default 1000 entries, as the extension), and an entry keeps its
 * last good value after it expires so a failed refresh can still serve it (stale-if-error).
 *
 * Storage is a Map in recency order (a hit moves the key to the end, the first key is evicted).
 * We measured lru-cache for this: its import alone cost 3-7 ms of cold start (bench, import
 * section), and its TTL could not serve here anyway, because a value must outlive its TTL for
 * stale-if-error. An evicted entry is marked, so a middleware holding it looks it up again.
 */
import type { Store, StoreError, StoreRequest } from './store.js'

/** One cached value and what is known of its freshness. */
export interface Entry {
  /** False until the first successful fetch. */
  hasValue: boolean
  raw: string | Uint8Array | Readonly<Record<string, string>> | undefined
  versionId: string | undefined
  fetchedAt: number
  /** Fresh until (ms epoch, jitter and rotation date applied). */
  expiresAt: number
  /** A stale value may serve, after a transient failure, until. */
  staleUntil: number
  /** After a failed refresh that served stale: do not ask AWS again before. */
  retryAt: number
  /** From DescribeSecret, when rotation awareness is on. */
  nextRotationAt: number | undefined
  /** DescribeSecret failed for good (e.g. not allowed): the TTL alone decides. */
  rotationUnavailable: boolean
  /** The fetch under way for this key, shared by every caller (single flight). */
  inflight: Promise<void> | undefined
  /** The last failure (never a value). */
  lastError: StoreError | undefined
  /** Dropped from the cache (evicted or cleared): holders must look the key up again. */
  evicted: boolean
  /** Store and name, to find the other version stages of one secret after a rotation. */
  readonly store: Store
  readonly request: StoreRequest
}

const storeIds = new WeakMap<Store, number>()
let nextStoreId = 1

/** Cache key: store identity, kind, name and version selector (AWSCURRENT and AWSPREVIOUS differ). */
export function cacheKey(store: Store, request: StoreRequest): string {
  let id = storeIds.get(store)
  if (id === undefined) {
    id = nextStoreId++
    storeIds.set(store, id)
  }
  const selector =
    request.kind === 'secret'
      ? request.versionId !== undefined ? `id=${request.versionId}` : `stage=${request.versionStage ?? 'AWSCURRENT'}`
      : request.kind === 'parameter'
        ? `${request.version !== undefined ? `v=${request.version}` : request.label !== undefined ? `l=${request.label}` : 'latest'};decrypt=${request.decrypt ?? true}`
        : `recursive=${request.recursive ?? false};decrypt=${request.decrypt ?? true}`
  return `${id}\u0000${request.kind}\u0000${request.name}\u0000${selector}`
}

export class SecretCache {
  private readonly map = new Map<string, Entry>()
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

  /** The entry for a key, now the most recently used. */
  get(key: string): Entry | undefined {
    const entry = this.map.get(key)
    if (entry !== undefined) {
      this.map.delete(key)
      this.map.set(key, entry)
    }
    return entry
  }

  /** The entry for a key, created empty if absent. */
  entry(key: string, store: Store, request: StoreRequest): Entry {
    let entry = this.get(key)
    if (!entry) {
      entry = {
        hasValue: false,
        raw: undefined,
        versionId: undefined,
        fetchedAt: 0,
        expiresAt: 0,
        staleUntil: 0,
        retryAt: 0,
        nextRotationAt: undefined,
        rotationUnavailable: false,
        inflight: undefined,
        lastError: undefined,
        evicted: false,
        store,
        request,
      }
      this.map.set(key, entry)
      this.trim()
    }
    return entry
  }

  /** Marks entries expired (their values stay for stale-if-error); all when no predicate. */
  expire(predicate?: (entry: Entry, key: string) => boolean): number {
    let count = 0
    for (const [key, entry] of this.map) {
      if (predicate && !predicate(entry, key)) continue
      markExpired(entry)
      count += 1
    }
    return count
  }

  /** Marks the entries of these keys expired, where cached: the next resolution fetches them. */
  expireKeys(keys: readonly string[]): void {
    for (const key of keys) {
      const entry = this.map.get(key)
      if (entry) markExpired(entry)
    }
  }

  clear(): void {
    for (const entry of this.map.values()) entry.evicted = true
    this.map.clear()
  }

  /** The bound only grows: two middlewares asking for different sizes both fit. */
  ensureCapacity(maxEntries: number): void {
    if (maxEntries > this.bound) this.bound = maxEntries
  }

  /** Shrinks or grows to exactly this bound (tests). */
  resize(maxEntries: number): void {
    this.bound = maxEntries
    this.trim()
  }

  /** Evicts the least recently used entries beyond the bound. */
  private trim(): void {
    for (const [key, entry] of this.map) {
      if (this.map.size <= this.bound) return
      entry.evicted = true
      this.map.delete(key)
    }
  }
}

/** Due now, bypassing TTL and the back-off after a failure; the value stays for stale-if-error. */
function markExpired(entry: Entry): void {
  entry.expiresAt = 0
  entry.retryAt = 0
}

/** The one cache of this module instance. */
export const cache = new SecretCache(1)
