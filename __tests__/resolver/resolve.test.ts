/**
 * Issue 4, behaviours 6, 7 and 8, and the resolver's retry layer, with the in-memory store:
 *  6. stale-if-error (transient failures serve the last good value within maxStale; others surface)
 *  7. TTL jitter (expiries spread up to `jitter` of the TTL earlier)
 *  8. timeouts and the Lambda deadline (never run past getRemainingTimeInMillis() - margin)
 *  retries (p-retry, retryable errors only), prefetch and single flight.
 * Tests of stale values mock Date.now(); deadline tests run on real time (the deadline is a real timer).
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { clearCache, parameter, secret, secrets, SecretsError, type SecretsMiddleware, type Store } from '../../lib/index.js'
import { memoryStore, type MemoryStore } from '../../lib/testing/index.js'
import { cachedEntry, expiresAt } from '../support/entries.js'
import { outcome } from '../support/invocations.js'
import { runBefore } from '../support/store-results.js'
import { cache } from '../../lib/cache/cache.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
let clock = T0
const VALUE = 'pw-SECRET-7f3e9a'

function logger() {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() }
}
type Log = ReturnType<typeof logger>

function logged(log: Log): string {
  return JSON.stringify([log.debug.mock.calls, log.info.mock.calls, log.warn.mock.calls, log.error.mock.calls])
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function handlerOf(mw: SecretsMiddleware<any>, keys: readonly string[]) {
  const h = middy(async (_event: unknown, context: Context) => Object.fromEntries(keys.map((k) => [k, (context as unknown as Record<string, unknown>)[k]])))
  h.use(mw as never)
  return (context: Partial<Context> = {}): Promise<Record<string, unknown>> => h({}, context as never) as Promise<Record<string, unknown>>
}

/**
 * A store that ignores the abort: its first call answers at once, every later one after 1 s (past
 * any deadline here). `onFetch` runs at each call, before the wait.
 */
function deafStore(inner: MemoryStore, onFetch: (requests: Parameters<Store['fetch']>[0]) => void = () => undefined): { store: Store; calls: () => number } {
  let calls = 0
  const store: Store = {
    name: 'deaf',
    fetch: async (requests, options) => {
      calls += 1
      onFetch(requests)
      if (calls > 1) await new Promise((resolve) => setTimeout(resolve, 1_000).unref())
      return inner.fetch(requests, { ...options, signal: new AbortController().signal })
    },
  }
  return { store, calls: () => calls }
}

function lambdaContext(remainingMs: number): Partial<Context> {
  const end = performance.now() + remainingMs
  return { getRemainingTimeInMillis: () => Math.max(0, Math.round(end - performance.now())) }
}

async function failureOf(promise: Promise<unknown>): Promise<SecretsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SecretsError)
  return error as SecretsError
}

function useFakeClock(): void {
  beforeEach(() => {
    clock = T0
    jest.spyOn(Date, 'now').mockImplementation(() => clock)
  })
  afterEach(() => {
    jest.restoreAllMocks()
  })
}

beforeEach(() => {
  clearCache()
})

