/**
 * The local server's cache, as the extension's: one TTL per service (SECRETS_MANAGER_TTL,
 * SSM_PARAMETER_STORE_TTL; 0 = that service is not cached), at most `size` entries, least
 * recently used evicted first, and it can be turned off altogether. Only successful answers are
 * kept, so an error is asked again next time.
 * Not lib/cache/cache.ts, by design: that one keeps expired values to serve on error and evicts by CLOCK.
 */
import type { StoreRequest, StoreValue } from '../store.js'

export interface ResponseCacheOptions {
  readonly enabled: boolean
  /** 0 = no caching. */
  readonly size: number
  /** Seconds. */
  readonly secretsTtl: number
  readonly ssmTtl: number
  /** For tests; default Date.now. */
  readonly now?: () => number
}

export interface ResponseCache {
  get(request: StoreRequest): StoreValue | undefined
  set(request: StoreRequest, value: StoreValue): void
  readonly size: number
  clear(): void
}

interface Entry {
  readonly value: StoreValue
  readonly expiresAt: number
}

export function cacheKey(request: StoreRequest): string {
  // JSON keeps the selectors apart whatever characters names contain.
  return JSON.stringify([request.kind, request.name, request.versionId, request.versionStage, request.version, request.label, request.decrypt])
}

export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const entries = new Map<string, Entry>()
  const now = options.now ?? Date.now
  const ttlMs = (request: StoreRequest): number => (request.kind === 'secret' ? options.secretsTtl : options.ssmTtl) * 1000
  const active = (request: StoreRequest): boolean => options.enabled && options.size > 0 && ttlMs(request) > 0

  return {
    get(request) {
      if (!active(request)) return undefined
      const key = cacheKey(request)
      const entry = entries.get(key)
      if (!entry) return undefined
      entries.delete(key)
      if (entry.expiresAt <= now()) return undefined
      entries.set(key, entry) // most recently used goes last
      return entry.value
    },
    set(request, value) {
      if (!active(request)) return
      const key = cacheKey(request)
      entries.delete(key)
      entries.set(key, { value, expiresAt: now() + ttlMs(request) })
      while (entries.size > options.size) entries.delete(entries.keys().next().value as string)
    },
    get size() {
      return entries.size
    },
    clear() {
      entries.clear()
    },
  }
}
