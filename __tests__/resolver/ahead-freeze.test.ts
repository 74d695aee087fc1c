/**
 * A refresh ahead in flight when Lambda freezes the environment (the handler returned before AWS
 * answered, the usual case: the flight starts in `before`). The freeze outlasts the flight's
 * 10 s lifetime; at the thaw its deadline timer fires first and aborts it. That is no failure of
 * AWS: it must not start the stale-if-error back-off, which would serve the expired value
 * without asking AWS (resolver/flight.ts settleAtOwnDeadline).
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { clearCache, secret, secrets, type SecretsMiddleware, type Store, type StoreRequest, type StoreResult } from '../../lib/index.js'
import type { FetchOptions } from '../../lib/store.js'
import { memoryStore } from '../../lib/testing/index.js'
import { cachedEntry } from '../support/entries.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

function handlerOf<T>(mw: SecretsMiddleware<T>, key: string) {
  const h = middy(async (_event: unknown, context: Context) => (context as unknown as Record<string, unknown>)[key])
  h.use(mw as never)
  return (): Promise<unknown> => h({}, {} as never) as Promise<unknown>
}

/** A store whose requests, while `frozen`, get no answer until aborted (a socket of a frozen process). */
function freezable() {
  const inner = memoryStore({ secrets: { k: 'v1' } })
  let frozen = false
  const store: Store = {
    name: 'freezable',
    async fetch(requests: readonly StoreRequest[], options: FetchOptions): Promise<StoreResult[]> {
      if (frozen) {
        await new Promise<void>((resolve) => options.signal.addEventListener('abort', () => resolve(), { once: true }))
        return requests.map(() => ({ ok: false, error: { code: 'DeadlineExceeded', message: 'stopped before the Lambda deadline', retryable: true } }))
      }
      return inner.fetch(requests, options)
    },
  }
  return { store, inner, freeze: (on: boolean) => (frozen = on) }
}

beforeEach(() => {
  clearCache()
  jest.useFakeTimers({ now: T0 })
})
afterEach(() => jest.useRealTimers())

/** The middleware over a freezable store, its first invocation done: v1 is cached at T0. */
async function cachedV1(options: Record<string, unknown>) {
  const { store, inner, freeze } = freezable()
  const mw = secrets({ context: { k: secret('k') }, jitter: 0, maxStale: 3600, stores: { secretsManager: store }, prefetch: false, logger: quiet, ...options })
  const invoke = handlerOf(mw, 'k')
  const first = invoke()
  await jest.advanceTimersByTimeAsync(0)
  expect(await first).toBe('v1')
  return { store, inner, freeze, invoke }
}

test('after a long freeze during a refresh ahead, an expired value is not served without asking AWS', async () => {
  const debug: Array<[string, Record<string, unknown>]> = []
  const logger = { ...quiet, debug: (message: string, fields: Record<string, unknown>) => void debug.push([message, fields]) }
  const { store, inner, freeze, invoke } = await cachedV1({ ttl: 300, refreshAhead: 0.1, logger, logLevel: 'debug' })
  const callsBefore = inner.count('GetSecretValue')

  jest.setSystemTime(T0 + 280_000) // in the last 10% of the TTL
  freeze(true) // the request the refresh ahead makes is in flight when the environment freezes
  const second = invoke()
  await jest.advanceTimersByTimeAsync(0)
  expect(await second).toBe('v1') // fresh: served at once, refresh ahead started

  // Frozen for ~2 minutes; meanwhile the secret changes. At the thaw the flight's 10 s deadline
  // timer fires before the socket is read, and aborts it.
  jest.setSystemTime(T0 + 390_000)
  inner.setSecret('k', 'v2')
  freeze(false)
  await jest.advanceTimersByTimeAsync(10_000) // now T0 + 400 s: v1 expired 100 s ago

  // The flight ended unanswered, and that is not recorded as the entry's failure.
  const entry = cachedEntry(store, { kind: 'secret', name: 'k', versionStage: 'AWSCURRENT' })
  expect(entry.flight).toBeUndefined()
  expect(entry.failure).toBeUndefined()
  expect(debug).toContainEqual(['middy-secrets: background fetch ended at its deadline, unanswered', expect.objectContaining({ key: 'k', resource: 'k', reason: 'ahead', code: 'DeadlineExceeded' })])
  const third = invoke()
  await jest.advanceTimersByTimeAsync(0)
  // AWS is healthy and never failed: the expired value should be fetched again.
  expect(await third).toBe('v2')
  expect(inner.count('GetSecretValue')).toBeGreaterThan(callsBefore)
})