describe('6. stale-if-error', () => {
  useFakeClock()

  function setup(options: { maxStale?: number; retries?: number; rotation?: boolean; keyMaxStale?: number } = {}) {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } })
    const log = logger()
    const mw = secrets({
      context: { db: secret('prod/db', { ttl: 10, rotation: options.rotation ?? false, ...(options.keyMaxStale !== undefined ? { maxStale: options.keyMaxStale } : {}) }) },
      stores: { secretsManager: store },
      jitter: 0,
      prefetch: false,
      logger: log,
      ...(options.maxStale !== undefined ? { maxStale: options.maxStale } : {}),
      retries: options.retries ?? 3, // fewer than the default 10: the backoff sleeps in real time
    })
    return { store, log, invoke: handlerOf(mw, ['db']) }
  }

  test.each(['ThrottlingException', 'InternalServiceError', 'TimeoutError'])(
    '%s after expiry: the last good value serves, one call (no retries), a warning without the value, no new call for 5 s',
    async (code) => {
      const { store, log, invoke } = setup()
      expect(await invoke()).toEqual({ db: VALUE })
      store.fail('prod/db', { code, times: 1000 })
      store.resetCalls()
      clock = T0 + 10_001
      expect(await invoke()).toEqual({ db: VALUE })
      expect(store.count('GetSecretValue')).toBe(1)
      expect(log.warn).toHaveBeenCalledTimes(1)
      expect(JSON.stringify(log.warn.mock.calls[0])).toContain(code)
      expect(JSON.stringify(log.warn.mock.calls[0])).toContain('prod/db')
      expect(log.error).not.toHaveBeenCalled()

      clock = T0 + 10_001 + 4_999
      expect(await invoke()).toEqual({ db: VALUE })
      expect(store.count('GetSecretValue')).toBe(1)

      clock = T0 + 10_001 + 5_000
      expect(await invoke()).toEqual({ db: VALUE })
      expect(store.count('GetSecretValue')).toBe(2)
      expect(log.warn).toHaveBeenCalledTimes(2)
      expect(logged(log)).not.toContain(VALUE)
    },
  )

  test('recovery: once AWS answers again the new value is fetched and the warning stops', async () => {
    const { store, log, invoke } = setup()
    await invoke()
    store.fail('prod/db', { code: 'ThrottlingException', times: 1 })
    clock = T0 + 10_001
    expect(await invoke()).toEqual({ db: VALUE })
    store.rotate('prod/db', 'pw-NEXT')
    clock = T0 + 15_001
    expect(await invoke()).toEqual({ db: 'pw-NEXT' })
    expect(log.warn).toHaveBeenCalledTimes(1)
  })

  test('after maxStale seconds past expiry, the failure surfaces as a SecretsError', async () => {
    const { store, invoke } = setup({ maxStale: 60 })
    await invoke() // fetched at T0, expires at T0 + 10 s, may serve stale until T0 + 70 s
    store.fail('prod/db', { code: 'ThrottlingException', times: 1000 })
    clock = T0 + 10_001
    expect(await invoke()).toEqual({ db: VALUE })
    clock = T0 + 69_999
    expect(await invoke()).toEqual({ db: VALUE })
    store.resetCalls()
    clock = T0 + 70_000
    const error = await failureOf(invoke())
    expect(error.failures.map((f) => [f.key, f.code])).toEqual([['db', 'ThrottlingException']])
    // No stale value to fall back on any more: the retry layer runs (1 + 3 retries).
    expect(store.count('GetSecretValue')).toBe(4)
    expect(String(error)).not.toContain(VALUE)
  })

  test('maxStale: 0 disables stale-if-error: the transient failure surfaces after retries', async () => {
    const { store, log, invoke } = setup({ maxStale: 0 })
    await invoke()
    store.fail('prod/db', { code: 'ThrottlingException', times: 1000 })
    store.resetCalls()
    clock = T0 + 10_001
    const error = await failureOf(invoke())
    expect(error.failures.map((f) => [f.key, f.code, f.retryable])).toEqual([['db', 'ThrottlingException', true]])
    expect(store.count('GetSecretValue')).toBe(4)
    expect(log.warn).not.toHaveBeenCalled()
  })

  test('a key maxStale overrides the global one', async () => {
    const { store, invoke } = setup({ maxStale: 0, keyMaxStale: 60 })
    await invoke()
    store.fail('prod/db', { code: 'ThrottlingException', times: 1000 })
    clock = T0 + 10_001
    expect(await invoke()).toEqual({ db: VALUE })
  })

  test.each(['AccessDeniedException', 'ResourceNotFoundException', 'DecryptionFailure'])(
    '%s is not masked, but the cached value is kept: after the fault clears everything works',
    async (code) => {
      const { store, log, invoke } = setup()
      await invoke()
      store.fail('prod/db', { code, times: 1 })
      store.resetCalls()
      clock = T0 + 10_001
      const error = await failureOf(invoke())
      expect(error.failures.map((f) => [f.key, f.code, f.retryable])).toEqual([['db', code, false]])
      expect(store.count('GetSecretValue')).toBe(1)
      expect(log.error).not.toHaveBeenCalled() // the SecretsError reports it; the log only at debug
      expect(log.warn).not.toHaveBeenCalled()
      const entry = cachedEntry(store, { kind: 'secret', name: 'prod/db', versionStage: 'AWSCURRENT' })
      expect(entry.value?.raw).toBe(VALUE)
      expect(String(error)).not.toContain(VALUE)
      expect(logged(log)).not.toContain(VALUE)

      expect(await invoke()).toEqual({ db: VALUE })
      expect(store.count('GetSecretValue')).toBe(2)
    },
  )

  test.each(['AccessDeniedException', 'ResourceNotFoundException', 'DecryptionFailure'])(
    'after %s, a later transient failure can still serve the kept value',
    async (code) => {
      const { store, invoke } = setup()
      await invoke()
      store.fail('prod/db', { code, times: 1 })
      clock = T0 + 10_001
      await failureOf(invoke())
      store.fail('prod/db', { code: 'ThrottlingException', times: 1 })
      store.resetCalls()
      clock = T0 + 10_002
      expect(await invoke()).toEqual({ db: VALUE })
      expect(store.count('GetSecretValue')).toBe(1)
    },
  )

  test('SSM parameters too: a throttled GetParameter after expiry serves the last good value', async () => {
    const store = memoryStore({ parameters: { '/prod/flag': { value: VALUE, type: 'SecureString' } } })
    const log = logger()
    const mw = secrets({ env: { FLAG: parameter('/prod/flag', { ttl: 10 }) }, stores: { ssm: store }, jitter: 0, prefetch: false, logger: log })
    const invoke = handlerOf(mw, [])
    await invoke()
    expect(process.env.FLAG).toBe(VALUE)
    process.env.FLAG = 'overwritten'
    store.fail('/prod/flag', { code: 'ThrottlingException', times: 1000 })
    store.resetCalls()
    clock = T0 + 10_001
    await invoke()
    expect(process.env.FLAG).toBe(VALUE)
    expect(store.count('GetParameter')).toBe(1)
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(logged(log)).not.toContain(VALUE)
    delete process.env.FLAG
  })

  test('rotation: true: DescribeSecret and GetSecretValue both throttled still serve the stale value', async () => {
    const { store, log, invoke } = setup({ rotation: true })
    await invoke()
    store.fail('prod/db', { code: 'ThrottlingException', times: 1000 })
    store.resetCalls()
    clock = T0 + 10_001
    expect(await invoke()).toEqual({ db: VALUE })
    expect(store.count('DescribeSecret')).toBe(1)
    expect(store.count('GetSecretValue')).toBe(1)
    expect(log.warn).toHaveBeenCalledTimes(1)
  })

  test('a first fetch that fails transiently has nothing stale to serve: SecretsError after retries', async () => {
    const { store, invoke } = setup()
    store.fail('prod/db', { code: 'InternalServiceError', times: 1000 })
    const error = await failureOf(invoke())
    expect(error.failures.map((f) => f.code)).toEqual(['InternalServiceError'])
    expect(store.count('GetSecretValue')).toBe(4)
  })

  // A refresh that does not answer before the deadline is a timeout, a transient failure: the
  // stale value should serve rather than fail the invocation.
  test('a refresh still running at the deadline serves the stale value', async () => {
    const { store, log, invoke } = setup()
    await invoke()
    store.setLatency(5000)
    clock = T0 + 10_001
    const started = performance.now()
    expect(await invoke(lambdaContext(1000))).toEqual({ db: VALUE })
    expect(performance.now() - started).toBeLessThan(1500)
    expect(logged(log)).not.toContain(VALUE)
  })

  test('an invocation that joined a slower refresh stops waiting at its deadline, serves the stale value and says why', async () => {
    const { store, log, invoke } = setup()
    await invoke()
    store.setLatency(1500)
    clock = T0 + 10_001
    const refreshing = invoke() // no Lambda deadline: it starts the refresh and waits for it
    const started = performance.now()
    expect(await invoke(lambdaContext(1000))).toEqual({ db: VALUE }) // joins it; its deadline comes first
    expect(performance.now() - started).toBeLessThan(1400)
    expect(log.warn.mock.calls).toEqual([['middy-secrets: no answer before the deadline; serving the last good value', { key: 'db', store: 'memory', resource: 'prod/db' }]])
    expect(await refreshing).toEqual({ db: VALUE })
    expect(store.count('GetSecretValue')).toBe(2)
  })
})

