/**
 * Issue 4, behaviours 1, 2 and 5 with the in-memory store (no HTTP):
 *  1. rotation-aware expiry (DescribeSecret's NextRotationDate caps the TTL; overdue -> 60 s)
 *  2. cheap revalidation (DescribeSecret only, GetSecretValue only when the stage moved)
 *  5. version stages together (a new AWSCURRENT refreshes AWSPREVIOUS)
 * Time is Date.now() (mocked); no invocation here has a Lambda deadline, so no real timer runs.
 * These are the TTL's mechanics: refresh ahead (__tests__/resolver/ahead.test.ts) is off here.
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { clearCache, getSecret, secret, secrets, parameter, type SecretsMiddleware, type Store } from '../lib/index.js'
import { memoryStore, type MemoryStore } from '../lib/testing/index.js'
import { useFakeClock } from './support/clock.js'
import { cachedEntry, expiresAt } from './support/entries.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const clock = useFakeClock(T0)

function logger() {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() }
}

/** A middy handler over `mw` that returns the context keys it was given. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function handlerOf(mw: SecretsMiddleware<any>, keys: readonly string[]) {
  const h = middy(async (_event: unknown, context: Context) => Object.fromEntries(keys.map((k) => [k, (context as unknown as Record<string, unknown>)[k]])))
  h.use(mw as never)
  return (): Promise<Record<string, unknown>> => h({}, {} as never) as Promise<Record<string, unknown>>
}

function entryOf(store: MemoryStore, name: string, versionStage = 'AWSCURRENT') {
  return cachedEntry(store, { kind: 'secret', name, versionStage })
}

/** GetSecretValue / DescribeSecret counts since the last call of `delta()`. */
function meter(store: MemoryStore) {
  let get = store.count('GetSecretValue')
  let describe = store.count('DescribeSecret')
  return {
    delta() {
      const d = { get: store.count('GetSecretValue') - get, describe: store.count('DescribeSecret') - describe }
      get = store.count('GetSecretValue')
      describe = store.count('DescribeSecret')
      return d
    },
  }
}

beforeEach(() => clearCache())