test('the same freeze without a refresh ahead in flight: the expired value is fetched', async () => {
  const { inner, invoke } = await cachedV1({ ttl: 300, refreshAhead: 0 })
  jest.setSystemTime(T0 + 390_000)
  inner.setSecret('k', 'v2')
  await jest.advanceTimersByTimeAsync(10_000)
  const third = invoke()
  await jest.advanceTimersByTimeAsync(0)
  expect(await third).toBe('v2')
})

test('an invocation that joined a background fetch which ends unanswered fetches for itself', async () => {
  // ttl 5 s, refresh ahead from 2.5 s: the background fetch (10 s of life) outlives the value.
  const { inner, freeze, invoke } = await cachedV1({ ttl: 5, refreshAhead: 0.5 })
  jest.setSystemTime(T0 + 3_000)
  freeze(true)
  const second = invoke() // fresh, in its last half: the background fetch starts, and hangs
  await jest.advanceTimersByTimeAsync(0)
  expect(await second).toBe('v1')
  jest.setSystemTime(T0 + 6_000) // expired: this invocation joins the background fetch
  inner.setSecret('k', 'v2')
  const third = invoke()
  await jest.advanceTimersByTimeAsync(0)
  freeze(false)
  await jest.advanceTimersByTimeAsync(10_000) // the background fetch ends at its deadline, unanswered
  expect(await third).toBe('v2') // not the expired v1: a fetch of its own
})

test('a refresh ahead answered after a freeze is as old as its question: it does not count as fresh from the thaw', async () => {
  // Found by review: AWS answered v1 at 280 s, the environment froze before the answer was read,
  // and at the thaw an hour later v1 was validated as of then: fresh for another 300 s, with v2
  // current for an hour. A value's age counts from when its attempt asked (attempts.ts AttemptMoment).
  const inner = memoryStore({ secrets: { k: 'v1' } })
  let deliver: (() => void) | undefined
  let holding = false
  const store: Store = {
    name: 'freezable',
    async fetch(requests: readonly StoreRequest[], options: FetchOptions): Promise<StoreResult[]> {
      const answer = await inner.fetch(requests, options) // what AWS holds when the request arrives
      if (holding) await new Promise<void>((resolve) => (deliver = resolve)) // unread in the socket while frozen
      return answer
    },
  }
  const mw = secrets({ context: { k: secret('k') }, ttl: 300, jitter: 0, stores: { secretsManager: store }, prefetch: false, logger: quiet })
  const invoke = handlerOf(mw, 'k')
  const first = invoke()
  await jest.advanceTimersByTimeAsync(0)
  expect(await first).toBe('v1')
  jest.setSystemTime(T0 + 280_000) // in the last 10% of the TTL
  holding = true
  const second = invoke()
  await jest.advanceTimersByTimeAsync(0)
  expect(await second).toBe('v1') // fresh: served, refresh ahead started and answered v1
  inner.setSecret('k', 'v2')
  jest.setSystemTime(T0 + 280_000 + 3_600_000) // thawed an hour later, before the flight's own deadline timer fired
  holding = false
  deliver!()
  await jest.advanceTimersByTimeAsync(0)
  const third = invoke()
  await jest.advanceTimersByTimeAsync(0)
  expect(await third).toBe('v2') // v1 was last read from AWS an hour ago
  expect(inner.count('GetSecretValue')).toBe(3)
})