describe('a wall clock set back (NTP)', () => {
  useFakeClock()

  function setup() {
    const store = memoryStore({ secrets: { k: 'v1' } })
    const invoke = handlerOf(secrets({ context: { k: secret('k') }, ttl: 60, jitter: 0, refreshAhead: 0, stores: { secretsManager: store }, prefetch: false, logger: logger() }), ['k'])
    return { store, invoke }
  }

  test('an hour back, then two minutes: a 60 s value is not served for the hour', async () => {
    const { store, invoke } = setup()
    expect(await invoke()).toEqual({ k: 'v1' })
    clock -= 3_600_000
    store.setSecret('k', 'v2')
    clock += 120_000
    expect(await invoke()).toEqual({ k: 'v2' })
  })

  test('set back after the value expired: the expired value is not fresh again', async () => {
    const { store, invoke } = setup()
    expect(await invoke()).toEqual({ k: 'v1' })
    store.setSecret('k', 'v2')
    clock += 600_000
    clock -= 3_600_000
    expect(await invoke()).toEqual({ k: 'v2' })
  })
})

describe('eviction while a key is fetched', () => {
  useFakeClock()
  let bound = cache.max
  beforeEach(() => void (bound = cache.max))
  afterEach(() => cache.resize(bound))

  test("an entry the cache evicts while its refresh is under way still serves its stale value when the refresh fails", async () => {
    // The cache holds 2 entries; another middleware's 2 keys come in while a's refresh is under way.
    const slow = memoryStore({ secrets: { a: 'va' } }, { latencyMs: 50, name: 'slow' })
    const other = memoryStore({ secrets: { b: 'vb', c: 'vc' } }, { name: 'other' })
    const options = { ttl: 60, maxStale: 3600, refreshAhead: 0, jitter: 0, maxEntries: 2, prefetch: false, logger: logger() } as const
    cache.resize(2) // the bound only grows with maxEntries: earlier tests left it larger
    const a = handlerOf(secrets({ context: { a: secret('a') }, stores: { secretsManager: slow }, ...options }), ['a'])
    const bc = handlerOf(secrets({ context: { b: secret('b'), c: secret('c') }, stores: { secretsManager: other }, ...options }), ['b', 'c'])
    expect(await a()).toEqual({ a: 'va' })
    clock += 61_000 // a expired, within maxStale
    slow.fail('a', { code: 'ThrottlingException', times: 10 }) // its refresh fails, transiently
    const refreshing = a()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(await bc()).toEqual({ b: 'vb', c: 'vc' })
    expect(() => cachedEntry(slow, { kind: 'secret', name: 'a', versionStage: 'AWSCURRENT' })).toThrow() // evicted mid-refresh
    await expect(refreshing).resolves.toEqual({ a: 'va' }) // stale-if-error, from the entry the refresh was for
  })
})

describe('7. TTL jitter', () => {
  useFakeClock()

  const names = Array.from({ length: 200 }, (_, i) => `app/secret-${i}`)

  async function expiries(jitter: number | undefined): Promise<number[]> {
    const store = memoryStore({ secrets: Object.fromEntries(names.map((n) => [n, 'v'])) })
    const mw = secrets({
      context: Object.fromEntries(names.map((n, i) => [`k${i}`, secret(n)])),
      stores: { secretsManager: store },
      ttl: 100,
      prefetch: false,
      logger: logger(),
      ...(jitter !== undefined ? { jitter } : {}),
    })
    await handlerOf(mw, [])()
    expect(store.count('GetSecretValue')).toBe(200)
    return names.map((name) => expiresAt(cachedEntry(store, { kind: 'secret', name, versionStage: 'AWSCURRENT' }), 100, jitter ?? 0.1) - T0)
  }

  test.each([
    [0.1, '0.1'],
    [undefined, 'default'],
  ])('jitter %p (%s), ttl 100 s: the 200 keys of one environment expire together, within [90 s, 100 s]', async (jitter: number | undefined, _label: string) => {
    // The spread is drawn once per module instance (execution environment), so one batch stays
    // one batch at refresh time; __tests__/jitter.test.ts shows environments spreading out.
    const offsets = await expiries(jitter)
    expect(new Set(offsets).size).toBe(1)
    expect(offsets[0]).toBeGreaterThanOrEqual(90_000)
    expect(offsets[0]).toBeLessThanOrEqual(100_000)
  })

  test('jitter 0: every expiry is exactly the TTL', async () => {
    const offsets = await expiries(0)
    expect(new Set(offsets)).toEqual(new Set([100_000]))
  })
})

describe('retries', () => {
  useFakeClock()

  test('a retryable error for the first 2 calls, then success: 3 calls, success', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } })
    store.fail('prod/db', { code: 'ThrottlingException', times: 2 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: logger() })
    expect(await handlerOf(mw, ['db'])()).toEqual({ db: VALUE })
    expect(store.count('GetSecretValue')).toBe(3)
    expect(store.fetches).toBe(3)
  })

  test('retries: 0: 1 call, SecretsError', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } })
    store.fail('prod/db', { code: 'ThrottlingException', times: 2 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, retries: 0, prefetch: false, logger: logger() })
    const error = await failureOf(handlerOf(mw, ['db'])())
    expect(error.failures).toEqual([
      expect.objectContaining({ key: 'db', target: 'context', store: 'memory', name: 'prod/db', code: 'ThrottlingException', retryable: true }),
    ])
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('a non-retryable error: 1 call, SecretsError with a hint naming the IAM action', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } })
    store.fail('prod/db', { code: 'AccessDeniedException', times: 5 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: logger() })
    const error = await failureOf(handlerOf(mw, ['db'])())
    expect(error.failures.map((f) => [f.code, f.retryable])).toEqual([['AccessDeniedException', false]])
    expect(error.failures[0]!.hint).toContain('secretsmanager:GetSecretValue')
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('retries refetch only the keys that failed', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE, 'prod/api': 'k1' } })
    store.fail('prod/db', { code: 'ThrottlingException', times: 1 })
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, prefetch: false, logger: logger() })
    expect(await handlerOf(mw, ['db', 'api'])()).toEqual({ db: VALUE, api: 'k1' })
    expect(store.calls.map((c) => c.name)).toEqual(['prod/db', 'prod/api', 'prod/db'])
  })

  test('every failed key is listed, not only the first', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE }, parameters: { '/p/x': '1' } })
    store.fail('prod/db', { code: 'AccessDeniedException' })
    store.fail('/p/x', { code: 'ParameterNotFound' })
    const mw = secrets({ context: { db: secret('prod/db'), x: parameter('/p/x') }, stores: { secretsManager: store, ssm: store }, prefetch: false, logger: logger() })
    const error = await failureOf(handlerOf(mw, ['db', 'x'])())
    expect(error.failures.map((f) => [f.key, f.code]).sort()).toEqual([
      ['db', 'AccessDeniedException'],
      ['x', 'ParameterNotFound'],
    ])
  })
})

