/**
 * Many invocations at once in one process (Lambda Managed Instances, a server wrapping handlers,
 * tests that fire them with Promise.all): what a review of concurrent invocations found, each
 * with the sequence that showed it. Real time, short store latencies.
 */
import middy from '@middy/core'
import { clearCache, secret, secrets, type Store, type StoreRequest, type StoreResult } from '../../lib/index.js'
import type { FetchOptions } from '../../lib/store.js'
import { memoryStore } from '../../lib/testing/index.js'
import { deferred } from '../support/deferred.js'
import { outcome } from '../support/invocations.js'
import { runBefore, silentLogger } from '../support/store-results.js'

beforeEach(() => clearCache())

/** A Lambda-like context with `ms` left, counted from now. */
function timeLeft(ms: number): Record<string, unknown> {
  const end = Date.now() + ms
  return { getRemainingTimeInMillis: () => end - Date.now() }
}

test("an invocation with time left is not failed by the deadline of the one that started the fetch it joined, nor by the next one's", async () => {
  const store = memoryStore({ secrets: { s: 'v1' } }, { latencyMs: 300 })
  const mw = secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, deadlineMarginMs: 0, logger: silentLogger })
  // The first starts the fetch with 40 ms left; the others join it, one with plenty of time.
  const short = [40, 60, 80].map((ms) => outcome(runBefore(mw, timeLeft(ms))))
  const long = outcome(runBefore(mw, timeLeft(5_000)))
  expect(await Promise.all(short)).toEqual([['DeadlineExceeded'], ['DeadlineExceeded'], ['DeadlineExceeded']])
  expect(((await long) as { s?: unknown }).s).toBe('v1')
  expect(store.fetches).toBe(1) // the one fetch lasted as long as its longest waiter
})

test('a fetch that fails is asked again once for a burst that joined it, not once per round', async () => {
  const store = memoryStore({ secrets: { s: 'v1' } }, { latencyMs: 30 })
  store.fail('s', { code: 'AccessDeniedException', times: 1_000 })
  const mw = secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger })
  const burst = await Promise.all(Array.from({ length: 20 }, () => outcome(runBefore(mw, timeLeft(30_000)))))
  expect(new Set(burst.map((o) => JSON.stringify(o)))).toEqual(new Set([JSON.stringify(['AccessDeniedException'])]))
  expect(store.fetches).toBe(2) // the starter's, and the one its waiters asked again (four before: one per round)
})

test('during an outage, invocations overlapping the one that asks AWS again after the back-off get the last good value at once', async () => {
  const inner = memoryStore({ secrets: { s: 'v1' } })
  let gate: ReturnType<typeof deferred<void>> | undefined
  const store: Store = {
    name: 'gated',
    async fetch(requests: readonly StoreRequest[], options: FetchOptions): Promise<StoreResult[]> {
      await gate?.promise
      return inner.fetch(requests, options)
    },
  }
  const clock = { now: Date.now() }
  const realNow = Date.now
  Date.now = () => clock.now
  try {
    const mw = secrets({ context: { s: secret('s', { ttl: 10 }) }, stores: { secretsManager: store }, prefetch: false, retries: 0, jitter: 0, refreshAhead: 0, logger: silentLogger })
    expect((await runBefore(mw)).s).toBe('v1')
    inner.fail('s', { code: 'InternalServiceError', times: 1_000 })
    clock.now += 11_000 // expired: this refresh fails, the last good value serves, and the back-off begins
    expect((await runBefore(mw)).s).toBe('v1')
    clock.now += 6_000 // the back-off is over: the next invocation asks AWS again, and waits for it
    gate = deferred<void>()
    const prober = runBefore(mw)
    await new Promise((resolve) => setImmediate(resolve))
    expect(inner.fetches).toBe(2) // the probe waits at the gate: AWS has not answered it
    let overlapping: unknown
    const others = Promise.all([runBefore(mw), runBefore(mw)]).then((contexts) => (overlapping = contexts.map((c) => c.s)))
    for (let i = 0; i < 5 && overlapping === undefined; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(overlapping).toEqual(['v1', 'v1']) // served while AWS had not answered the probe
    gate.resolve(undefined)
    expect((await prober).s).toBe('v1') // the probe failed too: stale, as before
    await others
    expect(inner.fetches).toBe(3) // the probe's, and no other
  } finally {
    gate?.resolve(undefined) // a failed expectation must not leave invocations waiting at the gate
    Date.now = realNow
  }
})

test('retrying(): failures of many invocations after one rotation refresh the value a few times, not once per failure', async () => {
  const store = memoryStore({ secrets: { db: 'p1' } }, { latencyMs: 20 })
  const mw = secrets({ context: { db: secret('db') }, stores: { secretsManager: store }, prefetch: false, refreshOn: () => true, logger: silentLogger })
  const handler = middy<unknown, unknown>()
    .use(mw)
    .handler(
      mw.retrying(async (_event: unknown, context): Promise<unknown> => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10)) // connecting: the failures come spread out
        if (context.db !== store.model.getSecretValue('db').secretString) throw new Error('password authentication failed')
        return context.db
      }),
    )
  expect(await handler({}, {} as never)).toBe('p1')
  store.rotate('db', 'p2')
  store.resetCalls()
  // Every invocation has its (old) value before the first failure: they all fail, at different moments.
  const results = await Promise.all(Array.from({ length: 40 }, () => outcome(handler({}, timeLeft(30_000) as never))))
  expect(new Set(results)).toEqual(new Set(['p2']))
  // Each invalidation outdated the fetch the one before it started: one call per failed invocation.
  expect(store.count('GetSecretValue')).toBeLessThanOrEqual(3)
})
