/** resolver/attempts.ts: what is retried, how often, how soon: one retry layer for every store. */
import { jest } from '@jest/globals'
import { getEventListeners } from 'node:events'
import { createServer } from 'node:net'
import { createEntry } from '../../lib/cache/entry.js'
import { makePolicy } from '../../lib/cache/policy.js'
import { clearCache, secret, secrets, SecretsError } from '../../lib/index.js'
import { fetchWithRetries } from '../../lib/resolver/attempts.js'
import { extensionStore } from '../../lib/extension.js'
import type { FetchOptions, Logger, Store, StoreRequest, StoreResult } from '../../lib/store.js'
import { memoryStore } from '../../lib/testing/index.js'
import { outcome } from '../support/invocations.js'
import { runBefore } from '../support/store-results.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const SKEWED = 'Signature expired: 20261202T041200Z is now earlier than 20261202T042200Z (20261202T042700Z - 5 min.)'

beforeEach(() => clearCache())

function invoke(mw: object, remainingMs = 30_000): Promise<Record<string, unknown>> {
  return runBefore(mw, { getRemainingTimeInMillis: () => remainingMs })
}

describe('clock skew', () => {
  test('a signature-expired failure is retried once, at once (re-signed by the transport)', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    store.fail('s', { code: 'InvalidSignatureException', message: SKEWED, times: 1 })
    const timers = jest.spyOn(globalThis, 'setTimeout')
    const context = await invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet }))
    expect(context.s).toBe('v')
    expect(store.count('GetSecretValue')).toBe(2)
    // No backoff before it: the first backoff sleeps 0-50 ms on a timer (the deadline timers are 30 s).
    expect(timers.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms > 0 && ms <= 50)).toEqual([])
    timers.mockRestore()
  })

  test('only once: a second one fails the key with a hint about the clock', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    store.fail('s', { code: 'RequestTimeTooSkewed', times: 5 })
    const error = await invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet })).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(SecretsError)
    expect((error as SecretsError).failures[0]).toMatchObject({ code: 'RequestTimeTooSkewed', hint: expect.stringContaining('clock') })
    expect(store.count('GetSecretValue')).toBe(2)
  })

  test('a signature failure that is not about time is not retried', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    store.fail('s', { code: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.', times: 5 })
    await expect(invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet }))).rejects.toBeInstanceOf(SecretsError)
    expect(store.count('GetSecretValue')).toBe(1)
  })
})

describe('nothing listening: fail fast after the start-up wait', () => {
  test('ExtensionUnavailable is not retried within the invocation', async () => {
    const probe = createServer()
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done))
    const port = (probe.address() as { port: number }).port
    await new Promise((done) => probe.close(done)) // a port nobody listens on
    const store = extensionStore({ port, token: 't', startupTimeoutMs: 150, env: {} })
    const started = Date.now()
    const error = await invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet })).then(() => undefined, (e: unknown) => e)
    const took = Date.now() - started
    expect((error as SecretsError).failures[0]).toMatchObject({ code: 'ExtensionUnavailable', hint: expect.stringContaining('Extension layer') })
    expect(took).toBeLessThan(1_000) // the start-up wait (150 ms), not 10 retries after it (6-7 s)
  })
})