describe('8. deadline and timeouts (real time)', () => {
  test('always throttling, latency 100 ms, 800 ms left, margin 500: SecretsError within ~300 ms, no call started past the deadline', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } }, { latencyMs: 100 })
    store.fail('*', { code: 'ThrottlingException', times: 1_000_000 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, retries: 10, deadlineMarginMs: 500, prefetch: false, logger: logger() })
    // The deadline counts from the context: 800 ms left, minus the 500 ms margin.
    const context = lambdaContext(800)
    const started = Date.now()
    const error = await failureOf(handlerOf(mw, ['db'])(context))
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(300 + 700) // coarse (a loaded machine): it ends at the deadline, not after 10 retries
    expect(error.failures).toHaveLength(1)
    expect(['ThrottlingException', 'DeadlineExceeded']).toContain(error.failures[0]!.code)
    // Each call takes 100 ms: at most 3 fit in 300 ms, and none starts after the deadline. Date.now()
    // counts whole milliseconds and the context rounds what is left, so the deadline is known to a
    // millisecond: a call at 300 ms may still be before it (CI saw 301 when this counted from
    // before the context was made).
    expect(store.fetches).toBeGreaterThanOrEqual(1)
    expect(store.fetches).toBeLessThanOrEqual(3)
    for (const call of store.calls) expect(call.at - started).toBeLessThanOrEqual(300)
  })

  test('memoryStore latency 5000, 1000 ms left, margin 500: DeadlineExceeded after ~500 ms, no hang', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } }, { latencyMs: 5000 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, deadlineMarginMs: 500, prefetch: false, logger: logger() })
    const started = Date.now()
    const error = await failureOf(handlerOf(mw, ['db'])(lambdaContext(1000)))
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(450)
    expect(elapsed).toBeLessThan(1000)
    expect(error.failures.map((f) => [f.key, f.code])).toEqual([['db', 'DeadlineExceeded']])
    expect(error.failures[0]!.hint).toMatch(/timeout/)
  })

  test('a wait on the prefetch that reaches the deadline names the error the prefetch is retrying after', async () => {
    // The prefetch (its own lifetime) is throttled, 50 ms a call, and retries; the invocation joins it with 300 ms to wait.
    const store = memoryStore({ secrets: { 'prod/db': VALUE } }, { latencyMs: 50 })
    store.fail('*', { code: 'ThrottlingException', times: 1_000_000 })
    jest.spyOn(Math, 'random').mockReturnValue(0.01)
    try {
      const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, retries: 50, deadlineMarginMs: 500, logger: logger() })
      const error = await failureOf(handlerOf(mw, ['db'])(lambdaContext(800)))
      expect(error.failures[0]).toMatchObject({ code: 'DeadlineExceeded', message: 'no answer before the Lambda deadline (minus the safety margin), retrying after ThrottlingException' })
      store.clearFaults()
      await mw.ready // the prefetch's next attempt succeeds: nothing left running
      expect((await handlerOf(mw, ['db'])(lambdaContext(800))).db).toBe(VALUE)
    } finally {
      jest.restoreAllMocks()
    }
  })

  test('the same for its own fetch, when the store does not give up at the deadline', async () => {
    // A store that ignores the abort: its second call (the retry after a throttle) answers after the deadline.
    const inner = memoryStore({ secrets: { 'prod/db': VALUE } })
    inner.fail('*', { code: 'ThrottlingException', times: 1 })
    const { store, calls } = deafStore(inner)
    jest.spyOn(Math, 'random').mockReturnValue(0.01)
    try {
      const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, deadlineMarginMs: 500, prefetch: false, logger: logger() })
      const error = await failureOf(handlerOf(mw, ['db'])(lambdaContext(800)))
      expect(error.failures[0]).toMatchObject({ code: 'DeadlineExceeded', message: 'no answer before the Lambda deadline (minus the safety margin), retrying after ThrottlingException' })
      expect(calls()).toBe(2)
    } finally {
      jest.restoreAllMocks()
    }
  })

  test('its own fetch of an expired key, cut short by the deadline: the last good value, with a warning', async () => {
    const inner = memoryStore({ secrets: { x: 'x-value' } })
    const { store, calls } = deafStore(inner)
    const log = logger()
    const mw = secrets({ context: { a: secret('x', { ttl: 1 }) }, stores: { secretsManager: store }, deadlineMarginMs: 500, prefetch: false, logger: log })
    // Fetched 5 s ago: expired (ttl 1 s), within maxStale.
    const realNow = Date.now
    const past = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 5_000)
    await handlerOf(mw, ['a'])(lambdaContext(5_000))
    past.mockRestore()
    expect(await handlerOf(mw, ['a'])(lambdaContext(800))).toEqual({ a: 'x-value' }) // its own fetch answers after the deadline
    expect(log.warn).toHaveBeenCalledWith('middy-secrets: no answer before the deadline; serving the last good value', expect.objectContaining({ key: 'a' }))
    expect(calls()).toBe(2)
  })

  test('an expired key with less time left than the margin: its last good value, with a warning, and no fetch', async () => {
    const store = memoryStore({ secrets: { x: 'x-value' } })
    const log = logger()
    const mw = secrets({ context: { a: secret('x', { ttl: 1 }) }, stores: { secretsManager: store }, deadlineMarginMs: 500, prefetch: false, logger: log })
    const realNow = Date.now
    const past = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 5_000)
    await handlerOf(mw, ['a'])(lambdaContext(5_000)) // fetched 5 s ago: expired (ttl 1 s), within maxStale
    past.mockRestore()
    expect(await handlerOf(mw, ['a'])(lambdaContext(400))).toEqual({ a: 'x-value' })
    expect(log.warn).toHaveBeenCalledWith('middy-secrets: no answer before the deadline; serving the last good value', expect.objectContaining({ key: 'a' }))
    expect(store.fetches).toBe(1)
  })

  test('a key invalidated while the invocation waited on another, when the deadline comes: its last good value, with a warning', async () => {
    // a is cached; b's fetch invalidates a (refresh()), and every fetch after the first answers
    // after the deadline (a store that ignores the abort), a's refresh too.
    const inner = memoryStore({ secrets: { x: 'x-value', y: 'y-value' } })
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let mw: SecretsMiddleware<any> | undefined
    const { store } = deafStore(inner, (requests) => {
      if (requests.some((r) => r.name === 'y')) void mw!.refresh('a').catch(() => undefined)
    })
    await handlerOf(secrets({ context: { a: secret('x') }, stores: { secretsManager: store }, prefetch: false, logger: logger() }), ['a'])(lambdaContext(5_000))
    const log = logger()
    mw = secrets({ context: { a: secret('x'), b: secret('y') }, stores: { secretsManager: store }, deadlineMarginMs: 500, prefetch: false, logger: log })
    const error = await failureOf(handlerOf(mw, ['a', 'b'])(lambdaContext(800)))
    expect(error.failures.map((f) => [f.key, f.code])).toEqual([['b', 'DeadlineExceeded']])
    expect(log.warn).toHaveBeenCalledWith('middy-secrets: no answer before the deadline; serving the last good value', expect.objectContaining({ key: 'a' }))
  })

  describe('a key the deadline finds no longer being retried says the plain DeadlineExceeded, not what its fetch once retried after', () => {
    const PLAIN = 'no answer before the Lambda deadline (minus the safety margin)'

    test('its joined fetch (the prefetch) was throttled, then denied, and the deadline came while the invocation waited on another key', async () => {
      const sm = memoryStore({ secrets: { x: 'x-value' } })
      sm.fail('x', { code: 'ThrottlingException', times: 1 })
      sm.fail('x', { code: 'AccessDeniedException', times: 1 })
      const ssm = memoryStore({ parameters: { '/y': 'y-value' } }, { latencyMs: 1_500 }) // answers after the deadline
      jest.spyOn(Math, 'random').mockReturnValue(0.01)
      try {
        const mw = secrets({ context: { a: secret('x'), b: parameter('/y') }, stores: { secretsManager: sm, ssm }, deadlineMarginMs: 500, logger: logger() })
        const error = await failureOf(handlerOf(mw, ['a', 'b'])(lambdaContext(800)))
        expect(error.failures.map((f) => [f.key, f.code, f.message])).toEqual([
          ['a', 'DeadlineExceeded', PLAIN],
          ['b', 'DeadlineExceeded', PLAIN],
        ])
        expect(sm.fetches).toBe(2) // no time left for a fetch of its own
        await mw.ready
      } finally {
        jest.restoreAllMocks()
      }
    })

    test('it was answered after a throttle, then refresh() invalidated it while the invocation waited on another key (maxStale 0: nothing stale to serve)', async () => {
      const inner = memoryStore({ secrets: { x: 'x-value' } })
      inner.fail('x', { code: 'ThrottlingException', times: 1 })
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      let mw: SecretsMiddleware<any> | undefined
      let calls = 0
      const sm: Store = {
        name: 'memory',
        fetch: async (requests, options) => {
          calls += 1
          // The refresh's fetch answers after the deadline, ignoring the abort.
          if (calls > 2) await new Promise((resolve) => setTimeout(resolve, 1_000).unref())
          const results = await inner.fetch(requests, calls > 2 ? { ...options, signal: new AbortController().signal } : options)
          if (calls === 2) setTimeout(() => void mw!.refresh('a').catch(() => undefined), 0) // a answered: now invalidate it
          return results
        },
      }
      const ssm = memoryStore({ parameters: { '/y': 'y-value' } }, { latencyMs: 1_500 })
      jest.spyOn(Math, 'random').mockReturnValue(0.01)
      try {
        mw = secrets({ context: { a: secret('x', { maxStale: 0 }), b: parameter('/y') }, stores: { secretsManager: sm, ssm }, deadlineMarginMs: 500, prefetch: false, logger: logger() })
        const error = await failureOf(handlerOf(mw, ['a', 'b'])(lambdaContext(800)))
        // (b's own fetch is aborted at the same moment: its message is the store's or the wait's, whichever ends first.)
        expect(error.failures.map((f) => [f.key, f.code, f.key === 'a' ? f.message : '-'])).toEqual([
          ['a', 'DeadlineExceeded', PLAIN],
          ['b', 'DeadlineExceeded', '-'],
        ])
        expect(calls).toBe(3) // the throttled attempt, its retry, the refresh
      } finally {
        jest.restoreAllMocks()
      }
    })
  })

  test('the remaining time is already below the margin: fails at once', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } }, { latencyMs: 100 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, deadlineMarginMs: 500, prefetch: false, logger: logger() })
    const started = Date.now()
    const error = await failureOf(handlerOf(mw, ['db'])(lambdaContext(400)))
    expect(store.fetches).toBe(0) // at once: not even one call (each takes 100 ms)
    expect(Date.now() - started).toBeLessThan(1_000) // coarse: no hang
    expect(error.failures.map((f) => f.code)).toEqual(['DeadlineExceeded'])
  })

  describe('every AWS request gets a timeout', () => {
    const saved = { sm: process.env.SECRETS_MANAGER_TIMEOUT_MILLIS, ssm: process.env.SSM_PARAMETER_STORE_TIMEOUT_MILLIS }
    afterEach(() => {
      for (const [k, v] of [['SECRETS_MANAGER_TIMEOUT_MILLIS', saved.sm], ['SSM_PARAMETER_STORE_TIMEOUT_MILLIS', saved.ssm]] as const) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    })

    function spy(inner: MemoryStore, seen: Array<[string, number]>, name: string): Store {
      return {
        name,
        fetch: (requests, options) => {
          seen.push([name, options.requestTimeoutMs])
          return inner.fetch(requests, options)
        },
      }
    }

    async function timeouts(options: { requestTimeoutMs?: number } = {}): Promise<Array<[string, number]>> {
      const inner = memoryStore({ secrets: { 'prod/db': VALUE }, parameters: { '/p/x': '1' } })
      const seen: Array<[string, number]> = []
      const mw = secrets({
        context: { db: secret('prod/db'), x: parameter('/p/x') },
        stores: { secretsManager: spy(inner, seen, 'sm'), ssm: spy(inner, seen, 'ssm') },
        prefetch: false,
        logger: logger(),
        ...options,
      })
      await handlerOf(mw, ['db', 'x'])()
      return seen.sort()
    }

    test('default 3000 ms for both stores', async () => {
      delete process.env.SECRETS_MANAGER_TIMEOUT_MILLIS
      delete process.env.SSM_PARAMETER_STORE_TIMEOUT_MILLIS
      expect(await timeouts()).toEqual([['sm', 3000], ['ssm', 3000]])
    })

    test('SECRETS_MANAGER_TIMEOUT_MILLIS and SSM_PARAMETER_STORE_TIMEOUT_MILLIS, per store', async () => {
      process.env.SECRETS_MANAGER_TIMEOUT_MILLIS = '1200'
      process.env.SSM_PARAMETER_STORE_TIMEOUT_MILLIS = '800'
      expect(await timeouts()).toEqual([['sm', 1200], ['ssm', 800]])
    })

    test('requestTimeoutMs wins over the environment', async () => {
      process.env.SECRETS_MANAGER_TIMEOUT_MILLIS = '1200'
      expect(await timeouts({ requestTimeoutMs: 700 })).toEqual([['sm', 700], ['ssm', 700]])
    })
  })
})

