/** resolver/ahead.ts: a fresh value in the last part of its TTL is refreshed in the background. */
import { jest } from '@jest/globals'
import { clearCache, secret, secrets, type Store } from '../../lib/index.js'
import type { Logger } from '../../lib/store.js'
import { memoryStore, type MemoryStore } from '../../lib/testing/index.js'
import { runBefore } from '../support/store-results.js'
import { timersCreatedDuring } from '../support/timers.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }
let now = Date.UTC(2030, 0, 1)

beforeEach(() => {
  clearCache()
  now = Date.UTC(2030, 0, 1)
  jest.spyOn(Date, 'now').mockImplementation(() => now)
})
afterEach(() => jest.restoreAllMocks())

/** Lets background work run to its end (the memory store answers on a timer). */
const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function middleware(store: Store, options: Record<string, unknown> = {}) {
  return secrets({ context: { a: secret('a', { ttl: 100 }), b: secret('b', { ttl: 100 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, jitter: 0, ...options })
}

/** The memory store behind a gate: while it is held, fetches wait for `release()`. */
function gated(memory: MemoryStore) {
  let gate: Promise<void> = Promise.resolve()
  let release: () => void = () => undefined
  let calls = 0
  const store: Store = {
    name: memory.name,
    fetch: async (requests, options) => {
      calls += 1
      await gate
      return memory.fetch(requests, options)
    },
  }
  return {
    store,
    hold: () => void (gate = new Promise<void>((resolve) => (release = resolve))),
    release: () => release(),
    get calls() {
      return calls
    },
  }
}

test('in the last 10% of the TTL the value serves at once, and is fetched in the background, one batch', async () => {
  const memory = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
  const gate = gated(memory)
  const mw = middleware(gate.store)
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b1' })
  memory.setSecret('a', 'a2')
  gate.hold()
  now += 89_000 // not yet in the last 10%
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b1' })
  expect(gate.calls).toBe(1)
  now += 2_000 // 91 s: in the last 10%
  // Served as it is, without waiting: the refresh's fetch is held at the gate meanwhile.
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b1' })
  expect(gate.calls).toBe(2) // both keys, one call
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b1' }) // the refresh is under way: not started twice
  expect(gate.calls).toBe(2)
  gate.release()
  await settle()
  expect(await runBefore(mw)).toEqual({ a: 'a2', b: 'b1' })
  expect(gate.calls).toBe(2)
  now += 95_000 // the new values are fresh for a new TTL
  expect(await runBefore(mw)).toEqual({ a: 'a2', b: 'b1' })
})

test('refreshAhead: 0 turns it off: nothing in the background, the invocation at expiry waits', async () => {
  const store = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
  const mw = middleware(store, { refreshAhead: 0 })
  await runBefore(mw)
  store.resetCalls()
  now += 99_000
  await runBefore(mw)
  await settle()
  expect(store.fetches).toBe(0)
  now += 2_000
  await runBefore(mw)
  expect(store.fetches).toBe(1)
})

test('a bad refreshAhead is a ConfigError naming it', () => {
  for (const bad of [1, -0.1, Number.NaN, '0.1']) {
    expect(() => middleware(memoryStore(), { refreshAhead: bad })).toThrow(expect.objectContaining({ option: 'refreshAhead' }))
  }
})

test('not ahead of a rotation date: the rotation cap decides, as before', async () => {
  const store: MemoryStore = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
  store.model.setRotation('a', { enabled: true, nextRotationDate: new Date(now + 95_000) })
  const mw = secrets({ context: { a: secret('a', { ttl: 100, rotation: true }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, jitter: 0 })
  await runBefore(mw)
  store.resetCalls()
  now += 92_000 // in the last 10% of the TTL, but the rotation date (95 s) comes first
  await runBefore(mw)
  await settle()
  expect(store.count()).toBe(0)
  now += 4_000 // past the rotation date: revalidated (the version did not move: no GetSecretValue)
  await runBefore(mw)
  expect(store.count('DescribeSecret')).toBe(1)
})

test('a background refresh that fails: the value serves to the end of its TTL, the failure is logged, no value in it', async () => {
  const store = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
  const log = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() }
  const mw = middleware(store, { logger: log, retries: 0 })
  await runBefore(mw)
  store.fail('*', { code: 'ThrottlingException', times: 2 })
  now += 95_000
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b1' })
  await settle()
  expect(log.warn).toHaveBeenCalled()
  expect(JSON.stringify(log.warn.mock.calls)).not.toContain('a1')
  now += 4_000 // still within the TTL
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b1' })
})

test('works the same through any store, e.g. the memory store standing in for the extension', async () => {
  // The extension stores are Stores like the others; refresh ahead is the resolver's.
  const inner = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
  let calls = 0
  const store: Store = { name: 'extension-like', fetch: (requests, options) => ((calls += 1), inner.fetch(requests, options)) }
  const mw = middleware(store)
  await runBefore(mw)
  inner.setSecret('b', 'b2')
  now += 95_000
  await runBefore(mw)
  await settle()
  expect(calls).toBe(2)
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b2' })
})

test("the background refresh lives long enough to be answered, says reason 'ahead', and names the first key of a shared entry", async () => {
  const store = memoryStore({ secrets: { s: 's1' } }, { latencyMs: 5 })
  const debug = jest.fn()
  const mw = secrets({ context: { first: secret('s', { ttl: 100 }), second: secret('s', { ttl: 100 }) }, stores: { secretsManager: store }, prefetch: false, logger: { ...quiet, debug }, logLevel: 'debug', jitter: 0 })
  await runBefore(mw)
  store.setSecret('s', 's2')
  debug.mockClear()
  now += 95_000
  expect(await runBefore(mw)).toEqual({ first: 's1', second: 's1' })
  await settle(60)
  expect(await runBefore(mw)).toEqual({ first: 's2', second: 's2' })
  const fetched = debug.mock.calls.filter(([message]) => String(message).endsWith('fetched')).map(([, fields]) => fields as { key: string; reason: string })
  expect(fetched).toEqual([expect.objectContaining({ key: 'first', reason: 'ahead' })])
})

test('a background refresh that backs off (throttled once, maxStale 0 so it retries) holds no timer that keeps the process alive', async () => {
  const store = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
  const mw = middleware(store, { maxStale: 0 })
  await runBefore(mw)
  store.fail('a', { code: 'ThrottlingException', message: 'Rate exceeded', times: 1 })
  now += 95_000
  const before = store.fetches
  const timers = await timersCreatedDuring(async () => {
    await runBefore(mw)
    // Until the retry has gone out (after its backoff sleep): setImmediate makes no timer of its own.
    for (let i = 0; i < 1_000_000 && store.fetches < before + 2; i++) await new Promise((resolve) => setImmediate(resolve))
  })
  expect(store.fetches).toBe(before + 2)
  expect(timers.length).toBeGreaterThan(0)
  expect(timers.filter((t) => t.hasRef())).toEqual([])
})

test('a fresh key in its last 10% is refreshed ahead even when another key of the invocation is not fresh (expired, or served stale in an outage)', async () => {
  // Found by review: only an invocation that found every key fresh refreshed ahead, so while one
  // key was not fresh, the others ran out their TTL and were waited on.
  const memory = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
  const gate = gated(memory)
  const mw = secrets({ context: { a: secret('a', { ttl: 100 }), b: secret('b', { ttl: 10 }) }, stores: { secretsManager: gate.store }, prefetch: false, logger: quiet, jitter: 0 })
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b1' })
  memory.setSecret('a', 'a2')
  now += 91_000 // a in its last 10%; b expired
  expect(await runBefore(mw)).toEqual({ a: 'a1', b: 'b1' }) // b fetched, a served as it is...
  await settle()
  expect(memory.calls.map((c) => c.name).sort()).toEqual(['a', 'a', 'b', 'b']) // ...and fetched in the background
  gate.hold() // from now on AWS would keep an invocation waiting
  const calls = gate.calls
  expect(await runBefore(mw)).toEqual({ a: 'a2', b: 'b1' }) // the refreshed a, no wait
  expect(gate.calls).toBe(calls)
  gate.release()
})

test('two keys of one entry, one fresh in its last 10% and one expired (different TTLs): one fetch, not the invocation\'s and a refresh ahead', async () => {
  const memory = memoryStore({ secrets: { x: 'x1' } })
  const mw = secrets({ context: { long: secret('x', { ttl: 100 }), short: secret('x', { ttl: 10 }) }, stores: { secretsManager: memory }, prefetch: false, logger: quiet, jitter: 0 })
  expect(await runBefore(mw)).toEqual({ long: 'x1', short: 'x1' })
  memory.setSecret('x', 'x2')
  now += 91_000 // long: fresh, due ahead; short: expired, fetched by the invocation
  expect(await runBefore(mw)).toEqual({ long: 'x1', short: 'x2' })
  await settle()
  expect(memory.count('GetSecretValue')).toBe(2) // the first fetch and this one
})

test("keys of one entry are refreshed ahead with their policies merged, as an invocation's fetch: a rotation-aware twin revalidates with DescribeSecret", async () => {
  // Found by review: the first key's policy alone decided, so a rotation-aware second key's entry was fetched again instead.
  const store = memoryStore({ secrets: { s: 's1' } })
  const mw = secrets({ context: { plain: secret('s', { ttl: 100 }), aware: secret('s', { ttl: 100, rotation: true }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, jitter: 0 })
  await runBefore(mw)
  await settle()
  store.resetCalls()
  now += 95_000
  expect(await runBefore(mw)).toEqual({ plain: 's1', aware: 's1' })
  await settle()
  expect([store.count('DescribeSecret'), store.count('GetSecretValue')]).toEqual([1, 0]) // the version still holds its stage: no fetch
})

test('an overdue rotation (its date passed, AWS has not rotated yet): the minute rechecks go in the background, no invocation waits on them', async () => {
  // Found by review: refresh ahead never ran while a rotation capped the value, so each minute's recheck was waited on.
  const inner = memoryStore({ secrets: { db: 'v1' } })
  inner.model.setRotation('db', { enabled: true, nextRotationDate: new Date(now - 1_000) }) // in its rotation window
  let gate: Promise<void> = Promise.resolve()
  let release: () => void = () => undefined
  let calls = 0
  const store: Store = {
    name: inner.name,
    fetch: async (requests, options) => ((calls += 1), await gate, inner.fetch(requests, options)),
    describe: async (names, options) => ((calls += 1), await gate, inner.describe!(names, options)),
  }
  const mw = secrets({ context: { db: secret('db', { ttl: 300, rotation: true }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, jitter: 0 })
  const T0 = now
  expect(await runBefore(mw)).toEqual({ db: 'v1' })
  let waited = 0
  for (let t = 1_000; t <= 180_000; t += 1_000) {
    now = T0 + t
    gate = new Promise<void>((resolve) => (release = resolve)) // AWS holds each call until the invocation is seen to wait or not
    const before = calls
    let done = false
    const run = runBefore(mw).then(() => (done = true))
    await settle(1)
    if (!done && calls > before) waited += 1
    release()
    await run
    await settle(1)
  }
  expect(waited).toBe(0)
  expect(inner.count('DescribeSecret')).toBeGreaterThanOrEqual(3) // one recheck a minute, at least
  expect(inner.count('GetSecretValue')).toBe(1)
})
