/**
 * resolver/resolve.ts with maxEntries eviction: the stages of one secret stay paired, and a key whose entry was evicted while it waited still serves that entry's last good value at its deadline.
 */
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { clearCache, secret, secrets, SecretsError } from '../../lib/index.js'
import { memoryStore } from '../../lib/testing/index.js'
import { useFakeClock } from '../support/clock.js'
import { silentLogger } from '../support/store-results.js'
import { cache } from '../../lib/cache/cache.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const clock = useFakeClock(T0)

beforeEach(() => clearCache())
afterEach(() => cache.resize(1000))

test.each([1, 2])('maxEntries %i: AWSCURRENT and AWSPREVIOUS of one secret, invocations keep succeeding', async (max) => {
  const store = memoryStore({ secrets: { db: 'v1' } })
  store.rotate('db', 'v2')
  const mw = secrets({
    context: { cur: secret('db'), prev: secret('db', { versionStage: 'AWSPREVIOUS' }), other: secret('other', { optional: true }) },
    stores: { secretsManager: store },
    prefetch: false,
    maxEntries: max,
    jitter: 0,
    logger: silentLogger,
  })
  cache.resize(max)
  const h = middy(async (_e: unknown, c: Context) => {
    const ctx = c as unknown as Record<string, unknown>
    return [ctx.cur, ctx.prev]
  })
  h.use(mw as never)
  const results: unknown[] = []
  for (let i = 0; i < 6; i++) {
    clock.now += 1_000
    results.push(await h({}, {} as never).catch((e: unknown) => (e instanceof SecretsError ? e.failures.map((f) => `${f.key}:${f.code}`) : String(e))))
  }
  expect(results).toEqual(Array.from({ length: 6 }, () => ['v2', 'v1']))
})

test('an entry evicted while a joiner waits on it: the joiner at its deadline serves the last good value', async () => {
  const slow = memoryStore({ secrets: { a: 'a1' } })
  const other = memoryStore({ secrets: { b: 'b1' } })
  const ma = secrets({ context: { a: secret('a', { ttl: 10 }) }, stores: { secretsManager: slow }, prefetch: false, maxEntries: 1, jitter: 0, refreshAhead: 0, logger: silentLogger })
  const mb = secrets({ context: { b: secret('b') }, stores: { secretsManager: other }, prefetch: false, maxEntries: 1, jitter: 0, logger: silentLogger })
  cache.resize(1)
  const ha = middy(async (_e: unknown, c: Context) => (c as unknown as { a: string }).a)
  ha.use(ma as never)
  const hb = middy(async (_e: unknown, c: Context) => (c as unknown as { b: string }).b)
  hb.use(mb as never)
  expect(await ha({}, {} as never)).toBe('a1') // cached at T0, expires at T0 + 10 s, may serve stale for an hour
  clock.now = T0 + 10_001
  slow.setLatency(400)
  const first = ha({}, {} as never) // no deadline: starts the slow refresh of a
  await new Promise((resolve) => setTimeout(resolve, 5))
  const joiner = ha({}, { getRemainingTimeInMillis: () => 600 } as never) // 100 ms to go: joins the refresh
  await new Promise((resolve) => setTimeout(resolve, 5))
  expect(await hb({}, {} as never)).toBe('b1') // evicts a's entry (maxEntries 1) while it is fetched
  // README: the deadline "serves their stale value"; maxEntries: "an entry evicted while it is fetched still
  // answers the invocations waiting on it (with its last good value, if the fetch fails)".
  const joined = await joiner.catch((e: unknown) => (e instanceof SecretsError ? e.failures.map((f) => `${f.key}:${f.code}`) : String(e)))
  expect(joined).toBe('a1')
  expect(await first).toBe('a1')
})

test('control (passes): the same without the eviction, the joiner serves the last good value at its deadline', async () => {
  const slow = memoryStore({ secrets: { a: 'a1' } })
  const ma = secrets({ context: { a: secret('a', { ttl: 10 }) }, stores: { secretsManager: slow }, prefetch: false, jitter: 0, refreshAhead: 0, logger: silentLogger })
  const ha = middy(async (_e: unknown, c: Context) => (c as unknown as { a: string }).a)
  ha.use(ma as never)
  expect(await ha({}, {} as never)).toBe('a1')
  clock.now = T0 + 10_001
  slow.setLatency(400)
  const first = ha({}, {} as never)
  await new Promise((resolve) => setTimeout(resolve, 5))
  const joiner = ha({}, { getRemainingTimeInMillis: () => 600 } as never)
  expect(await joiner).toBe('a1')
  expect(await first).toBe('a1')
})