describe('retries', () => {
  test('a transient failure is retried with backoff until it succeeds, within the retries', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    store.fail('s', { code: 'ThrottlingException', times: 3 })
    const context = await invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 3 }))
    expect(context.s).toBe('v')
    expect(store.count('GetSecretValue')).toBe(4)
  })

  describe('the backoff before each retry: full jitter, random() x min(cap, 50 ms x 2^n)', () => {
    /** The backoff sleeps of one invocation, with Math.random() held at 0.01 (so they stay short). */
    async function backoffs(fail: Record<string, { code: string; times: number }>, retries: number): Promise<number[]> {
      const store = memoryStore({ secrets: Object.fromEntries(Object.keys(fail).map((name) => [name, 'v'])) })
      for (const [name, failure] of Object.entries(fail)) store.fail(name, failure)
      const context = Object.fromEntries(Object.keys(fail).map((name) => [name, secret(name)]))
      jest.spyOn(Math, 'random').mockReturnValue(0.01)
      const timers = jest.spyOn(globalThis, 'setTimeout')
      try {
        await invoke(secrets({ context, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries }))
        // The backoff sleeps are the short timers (the deadline's is about 30 s).
        return timers.mock.calls.map(([, ms]) => ms as number).filter((ms) => ms > 0 && ms < 1_000)
      } finally {
        jest.restoreAllMocks()
      }
    }
    const near = (expected: number[]) => expected.map((ms) => expect.closeTo(ms, 6))

    test('a transient failure: 100, 200, 400... ms, capped at 2 s', async () => {
      expect(await backoffs({ s: { code: 'InternalServiceError', times: 7 } }, 7)).toEqual(near([1, 2, 4, 8, 16, 20, 20]))
    })

    test('a throttle among the failures raises the cap to 5 s', async () => {
      const throttledAndNot = { s: { code: 'ThrottlingException', times: 7 }, t: { code: 'InternalServiceError', times: 7 } }
      expect(await backoffs(throttledAndNot, 7)).toEqual(near([1, 2, 4, 8, 16, 32, 50]))
    })

    test('no sleep that would end past the deadline: the retries stop before it instead', async () => {
      const store = memoryStore({ secrets: { s: 'v' } })
      store.fail('s', { code: 'InternalServiceError', times: 50 })
      jest.spyOn(Math, 'random').mockReturnValue(0.1) // 10, 20, 40, 80, 160, then 200 (the 2 s cap): 710 ms slept before the eighth
      const timers = jest.spyOn(globalThis, 'setTimeout')
      try {
        const mw = secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 10, deadlineMarginMs: 0 })
        const error = await invoke(mw, 900).then(() => undefined, (e: unknown) => e)
        expect((error as SecretsError).failures[0]!.code).toBe('InternalServiceError') // its own error, not DeadlineExceeded
        // 200 ms more would end past the deadline (900 ms): never slept, not even in part.
        expect(timers.mock.calls.map(([, ms]) => ms as number).filter((ms) => ms > 0 && ms < 850)).toEqual(near([10, 20, 40, 80, 160, 200, 200]))
      } finally {
        jest.restoreAllMocks()
      }
    })

    test('no wait when every failure is a clock skew (re-signed at once); a skew among other failures waits', async () => {
      expect(await backoffs({ s: { code: 'RequestTimeTooSkewed', times: 1 } }, 3)).toEqual([])
      expect(await backoffs({ s: { code: 'RequestTimeTooSkewed', times: 1 }, t: { code: 'InternalServiceError', times: 1 } }, 3)).toEqual(near([1]))
    })
  })

  test('retries: 0 makes one attempt, with no backoff after it; a permanent failure is never retried', async () => {
    const store = memoryStore({ secrets: { s: 'v', t: 'w' } })
    store.fail('s', { code: 'ThrottlingException', times: 5 })
    store.fail('t', { code: 'AccessDeniedException', times: 5 })
    jest.spyOn(Math, 'random').mockReturnValue(0.5) // a backoff would sleep 50 ms
    const timers = jest.spyOn(globalThis, 'setTimeout')
    try {
      await expect(invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 0 }))).rejects.toBeInstanceOf(SecretsError)
      expect(timers.mock.calls.map(([, ms]) => ms as number).filter((ms) => ms > 0 && ms < 1_000)).toEqual([])
    } finally {
      jest.restoreAllMocks()
    }
    await expect(invoke(secrets({ context: { t: secret('t') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 5 }))).rejects.toBeInstanceOf(SecretsError)
    expect(store.count('GetSecretValue')).toBe(2)
  })

  test('a retry cut short by the deadline says what each key was retrying after; a first attempt cut short, or a key out of retries, says only its own failure', async () => {
    // The first call answers at once (a throttled, b failing with a 5xx); the second waits for the deadline's abort.
    const inner = memoryStore({ secrets: { a: 'v', b: 'w' } })
    inner.fail('a', { code: 'ThrottlingException', times: 1 })
    inner.fail('b', { code: 'InternalServiceError', times: 1 })
    let calls = 0
    const store: Store = {
      name: 'memory',
      fetch: async (requests, options) => {
        calls += 1
        if (calls > 1) await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }))
        return inner.fetch(requests, options)
      },
    }
    jest.spyOn(Math, 'random').mockReturnValue(0.01)
    try {
      const mw = secrets({ context: { a: secret('a'), b: secret('b') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, deadlineMarginMs: 0 })
      const error = await invoke(mw, 300).then(() => undefined, (e: unknown) => e)
      // The message comes from the aborted attempt or from the invocation's own wait, whichever ends first: both name it.
      expect((error as SecretsError).failures).toMatchObject([
        { key: 'a', code: 'DeadlineExceeded', message: expect.stringMatching(/, retrying after ThrottlingException$/) },
        { key: 'b', code: 'DeadlineExceeded', message: expect.stringMatching(/, retrying after InternalServiceError$/) },
      ])
      expect(calls).toBe(2)

      const slow = memoryStore({ secrets: { s: 'v' } }, { latencyMs: 5_000 })
      const first = await invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: slow }, prefetch: false, logger: quiet, deadlineMarginMs: 0 }), 100).then(() => undefined, (e: unknown) => e)
      expect((first as SecretsError).failures[0]).toMatchObject({ code: 'DeadlineExceeded', message: expect.not.stringContaining('retrying after') })

      // Out of retries, not of time: the last failure as AWS said it.
      const throttled = memoryStore({ secrets: { s: 'v' } })
      throttled.fail('s', { code: 'ThrottlingException', message: 'Rate exceeded', times: 50 })
      const spent = await invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: throttled }, prefetch: false, logger: quiet, retries: 2 })).then(() => undefined, (e: unknown) => e)
      expect((spent as SecretsError).failures[0]).toMatchObject({ code: 'ThrottlingException', message: 'Rate exceeded' })
      expect(throttled.count('GetSecretValue')).toBe(3)
    } finally {
      jest.restoreAllMocks()
    }
  })

  test('no retry whose backoff would end past the deadline', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    store.fail('s', { code: 'ThrottlingException', times: 50 })
    const started = Date.now()
    const error = await invoke(secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, deadlineMarginMs: 0 }), 120).then(() => undefined, (e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(1_000) // coarse: no hang
    // The throttle itself, not DeadlineExceeded: the flight gave up at once instead of sleeping into the deadline.
    expect((error as SecretsError).failures[0]!.code).toBe('ThrottlingException')
  })

  test('a store that throws still fails every key it was asked for, with no unhandled rejection', async () => {
    const store = { name: 'throws', fetch: async () => Promise.reject(new TypeError('bug in the store')) }
    const error = await invoke(secrets({ context: { a: secret('a'), b: secret('b') }, stores: { secretsManager: store }, prefetch: false, logger: quiet })).then(() => undefined, (e: unknown) => e)
    expect((error as SecretsError).failures.map((f) => [f.key, f.code])).toEqual([['a', 'TypeError'], ['b', 'TypeError']])
    for (const failure of (error as SecretsError).failures) expect(failure.message).toContain('bug in the store')
  })

  test('an attempt aborted at the deadline after a retryable failure names it, on the attempt path alone (no wait racing it)', async () => {
    // fetchWithRetries called as the flight calls it, with no invocation waiting: the deadline
    // aborts the second attempt, which answers DeadlineExceeded for a and AccessDenied for b.
    const answers: StoreResult[][] = [
      [
        { ok: false, error: { code: 'ThrottlingException', message: 'Rate exceeded', retryable: true } },
        { ok: false, error: { code: 'InternalServiceError', message: 'oops', retryable: true } },
      ],
      [
        { ok: false, error: { code: 'DeadlineExceeded', message: 'stopped before the Lambda deadline', retryable: true } },
        { ok: false, error: { code: 'AccessDeniedException', message: 'no', retryable: false } },
      ],
    ]
    const deadline = new AbortController()
    let calls = 0
    const store: Store = {
      name: 'stub',
      fetch: async () => {
        if (calls === 1) deadline.abort()
        return answers[calls++]!
      },
    }
    const items = ['a', 'b'].map((name) => ({ entry: createEntry(name, store, { kind: 'secret', name }), policy: makePolicy(60_000, 60_000, 0, false) }))
    const settled: Array<[string, string, string]> = []
    const retried: Array<[string, string]> = []
    jest.spyOn(Math, 'random').mockReturnValue(0.01)
    const until = Date.now() + 30_000
    try {
      await fetchWithRetries(store, items, {
        options: { signal: deadline.signal, requestTimeoutMs: 0, limit: (task) => task(), logger: quiet },
        retries: 3,
        deadline: () => until,
        background: false,
        settle: (item, result) => settled.push([item.entry.request.name, result.ok ? 'ok' : result.error.code, result.ok ? '' : result.error.message]),
        settled: () => undefined,
        retrying: (item, error) => retried.push([item.entry.request.name, error.code]),
      })
    } finally {
      jest.restoreAllMocks()
    }
    expect(retried).toEqual([
      ['a', 'ThrottlingException'],
      ['b', 'InternalServiceError'],
    ])
    // Not retried after the deadline came: the deadline is not what anyone is retrying after. Its
    // code gets the earlier failure's; any other failure keeps its own words.
    expect(settled).toEqual([
      ['a', 'DeadlineExceeded', 'stopped before the Lambda deadline, retrying after ThrottlingException'],
      ['b', 'AccessDeniedException', 'no'],
    ])
    expect(calls).toBe(2)
  })

  test("a store that throws is named by its method: a thrown timeout is 'fetch did not answer in time'", async () => {
    const timeout = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })
    const store = { name: 'slow', fetch: async () => Promise.reject(timeout) }
    const mw = secrets({ context: { a: secret('a') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 0 })
    const error = await invoke(mw).then(() => undefined, (e: unknown) => e)
    expect((error as SecretsError).failures.map((f) => [f.code, f.message])).toEqual([['TimeoutError', 'fetch did not answer in time']])
  })

  test('a store that answers something other than a list: StoreContractError for every key', async () => {
    const store = { name: 'odd', fetch: async () => 'not a list' }
    const error = await invoke(secrets({ context: { a: secret('a'), b: secret('b') }, stores: { secretsManager: store as never }, prefetch: false, logger: quiet })).then(() => undefined, (e: unknown) => e)
    expect((error as SecretsError).failures.map((f) => [f.key, f.code])).toEqual([['a', 'StoreContractError'], ['b', 'StoreContractError']])
  })

  test('a store that answers fewer results than requests: StoreContractError for the rest', async () => {
    const inner = memoryStore({ secrets: { a: 'va', b: 'vb' } })
    const store = { name: 'short', fetch: async (requests: never[], options: never) => (await inner.fetch(requests, options)).slice(0, 1) }
    const error = await invoke(secrets({ context: { a: secret('a'), b: secret('b') }, stores: { secretsManager: store as never }, prefetch: false, logger: quiet, batch: false })).then(() => undefined, (e: unknown) => e)
    expect((error as SecretsError).failures.map((f) => [f.key, f.code])).toEqual([['b', 'StoreContractError']])
    expect((error as SecretsError).failures[0]!.message).toContain("store 'short' returned fewer results than requests")
  })

  // Found by review: hints.ts read the failure's message, and a failure without one (a store that
  // built it from a caught non-Error) escaped the middleware as a TypeError instead of a SecretsError.
  test.each([
    ['a failure without a message: its code, retried as its code says', { ok: false, error: { code: 'AccessDeniedException', retryable: false } }, ['AccessDeniedException', 'AccessDeniedException', 1]],
    ['a failure with a code only (no retryable): classified by its code, retried', { ok: false, error: { code: 'ThrottlingException' } }, ['ThrottlingException', 'ThrottlingException', 3]],
    ['an empty failure: StoreContractError', { ok: false, error: {} }, ['StoreContractError', "store 'custom' returned a failure without an error code", 1]],
    ['a failure without an error: StoreContractError', { ok: false }, ['StoreContractError', "store 'custom' returned a failure without an error code", 1]],
    ['null: StoreContractError', null, ['StoreContractError', "store 'custom' returned fewer results than requests", 1]],
  ])('%s', async (_label, answer, [code, message, calls]) => {
    let count = 0
    const store: Store = { name: 'custom', fetch: async (requests) => requests.map(() => (count++, answer as never)) }
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 2 })
    jest.spyOn(Math, 'random').mockReturnValue(0) // no back-off
    const error = await invoke(mw).then(() => undefined, (e: unknown) => e)
    jest.restoreAllMocks()
    expect(error).toBeInstanceOf(SecretsError)
    expect((error as SecretsError).failures.map((f) => [f.key, f.code, f.message])).toEqual([['db', code, message]])
    expect(count).toBe(calls)
  })

  test("a failure's own retryable is what its key failure says; fields of the wrong type are dropped, not logged", async () => {
    const debug = jest.fn()
    for (const error of [
      { code: 'ThrottlingException', message: 'slow down', retryable: false },
      { code: 'ThrottlingException', retryable: false, operation: 7, requestId: 5, httpStatus: '429' },
    ]) {
      clearCache()
      debug.mockClear()
      let count = 0
      const store: Store = { name: 'custom', fetch: async (requests) => requests.map(() => (count++, { ok: false, error } as never)) }
      const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: { ...quiet, debug }, logLevel: 'debug', retries: 2 })
      const failure = await invoke(mw).then(() => undefined, (e: unknown) => e)
      expect((failure as SecretsError).failures.map((f) => [f.code, f.retryable])).toEqual([['ThrottlingException', false]])
      expect(count).toBe(3) // retried by its code all the same: classify.ts decides retries (README, When AWS fails)
      const failed = debug.mock.calls.find(([message]) => String(message).endsWith('fetch failed'))![1] as Record<string, unknown>
      expect(failed.operation).toBe('GetSecretValue') // the request's, not the store's 7
    }
  })

  test('a refresh answered by a failure without a message serves the cached value stale, as any transient failure', async () => {
    let answer: StoreResult | undefined
    const inner = memoryStore({ secrets: { 'prod/db': 'v1' } })
    const store: Store = { name: 'custom', fetch: async (requests, options) => (answer ? requests.map(() => answer!) : inner.fetch(requests, options)) }
    const now = Date.now()
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now)
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, jitter: 0, refreshAhead: 0 })
    expect((await invoke(mw)).db).toBe('v1')
    answer = { ok: false, error: { code: 'ThrottlingException' } } as never
    clock.mockReturnValue(now + 11_000)
    expect((await invoke(mw)).db).toBe('v1')
    jest.restoreAllMocks()
  })
})

