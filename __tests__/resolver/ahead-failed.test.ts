/**
 * resolver/ahead.ts and the back-off: a refresh ahead that fails while the value is fresh serves nothing stale, so once the value expires it is asked for anew, not served on a back-off;
 * and it is not tried again by every invocation of the window, but every 5 s, as stale-if-error.
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { clearCache, secret, secrets } from '../../lib/index.js'
import { memoryStore } from '../../lib/testing/index.js'
import { useFakeClock } from '../support/clock.js'
import { silentLogger } from '../support/store-results.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const clock = useFakeClock(T0)
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

beforeEach(() => clearCache())

test('a failed refresh ahead does not make the value serve past its TTL without asking AWS', async () => {
  const store = memoryStore({ secrets: { db: 'v1' } })
  const mw = secrets({ context: { db: secret('db', { ttl: 10 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0.1, logger: silentLogger })
  const h = middy(async (_e: unknown, c: Context) => (c as unknown as { db: string }).db)
  h.use(mw as never)
  expect(await h({}, {} as never)).toBe('v1') // fetched at T0: fresh until T0 + 10 s, refreshed ahead from T0 + 9 s
  store.fail('db', { code: 'ThrottlingException', times: 1 })
  clock.now = T0 + 9_500
  expect(await h({}, {} as never)).toBe('v1') // fresh; starts the refresh ahead, which is throttled once
  await tick()
  store.rotate('db', 'v2') // AWS answers again, with a new value
  store.resetCalls()
  clock.now = T0 + 10_001 // expired. README (refreshAhead): "If it fails, the value serves to the end of its TTL
  // and the usual rules take over (a fetch, or stale-if-error)": nothing failed since the value expired.
  expect({ value: await h({}, {} as never), calls: store.count('GetSecretValue') }).toEqual({ value: 'v2', calls: 1 })
})

test('a refresh ahead that failed is not started again by every invocation of the window: one call per key every 5 s, as stale-if-error', async () => {
  // Found by review: a throttled store got one call per invocation (20 in 2 s) for the whole window.
  const store = memoryStore({ secrets: { db: 'v1' } })
  const mw = secrets({ context: { db: secret('db', { ttl: 300 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, retries: 0, logger: silentLogger })
  const h = middy(async (_e: unknown, c: Context) => (c as unknown as { db: string }).db)
  h.use(mw as never)
  expect(await h({}, {} as never)).toBe('v1')
  store.resetCalls()
  store.fail('db', { code: 'ThrottlingException', times: 1_000 })
  clock.now = T0 + 271_000 // in the last 10% of the TTL
  for (let i = 0; i < 20; i++) {
    expect(await h({}, {} as never)).toBe('v1') // fresh: served at once
    await tick() // its refresh ahead, if one started, is answered (throttled) before the next invocation
    clock.now += 100
  }
  expect(store.count('GetSecretValue')).toBe(1)
  clock.now = T0 + 276_000 // 5 s after that failure: tried again, once
  expect(await h({}, {} as never)).toBe('v1')
  await tick()
  expect(await h({}, {} as never)).toBe('v1')
  await tick()
  expect(store.count('GetSecretValue')).toBe(2)
  store.clearFaults()
  store.rotate('db', 'v2')
  clock.now = T0 + 281_000
  expect(await h({}, {} as never)).toBe('v1') // starts the refresh, which now succeeds
  await tick()
  expect(await h({}, {} as never)).toBe('v2')
  expect(store.count('GetSecretValue')).toBe(3)
})

test('a refresh ahead that fails says the value is still fresh, and for how long; not that a stale value serves', async () => {
  // It used to log "refresh failed; serving the last good value", the stale-if-error line, while nothing stale served.
  const warn = jest.fn()
  const store = memoryStore({ secrets: { db: 'v1' } })
  const mw = secrets({ context: { db: secret('db', { ttl: 300 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, retries: 0, logger: { ...silentLogger, warn } })
  const h = middy(async (_e: unknown, c: Context) => (c as unknown as { db: string }).db)
  h.use(mw as never)
  expect(await h({}, {} as never)).toBe('v1')
  store.fail('db', { code: 'ThrottlingException', times: 1 })
  clock.now = T0 + 280_000 // fresh for 20 s more, in the refresh-ahead window
  expect(await h({}, {} as never)).toBe('v1')
  await tick()
  expect(warn.mock.calls).toEqual([
    ['middy-secrets: refresh ahead failed; the cached value is still fresh', expect.objectContaining({ key: 'db', reason: 'ahead', code: 'ThrottlingException', freshForSeconds: 20 })],
  ])
  // Once it has expired, a failure is stale-if-error's, as before.
  store.fail('db', { code: 'ThrottlingException', times: 1 })
  clock.now = T0 + 300_500
  expect(await h({}, {} as never)).toBe('v1')
  expect(warn.mock.calls[1]).toEqual(['middy-secrets: refresh failed; serving the last good value', expect.objectContaining({ key: 'db', code: 'ThrottlingException' })])
})

test('a refresh ahead denied (not transient) warns while the value is fresh: it will fail the key once it expires', async () => {
  const warn = jest.fn()
  const store = memoryStore({ secrets: { db: 'v1' } })
  const mw = secrets({ context: { db: secret('db', { ttl: 300 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, logger: { ...silentLogger, warn } })
  const h = middy(async (_e: unknown, c: Context) => (c as unknown as { db: string }).db)
  h.use(mw as never)
  expect(await h({}, {} as never)).toBe('v1')
  store.fail('db', { code: 'AccessDeniedException', times: 1 })
  clock.now = T0 + 290_000
  expect(await h({}, {} as never)).toBe('v1')
  await tick()
  expect(warn.mock.calls).toEqual([['middy-secrets: refresh ahead failed; the cached value is still fresh', expect.objectContaining({ code: 'AccessDeniedException', freshForSeconds: 10 })]])
})