describe('1. rotation-aware expiry', () => {
  test('rotation: true on a key: DescribeSecret is called with the first fetch, then nothing while fresh', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1', 'prod/api': 'k1' } })
    const mw = secrets({
      context: { db: secret('prod/db', { rotation: true }), api: secret('prod/api') },
      stores: { secretsManager: store },
      prefetch: false,
      logger: logger(),
    })
    const invoke = handlerOf(mw, ['db', 'api'])
    expect(await invoke()).toEqual({ db: 'p1', api: 'k1' })
    expect(store.count('GetSecretValue')).toBe(2)
    expect(store.count('DescribeSecret')).toBe(1)
    expect(store.calls.filter((c) => c.operation === 'DescribeSecret').map((c) => c.name)).toEqual(['prod/db'])
    clock.now += 1000
    await invoke()
    expect(store.calls).toHaveLength(3)
  })

  test('rotation: true globally: every secret is described once, parameters never', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1', 'prod/api': 'k1' }, parameters: { '/prod/flag': 'on' } })
    const mw = secrets({
      context: { db: secret('prod/db'), api: secret('prod/api'), flag: parameter('/prod/flag') },
      stores: { secretsManager: store, ssm: store },
      rotation: true,
      prefetch: false,
      logger: logger(),
    })
    const invoke = handlerOf(mw, ['db', 'api', 'flag'])
    expect(await invoke()).toEqual({ db: 'p1', api: 'k1', flag: 'on' })
    expect(store.count('GetSecretValue')).toBe(2)
    expect(store.count('GetParameter')).toBe(1)
    expect(store.count('DescribeSecret')).toBe(2)
    expect(store.calls.filter((c) => c.operation === 'DescribeSecret').map((c) => c.name).sort()).toEqual(['prod/api', 'prod/db'])
  })

  test('a key can opt out of a global rotation: true', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1', 'prod/api': 'k1' } })
    const mw = secrets({
      context: { db: secret('prod/db'), api: secret('prod/api', { rotation: false }) },
      stores: { secretsManager: store },
      rotation: true,
      prefetch: false,
      logger: logger(),
    })
    await handlerOf(mw, ['db', 'api'])()
    expect(store.calls.filter((c) => c.operation === 'DescribeSecret').map((c) => c.name)).toEqual(['prod/db'])
  })

  test('without rotation (the default) DescribeSecret is never called, even across expiries', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10 }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    for (let i = 0; i < 5; i++) {
      await invoke()
      clock.now += 10_001
    }
    expect(store.count('DescribeSecret')).toBe(0)
    expect(store.count('GetSecretValue')).toBe(5)
  })

  test('the cached AWSCURRENT value is never kept past NextRotationDate, whatever the TTL (ttl 3600, rotation in 2 s)', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    store.model.setRotation('prod/db', { enabled: true, nextRotationDate: new Date(T0 + 2000) })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 3600, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    const m = meter(store)
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(m.delta()).toEqual({ get: 1, describe: 1 })
    expect(expiresAt(entryOf(store, 'prod/db'), 3600)).toBe(T0 + 2000)

    clock.now = T0 + 1999
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(m.delta()).toEqual({ get: 0, describe: 0 })

    // The rotation runs on schedule; the next invocation after the date revalidates and sees it.
    clock.now = T0 + 2000
    store.rotate('prod/db', 'p2')
    clock.now = T0 + 2001
    expect(await invoke()).toEqual({ db: 'p2' })
    expect(m.delta()).toEqual({ get: 1, describe: 1 })
    // The rotation moved NextRotationDate 30 days out: the TTL governs again.
    expect(expiresAt(entryOf(store, 'prod/db'), 3600)).toBe(T0 + 2001 + 3_600_000)
  })

  test('the cap also holds with ttl: Infinity', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    store.model.setRotation('prod/db', { enabled: true, nextRotationDate: new Date(T0 + 5000) })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: Infinity, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    await invoke()
    expect(expiresAt(entryOf(store, 'prod/db'), Infinity)).toBe(T0 + 5000)
    store.rotate('prod/db', 'p2')
    clock.now = T0 + 5001
    expect(await invoke()).toEqual({ db: 'p2' })
  })

  test('rotation date passed but AWS has not rotated yet (overdue): rechecked every 60 s with DescribeSecret only', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    store.model.setRotation('prod/db', { enabled: true, nextRotationDate: new Date(T0 + 2000) })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 3600, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    const m = meter(store)
    await invoke()
    m.delta()
    clock.now = T0 + 2001
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(m.delta()).toEqual({ get: 0, describe: 1 })
    for (let i = 0; i < 3; i++) {
      const checkedAt = clock.now
      expect(expiresAt(entryOf(store, 'prod/db'), 3600)).toBe(checkedAt + 60_000)
      clock.now = checkedAt + 59_999
      await invoke()
      expect(m.delta()).toEqual({ get: 0, describe: 0 })
      clock.now = checkedAt + 60_000
      await invoke()
      expect(m.delta()).toEqual({ get: 0, describe: 1 })
    }
    // Finally rotated: the next recheck fetches the new value.
    store.rotate('prod/db', 'p2')
    clock.now += 60_000
    expect(await invoke()).toEqual({ db: 'p2' })
    expect(m.delta()).toEqual({ get: 1, describe: 1 })
  })

  test('already overdue at the first fetch: the value is rechecked within 60 s', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    store.model.setRotation('prod/db', { enabled: true, nextRotationDate: new Date(T0 - 1000) })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 3600, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    await handlerOf(mw, ['db'])()
    expect(expiresAt(entryOf(store, 'prod/db'), 3600)).toBe(T0 + 60_000)
  })

  test('overdue at the first fetch, with DescribeSecret answering after GetSecretValue: still rechecked in 60 s, not at once', async () => {
    const memory = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const store = {
      name: 'memory',
      fetch: memory.fetch.bind(memory),
      describe: async (names: readonly string[], options: never) => {
        await new Promise((resolve) => setTimeout(resolve, 10))
        clock.now += 10 // the description lands 10 ms after the value was fetched
        return (await memory.describe!(names, options)).map((d) => ('ok' in d ? d : { ...d, rotationEnabled: true, nextRotationDate: new Date(T0 - 1_000) }))
      },
    }
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 100, rotation: true }) }, stores: { secretsManager: store as never }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    await handlerOf(mw, ['db'])() // served as soon as the value came: the invocation does not wait for the schedule
    await new Promise((resolve) => setTimeout(resolve, 50)) // the description lands
    const entry = cachedEntry(store as never, { kind: 'secret', name: 'prod/db', versionStage: 'AWSCURRENT' })
    expect(entry.nextRotationAt).toBe(T0 - 1_000)
    expect(entry.value!.validatedAt).toBe(T0)
    expect(expiresAt(entry, 100)).toBe(T0 + 60_000) // was T0 + 10: expired by the time the next invocation came
  })

  test('rotation disabled on the secret: a NextRotationDate left from before does not cap the TTL', async () => {
    const memory = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const store = {
      name: 'memory',
      fetch: memory.fetch.bind(memory),
      describe: async (names: readonly string[], options: never) =>
        (await memory.describe!(names, options)).map((d) => ('ok' in d ? d : { ...d, rotationEnabled: false, nextRotationDate: new Date(T0 + 2_000) })),
    }
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 100, rotation: true }) }, stores: { secretsManager: store as never }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    await handlerOf(mw, ['db'])()
    expect(cachedEntry(store as never, { kind: 'secret', name: 'prod/db', versionStage: 'AWSCURRENT' }).nextRotationAt).toBe(Number.POSITIVE_INFINITY)
  })

  test('rotation disabled on the secret: the TTL governs', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 100, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    await handlerOf(mw, ['db'])()
    expect(expiresAt(entryOf(store, 'prod/db'), 100)).toBe(T0 + 100_000)
  })
})