describe('a fresh value wins over the answer waited for', () => {
  test('a fetch that fails after a refresh() already brought a fresh value: the invocation gets the fresh value', async () => {
    const inner = memoryStore({ secrets: { 'prod/db': VALUE } })
    let calls = 0
    const store: Store = {
      name: 'memory',
      async fetch(requests, options) {
        calls += 1
        if (calls > 1) return inner.fetch(requests, options)
        await new Promise((resolve) => setTimeout(resolve, 200)) // the first call answers late, and denied
        return requests.map(() => ({ ok: false as const, error: { code: 'AccessDeniedException', message: 'denied', retryable: false } }))
      },
    }
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, retries: 0, logger: logger() })
    const first = handlerOf(mw, ['db'])()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await mw.refresh('db') // the second call, answered at once
    expect(await first).toEqual({ db: VALUE })
    expect(calls).toBe(2)
  })
})

describe('a key invalidated while its invocation waits', () => {
  useFakeClock()

  test('is read again, even when it was being served stale after an earlier failure', async () => {
    const store = memoryStore({ secrets: { a: 'v1', s: 'other' } })
    const mw = secrets({ context: { a: secret('a', { ttl: 10 }), s: secret('s', { ttl: 0 }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['a', 's'])
    expect((await invoke()).a).toBe('v1')
    clock = T0 + 10_001
    store.fail('a', { code: 'ThrottlingException', times: 1 })
    expect((await invoke()).a).toBe('v1') // the refresh failed: stale, and no new ask for 5 s
    store.rotate('a', 'v2')
    store.setLatency(100) // s (ttl 0) is fetched again by every invocation: this one waits for it
    const waiting = invoke()
    await new Promise((resolve) => setTimeout(resolve, 20))
    // While the invocation waits, a is invalidated and fetched again; that fetch lands after s's.
    const refreshing = mw.refresh('a')
    expect((await waiting).a).toBe('v2') // not v1, though v1 was being served stale: the invocation reads a again
    await refreshing
  })

  test('and failed again meanwhile: the value it took is served, with no second ask of its own', async () => {
    const store = memoryStore({ secrets: { a: 'v1', s: 'other' } })
    const mw = secrets({ context: { a: secret('a', { ttl: 10 }), s: secret('s', { ttl: 0 }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['a', 's'])
    await invoke()
    store.setLatency(100) // s (ttl 0) is fetched again by every invocation: this one waits for it, with a fresh a in its view
    const waiting = invoke()
    await new Promise((resolve) => setTimeout(resolve, 20))
    store.setLatency(0)
    store.fail('a', { code: 'AccessDeniedException' })
    await expect(mw.refresh('a')).rejects.toThrow(SecretsError) // invalidated, and its fetch failed, before s answers
    expect((await waiting).a).toBe('v1') // a failed refresh destroys no value
    expect(store.calls.filter((c) => c.name === 'a')).toHaveLength(2) // the first invocation's and refresh()'s
  })
})

describe('recency', () => {
  test('a fresh key read while another key of the plan is due counts as a hit (spared by the next eviction sweep)', async () => {
    const store = memoryStore({ secrets: { hot: 'h', due: 'd' } })
    // `due` first: the warm path's check stops at it, before reading `hot`.
    const mw = secrets({ context: { due: secret('due', { ttl: 0 }), hot: secret('hot') }, stores: { secretsManager: store }, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['due', 'hot'])
    await invoke() // both fetched: a fetch is not a hit
    const hot = cachedEntry(store, { kind: 'secret', name: 'hot', versionStage: 'AWSCURRENT' })
    expect(hot.referenced).toBe(false)
    await invoke() // `due` makes this a resolution, not the warm path; `hot` is served fresh in it
    expect(hot.referenced).toBe(true)
  })
})

describe('prefetch and single flight', () => {
  test('a failed prefetch is retried by the first invocation', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } })
    store.fail('prod/db', { code: 'AccessDeniedException', times: 1 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, logger: logger() })
    await mw.ready
    expect(store.count('GetSecretValue')).toBe(1)
    expect(await handlerOf(mw, ['db'])()).toEqual({ db: VALUE })
    expect(store.count('GetSecretValue')).toBe(2)
  })

  test('an invocation during a running prefetch waits for it: one call', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } }, { latencyMs: 50 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, logger: logger() })
    expect(await handlerOf(mw, ['db'])()).toEqual({ db: VALUE })
    expect(store.count('GetSecretValue')).toBe(1)
    expect(store.fetches).toBe(1)
  })

  test('an invocation during a running prefetch that then fails retries once: calls do not double', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } }, { latencyMs: 50 })
    store.fail('prod/db', { code: 'AccessDeniedException', times: 1 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, logger: logger() })
    expect(await handlerOf(mw, ['db'])()).toEqual({ db: VALUE })
    // The prefetch's failed call and the invocation's one retry: not a third.
    expect(store.count('GetSecretValue')).toBe(2)
    expect(store.fetches).toBe(2)
    await mw.ready
  })

  // Two resolutions of one key at once (two concurrent invocations, or an invocation and
  // mw.refresh()) while the prefetch fails: the first starts the retry; the second must wait
  // for that retry instead of failing with the prefetch's error.
  test('two invocations during a failing prefetch: both succeed on the single retry', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } }, { latencyMs: 50 })
    store.fail('prod/db', { code: 'AccessDeniedException', times: 1 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    const [a, b] = await Promise.allSettled([invoke(), invoke()])
    expect(a).toEqual({ status: 'fulfilled', value: { db: VALUE } })
    expect(b).toEqual({ status: 'fulfilled', value: { db: VALUE } })
    expect(store.count('GetSecretValue')).toBe(2)
    await mw.ready
  })

  test('a throttled prefetch retries by itself; the first invocation makes no call', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } })
    store.fail('prod/db', { code: 'ThrottlingException', times: 1 })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, logger: logger() })
    await mw.ready
    expect(store.count('GetSecretValue')).toBe(2)
    expect(await handlerOf(mw, ['db'])()).toEqual({ db: VALUE })
    expect(store.count('GetSecretValue')).toBe(2)
  })

  test('two middlewares declaring the same secret share one fetch', async () => {
    const store = memoryStore({ secrets: { 'prod/db': VALUE } }, { latencyMs: 20 })
    const a = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: logger() })
    const b = secrets({ context: { password: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: logger() })
    const [ra, rb] = await Promise.all([handlerOf(a, ['db'])(), handlerOf(b, ['password'])()])
    expect(ra).toEqual({ db: VALUE })
    expect(rb).toEqual({ password: VALUE })
    expect(store.count('GetSecretValue')).toBe(1)
  })
})

