/** resolver/flight.ts: a fetch under way settles every key that waits on it, whatever goes wrong. */
import { jest } from '@jest/globals'
import { clearCache, secret, secrets, SecretsError, type Store } from '../../lib/index.js'
import { memoryStore } from '../../lib/testing/index.js'
import { deferred } from '../support/deferred.js'
import { cachedEntry } from '../support/entries.js'
import { runBefore } from '../support/store-results.js'

beforeEach(() => clearCache())

test.each([
  ['RangeError', new RangeError('the answer broke'), 'the answer broke'],
  // Named like a timeout: classified as one, and named by what was under way (the fetch).
  ['TimeoutError', Object.assign(new Error('the answer broke'), { name: 'TimeoutError' }), 'fetch did not answer in time'],
])('a bug mid-flight (%s: reading the second answer throws) still settles every waiting key: the ones left unsettled fail with its error, never a false deadline', async (code, thrown, message) => {
  const memory = memoryStore({ secrets: { a: 'va', b: 'vb' } })
  const store: Store = {
    name: memory.name,
    async fetch(requests, options) {
      const results = [...(await memory.fetch(requests, options))]
      Object.defineProperty(results, 1, {
        get() {
          throw thrown
        },
      })
      return results
    },
  }
  const mw = secrets({ context: { a: secret('a'), b: secret('b') }, stores: { secretsManager: store }, prefetch: false, logLevel: 'none' })
  const error = await runBefore(mw, { getRemainingTimeInMillis: () => 30_000 }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SecretsError)
  expect((error as SecretsError).failures.map((f) => [f.key, f.code, f.message])).toEqual([['b', code, message]])
})

test('the debug lines of a fetch: key, store, resource, operation, reason, duration and attempt; a failure adds its code', async () => {
  const clock = Date.UTC(2030, 0, 1)
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
  try {
    const store = memoryStore({ secrets: { a: 'va', b: 'vb' } })
    store.fail('b', { code: 'AccessDeniedException', message: 'no' })
    const debug = jest.fn()
    const mw = secrets({ context: { a: secret('a'), b: secret('b') }, stores: { secretsManager: store }, prefetch: false, logger: { debug, info() {}, warn() {}, error() {} }, logLevel: 'debug' })
    await runBefore(mw, { getRemainingTimeInMillis: () => 30_000 }).catch(() => undefined)
    const lines = debug.mock.calls.filter(([m]) => /fetched|fetch failed/.test(String(m)))
    expect(lines).toEqual([
      ['middy-secrets: fetched', { key: 'a', store: 'memory', resource: 'a', operation: 'GetSecretValue', reason: 'cold', durationMs: 0, attempt: 1 }],
      ['middy-secrets: fetch failed', { key: 'b', store: 'memory', resource: 'b', operation: 'GetSecretValue', reason: 'cold', durationMs: 0, attempt: 1, code: 'AccessDeniedException' }],
    ])
  } finally {
    now.mockRestore()
  }
})

// A misspelled name and a value not created yet read alike: an optional key's absence is said at debug.
test('an optional key not found: said at debug, with its code, and served as absent', async () => {
  const store = memoryStore({ secrets: {} })
  const debug = jest.fn()
  const mw = secrets({ context: { flag: secret('killswitch', { optional: true }) }, stores: { secretsManager: store }, prefetch: false, logger: { debug, info() {}, warn() {}, error() {} }, logLevel: 'debug' })
  const context = await runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
  expect(context.flag).toBeUndefined()
  expect(debug.mock.calls.filter(([m]) => /not found/.test(String(m)))).toEqual([
    ['middy-secrets: not found; the optional key serves undefined or its default', expect.objectContaining({ key: 'flag', resource: 'killswitch', code: 'ResourceNotFoundException' })],
  ])
})

test('a key given up after its retries: its debug line counts every attempt, and its failure is dated (what the stale-if-error back-off reads)', async () => {
  const store = memoryStore({ secrets: { b: 'vb' } })
  store.fail('b', { code: 'ThrottlingException', times: 1_000 })
  const debug = jest.fn()
  const random = jest.spyOn(Math, 'random').mockReturnValue(0) // backoffs of 0 ms
  try {
    const mw = secrets({ context: { b: secret('b') }, stores: { secretsManager: store }, prefetch: false, logger: { debug, info() {}, warn() {}, error() {} }, logLevel: 'debug', retries: 2 })
    await runBefore(mw, { getRemainingTimeInMillis: () => 30_000 }).catch(() => undefined)
  } finally {
    random.mockRestore()
  }
  const failedLine = debug.mock.calls.find(([message]) => /fetch failed/.test(String(message)))
  expect(failedLine?.[1]).toMatchObject({ key: 'b', code: 'ThrottlingException', attempt: 3 })
  expect(typeof cachedEntry(store, { kind: 'secret', name: 'b', versionStage: 'AWSCURRENT' }).failure?.at).toBe('number')
})

