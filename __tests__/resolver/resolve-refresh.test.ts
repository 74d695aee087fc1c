/**
 * resolver/resolve.ts and refresh(): an invocation that ends after refresh() resolved never gets
 * the value from before it (findings.test.ts 3), also when the entry it waited on was evicted or
 * cleared meanwhile: the last invalidation is remembered by cache key (cache/entry.ts), so the
 * value of an evicted entry compares with the entry that replaced it, or with its key's record.
 */
import { jest } from '@jest/globals'
import { clearCache, secret, secrets, type Store } from '../../lib/index.js'
import type { Logger } from '../../lib/store.js'
import { memoryStore } from '../../lib/testing/index.js'
import { cache } from '../../lib/cache/cache.js'
import { readThenWait } from '../support/aws-like-store.js'
import { outcome, valuesHandler } from '../support/invocations.js'
import { runBefore } from '../support/store-results.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

beforeEach(() => clearCache())
afterEach(() => cache.resize(1000))



test('maxEntries 1: an invocation that ends after mw.refresh(key) resolved never gets the value from before the refresh, even if its entry was evicted meanwhile', async () => {
  cache.resize(1)
  const store = readThenWait({ secrets: { a: 'old' } }, 5, [200]) // the first fetch answers (what it read at once) 200 ms later
  const other = memoryStore({ secrets: { b: 'b' } })
  const mw = secrets({ context: { a: secret('a', { ttl: 3600 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, maxEntries: 1 })
  const hb = valuesHandler(secrets({ context: { b: secret('b') }, stores: { secretsManager: other }, prefetch: false, logger: quiet, maxEntries: 1 }), ['b'])
  const h = valuesHandler(mw, ['a'])
  const first = h({}, {} as never) // fetch #1 reads 'old', answers at ~200 ms
  await sleep(10)
  store.inner.rotate('a', 'new')
  expect(await hb({}, {} as never)).toEqual(['b']) // evicts a's entry
  await mw.refresh('a') // a new entry, invalidated, fetched: 'new' (5 ms)
  expect(await hb({}, {} as never)).toEqual(['b']) // evicts it again
  // The first invocation ends after refresh() resolved: as findings.test.ts 3 pins without eviction, it must not be 'old'.
  expect(await first).toEqual(['new'])
})

test('maxEntries 1, evicted once: the in-flight invocation gets the refreshed value', async () => {
  cache.resize(1)
  const store = readThenWait({ secrets: { a: 'old' } }, 5, [200])
  const other = memoryStore({ secrets: { b: 'b' } })
  const mw = secrets({ context: { a: secret('a', { ttl: 3600 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, maxEntries: 1 })
  const hb = valuesHandler(secrets({ context: { b: secret('b') }, stores: { secretsManager: other }, prefetch: false, logger: quiet, maxEntries: 1 }), ['b'])
  const h = valuesHandler(mw, ['a'])
  const first = h({}, {} as never)
  await sleep(10)
  store.inner.rotate('a', 'new')
  expect(await hb({}, {} as never)).toEqual(['b'])
  await mw.refresh('a')
  expect(await first).toEqual(['new'])
})

test('clearCache() before and after mw.refresh(key): the in-flight invocation that ends after the refresh gets the refreshed value', async () => {
  const store = readThenWait({ secrets: { a: 'old' } }, 5, [200])
  const mw = secrets({ context: { a: secret('a', { ttl: 3600 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
  const h = valuesHandler(mw, ['a'])
  const first = h({}, {} as never) // fetch #1 reads 'old', answers at ~200 ms
  await sleep(10)
  store.inner.rotate('a', 'new')
  clearCache()
  await mw.refresh('a')
  clearCache()
  expect(await first).toEqual(['new'])
})

test('maxEntries 1, evicted while it waited, nothing refreshed: the value stands, fetched once', async () => {
  cache.resize(1)
  const store = readThenWait({ secrets: { a: 'va' } }, 5, [200])
  const fetch = jest.spyOn(store, 'fetch')
  const other = memoryStore({ secrets: { b: 'b' } })
  const h = valuesHandler(secrets({ context: { a: secret('a', { ttl: 3600 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, maxEntries: 1 }), ['a'])
  const hb = valuesHandler(secrets({ context: { b: secret('b') }, stores: { secretsManager: other }, prefetch: false, logger: quiet, maxEntries: 1 }), ['b'])
  const first = h({}, {} as never)
  await sleep(10)
  expect(await hb({}, {} as never)).toEqual(['b']) // evicts a's entry while its fetch is out
  expect(await first).toEqual(['va'])
  expect(fetch).toHaveBeenCalledTimes(1)
})

// Generations are remembered by key: a refresh of another key says nothing of this one.

test('a key whose fresh value this invocation read, cleared from the cache meanwhile, is not fetched again because another key was refreshed', async () => {
  const inner = memoryStore({ secrets: { a: 'va', b: 'vb', x: 'vx' } })
  const asked: string[] = []
  let aDown = false
  let gate = false
  let release: (() => void) | undefined
  const store: Store = {
    name: 'custom',
    fetch: async (requests, options) => {
      asked.push(...requests.map((r) => r.name))
      if (gate && requests.some((r) => r.name === 'b')) await new Promise<void>((r) => (release = r))
      const answers = await inner.fetch(requests, options)
      return requests.map((r, i) => (r.name === 'a' && aDown ? { ok: false as const, error: { code: 'InternalServiceError', message: 'down', retryable: true } } : answers[i]!))
    },
  }
  const app = secrets({ context: { a: secret('a', { ttl: 3600 }), b: secret('b', { ttl: 1 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 0 })
  const other = secrets({ context: { x: secret('x') }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
  await runBefore(app) // a and b cached
  await runBefore(other)
  await other.refresh() // an unrelated key is refreshed: the process-wide generation moves on
  await new Promise((r) => setTimeout(r, 1_100)) // b expired, a fresh for an hour
  aDown = true // AWS has trouble with a from now on
  asked.length = 0
  gate = true
  const p = outcome(runBefore(app, { getRemainingTimeInMillis: () => 2_000 }), (f) => `${f.key}:${f.code}`)
  await new Promise((r) => setTimeout(r, 20)) // a was read fresh; b's fetch is under way
  clearCache() // (or: the sweep evicts a's entry)
  gate = false
  release!()
  expect({ result: await p, asked }).toEqual({ result: expect.objectContaining({ a: 'va', b: 'vb' }), asked: ['b'] })
})
