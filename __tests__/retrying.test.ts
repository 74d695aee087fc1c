/**
 * Issue 4, behaviours 3 and 4 with the in-memory store (no HTTP):
 *  3. refreshOn(error, request) in the error phase, and retrying(handler) within the invocation
 *  4. refresh('db') (package level) and mw.refresh('db'): bypass the TTL and fetch now
 * Every invocation gets a new context object, as the Lambda runtime gives, unless a test says otherwise.
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { ConfigError, clearCache, refresh, secret, secrets, SecretsError, type SecretsMiddleware } from '../lib/index.js'
import { memoryStore, type MemoryStore } from '../lib/testing/index.js'
import { useFakeClock } from './support/clock.js'
import { timersCreatedDuring } from './support/timers.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
useFakeClock(T0) // Date.now() stands still at T0

function logger() {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() }
}

function newContext(): Context {
  return {} as Context
}

/** `base` wrapped by mw.retrying() in a middy handler that uses mw; each call a new context. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function retriedHandler(mw: SecretsMiddleware<any>, base: () => Promise<unknown>) {
  const handler = middy(mw.retrying(base))
  handler.use(mw as never)
  return (): Promise<unknown> => handler({}, newContext() as never) as Promise<unknown>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function handlerOf(mw: SecretsMiddleware<any>, keys: readonly string[], fail?: (context: Record<string, unknown>) => Error | undefined) {
  const h = middy(async (_event: unknown, ctx: Context) => {
    const context = ctx as unknown as Record<string, unknown>
    const error = fail?.(context)
    if (error) throw error
    return Object.fromEntries(keys.map((k) => [k, context[k]]))
  })
  h.use(mw as never)
  return (context: Context = newContext()): Promise<Record<string, unknown>> => h({}, context as never) as Promise<Record<string, unknown>>
}

function getNames(store: MemoryStore): string[] {
  return store.calls.filter((c) => c.operation === 'GetSecretValue').map((c) => c.name)
}

class AuthError extends Error {
  override readonly name = 'AuthError'
}

const seed = () => memoryStore({ secrets: { 'prod/db': 'old', 'prod/api': 'k1' } })

beforeEach(() => clearCache())

// First in the file: the package-level refresh() reaches every middleware created so far in
// this module instance, so it runs before other tests create theirs.
describe('4. refresh(key): bypasses the TTL and fetches now', () => {
  test("package-level refresh('db') fetches db now; the next invocation injects it without a call", async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db', 'api'])
    expect(await invoke()).toEqual({ db: 'old', api: 'k1' })
    store.rotate('prod/db', 'new')
    store.resetCalls()
    await refresh('db')
    expect(getNames(store)).toEqual(['prod/db'])
    expect(await invoke()).toEqual({ db: 'new', api: 'k1' })
    expect(store.calls).toHaveLength(1)
  })

  test("package-level refresh('db') reaches every middleware that declares db", async () => {
    const storeA = seed()
    const storeB = seed()
    const a = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: storeA }, ttl: 3600, prefetch: false, logger: logger() })
    const b = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: storeB }, ttl: 3600, prefetch: false, logger: logger() })
    await handlerOf(a, ['db'])()
    await handlerOf(b, ['db', 'api'])()
    storeA.resetCalls()
    storeB.resetCalls()
    await refresh('db')
    expect(getNames(storeA)).toEqual(['prod/db'])
    expect(getNames(storeB)).toEqual(['prod/db'])
  })

  test("mw.refresh('db') fetches only db, now", async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db', 'api'])
    await invoke()
    store.rotate('prod/db', 'new')
    store.rotate('prod/api', 'k2')
    store.resetCalls()
    await mw.refresh('db')
    expect(getNames(store)).toEqual(['prod/db'])
    expect(await invoke()).toEqual({ db: 'new', api: 'k1' })
    expect(store.calls).toHaveLength(1)
  })

  test('mw.refresh() with no key refreshes every key of the middleware', async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db', 'api'])
    await invoke()
    store.rotate('prod/db', 'new')
    store.rotate('prod/api', 'k2')
    store.resetCalls()
    await mw.refresh()
    expect(getNames(store).sort()).toEqual(['prod/api', 'prod/db'])
    expect(await invoke()).toEqual({ db: 'new', api: 'k2' })
  })

  test('mw.refresh of a key that is not declared rejects with a ConfigError naming it, and makes no call', async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger() })
    await handlerOf(mw, ['db'])()
    store.resetCalls()
    // @ts-expect-error an undeclared name does not compile; refused at run time too
    const error = await mw.refresh(['db', 'nope']).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('keys')
    expect((error as ConfigError).message).toBe("middy-secrets: option 'keys' names a key not declared by this middleware (declared: db)")
    expect(store.calls).toHaveLength(0)
  })

  test("mw.refresh('db') with rotation: true sees a rotation within the TTL", async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db', { rotation: true }) }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger() })
    const invoke = handlerOf(mw, ['db'])
    await invoke()
    store.rotate('prod/db', 'new')
    await mw.refresh('db')
    store.resetCalls()
    expect(await invoke()).toEqual({ db: 'new' })
    expect(store.calls).toHaveLength(0)
  })
})

describe('3. refreshOn in the error phase', () => {
  test('returning true invalidates every key of the middleware; the next invocation fetches them fresh', async () => {
    const store = seed()
    const refreshOn = jest.fn(() => true)
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn })
    let failNext = true
    const invoke = handlerOf(mw, ['db', 'api'], () => (failNext ? new AuthError('login failed') : undefined))
    await expect(invoke()).rejects.toThrow(AuthError)
    expect(refreshOn).toHaveBeenCalledTimes(1)
    store.rotate('prod/db', 'new')
    store.rotate('prod/api', 'k2')
    store.resetCalls()
    failNext = false
    expect(await invoke()).toEqual({ db: 'new', api: 'k2' })
    expect(getNames(store).sort()).toEqual(['prod/api', 'prod/db'])
  })

  test("a key refreshOn named is fetched again with reason 'refreshOn' (debug), in the error phase and in retrying()", async () => {
    const store = seed()
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, logLevel: 'debug', refreshOn: () => ['db'] })
    let failNext = true
    const invoke = handlerOf(mw, ['db'], () => (failNext ? new AuthError('login failed') : undefined))
    await expect(invoke()).rejects.toThrow(AuthError)
    failNext = false
    log.debug.mockClear()
    await invoke()
    const reasons = () => log.debug.mock.calls.filter(([message]) => String(message).endsWith('fetched')).map(([, fields]) => (fields as { reason?: string }).reason)
    expect(reasons()).toEqual(['refreshOn'])
    log.debug.mockClear()
    let attempts = 0
    await retriedHandler(mw, async () => {
      if (attempts++ === 0) throw new AuthError('login failed')
      return 'ok'
    })()
    expect(reasons()).toEqual(['refreshOn'])
  })

  test("returning ['db'] invalidates only db", async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn: () => ['db'] })
    let failNext = true
    const invoke = handlerOf(mw, ['db', 'api'], () => (failNext ? new AuthError('login failed') : undefined))
    await expect(invoke()).rejects.toThrow('login failed')
    store.rotate('prod/db', 'new')
    store.rotate('prod/api', 'k2')
    store.resetCalls()
    failNext = false
    expect(await invoke()).toEqual({ db: 'new', api: 'k1' })
    expect(getNames(store)).toEqual(['prod/db'])
  })

  test('unknown keys are counted in one warning per middleware, never shown (a refreshOn may answer a value), and nothing is invalidated', async () => {
    const store = seed()
    const log = logger()
    const value = 'v-db-Sx9' // what a refreshOn returning request.context.db instead of 'db' answers
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn: () => ['nope', value] })
    let failNext = true
    const invoke = handlerOf(mw, ['db'], () => (failNext ? new AuthError('x') : undefined))
    await expect(invoke()).rejects.toThrow(AuthError)
    await expect(invoke()).rejects.toThrow(AuthError)
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(log.warn.mock.calls[0]).toEqual(['middy-secrets: refreshOn named keys that are not declared', { undeclared: 2, declared: ['db'] }])
    expect(JSON.stringify(log.warn.mock.calls)).not.toContain(value)
    store.resetCalls()
    failNext = false
    await invoke()
    expect(store.calls).toHaveLength(0)
  })

  test('a single key name (as refresh() takes one) expires that key only, not every key its name contains', async () => {
    // Found by review: the string was used as a list: 'db' also expired 'd' (includes() on a string
    // is a substring test), and a name matching fewer keys than its length threw inside the package.
    const store = seed()
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db'), d: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn: () => 'db' })
    let failNext = true
    const invoke = handlerOf(mw, ['db', 'd'], () => (failNext ? new AuthError('x') : undefined))
    await expect(invoke()).rejects.toThrow(AuthError)
    store.resetCalls()
    failNext = false
    await invoke()
    expect(getNames(store)).toEqual(['prod/db'])
    expect(log.warn).not.toHaveBeenCalled()
  })

  test('an answer that is neither true, a key nor a list of keys is logged, and nothing is refreshed; the handler error stands as it is', async () => {
    const store = seed()
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn: () => 42 as never })
    let failNext = true
    const invoke = handlerOf(mw, ['db'], () => (failNext ? new AuthError('x') : undefined))
    const error = (await invoke().catch((e: unknown) => e)) as Error
    expect(error).toBeInstanceOf(AuthError)
    expect(error.cause).toBeUndefined()
    expect(log.warn.mock.calls).toEqual([['middy-secrets: refreshOn answered neither true, a key nor a list of keys; nothing is refreshed', { answer: 'number' }]])
    store.resetCalls()
    failNext = false
    await invoke()
    expect(store.calls).toHaveLength(0)
  })

  test('keys that are all declared: no warning', async () => {
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: seed() }, ttl: 3600, prefetch: false, logger: log, refreshOn: () => ['db', 'api'] })
    const invoke = handlerOf(mw, ['db'], () => new AuthError('x'))
    await expect(invoke()).rejects.toThrow(AuthError)
    expect(log.warn).not.toHaveBeenCalled()
  })

  test('known and unknown keys together: the known one is invalidated, the unknown one counted', async () => {
    const store = seed()
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn: () => ['db', 'nope'] })
    let failNext = true
    const invoke = handlerOf(mw, ['db', 'api'], () => (failNext ? new AuthError('x') : undefined))
    await expect(invoke()).rejects.toThrow(AuthError)
    expect(log.warn).toHaveBeenCalledTimes(1)
    expect(log.warn.mock.calls[0]![1]).toEqual({ undeclared: 1, declared: ['db', 'api'] })
    store.resetCalls()
    failNext = false
    await invoke()
    expect(getNames(store)).toEqual(['prod/db'])
  })

  test.each([[false], [[]], [undefined]])('returning %p invalidates nothing, quietly, and retrying() runs the handler once', async (decision) => {
    const store = seed()
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn: () => decision as never })
    let failNext = true
    const invoke = handlerOf(mw, ['db'], () => (failNext ? new AuthError('x') : undefined))
    const error = await invoke().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).cause).toBeUndefined() // not a refreshOn that threw
    store.resetCalls()
    failNext = false
    await invoke()
    expect(store.calls).toHaveLength(0)
    const base = jest.fn(async () => {
      throw new AuthError('y')
    })
    await expect(retriedHandler(mw, base)()).rejects.toThrow(AuthError)
    expect(base).toHaveBeenCalledTimes(1)
    expect(store.calls).toHaveLength(0)
    expect(log.warn).not.toHaveBeenCalled()
  })

  test('an error that another middleware put in place of the one retrying() judged is judged too', async () => {
    const store = seed()
    const first = new AuthError('first')
    const second = new AuthError('second')
    const refreshOn = jest.fn((error: unknown, _request: unknown) => (error === second ? ['db'] : false))
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn })
    const handler = middy(
      mw.retrying(async () => {
        throw first
      }),
    )
    handler.use(mw as never)
    // Used after mw, so its onError runs before mw's (middy runs onError in reverse order).
    handler.use({ onError: async (request: { error: unknown }) => void (request.error = second) })
    await expect(handler({}, newContext() as never)).rejects.toBe(second)
    expect(refreshOn.mock.calls.map(([error]) => error)).toEqual([first, second])
    store.resetCalls()
    await handlerOf(mw, ['db'])()
    expect(getNames(store)).toEqual(['prod/db']) // the second error named db
  })

  test('refreshOn receives the error and the middy request, and is not called on success', async () => {
    const store = seed()
    const refreshOn = jest.fn((_error: unknown, _request: unknown) => false)
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: logger(), refreshOn })
    const error = new AuthError('x')
    let failNext = false
    const invoke = handlerOf(mw, ['db'], () => (failNext ? error : undefined))
    await invoke()
    expect(refreshOn).not.toHaveBeenCalled()
    failNext = true
    const context = newContext()
    await expect(invoke(context)).rejects.toBe(error)
    expect(refreshOn).toHaveBeenCalledTimes(1)
    expect(refreshOn.mock.calls[0]![0]).toBe(error)
    const request = refreshOn.mock.calls[0]![1] as { context: unknown; error: unknown }
    expect(request.context).toBe(context)
    expect(request.error).toBe(error)
  })
})

describe('3. retrying(handler): once more within the invocation', () => {
  function setup(options: { refreshOn?: (error: unknown) => boolean | string[]; always?: boolean } = {}) {
    const store = seed()
    const log = logger()
    const refreshOn = jest.fn(options.refreshOn ?? ((error: unknown) => (error instanceof AuthError ? ['db'] : false)))
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn })
    const seen: unknown[] = []
    const base = async (_event: unknown, context: Context) => {
      const password = (context as unknown as Record<string, unknown>).db
      seen.push(password)
      if (options.always || password === 'old') throw new AuthError('password authentication failed')
      return { password }
    }
    const handler = middy(mw.retrying(base))
    handler.use(mw as never)
    const invoke = (context: Context = newContext()) => handler({}, context as never) as Promise<unknown>
    return { store, log, refreshOn, seen, invoke }
  }

  test('old password cached, secret rotated: base runs twice, second run sees the new value, one GetSecretValue', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'pw-OLD-1f3a', 'prod/api': 'k1' } })
    const refreshOn = jest.fn((error: unknown) => (error instanceof AuthError ? ['db'] : false))
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn })
    const seen: unknown[] = []
    let accepted = 'pw-OLD-1f3a'
    const base = async (_event: unknown, context: Context) => {
      const password = (context as unknown as Record<string, unknown>).db
      seen.push(password)
      if (password !== accepted) throw new AuthError('password authentication failed')
      return { password }
    }
    const handler = middy(mw.retrying(base))
    handler.use(mw as never)
    expect(await handler({}, newContext() as never)).toEqual({ password: 'pw-OLD-1f3a' })
    // The database password changes (rotation); the cache still holds 'old' for an hour.
    store.rotate('prod/db', 'pw-NEW-9c2e')
    accepted = 'pw-NEW-9c2e'
    seen.length = 0
    store.resetCalls()
    expect(await handler({}, newContext() as never)).toEqual({ password: 'pw-NEW-9c2e' })
    expect(seen).toEqual(['pw-OLD-1f3a', 'pw-NEW-9c2e'])
    expect(getNames(store)).toEqual(['prod/db'])
    expect(refreshOn).toHaveBeenCalledTimes(1)
    // The retry is logged by key, never with a value.
    const logged = JSON.stringify([log.info.mock.calls, log.warn.mock.calls, log.error.mock.calls])
    expect(logged).toContain('db')
    expect(logged).not.toContain('pw-NEW')
    expect(logged).not.toContain('pw-OLD')
    // The next invocation uses the fresh cache: one run, no call.
    seen.length = 0
    store.resetCalls()
    await handler({}, newContext() as never)
    expect(seen).toEqual(['pw-NEW-9c2e'])
    expect(store.calls).toHaveLength(0)
  })

  test('refreshOn judges a thrown function once, as any thrown object (retrying, then onError)', async () => {
    const store = seed()
    const refreshOn = jest.fn(() => false)
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: logger(), refreshOn })
    const thrown = () => 'not an Error'
    const handler = middy(
      mw.retrying(async () => {
        throw thrown
      }),
    )
    handler.use(mw as never)
    await expect(handler({}, newContext() as never)).rejects.toBe(thrown)
    expect(refreshOn).toHaveBeenCalledTimes(1)
  })

  test('a handler that always throws runs exactly twice per invocation, and the error propagates', async () => {
    const { store, seen, invoke } = setup({ always: true })
    const error = await invoke().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AuthError)
    expect(seen).toHaveLength(2)
    // First run: first fetch of both keys; retry: db only. onError does not invalidate again.
    expect(getNames(store).sort()).toEqual(['prod/api', 'prod/db', 'prod/db'])
    store.resetCalls()
    // The next invocation (a new context) gets its own single retry.
    await expect(invoke()).rejects.toThrow(AuthError)
    expect(seen).toHaveLength(4)
    expect(getNames(store)).toEqual(['prod/db'])
  })

  test('a failure refreshOn does not name: one run, the error propagates, nothing refetched', async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn: () => false })
    let runs = 0
    const error = new Error('bad input')
    const handler = middy(
      mw.retrying(async () => {
        runs += 1
        throw error
      }),
    )
    handler.use(mw as never)
    await expect(handler({}, newContext() as never)).rejects.toBe(error)
    expect(runs).toBe(1)
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('without refreshOn, retrying() throws ConfigError naming refreshOn', () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logger: logger() })
    let thrown: unknown
    try {
      mw.retrying(async () => 'x')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as ConfigError).option).toBe('refreshOn')
    expect((thrown as ConfigError).message).toContain('is needed by retrying(handler): it decides which failures refresh which keys')
  })

  test('retrying() wrapped twice around one handler still gives one retry per invocation', async () => {
    const store = seed()
    const refreshOn = jest.fn(() => ['db'])
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn })
    let runs = 0
    const handler = middy(
      mw.retrying(
        mw.retrying(async () => {
          runs += 1
          throw new AuthError('x')
        }),
      ),
    )
    handler.use(mw as never)
    await expect(handler({}, newContext() as never)).rejects.toThrow(AuthError)
    expect(runs).toBe(2)
    expect(refreshOn).toHaveBeenCalledTimes(1)
  })

  test('refreshOn naming only keys that are not declared: one run, nothing refreshed (as naming none)', async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn: () => ['nope'] })
    let runs = 0
    const invoke = retriedHandler(mw, async () => {
      runs += 1
      throw new AuthError('x')
    })
    await expect(invoke()).rejects.toThrow(AuthError)
    expect(runs).toBe(1)
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('a retry is said at info with the keys it refreshes, never a value', async () => {
    const store = seed()
    const log = logger()
    const mw = secrets({ context: { db: secret('prod/db'), api: secret('prod/api') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn: () => ['db'] })
    let runs = 0
    await retriedHandler(mw, async () => {
      if (runs++ === 0) throw new AuthError('x')
      return 'ok'
    })()
    expect(log.info.mock.calls).toEqual([['middy-secrets: the handler failed; refreshing and running it once more', { keys: ['db'] }]])
  })

  test('when the refresh itself fails, the invocation fails with a SecretsError and the handler is not run again', async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn: () => ['db'] })
    let runs = 0
    const handler = middy(
      mw.retrying(async () => {
        runs += 1
        throw new AuthError('x')
      }),
    )
    handler.use(mw as never)
    await handler({}, newContext() as never).catch(() => undefined) // caches db; 2 runs
    runs = 0
    store.fail('prod/db', { code: 'AccessDeniedException', times: 1 })
    const error = await (handler({}, newContext() as never) as Promise<unknown>).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(runs).toBe(1)
    expect(error).toBeInstanceOf(SecretsError)
    expect((error as SecretsError).failures.map((f) => [f.key, f.code])).toEqual([['db', 'AccessDeniedException']])
  })

  test("when the refresh fails, the SecretsError keeps the handler's own error as its cause", async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn: () => ['db'] })
    const original = new AuthError('x')
    const handler = middy(
      mw.retrying(async () => {
        store.fail('prod/db', { code: 'AccessDeniedException', times: 1 }) // the refresh retrying() starts fails
        throw original
      }),
    )
    handler.use(mw as never)
    const error = await (handler({}, newContext() as never) as Promise<unknown>).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(SecretsError)
    expect((error as Error).cause).toBe(original)
  })

  // middy's timeoutEarlyInMillis aborts the handler's signal and answers the invocation with its
  // TimeoutError: a second run would outlive the invocation (in Lambda, into the next one's time).
  test.each([
    ['before retrying() judges the failure', true],
    ['while the refresh is under way', false],
  ])('a signal aborted %s: the handler is not run again, and its error stands', async (_when, abortFirst) => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn: () => ['db'] })
    await handlerOf(mw, ['db'])() // db cached
    const abort = new AbortController()
    let runs = 0
    const original = new AuthError('query cancelled')
    const retried = mw.retrying(async () => {
      runs += 1
      if (abortFirst) abort.abort()
      else store.setLatency(100) // the refresh takes a while ...
      throw original
    })
    const outcome = retried({}, newContext() as never, { signal: abort.signal })
    if (!abortFirst) setTimeout(() => abort.abort(), 20) // ... and middy gives up meanwhile
    await expect(outcome).rejects.toBe(original)
    expect(runs).toBe(1)
  })

  // Outside middy (a plain wrapper, an older middy, a unit test calling it with two arguments)
  // there may be no options, or no signal: nothing is aborted then, and the retry runs.
  test.each([
    ['no options', undefined],
    ['options without a signal', {}],
  ])('called with %s: the handler still runs once more', async (_what, handlerOptions) => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn: () => ['db'] })
    await handlerOf(mw, ['db'])()
    let runs = 0
    const retried = mw.retrying(async () => {
      runs += 1
      if (runs === 1) throw new AuthError('x')
      return 'ok'
    })
    await expect((retried as (e: unknown, c: unknown, o?: unknown) => Promise<unknown>)({}, newContext(), handlerOptions)).resolves.toBe('ok')
    expect(runs).toBe(2)
  })

  // Unit tests (and some harnesses) reuse one context object for several invocations. The
  // "once per invocation" marker must not outlive the invocation that set it.
  test('a context object reused by two invocations: each invocation still gets its one retry', async () => {
    const { store, seen, invoke } = setup({ always: true })
    const context = newContext()
    await expect(invoke(context)).rejects.toThrow(AuthError)
    expect(seen).toHaveLength(2)
    store.resetCalls()
    await expect(invoke(context)).rejects.toThrow(AuthError)
    expect(seen).toHaveLength(4)
    expect(getNames(store)).toEqual(['prod/db'])
  })

  test('a failure refreshOn declines is judged once: refreshOn is called once, unknown keys warned once', async () => {
    const store = seed()
    const log = logger()
    const refreshOn = jest.fn(() => ['nope'])
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: log, refreshOn })
    const handler = middy(
      mw.retrying(async () => {
        throw new AuthError('x')
      }),
    )
    handler.use(mw as never)
    await expect(handler({}, newContext() as never)).rejects.toThrow(AuthError)
    expect(refreshOn).toHaveBeenCalledTimes(1)
    expect(log.warn).toHaveBeenCalledTimes(1)
  })

  test("the retry's values reach request.internal too, and refreshOn sees the invocation's internal", async () => {
    const store = seed()
    const internals: unknown[] = []
    const refreshOn = jest.fn((_error: unknown, request: { internal: Record<string, unknown> }) => {
      internals.push({ ...request.internal })
      return ['db']
    })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, logger: logger(), refreshOn, internal: true })
    let seenByNext: unknown
    let calls = 0
    const handler = middy(
      mw.retrying(async () => {
        calls += 1
        if (calls === 1) {
          store.setSecret('prod/db', 'new')
          throw new AuthError('rotated')
        }
        return 'ok'
      }),
    )
    handler.use(mw as never)
    handler.use({ after: async (request: { internal: Record<string, unknown> }) => void (seenByNext = request.internal.db) })
    await expect(handler({}, newContext() as never)).resolves.toBe('ok')
    expect(internals).toEqual([{ db: 'old' }]) // was {}: refreshOn got an empty internal
    expect(seenByNext).toBe('new') // was 'old': only the context was re-injected
  })
})

describe("3. retrying(handler): the second resolve is an invocation's", () => {
  test('it stops at the Lambda deadline', async () => {
    const store = seed()
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, ttl: 3600, prefetch: false, deadlineMarginMs: 500, logger: logger(), refreshOn: () => ['db'] })
    let runs = 0
    const handler = middy(
      mw.retrying(async () => {
        runs += 1
        store.setLatency(3000) // the refresh retrying() starts is slow
        throw new AuthError('x')
      }),
    )
    handler.use(mw as never)
    const started = performance.now()
    // At the deadline (500 ms left after the margin) the refresh is abandoned and the last good value
    // serves the second run, which fails as the first did; not middy's own timeout at 1 s, nor the store's 3 s.
    await expect(handler({}, { getRemainingTimeInMillis: () => 1000 } as never)).rejects.toThrow(AuthError)
    expect(runs).toBe(2)
    expect(performance.now() - started).toBeLessThan(2500)
  })

  test('while it waits, a timer keeps the process alive until the answer', async () => {
    const inner = seed()
    let open: () => void = () => {}
    const gate = new Promise<void>((resolve) => (open = resolve))
    let reached: () => void = () => {}
    const secondFetch = new Promise<void>((resolve) => (reached = resolve))
    let fetches = 0
    const store = {
      name: 'gated',
      fetch: async (requests: never[], options: never) => {
        fetches += 1
        if (fetches > 1) {
          reached()
          await gate
        }
        return inner.fetch(requests, options)
      },
    }
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store as never }, ttl: 3600, prefetch: false, logger: logger(), refreshOn: () => ['db'] })
    // Timers created from the first run's failure on: those of retrying()'s resolve, not the first one's.
    let timers: Promise<NodeJS.Timeout[]> | undefined
    let stopWatching: () => void = () => {}
    const watched = new Promise<void>((resolve) => (stopWatching = resolve))
    let runs = 0
    const handler = middy(
      mw.retrying(async () => {
        runs += 1
        if (runs > 1) return 'ok'
        timers = timersCreatedDuring(() => watched)
        throw new AuthError('x')
      }),
    )
    handler.use(mw as never)
    const pending = handler({}, newContext() as never) as Promise<unknown>
    let holding = false
    try {
      await secondFetch
      await new Promise((resolve) => setImmediate(resolve))
      stopWatching()
      holding = (await timers!).some((t) => t.hasRef())
    } finally {
      stopWatching()
      open()
    }
    expect(await pending).toBe('ok')
    expect(holding).toBe(true)
  })
})