test("each fetch says why at debug: 'cold' first, 'expired' after the TTL, 'refresh' when asked", async () => {
  let clock = Date.UTC(2030, 0, 1)
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
  try {
    const store = memoryStore({ secrets: { a: 'va' } })
    const reasons: unknown[] = []
    const logger = { debug: (message: string, fields?: { reason?: string }) => void (message.endsWith('fetched') && reasons.push(fields?.reason)), info() {}, warn() {}, error() {} }
    const mw = secrets({ context: { a: secret('a', { ttl: 10 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0, logger, logLevel: 'debug' })
    const invoke = () => runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
    await invoke()
    clock += 10_001
    await invoke()
    await mw.refresh('a')
    expect(reasons).toEqual(['cold', 'expired', 'refresh'])
  } finally {
    now.mockRestore()
  }
})

test('a failed refresh that serves the last good value says how old it is and how long it may serve, in seconds', async () => {
  let clock = Date.UTC(2030, 0, 1)
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
  try {
    const store = memoryStore({ secrets: { a: 'va' } })
    const warn = jest.fn()
    const mw = secrets({ context: { a: secret('a', { ttl: 10 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0, maxStale: 60, logger: { debug() {}, info() {}, warn, error() {} } })
    const invoke = () => runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
    await invoke()
    store.fail('a', { code: 'ThrottlingException', message: 'Rate exceeded' })
    clock += 15_000
    expect((await invoke()).a).toBe('va')
    expect(warn.mock.calls).toEqual([['middy-secrets: refresh failed; serving the last good value', expect.objectContaining({ key: 'a', code: 'ThrottlingException', ageSeconds: 15, maxStaleSeconds: 60 })]])
  } finally {
    now.mockRestore()
  }
})

test('a revalidation (DescribeSecret) that lands after the entry was invalidated still answers its invocation: no false deadline', async () => {
  const clock = Date.UTC(2030, 0, 1)
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock + (later ? 10_001 : 0))
  let later = false
  try {
    const store = memoryStore({ secrets: { a: 'va' } })
    const warn = jest.fn()
    const mw = secrets({ context: { a: secret('a', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0, logger: { debug() {}, info() {}, warn, error() {} } })
    const invoke = () => runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
    await invoke()
    later = true // expired: the next invocation asks DescribeSecret whether the version still holds
    store.setLatency(50)
    store.resetCalls()
    const revalidating = invoke()
    await new Promise((resolve) => setTimeout(resolve, 10))
    const refreshing = mw.refresh('a') // invalidates the entry while DescribeSecret is under way
    expect((await revalidating).a).toBe('va')
    await refreshing
    expect(store.calls.map((c) => c.operation)).toEqual(['DescribeSecret', 'DescribeSecret']) // each confirms the cached version
    expect(warn).not.toHaveBeenCalled()
  } finally {
    now.mockRestore()
  }
})

test('a revalidation that lands after a refresh() invalidated the entry, while the refresh is still under way: its invocation waits for the refresh and gets what it found', async () => {
  const clock = Date.UTC(2030, 0, 1)
  let later = false
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock + (later ? 10_001 : 0))
  try {
    const memory = memoryStore({ secrets: { a: 'va' } })
    // Each DescribeSecret is answered when called, and delivered when the test releases it.
    const held: Array<() => void> = []
    const store: Store = {
      name: 'memory',
      fetch: (requests, options) => memory.fetch(requests, options),
      async describe(names, options) {
        const answer = await memory.describe!(names, options)
        if (later) await new Promise<void>((resolve) => held.push(resolve))
        return answer
      },
    }
    const warn = jest.fn()
    const mw = secrets({ context: { a: secret('a', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0, logger: { debug() {}, info() {}, warn, error() {} } })
    const invoke = () => runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
    const described = async (count: number) => {
      while (held.length < count) await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await invoke()
    later = true // expired: the next invocation asks DescribeSecret whether the version still holds
    const revalidating = invoke()
    await described(1) // answered "va still holds AWSCURRENT", not yet delivered
    memory.rotate('a', 'vb')
    const refreshing = mw.refresh('a') // invalidates the entry; its DescribeSecret sees the rotation
    await described(2)
    held[0]!() // the revalidation lands: its value is an older generation's
    await new Promise((resolve) => setTimeout(resolve, 5))
    held[1]!() // the refresh goes on to GetSecretValue
    await refreshing
    expect((await revalidating).a).toBe('vb')
    expect(warn).not.toHaveBeenCalled() // nothing was missing an answer: no "serving the last good value"
  } finally {
    now.mockRestore()
  }
})

test("a fetch that is over lets go of its deadline: the signal it gave the store never aborts afterwards", async () => {
  const memory = memoryStore({ secrets: { a: 'va' } })
  const signals: AbortSignal[] = []
  const store: Store = { name: 'memory', fetch: (requests, options) => (signals.push(options.signal), memory.fetch(requests, options)) }
  const mw = secrets({ context: { a: secret('a') }, stores: { secretsManager: store }, prefetch: false, deadlineMarginMs: 0 })
  await runBefore(mw, { getRemainingTimeInMillis: () => 30 }) // answered at once, well before the deadline
  await new Promise((resolve) => setTimeout(resolve, 60)) // past the deadline
  expect(signals.map((s) => s.aborted)).toEqual([false])
})

test('the values one answer brings are validated at one moment: a clock that ticks while they settle does not split the batch at the next expiry', async () => {
  // From the moment the store answers, each read of the clock moves it 1 ms on, as a real clock
  // can between the keys of one answer; an invocation starts with the clock still.
  let clock = Date.UTC(2030, 0, 1)
  let ticking = false
  const now = jest.spyOn(Date, 'now').mockImplementation(() => (ticking ? clock++ : clock))
  try {
    const memory = memoryStore({ secrets: { a: 'a1', b: 'b1', c: 'c1' } })
    const batches: string[][] = []
    const store: Store = {
      name: memory.name,
      fetch: async (requests, options) => {
        batches.push(requests.map((r) => r.name))
        const results = await memory.fetch(requests, options)
        ticking = true
        return results
      },
    }
    const ttl = { ttl: 10 }
    const mw = secrets({ context: { a: secret('a', ttl), b: secret('b', ttl), c: secret('c', ttl) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0 })
    const invoke = () => ((ticking = false), runBefore(mw))
    await invoke()
    for (const name of ['a', 'b', 'c']) memory.setSecret(name, `${name}2`)
    // Each millisecond after the first expiry: the three values were fetched together, so they are due together.
    clock += 9_000
    for (let ms = 0; ms < 2_000 && (await invoke()).a === 'a1'; ms += 1) clock += 1
    expect(await invoke()).toEqual({ a: 'a2', b: 'b2', c: 'c2' })
    expect(batches).toEqual([['a', 'b', 'c'], ['a', 'b', 'c']])
  } finally {
    now.mockRestore()
  }
})

/**
 * Secrets db and x, db throttled once (answered on its retry), behind a store that records each
 * call by the names it asks for; call n (1, 2...) waits for `holds[n]`, if given.
 */
function dbThrottledOnce(holds: Readonly<Record<number, Promise<void>>>) {
  const memory = memoryStore({ secrets: { db: 'db-0', x: 'x-0' } })
  memory.fail('db', { code: 'ThrottlingException', times: 1 })
  const calls: string[][] = []
  const store: Store = {
    name: memory.name,
    fetch: async (requests, options) => {
      calls.push(requests.map((r) => r.name))
      await holds[calls.length]
      return memory.fetch(requests, options)
    },
  }
  return { memory, store, calls }
}

test('a key answered while its batch goes on retrying another leaves the flight at once: once its TTL runs out, the next invocation fetches it, never the old answer', async () => {
  let clock = Date.UTC(2030, 0, 1)
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
  try {
    const retry = deferred() // db's retry: AWS slow to answer
    const { memory, store, calls } = dbThrottledOnce({ 2: retry.promise })
    const mw = secrets({ context: { db: secret('db', { ttl: 60 }), x: secret('x', { ttl: 5 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0 })
    const first = runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
    for (let i = 0; i < 100 && calls.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5)) // x answered, db retried after its backoff
    expect(calls).toEqual([['db', 'x'], ['db']])
    memory.setSecret('x', 'x-1')
    clock += 5_000 // x's TTL is over; db's retry is still out
    const second = runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
    await new Promise((resolve) => setTimeout(resolve, 5))
    retry.resolve()
    expect(await second).toMatchObject({ db: 'db-0', x: 'x-1' })
    expect(await first).toMatchObject({ db: 'db-0', x: 'x-1' }) // the entry's fresh value when its wait ended: the newest
    expect(calls).toEqual([['db', 'x'], ['db'], ['x']])
  } finally {
    now.mockRestore()
  }
})

test("a key that joined a fetch goes on when its own value is in, without waiting for the retries of the fetch's other keys", async () => {
  const answer = deferred()
  const retry = deferred()
  const { store, calls } = dbThrottledOnce({ 1: answer.promise, 2: retry.promise })
  const both = secrets({ context: { db: secret('db'), x: secret('x') }, stores: { secretsManager: store }, prefetch: false })
  const onlyX = secrets({ context: { x: secret('x') }, stores: { secretsManager: store }, prefetch: false })
  const first = runBefore(both, { getRemainingTimeInMillis: () => 30_000 })
  await new Promise((resolve) => setImmediate(resolve))
  const joined = runBefore(onlyX, { getRemainingTimeInMillis: () => 30_000 }) // joins x's fetch
  answer.resolve() // x answers; db is throttled and retried, and its retry hangs
  const waiting = new Promise((resolve) => setTimeout(resolve, 1_000, 'still waiting'))
  expect(await Promise.race([joined, waiting])).toMatchObject({ x: 'x-0' })
  expect(calls.length).toBeLessThanOrEqual(2) // x was not fetched again
  retry.resolve()
  expect(await first).toMatchObject({ db: 'db-0', x: 'x-0' })
  expect(calls).toEqual([['db', 'x'], ['db']])
})