describe('1b. a schedule another reader left unknown', () => {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} }
  const ROTATION = 10 * 60_000

  /** A secret that rotates 10 minutes from T0; every TTL below is an hour. */
  function rotating(): MemoryStore {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    store.model.setRotation('prod/db', { enabled: true, nextRotationDate: new Date(T0 + ROTATION) })
    return store
  }
  const options = (store: MemoryStore) => ({ ttl: 3600, refreshAhead: 0, stores: { secretsManager: store }, logger: quiet }) as const

  /** The rotation happens on schedule; the rotation-aware key must then answer the new value. */
  async function afterRotation(store: MemoryStore, aware: () => Promise<Record<string, unknown>>): Promise<unknown> {
    clock.now = T0 + ROTATION + 1
    store.rotate('prod/db', 'p2')
    clock.now += 1000
    return (await aware()).db
  }

  test('a key without awareness in another middleware fetched it first: the aware key asks DescribeSecret within a minute', async () => {
    const store = rotating()
    const plain = handlerOf(secrets({ context: { db: secret('prod/db') }, prefetch: false, ...options(store) }), ['db'])
    const aware = handlerOf(secrets({ context: { db: secret('prod/db', { rotation: true }) }, prefetch: false, ...options(store) }), ['db'])
    expect((await plain()).db).toBe('p1')
    expect((await aware()).db).toBe('p1')
    const calls = meter(store)
    clock.now += 61_000
    expect((await aware()).db).toBe('p1')
    expect(calls.delta()).toEqual({ get: 0, describe: 1 }) // revalidated: the version still holds AWSCURRENT, and the schedule is learned
    clock.now += 61_000
    expect((await aware()).db).toBe('p1')
    expect(calls.delta()).toEqual({ get: 0, describe: 0 }) // the schedule is known now: fresh until the rotation
    expect(await afterRotation(store, aware)).toBe('p2')
    expect((await plain()).db).toBe('p2') // never past a known rotation date, with awareness or not
  })

  test('both middlewares prefetch (the aware one joins the other one\'s fetch)', async () => {
    const store = rotating()
    const plain = secrets({ context: { db: secret('prod/db') }, ...options(store) })
    const awareMw = secrets({ context: { db: secret('prod/db', { rotation: true }) }, ...options(store) })
    await Promise.all([plain.ready, awareMw.ready])
    const aware = handlerOf(awareMw, ['db'])
    expect((await aware()).db).toBe('p1')
    expect(await afterRotation(store, aware)).toBe('p2')
  })

  test('load() without awareness fetched it first', async () => {
    const store = rotating()
    expect(await getSecret('prod/db', options(store))).toBe('p1')
    const aware = handlerOf(secrets({ context: { db: secret('prod/db', { rotation: true }) }, prefetch: false, ...options(store) }), ['db'])
    expect((await aware()).db).toBe('p1')
    expect(await afterRotation(store, aware)).toBe('p2')
  })

  test('DescribeSecret was throttled at the first fetch', async () => {
    const store = rotating()
    store.fail('prod/db', { code: 'ThrottlingException', operation: 'DescribeSecret' })
    const aware = handlerOf(secrets({ context: { db: secret('prod/db', { rotation: true }) }, prefetch: false, ...options(store) }), ['db'])
    expect((await aware()).db).toBe('p1')
    expect(await afterRotation(store, aware)).toBe('p2')
  })

  test('an optional secret that does not exist yet: its absence keeps its TTL, and once created, its rotation date is honoured', async () => {
    const store = memoryStore({ secrets: { other: 'x' } })
    const warn = jest.fn()
    const aware = handlerOf(secrets({ context: { db: secret('prod/db', { rotation: true, optional: true }) }, prefetch: false, ttl: 3600, refreshAhead: 0, jitter: 0, stores: { secretsManager: store }, logger: { ...quiet, warn } }), ['db'])
    expect((await aware()).db).toBeUndefined()
    const calls = meter(store)
    clock.now += 30 * 60_000 // the absence holds for its TTL, not a minute: nothing to learn of a secret that is not there
    expect((await aware()).db).toBeUndefined()
    expect(calls.delta()).toEqual({ get: 0, describe: 0 })
    clock.now += 30 * 60_000 // the absence expires; meanwhile the secret is created, with a rotation scheduled
    store.setSecret('prod/db', 'p1')
    store.model.setRotation('prod/db', { enabled: true, nextRotationDate: new Date(clock.now + ROTATION) })
    clock.now += 1000
    expect((await aware()).db).toBe('p1')
    clock.now += ROTATION
    store.rotate('prod/db', 'p2')
    clock.now += 1000
    expect((await aware()).db).toBe('p2')
    expect(warn).not.toHaveBeenCalled() // a secret that is not there is no reason to turn rotation awareness off
  })

  test('without awareness, an unknown schedule changes nothing: the TTL decides', async () => {
    const store = rotating()
    const plain = handlerOf(secrets({ context: { db: secret('prod/db') }, prefetch: false, ...options(store) }), ['db'])
    expect((await plain()).db).toBe('p1')
    const calls = meter(store)
    clock.now += 30 * 60_000
    expect((await plain()).db).toBe('p1')
    expect(calls.delta()).toEqual({ get: 0, describe: 0 })
  })
})