describe('the moment of an attempt (AttemptMoment)', () => {
  const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
  beforeEach(() => jest.useFakeTimers({ now: T0 }))
  afterEach(() => jest.useRealTimers())

  test('a wall clock stepped back while the attempt was out (NTP): the value is validated on the new clock, and serves from the cache', async () => {
    // Found by review: validated when its attempt asked, before the step, the value lay in the
    // future of every later now, was never fresh, and each invocation fetched again.
    const inner = memoryStore({ secrets: { k: 'v1' } })
    let stepBack = true
    const store: Store = {
      name: 'stepping',
      async fetch(requests: readonly StoreRequest[], options: FetchOptions): Promise<StoreResult[]> {
        const answer = await inner.fetch(requests, options)
        if (stepBack) {
          stepBack = false
          jest.setSystemTime(Date.now() - 60_000) // NTP steps the wall clock back a minute while AWS answers
        }
        return answer
      },
    }
    const mw = secrets({ context: { k: secret('k') }, ttl: 300, jitter: 0, stores: { secretsManager: store }, prefetch: false, logger: quiet })
    const invokeNow = async (): Promise<Record<string, unknown>> => {
      const p = invoke(mw)
      await jest.advanceTimersByTimeAsync(0)
      return p
    }
    expect(await invokeNow()).toMatchObject({ k: 'v1' })
    jest.advanceTimersByTime(1_000)
    expect(await invokeNow()).toMatchObject({ k: 'v1' })
    jest.advanceTimersByTime(1_000)
    expect(await invokeNow()).toMatchObject({ k: 'v1' })
    expect(inner.count('GetSecretValue')).toBe(1)
  })
})


