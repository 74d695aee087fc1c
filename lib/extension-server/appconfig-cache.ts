/**
 * The local server's AppConfig cache, as AWS documents the extension's: a configuration, once
 * fetched, is served from the cache; a request that comes when more than the poll interval has
 * passed since the last poll polls the backend again, and the cache takes what it answers. A
 * poll that fails or times out keeps the cached copy and skips that interval (the extension
 * "returns the previously updated cached data"), except when the configuration is gone
 * (ResourceNotFoundException: a file edit removed it): that is answered, and the copy dropped. A
 * failure with nothing cached is answered as is, and not kept. Requests for a configuration
 * being polled wait for that one poll.
 */
import type { StoreError, StoreResult, StoreValue } from '../store.js'

export interface ConfigurationCacheOptions {
  /** Seconds; 0 = every request polls. */
  readonly pollIntervalSeconds: number
  /** For tests; default Date.now. */
  readonly now?: () => number
}

/** Where an answer came from: the cache, a poll, or the cache after a failed poll. */
export type ConfigurationSource = 'cache' | 'poll' | 'stale'

export interface CachedAnswer {
  readonly result: StoreResult
  readonly source: ConfigurationSource
  /** Why the poll failed, when a stale copy answers. */
  readonly pollError?: StoreError
}

export interface ConfigurationCache {
  /** The configuration for `key`, from the cache or from `poll` (called at most once at a time per key). */
  get(key: string, poll: () => Promise<StoreResult>): Promise<CachedAnswer>
  readonly size: number
  clear(): void
}

/** The one failure that ends a cached copy: the configuration no longer exists. */
const GONE = 'ResourceNotFoundException'

interface Entry {
  readonly value: StoreValue
  polledAt: number
}

export function createConfigurationCache(options: ConfigurationCacheOptions): ConfigurationCache {
  const entries = new Map<string, Entry>()
  const polls = new Map<string, Promise<CachedAnswer>>()
  const now = options.now ?? Date.now
  const intervalMs = options.pollIntervalSeconds * 1000

  async function refresh(key: string, poll: () => Promise<StoreResult>): Promise<CachedAnswer> {
    const result = await poll()
    const entry = entries.get(key)
    if (result.ok) {
      if (intervalMs > 0) entries.set(key, { value: result, polledAt: now() })
      return { result, source: 'poll' }
    }
    if (!entry || result.error.code === GONE) {
      entries.delete(key)
      return { result, source: 'poll' }
    }
    entry.polledAt = now()
    return { result: entry.value, source: 'stale', pollError: result.error }
  }

  return {
    get(key, poll) {
      const entry = entries.get(key)
      if (entry && now() - entry.polledAt < intervalMs) return Promise.resolve({ result: entry.value, source: 'cache' })
      let pending = polls.get(key)
      if (!pending) {
        pending = refresh(key, poll).finally(() => polls.delete(key))
        polls.set(key, pending)
      }
      return pending
    },
    get size() {
      return entries.size
    },
    clear() {
      entries.clear()
    },
  }
}