describe('rounds', () => {
  /** A store that answers each request with an AWS call of its own, a rotation before each of the first `splits` calls. */
  function rotatingStore(splits: number) {
    const memory = memoryStore({ secrets: { db: 'v0' } })
    memory.rotate('db', 'v1')
    let version = 1
    const state = { requests: 0 }
    const store: Store = {
      name: 'rotating',
      fetch: async (batch, options) => {
        const results = []
        for (const request of batch) {
          if (state.requests++ < splits) memory.rotate('db', `v${++version}`)
          results.push(...(await memory.fetch([request], options)))
        }
        return results
      },
    }
    return { store, state }
  }
  /** The memory store, answering without ARNs (as a custom store may): stages are then grouped by name. */
  const withoutArns = (memory: MemoryStore): Store => ({
    name: 'no-arns',
    fetch: async (batch, options) => (await memory.fetch(batch, options)).map((r) => (r.ok ? { ...r, arn: undefined } : r)),
  })
  const declare = (store: Store, log = logger()) =>
    secrets({ context: { current: secret('db'), previous: secret('db', { versionStage: 'AWSPREVIOUS' }) }, stores: { secretsManager: store }, prefetch: false, logger: log, logLevel: 'debug' })

  test('a rotation between the two AWS calls of one attempt: both stages are read again (reason: rotation), and the pair served is one rotation', async () => {
    const { store, state } = rotatingStore(2)
    const log = logger()
    // Without the check: current 'v2' (read before the second rotation) and previous 'v2' (after it).
    expect(await handlerOf(declare(store, log), ['current', 'previous'])()).toEqual({ current: 'v3', previous: 'v2' })
    // The second attempt's two calls agree, but AWSPREVIOUS's v2 is held since the first and AWSCURRENT's v3
    // first seen there (a rotation may come between two calls): AWSCURRENT is read once more, and holds.
    expect(state.requests).toBe(5)
    const reasons = log.debug.mock.calls.filter(([m]) => String(m).endsWith('fetched')).map(([, f]) => (f as { reason: string }).reason)
    expect(reasons).toEqual(['cold', 'cold', 'rotation', 'rotation', 'rotation'])
  })

  test('a rotation before every call: at most 4 rounds, then StagesChanging for both, never a wrong pair', async () => {
    const { store, state } = rotatingStore(Number.POSITIVE_INFINITY)
    const error = await failureOf(handlerOf(declare(store), ['current', 'previous'])())
    expect(error.failures.map((f) => [f.key, f.code])).toEqual([
      ['current', 'StagesChanging'],
      ['previous', 'StagesChanging'],
    ])
    expect(state.requests).toBe(8)
  })

  test('a key read by version id is no stage: after a rotation it is not read again beside the new AWSCURRENT', async () => {
    const store = memoryStore()
    const first = store.setSecret('db', 'v1')
    const mw = secrets({ context: { current: secret('db', { ttl: 10 }), pinned: secret('db', { versionId: first }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['current', 'pinned'])
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
    try {
      clock = T0
      await invoke()
      store.rotate('db', 'v2')
      clock = T0 + 10_001 // current is due; pinned (a version never changes) is not
      store.resetCalls()
      expect(await invoke()).toEqual({ current: 'v2', pinned: 'v1' })
      expect(store.calls.map((c) => c.operation)).toEqual(['GetSecretValue'])
    } finally {
      now.mockRestore()
    }
  })

  test('an optional stage that does not exist is no stage: its absence read after the AWSCURRENT does not send the AWSCURRENT again (a store that answers without ARNs)', async () => {
    const memory = memoryStore({ secrets: { db: 'v1' } }) // never rotated: no AWSPREVIOUS
    const store = withoutArns(memory)
    const mw = secrets({
      context: { current: secret('db'), previous: secret('db', { versionStage: 'AWSPREVIOUS', optional: true, ttl: 10 }) },
      stores: { secretsManager: store },
      jitter: 0,
      refreshAhead: 0,
      prefetch: false,
      logger: logger(),
    })
    const invoke = handlerOf(mw, ['current', 'previous'])
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
    try {
      clock = T0
      await invoke()
      clock = T0 + 10_001 // the absence is due; AWSCURRENT is not
      memory.resetCalls()
      expect(await invoke()).toEqual({ current: 'v1', previous: undefined })
      expect(memory.calls).toHaveLength(1) // AWSPREVIOUS only
    } finally {
      now.mockRestore()
    }
  })

  test('a parameter is no stage, even of the same name as a secret (a store that answers without ARNs): its new version is no rotation, and read again alone it does not send the AWSCURRENT again', async () => {
    const memory = memoryStore({ secrets: { db: 'v1' }, parameters: { db: 'p1' } })
    const store = withoutArns(memory)
    const log = logger()
    const mw = secrets({ context: { current: secret('db'), setting: parameter('db', { ttl: 10 }) }, stores: { secretsManager: store, ssm: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log, logLevel: 'debug' })
    const invoke = handlerOf(mw, ['current', 'setting'])
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
    try {
      clock = T0
      await invoke()
      clock = T0 + 10_001 // the parameter is due; the secret is not
      memory.setParameter('db', 'p2')
      memory.resetCalls()
      expect(await invoke()).toEqual({ current: 'v1', setting: 'p2' })
      expect(memory.calls.map((c) => c.operation)).toEqual(['GetParameter'])
      expect(logged(log)).not.toContain('AWSCURRENT') // a new parameter version is no rotation of the secret
    } finally {
      now.mockRestore()
    }
  })
})

describe('failures', () => {
  test('are listed in declaration order, however the fetches were grouped (one store, two roles, two request timeouts): refresh() shows them as resolved', async () => {
    // Secrets and parameters of one store go out as two requests (each role its timeout), and
    // settle in request order: a and c, then b.
    process.env.SSM_PARAMETER_STORE_TIMEOUT_MILLIS = '2000'
    try {
      const store = memoryStore()
      const mw = secrets({ context: { a: secret('x'), b: parameter('y'), c: secret('z') }, stores: { secretsManager: store, ssm: store }, prefetch: false })
      const error = await failureOf(mw.refresh())
      expect(error.failures.map((f) => f.key)).toEqual(['a', 'b', 'c'])
    } finally {
      delete process.env.SSM_PARAMETER_STORE_TIMEOUT_MILLIS
    }
  })
})

describe('an optional key whose cached absence expired, and AWS fails (README, Optional keys)', () => {
  const declared = (maxStale?: number) =>
    secrets({ context: { flag: secret('flags/x', { optional: true, default: 'off', ttl: 10, maxStale }) }, stores: { secretsManager: store }, prefetch: false, logger: logger(), jitter: 0, refreshAhead: 0, retries: 2 })
  let store: MemoryStore
  beforeEach(() => {
    clearCache()
    clock = T0
    jest.spyOn(Date, 'now').mockImplementation(() => clock)
    jest.spyOn(Math, 'random').mockReturnValue(0) // no back-off between retries
    store = memoryStore({ secrets: {} })
  })
  afterEach(() => jest.restoreAllMocks())

  test('a transient failure serves the absence stale, as a cached value would be: the default, at once', async () => {
    const invoke = handlerOf(declared(), ['flag'])
    expect(await invoke()).toEqual({ flag: 'off' })
    store.setSecret('flags/x', 'on')
    store.fail('flags/x', { code: 'ThrottlingException', times: 100 })
    store.resetCalls()
    clock = T0 + 11_000
    expect(await invoke()).toEqual({ flag: 'off' })
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('with maxStale: 0 the failure fails the key, after its retries', async () => {
    const invoke = handlerOf(declared(0), ['flag'])
    expect(await invoke()).toEqual({ flag: 'off' })
    store.setSecret('flags/x', 'on')
    store.fail('flags/x', { code: 'ThrottlingException', times: 100 })
    store.resetCalls()
    clock = T0 + 11_000
    expect((await failureOf(invoke())).failures.map((f) => [f.key, f.code])).toEqual([['flag', 'ThrottlingException']])
    expect(store.count('GetSecretValue')).toBe(3)
  })
})

// README, When AWS fails: "An invocation that joined someone else's fetch that failed gets one
// fetch of its own". A fetch that ended at its starter's deadline says nothing of AWS.
describe("a joined fetch cut short by its starter's deadline (real time)", () => {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} }

  test("an invocation that joined a fetch cut short by another invocation's deadline gets one fetch of its own, not the old value", async () => {
    const inner = memoryStore({ secrets: { a: 'v1' } })
    const mw = secrets({ context: { a: secret('a', { ttl: 1 }) }, stores: { secretsManager: inner }, prefetch: false, logger: quiet, jitter: 0, deadlineMarginMs: 0, refreshAhead: 0 })
    expect((await runBefore(mw)).a).toBe('v1')
    inner.setSecret('a', 'v2')
    inner.setLatency(150)
    await new Promise((r) => setTimeout(r, 1_050)) // expired
    const short = outcome(runBefore(mw, { getRemainingTimeInMillis: () => 50 })) // starts the fetch, gives up at 50 ms
    const long = outcome(runBefore(mw, { getRemainingTimeInMillis: () => 5_000 })) // joins it; has 5 s
    await short
    const longGot = await long
    // Calls answered: the cold read and the joiner's own; the one cut short was never answered.
    const next = await outcome(runBefore(mw, { getRemainingTimeInMillis: () => 5_000 })) // a later invocation, AWS healthy
    expect({ long: (longGot as { a?: unknown }).a, next: (next as { a?: unknown }).a, calls: inner.count('GetSecretValue') }).toEqual({ long: 'v2', next: 'v2', calls: 2 })
  })

  // The contrast: a joined fetch that AWS failed (throttling) begins the back-off, and the joiner
  // serves the stale value as its starter did, asking AWS nothing more.
  test('an invocation that joined a fetch AWS throttled serves the stale value, with no fetch of its own', async () => {
    const inner = memoryStore({ secrets: { a: 'v1' } })
    const fetch = jest.spyOn(inner, 'fetch')
    const mw = secrets({ context: { a: secret('a', { ttl: 1 }) }, stores: { secretsManager: inner }, prefetch: false, logger: quiet, jitter: 0, deadlineMarginMs: 0, refreshAhead: 0 })
    expect((await runBefore(mw)).a).toBe('v1')
    inner.setSecret('a', 'v2')
    inner.setLatency(100)
    inner.fail('a', { code: 'ThrottlingException', message: 'Rate exceeded', times: 1 })
    await new Promise((r) => setTimeout(r, 1_050)) // expired
    const starter = outcome(runBefore(mw, { getRemainingTimeInMillis: () => 5_000 }))
    const joiner = outcome(runBefore(mw, { getRemainingTimeInMillis: () => 5_000 }))
    expect([((await starter) as { a?: unknown }).a, ((await joiner) as { a?: unknown }).a]).toEqual(['v1', 'v1'])
    expect(fetch).toHaveBeenCalledTimes(2) // the cold read and the starter's
  })
})