/** A custom store may break the Store contract: no key may be held, or broken for good, by it. */
describe('a store that breaks its contract', () => {
  /** fetchWithRetries over one item, settling into a list: [name, code, message, operation]. */
  async function settleOne(store: Store, signal: AbortSignal): Promise<Array<[string, string, string, string | undefined]>> {
    const settled: Array<[string, string, string, string | undefined]> = []
    const items = [{ entry: createEntry('a', store, { kind: 'secret', name: 'a' }), policy: makePolicy(60_000, 60_000, 0, false) }]
    await fetchWithRetries(store, items, {
      options: { signal, requestTimeoutMs: 0, limit: (task) => task(), logger: quiet },
      retries: 0,
      deadline: ((at) => () => at)(Date.now() + 30_000),
      background: false,
      settle: (item, result) => settled.push([item.entry.request.name, result.ok ? 'ok' : result.error.code, result.ok ? '' : result.error.message, result.ok ? undefined : result.error.operation]),
      settled: () => undefined,
      retrying: () => undefined,
    })
    return settled
  }
  const never: Store = { name: 'never', fetch: () => new Promise<never>(() => {}) }

  test('a store that never answers is given up 50 ms after the abort, its key failing with DeadlineExceeded', async () => {
    const deadline = new AbortController()
    setTimeout(() => deadline.abort(), 20)
    const started = Date.now()
    expect(await settleOne(never, deadline.signal)).toEqual([['a', 'DeadlineExceeded', 'stopped before the Lambda deadline', 'fetch']])
    expect(Date.now() - started).toBeGreaterThanOrEqual(65)
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0) // nothing left on the flight's signal
  })

  test('a signal aborted before the call: given up as well, not awaited forever', async () => {
    const deadline = new AbortController()
    deadline.abort()
    expect(await settleOne(never, deadline.signal)).toEqual([['a', 'DeadlineExceeded', 'stopped before the Lambda deadline', 'fetch']])
  })

  test('an answer that throws when read is a StoreContractError that names the store', async () => {
    const hostile = { get ok(): boolean { throw new Error('a broken answer object') } }
    const store: Store = { name: 'custom', fetch: async (requests) => requests.map(() => hostile as never) }
    expect(await settleOne(store, new AbortController().signal)).toEqual([['a', 'StoreContractError', "store 'custom' returned a result that cannot be read", undefined]])
  })

  // p-retry calls onFailedAttempt before shouldRetry: a back-off that would pass the deadline threw
  // its own error in the broken one's place, and the keys left were settled again, with no error.
  test('an answer that throws when settled, in a retry whose next back-off would pass the deadline: no key is settled twice, later invocations do not crash', async () => {
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.999)
    try {
      const inner = memoryStore({ secrets: { a: 'va', b: 'vb', c: 'vc' } })
      const throttled = { ok: false as const, error: { code: 'ThrottlingException', message: 'Rate exceeded', retryable: true } }
      const broken = { ok: true, get value(): never { throw new Error('a broken value') } }
      let attempt = 0
      const store: Store = {
        name: 'custom',
        fetch: async (requests, options) => {
          attempt += 1
          if (attempt === 1) return requests.map(() => throttled)
          if (attempt === 2) {
            // a: throttled again (retried: lastErrors holds it), b: answered, c: an answer that throws when settled
            const good = await inner.fetch(requests, options)
            return requests.map((r, i) => (r.name === 'a' ? throttled : r.name === 'b' ? good[i]! : (broken as never)))
          }
          return inner.fetch(requests, options)
        },
      }
      const mw = secrets({ context: { a: secret('a', { ttl: 1 }), b: secret('b', { ttl: 1 }), c: secret('c', { ttl: 1 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 3, deadlineMarginMs: 0, refreshAhead: 0 })
      // 300 ms: backoff(1) sleeps ~100 ms; after attempt 2 backoff(3) would sleep ~400 ms, past the deadline, and throws RetryableFailures.
      const first = await outcome(runBefore(mw, { getRemainingTimeInMillis: () => 300 }))
      random.mockRestore()
      await new Promise((r) => setTimeout(r, 1_100)) // b's value (ttl 1 s) expires
      const later = await outcome(runBefore(mw, { getRemainingTimeInMillis: () => 3_000 }))
      expect({ first, later }).toEqual({ first: ['Error', 'Error'], later: expect.objectContaining({ a: 'va', b: 'vb', c: 'vc' }) }) // a and c settled once, by the flight
    } finally {
      random.mockRestore()
    }
  })

  // The deadline came while the broken answer was out: nothing more is tried, and still nothing is
  // settled twice; the error goes to the flight, which settles every key left.
  test('an answer that throws when settled, in a retry answered after the deadline: the error goes up, no key settled with none', async () => {
    const deadline = new AbortController()
    const broken = { ok: true, get value(): never { throw new Error('a broken value') } }
    let attempt = 0
    const store: Store = {
      name: 'custom',
      fetch: async (requests) => {
        attempt += 1
        if (attempt === 1) return requests.map(() => ({ ok: false as const, error: { code: 'ThrottlingException', message: 'Rate exceeded', retryable: true } }))
        deadline.abort() // the deadline comes while it answers
        return requests.map(() => broken as never)
      },
    }
    const items = ['a', 'b'].map((name) => ({ entry: createEntry(name, store, { kind: 'secret', name }), policy: makePolicy(60_000, 0, 0, false) }))
    const settled: Array<[string, unknown]> = []
    jest.spyOn(Math, 'random').mockReturnValue(0)
    try {
      const run = fetchWithRetries(store, items, {
        options: { signal: deadline.signal, requestTimeoutMs: 0, limit: (task) => task(), logger: quiet },
        retries: 3,
        deadline: ((at) => () => at)(Date.now() + 30_000),
        background: false,
        settle: (item, result) => {
          if (result.ok) void result.value // as the flight reads it
          settled.push([item.entry.request.name, result.ok ? 'ok' : result.error])
        },
        settled: () => undefined,
        retrying: () => undefined,
      })
      await expect(run).rejects.toThrow('a broken value')
    } finally {
      jest.restoreAllMocks()
    }
    expect(settled).toEqual([])
  })

  test('a store that answers: its answer, and no listener left on the signal', async () => {
    const deadline = new AbortController()
    expect(await settleOne(memoryStore({ secrets: { a: 'va' } }), deadline.signal)).toEqual([['a', 'ok', '', undefined]])
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0)
  })

  test('a store that answers for itself at the abort is heard: its own failure, not the give-up', async () => {
    const deadline = new AbortController()
    setTimeout(() => deadline.abort(), 10)
    const honest = memoryStore({ secrets: { a: 'va' } })
    honest.setLatency(5_000)
    expect(await settleOne(honest, deadline.signal)).toEqual([['a', 'DeadlineExceeded', 'the deadline was reached', undefined]])
  })

  test('a store call that never answers (ignoring the abort) does not make every later invocation fail: the flight ends at its deadline', async () => {
    const inner = memoryStore({ secrets: { a: 'va' } })
    let calls = 0
    const never = new Promise<never>(() => {})
    // The first call hangs and ignores its abort signal (a custom store without a timeout); every later call answers at once.
    const store: Store = { name: 'custom', fetch: async (requests, options) => (++calls === 1 ? never : inner.fetch(requests, options)) }
    const mw = secrets({ context: { a: secret('a') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, deadlineMarginMs: 0 })
    const ctx = () => ({ getRemainingTimeInMillis: () => 200 })
    // First invocation: its own fetch hangs; it fails at its deadline, as documented.
    expect(await outcome(runBefore(mw, ctx()))).toEqual(['DeadlineExceeded'])
    // The store is healthy now. A later invocation with a full deadline of its own should get the value.
    const started = Date.now()
    const second = await outcome(runBefore(mw, ctx()))
    expect({ second, calls, ms: Date.now() - started < 150 }).toEqual({ second: expect.objectContaining({ a: 'va' }), calls: 2, ms: true })
  })

  describe('a refresh ahead whose store call never answers (it ignores the abort)', () => {
    function hangingAfterFirst() {
      const inner = memoryStore({ secrets: { a: 'va' } })
      let calls = 0
      let hang = false
      const store: Store = { name: 'custom', fetch: async (requests, options) => (++calls, hang ? new Promise<never>(() => {}) : inner.fetch(requests, options)) }
      return { store, calls: () => calls, hangNext: () => (hang = true), answerNext: () => (hang = false) }
    }

    test('is given up at its 10 s lifetime: once the value expires, an invocation with a Lambda deadline asks again and gets the value', async () => {
      jest.useFakeTimers({ now: Date.UTC(2030, 0, 1) })
      try {
        const s = hangingAfterFirst()
        const mw = secrets({ context: { a: secret('a', { ttl: 100, maxStale: 0 }) }, stores: { secretsManager: s.store }, prefetch: false, logger: quiet, jitter: 0, deadlineMarginMs: 0 })
        expect((await runBefore(mw)).a).toBe('va')
        await jest.advanceTimersByTimeAsync(91_000) // last 10% of the TTL
        s.hangNext()
        expect((await runBefore(mw)).a).toBe('va') // served; the refresh ahead starts, and its call hangs
        s.answerNext() // the store is healthy again
        await jest.advanceTimersByTimeAsync(60_000) // far past the background lifetime (10 s) and the TTL
        const p = outcome(runBefore(mw, { getRemainingTimeInMillis: () => 2_000 }))
        await jest.advanceTimersByTimeAsync(2_000)
        expect({ result: await p, calls: s.calls() }).toEqual({ result: expect.objectContaining({ a: 'va' }), calls: 3 })
      } finally {
        jest.useRealTimers()
      }
    })

    test('without a Lambda context (a script, a test), the invocation after expiry settles, with the value', async () => {
      jest.useFakeTimers({ now: Date.UTC(2030, 0, 1) })
      try {
        const s = hangingAfterFirst()
        const mw = secrets({ context: { a: secret('a', { ttl: 100 }) }, stores: { secretsManager: s.store }, prefetch: false, logger: quiet, jitter: 0 })
        await runBefore(mw)
        await jest.advanceTimersByTimeAsync(91_000)
        s.hangNext()
        await runBefore(mw)
        s.answerNext()
        await jest.advanceTimersByTimeAsync(60_000)
        let settled = false
        void runBefore(mw).finally(() => (settled = true))
        await jest.advanceTimersByTimeAsync(600_000) // ten minutes
        expect({ settled, calls: s.calls() }).toEqual({ settled: true, calls: 3 })
      } finally {
        jest.useRealTimers()
      }
    })
  })

  test('answers that throw when read, in a retry, fail their keys, and no later invocation crashes on the failure kept', async () => {
    jest.useFakeTimers({ now: Date.UTC(2030, 0, 1) })
    try {
      const inner = memoryStore({ secrets: { a: 'va' } })
      let mode: 'ok' | 'throttle' | 'hostile' = 'ok'
      const hostile = { get ok(): boolean { throw new Error('a broken answer object') } }
      const store: Store = {
        name: 'custom',
        fetch: async (requests, options) => {
          if (mode === 'ok') return inner.fetch(requests, options)
          if (mode === 'throttle') {
            mode = 'hostile' // the first attempt is throttled; the retries get a broken answer
            return requests.map(() => ({ ok: false as const, error: { code: 'ThrottlingException', message: 'Rate exceeded', retryable: true } }))
          }
          return requests.map(() => hostile as never)
        },
      }
      const mw = secrets({ context: { a: secret('a', { ttl: 100, maxStale: 0 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, jitter: 0, retries: 2, refreshAhead: 0 })
      expect((await runBefore(mw)).a).toBe('va')
      await jest.advanceTimersByTimeAsync(101_000) // expired
      mode = 'throttle'
      const first = outcome(runBefore(mw))
      await jest.advanceTimersByTimeAsync(10_000)
      const firstGot = await first // whatever this invocation got (a SecretsError would be fine)
      mode = 'ok' // the store is healthy again
      const later: unknown[] = []
      for (let i = 0; i < 3; i++) {
        later.push(await outcome(runBefore(mw)))
        await jest.advanceTimersByTimeAsync(60_000)
      }
      expect({ firstGot, later }).toEqual({ firstGot: ['StoreContractError'], later: [expect.objectContaining({ a: 'va' }), expect.objectContaining({ a: 'va' }), expect.objectContaining({ a: 'va' })] })
    } finally {
      jest.useRealTimers()
    }
  })

  // An answer whose value throws when the flight settles it: the attempt stops half settled, and
  // p-retry must not run it again (its keys would settle twice); the flight settles every key.
  test('an answer that throws when settled, in a retry, fails its keys once, and the next invocation asks again', async () => {
    const inner = memoryStore({ secrets: { a: 'va', b: 'vb' } })
    let mode: 'throttle' | 'hostile' | 'ok' = 'throttle'
    const broken = { ok: true, get value(): never { throw new Error('a broken value') } }
    const store: Store = {
      name: 'custom',
      fetch: async (requests, options) => {
        if (mode === 'ok') return inner.fetch(requests, options)
        if (mode === 'hostile') return requests.map(() => broken as never)
        mode = 'hostile' // the first attempt is throttled: the retry (p-retry's) gets the broken answer
        return requests.map(() => ({ ok: false as const, error: { code: 'ThrottlingException', message: 'Rate exceeded', retryable: true } }))
      },
    }
    const fetch = jest.spyOn(store, 'fetch')
    const mw = secrets({ context: { a: secret('a'), b: secret('b') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, retries: 3 })
    const failure = await runBefore(mw).then(() => undefined, (error: unknown) => error as SecretsError)
    expect(failure?.failures.map((f) => [f.code, f.message])).toEqual([['Error', 'a broken value'], ['Error', 'a broken value']])
    expect(fetch).toHaveBeenCalledTimes(2) // not retried again: its keys are settled by the flight
    mode = 'ok'
    expect(await outcome(runBefore(mw))).toEqual({ a: 'va', b: 'vb' })
  })
})