describe('2. cheap revalidation', () => {
  test('after TTL expiry, only DescribeSecret is called while the cached version still holds AWSCURRENT', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    await invoke()
    const m = meter(store)
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(m.delta()).toEqual({ get: 0, describe: 1 })
    // Revalidation renews the TTL.
    expect(expiresAt(entryOf(store, 'prod/db'), 10)).toBe(clock.now + 10_000)
    clock.now += 9_999
    await invoke()
    expect(m.delta()).toEqual({ get: 0, describe: 0 })
  })

  test('a revalidation is said at debug, with the key, the secret and DescribeSecret as the operation', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log, logLevel: 'debug' })
    const invoke = handlerOf(mw, ['db'])
    await invoke()
    log.debug.mockClear()
    clock.now += 10_001
    await invoke()
    const lines = log.debug.mock.calls.filter(([message]) => String(message).includes('revalidated'))
    expect(lines).toEqual([['middy-secrets: revalidated: the cached version still holds its stage', expect.objectContaining({ key: 'db', resource: 'prod/db', operation: 'DescribeSecret', attempt: 1 })]])
  })

  test('after TTL expiry, GetSecretValue follows DescribeSecret when the stage moved', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    await invoke()
    const m = meter(store)
    const v2 = store.rotate('prod/db', 'p2')
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p2' })
    expect(m.delta()).toEqual({ get: 1, describe: 1 })
    expect(entryOf(store, 'prod/db').value?.versionId).toBe(v2)
  })

  test('a rotation in progress (AWSPENDING) does not cost a GetSecretValue; finishing it does', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    await invoke()
    const m = meter(store)
    store.model.stagePending('prod/db', 'p2')
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(m.delta()).toEqual({ get: 0, describe: 1 })
    store.model.finishRotation('prod/db')
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p2' })
    expect(m.delta()).toEqual({ get: 1, describe: 1 })
  })

  test('a failed DescribeSecret falls back to GetSecretValue', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    await invoke()
    const m = meter(store)
    store.fail('prod/db', { code: 'AccessDeniedException', operation: 'DescribeSecret' })
    store.rotate('prod/db', 'p2')
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p2' })
    expect(m.delta()).toEqual({ get: 1, describe: 1 })
  })

  test('keys with and without rotation awareness expire together: both are served anew (revalidation passes the others on to the fetch)', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1', 'prod/api': 'k1' } })
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }), api: secret('prod/api', { ttl: 10 }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log })
    const invoke = handlerOf(mw, ['db', 'api'])
    await invoke()
    store.setSecret('prod/api', 'k2')
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p1', api: 'k2' })
    expect(log.warn).not.toHaveBeenCalled() // the key without rotation awareness is not one whose description went missing
  })

  test('a key pinned to a versionId is never revalidated: its version cannot move, so after expiry it is fetched, not described', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const v1 = store.model.getSecretValue('prod/db').versionId
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true, versionId: v1 }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    await invoke()
    const m = meter(store)
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(m.delta()).toEqual({ get: 1, describe: 0 })
  })

  test('a key pinned to a versionId learns no schedule: once the rotation date has passed, it is not fetched every minute as if a rotation were overdue', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const v1 = store.model.getSecretValue('prod/db').versionId
    store.model.setRotation('prod/db', { enabled: true, nextRotationDate: new Date(T0 + 10 * 60_000) })
    const mw = secrets({ context: { db: secret('prod/db', { versionId: v1, ttl: 3600, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    expect(await invoke()).toEqual({ db: 'p1' })
    clock.now = T0 + 10 * 60_000
    store.rotate('prod/db', 'p2') // on schedule; AWS's NextRotationDate moves 30 days out, the pinned version stays p1
    const m = meter(store)
    for (let t = 1; t <= 180; t++) {
      clock.now = T0 + 10 * 60_000 + t * 10_000 // 30 minutes, an invocation every 10 s
      expect(await invoke()).toEqual({ db: 'p1' })
    }
    // The TTL alone: nothing in these 30 minutes (before: the date learned at the first fetch, never
    // learned again, stayed overdue, and the version was fetched every 60 s: 30 calls).
    expect(m.delta()).toEqual({ get: 0, describe: 0 })
    clock.now = T0 + 3_600_000
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(m.delta()).toEqual({ get: 1, describe: 0 })
  })

  test('a store with no describe() at all: rotation: true changes nothing, and nothing is said', async () => {
    const memory = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const store = { name: 'fetch-only', fetch: memory.fetch.bind(memory) }
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store as never }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log })
    const invoke = handlerOf(mw, ['db'])
    expect(await invoke()).toEqual({ db: 'p1' })
    clock.now += 10_001
    memory.rotate('prod/db', 'p2')
    expect(await invoke()).toEqual({ db: 'p2' })
    expect(log.warn).not.toHaveBeenCalled()
  })

  test('a store whose describe() answers nothing: rotation awareness is off (code NoAnswer), the value still serves', async () => {
    const memory = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const store = { name: 'no-answer', fetch: memory.fetch.bind(memory), describe: async () => undefined }
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store as never }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log })
    const invoke = handlerOf(mw, ['db'])
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(log.warn.mock.calls).toEqual([[expect.stringContaining('rotation awareness is off for this secret'), expect.objectContaining({ resource: 'prod/db', operation: 'DescribeSecret', code: 'NoAnswer' })]])
  })

  test('a describe() that answers nothing for the secret at a revalidation: fetched instead, and said once (code NoAnswer)', async () => {
    const memory = memoryStore({ secrets: { 'prod/db': 'p1' } })
    let silent = false // answers the first fetch's DescribeSecret (the schedule), then nothing
    const store: Store = { name: 'silent', fetch: (requests, options) => memory.fetch(requests, options), describe: async (names, options) => (silent ? [] : memory.describe!(names, options)) }
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log })
    const invoke = handlerOf(mw, ['db'])
    expect(await invoke()).toEqual({ db: 'p1' })
    silent = true
    memory.rotate('prod/db', 'p2')
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p2' })
    expect(log.warn.mock.calls).toEqual([[expect.stringContaining('rotation awareness is off'), expect.objectContaining({ code: 'NoAnswer' })]])
  })

  test('a describe() that throws: the same as a failed DescribeSecret (said once, with the thrown code), the value still serves', async () => {
    const memory = memoryStore({ secrets: { 'prod/db': 'p1' } })
    const store = {
      name: 'throws',
      fetch: memory.fetch.bind(memory),
      describe: async () => {
        throw new TypeError('describe bug')
      },
    }
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store as never }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log })
    const invoke = handlerOf(mw, ['db'])
    expect(await invoke()).toEqual({ db: 'p1' })
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(log.warn.mock.calls).toEqual([[expect.stringContaining('rotation awareness is off for this secret'), expect.objectContaining({ operation: 'DescribeSecret', code: 'TypeError' })]])
  })

  test('a throttled DescribeSecret is not a missing permission: no warning, and the next expiry asks again', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    store.fail('prod/db', { code: 'ThrottlingException', message: 'Rate exceeded', operation: 'DescribeSecret', times: 2 })
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log })
    const invoke = handlerOf(mw, ['db'])
    expect(await invoke()).toEqual({ db: 'p1' })
    const m = meter(store)
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p1' })
    m.delta()
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'p1' })
    expect(m.delta()).toEqual({ get: 0, describe: 1 }) // rotation awareness still on: a revalidation
    expect(log.warn.mock.calls.filter(([message]) => String(message).includes('rotation awareness is off'))).toEqual([])
  })

  // A role without secretsmanager:DescribeSecret (a common omission): rotation awareness cannot
  // work, so the user must be told (DESIGN: errors say which IAM action is missing), and the
  // fallback must not cost more calls than no rotation awareness at all.
  test('DescribeSecret always denied: logged with the missing IAM action, at most one DescribeSecret per expiry', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
    store.fail('prod/db', { code: 'AccessDeniedException', operation: 'DescribeSecret', times: 1000 })
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation: true }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: log })
    const invoke = handlerOf(mw, ['db'])
    expect(await invoke()).toEqual({ db: 'p1' })
    // Said at once, by the first fetch's DescribeSecret (the schedule), not at the first expiry.
    expect(log.warn.mock.calls).toEqual([[expect.stringContaining('rotation awareness is off'), expect.objectContaining({ code: 'AccessDeniedException' })]])
    const m = meter(store)
    for (let i = 0; i < 3; i++) {
      clock.now += 10_001
      expect(await invoke()).toEqual({ db: 'p1' })
      const d = m.delta()
      expect(d.get).toBe(1)
      expect(d.describe).toBeLessThanOrEqual(1)
    }
    const messages = [...log.warn.mock.calls, ...log.error.mock.calls].map((c) => JSON.stringify(c))
    expect(messages.some((msg) => msg.includes('DescribeSecret'))).toBe(true)
  })

  test('call mix over 10 expiries with one rotation in the middle (printed), rotation: true vs off', async () => {
    type Row = { expiry: number; rotated: string; DescribeSecret: number; GetSecretValue: number; value: unknown }
    async function run(rotation: boolean): Promise<{ rows: Row[]; first: { get: number; describe: number } }> {
      clearCache()
      clock.now = T0
      const store = memoryStore({ secrets: { 'prod/db': 'p1' } })
      const mw = secrets({ context: { db: secret('prod/db', { ttl: 10, rotation }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
      const invoke = handlerOf(mw, ['db'])
      const m = meter(store)
      await invoke()
      const first = m.delta()
      const rows: Row[] = []
      for (let i = 1; i <= 10; i++) {
        if (i === 5) store.rotate('prod/db', 'p2')
        clock.now += 10_001
        const out = await invoke()
        const d = m.delta()
        rows.push({ expiry: i, rotated: i === 5 ? 'yes' : '', DescribeSecret: d.describe, GetSecretValue: d.get, value: out.db })
      }
      return { rows, first }
    }
    const aware = await run(true)
    const plain = await run(false)
    const total = (rows: Row[], k: 'DescribeSecret' | 'GetSecretValue') => rows.reduce((s, r) => s + r[k], 0)
    const lines = [
      'Call mix, one key, ttl 10 s, 10 expiries, store.rotate() before expiry 5',
      'expiry | rotated | rotation:true Describe/Get | rotation:off Describe/Get',
      ...aware.rows.map((r, i) => `${String(r.expiry).padStart(6)} | ${r.rotated.padEnd(7)} | ${`${r.DescribeSecret}/${r.GetSecretValue}`.padStart(26)} | ${`${plain.rows[i]!.DescribeSecret}/${plain.rows[i]!.GetSecretValue}`.padStart(24)}`),
      `first fetch              | ${`${aware.first.describe}/${aware.first.get}`.padStart(26)} | ${`${plain.first.describe}/${plain.first.get}`.padStart(24)}`,
      `10 expiries total        | ${`${total(aware.rows, 'DescribeSecret')}/${total(aware.rows, 'GetSecretValue')}`.padStart(26)} | ${`${total(plain.rows, 'DescribeSecret')}/${total(plain.rows, 'GetSecretValue')}`.padStart(24)}`,
    ]
    console.log(lines.join('\n'))

    expect(aware.first).toEqual({ get: 1, describe: 1 })
    expect(aware.rows.map((r) => r.DescribeSecret)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    expect(aware.rows.map((r) => r.GetSecretValue)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    expect(aware.rows.map((r) => r.value)).toEqual(['p1', 'p1', 'p1', 'p1', 'p2', 'p2', 'p2', 'p2', 'p2', 'p2'])
    expect(plain.first).toEqual({ get: 1, describe: 0 })
    expect(plain.rows.map((r) => r.DescribeSecret)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    expect(plain.rows.map((r) => r.GetSecretValue)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    expect(plain.rows.map((r) => r.value)).toEqual(aware.rows.map((r) => r.value))
  })
})

describe('5. version stages together', () => {
  // The alternating-users pattern before the first rotation: AWSPREVIOUS does not exist yet (an
  // optional key, absent). The first rotation invalidates that absence; if its re-read then fails
  // (throttled past the retries), the stale absence must not serve beside the new AWSCURRENT:
  // AWS never held (new key, no previous).
  test('an absent AWSPREVIOUS is never served stale beside a new AWSCURRENT', async () => {
    const inner = memoryStore({ secrets: { 'prod/partner-api-key': 'key-one' } })
    const outage = { previous: false }
    const store: Store = {
      name: 'flaky',
      async fetch(requests, options) {
        const answers = await inner.fetch(requests, options)
        return answers.map((answer, i) =>
          outage.previous && requests[i]!.kind === 'secret' && requests[i]!.versionStage === 'AWSPREVIOUS'
            ? { ok: false as const, error: { code: 'ThrottlingException', message: 'Rate exceeded', retryable: true } }
            : answer,
        )
      },
    }
    const mw = secrets({
      context: {
        current: secret('prod/partner-api-key', { ttl: 60 }),
        previous: secret('prod/partner-api-key', { versionStage: 'AWSPREVIOUS', optional: true, ttl: 600 }),
      },
      stores: { secretsManager: store },
      jitter: 0,
      refreshAhead: 0,
      retries: 1,
      prefetch: false,
      logger: logger(),
    })
    const invoke = handlerOf(mw, ['current', 'previous'])
    expect(await invoke()).toEqual({ current: 'key-one', previous: undefined })
    clock.now = T0 + 30_000
    inner.rotate('prod/partner-api-key', 'key-two')
    outage.previous = true
    clock.now = T0 + 61_000 // current expired; previous fresh (600 s) but invalidated by the new AWSCURRENT
    const failures = await invoke().then(
      () => [],
      (error: { failures: Array<{ key: string; code: string }> }) => error.failures.map((f) => `${f.key}:${f.code}`),
    )
    expect(failures).toEqual(['previous:StagesChanging'])
    outage.previous = false
    expect(await invoke()).toEqual({ current: 'key-two', previous: 'key-one' })
  })

  function seeded() {
    const store = memoryStore({ secrets: { 'prod/db': 'v1' } })
    store.rotate('prod/db', 'v2') // v2 AWSCURRENT, v1 AWSPREVIOUS
    return store
  }

  test.each([false, true])('a new AWSCURRENT also refreshes AWSPREVIOUS declared in the same middleware (rotation: %s)', async (rotation) => {
    const store = seeded()
    const log = logger()
    const mw = secrets({
      context: {
        db: secret('prod/db', { ttl: 10, rotation }),
        dbPrevious: secret('prod/db', { versionStage: 'AWSPREVIOUS', ttl: 3600, rotation }),
      },
      stores: { secretsManager: store },
      jitter: 0,
      refreshAhead: 0,
      prefetch: false,
      logger: log,
    })
    const invoke = handlerOf(mw, ['db', 'dbPrevious'])
    expect(await invoke()).toEqual({ db: 'v2', dbPrevious: 'v1' })
    const m = meter(store)

    store.rotate('prod/db', 'v3') // v3 AWSCURRENT, v2 AWSPREVIOUS
    clock.now += 10_001 // db expired; dbPrevious (ttl 3600) still fresh
    expect(await invoke()).toEqual({ db: 'v3', dbPrevious: 'v2' })
    const d = m.delta()
    expect(d.get).toBe(2)
    if (rotation) {
      expect(d.describe).toBeGreaterThanOrEqual(1)
      expect(d.describe).toBeLessThanOrEqual(2)
    } else expect(d.describe).toBe(0)
    // The cold start read both stages twice without rotation awareness (two calls of one attempt prove
    // nothing: a rotation may come between them); with it, one DescribeSecret confirmed both instead.
    expect(store.calls.filter((c) => c.operation === 'GetSecretValue').map((c) => c.name)).toEqual(Array.from({ length: rotation ? 4 : 6 }, () => 'prod/db'))
    // Nothing more on the next warm invocation.
    await invoke()
    expect(m.delta()).toEqual({ get: 0, describe: 0 })
  })

  // Both stages expire together: they are fetched in the same round, after the rotation, in two
  // calls that a second rotation could come between. AWSPREVIOUS is the AWSCURRENT seen before (a
  // sighting): read once more after it, it proves the pair; AWSCURRENT is not read again.
  test('both stages expiring together after a rotation: one GetSecretValue each, and AWSPREVIOUS once more', async () => {
    const store = seeded()
    const mw = secrets({
      context: { db: secret('prod/db', { ttl: 10 }), dbPrevious: secret('prod/db', { versionStage: 'AWSPREVIOUS', ttl: 10 }) },
      stores: { secretsManager: store },
      jitter: 0,
      refreshAhead: 0,
      prefetch: false,
      logger: logger(),
    })
    const invoke = handlerOf(mw, ['db', 'dbPrevious'])
    await invoke()
    const m = meter(store)
    store.rotate('prod/db', 'v3')
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'v3', dbPrevious: 'v2' })
    expect(m.delta()).toEqual({ get: 3, describe: 0 })
  })

  test('no rotation: an expiring AWSCURRENT leaves a fresh AWSPREVIOUS alone', async () => {
    const store = seeded()
    const mw = secrets({
      context: { db: secret('prod/db', { ttl: 10 }), dbPrevious: secret('prod/db', { versionStage: 'AWSPREVIOUS', ttl: 3600 }) },
      stores: { secretsManager: store },
      jitter: 0,
      refreshAhead: 0,
      prefetch: false,
      logger: logger(),
    })
    const invoke = handlerOf(mw, ['db', 'dbPrevious'])
    await invoke()
    const m = meter(store)
    clock.now += 10_001
    expect(await invoke()).toEqual({ db: 'v2', dbPrevious: 'v1' })
    expect(m.delta()).toEqual({ get: 1, describe: 0 })
  })

  test('AWSPREVIOUS declared by another middleware is expired by the rotation the first one sees', async () => {
    const store = seeded()
    const a = secrets({ context: { db: secret('prod/db', { ttl: 10 }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const b = secrets({ context: { dbPrevious: secret('prod/db', { versionStage: 'AWSPREVIOUS', ttl: 3600 }) }, stores: { secretsManager: store }, jitter: 0, refreshAhead: 0, prefetch: false, logger: logger() })
    const invokeA = handlerOf(a, ['db'])
    const invokeB = handlerOf(b, ['dbPrevious'])
    expect(await invokeA()).toEqual({ db: 'v2' })
    expect(await invokeB()).toEqual({ dbPrevious: 'v1' })
    const m = meter(store)
    store.rotate('prod/db', 'v3')
    clock.now += 10_001
    expect(await invokeA()).toEqual({ db: 'v3' })
    expect(m.delta().get).toBe(1)
    expect(await invokeB()).toEqual({ dbPrevious: 'v2' })
    expect(m.delta().get).toBe(1)
  })
})
