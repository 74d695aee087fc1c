/**
 * middleware.ts through `middy()` with memoryStore: injection, the module-scoped cache, TTLs,
 * refresh, all-or-nothing failures, version selectors, prefetch, the deadline, and a secret value
 * that never shows in a log line or an error.
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import { inspect } from 'node:util'
import { cache } from '../lib/cache/cache.js'
import { clearCache, parameter, parameters, refresh, secret, secrets, SecretsError, type SecretsMiddleware } from '../lib/index.js'
import type { Logger } from '../lib/store.js'
import { memoryStore, type MemoryStore } from '../lib/testing/index.js'
import { runBefore } from './support/store-results.js'
import { timersCreatedDuring } from './support/timers.js'

const ENV_KEYS = ['MW_API_KEY', 'MW_PORT', 'MW_TEXT', 'MW_OK', 'MW_PARAM', 'MW_LEAK_BIN']
let savedEnv: NodeJS.ProcessEnv

beforeEach(() => {
  clearCache()
  savedEnv = { ...process.env }
  for (const key of ENV_KEYS) delete process.env[key]
})

afterEach(() => {
  jest.restoreAllMocks()
  jest.useRealTimers()
  process.env = savedEnv
})

/** A middy handler that returns the context it was given, after the middleware ran. */
function contextHandler<T>(mw: SecretsMiddleware<T>) {
  return middy()
    .use(mw)
    .handler(async (_event: unknown, context) => context)
}

/** Invokes and returns the rejection, which must be a SecretsError. */
async function secretsError(invocation: Promise<unknown>): Promise<SecretsError> {
  let thrown: unknown
  try {
    await invocation
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(SecretsError)
  return thrown as SecretsError
}

/** A logger that keeps every argument of every call, as text. */
function collectingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const keep = (level: string) => (message: string, ...details: unknown[]) => {
    lines.push(`${level} ${[message, ...details].map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' ')}`)
  }
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') }
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/** A controllable clock for Date.now (the cache's time source). */
function fakeClock(start = 1_700_000_000_000): { advance(ms: number): void } {
  let now = start
  jest.spyOn(Date, 'now').mockImplementation(() => now)
  return {
    advance(ms) {
      now += ms
    },
  }
}

const countFor = (store: MemoryStore, name: string): number => store.calls.filter((c) => c.name === name).length

function seededStore(): MemoryStore {
  return memoryStore({
    secrets: {
      'prod/db': '{"username":"admin","password":"pw","port":5432}',
      'prod/api': '{"key":"k-123"}',
      plain: 'plain-text',
      bytes: new Uint8Array([0x68, 0x69]), // "hi"
      'b64-text': Buffer.from('decoded text').toString('base64'),
    },
    parameters: {
      '/prod/flags': '{"beta":true}',
      '/prod/url': 'https://example.test',
      '/app/a': '1',
      '/app/b': '2',
      '/app/sub/c': '3',
      '/app/sub/deeper/d': '4',
      '/sec': { value: 'decrypted-value', type: 'SecureString' },
    },
  })
}

// First in the file on purpose: the package-level refresh() reaches every middleware created so far.
describe('package-level refresh()', () => {
  test('refresh(key) fetches only that key now, refresh([..]) several, refresh() all', async () => {
    const store = seededStore()
    const mw = secrets({ context: { refA: 'plain', refB: parameter('/prod/url') }, ttl: 3600, stores: { secretsManager: store, ssm: store }, prefetch: false, logger: quiet })
    const handler = contextHandler(mw)
    expect(await handler({}, {} as never)).toMatchObject({ refA: 'plain-text', refB: 'https://example.test' })
    expect(store.count()).toBe(2)
    store.setSecret('plain', 'plain-2')
    store.setParameter('/prod/url', 'https://two.test')
    expect(await handler({}, {} as never)).toMatchObject({ refA: 'plain-text', refB: 'https://example.test' })
    expect(store.count()).toBe(2)

    await refresh('refA')
    expect(store.count()).toBe(3) // fetched by refresh(), before any invocation
    expect(countFor(store, 'plain')).toBe(2)
    expect(await handler({}, {} as never)).toMatchObject({ refA: 'plain-2', refB: 'https://example.test' })
    expect(store.count()).toBe(3)

    store.setSecret('plain', 'plain-3')
    await refresh(['refA', 'refB'])
    expect(store.count()).toBe(5)
    expect(await handler({}, {} as never)).toMatchObject({ refA: 'plain-3', refB: 'https://two.test' })

    await refresh()
    expect(store.count()).toBe(7)
    await expect(refresh('not-declared-anywhere')).rejects.toThrow(/option 'keys' names a key not declared by any middleware in use \(declared: .*refA, refB/)
    expect(store.count()).toBe(7)
  })
})

describe('injection', () => {
  test('context keys and process.env keys', async () => {
    const store = seededStore()
    const mw = secrets({
      context: {
        db: secret<{ username: string; password: string; port: number }>('prod/db', { transform: 'json' }),
        flags: parameter('/prod/flags', { transform: 'json' }),
      },
      env: {
        MW_API_KEY: secret('prod/api', { field: 'key' }),
        MW_PORT: secret('prod/db', { field: 'port' }),
        MW_PARAM: parameter('/prod/url'),
      },
      stores: { secretsManager: store, ssm: store },
      prefetch: false,
    })
    const seen: unknown[] = []
    const handler = middy()
      .use(mw)
      .handler(async (_event: unknown, context) => {
        seen.push(context.db.username, context.db.port, context.flags, process.env.MW_API_KEY, process.env.MW_PORT, process.env.MW_PARAM)
        return 'done'
      })
    expect(await handler({}, {} as never)).toBe('done')
    expect(seen).toEqual(['admin', 5432, { beta: true }, 'k-123', '5432', 'https://example.test'])
    expect(typeof process.env.MW_PORT).toBe('string')
  })

  test('a plain string means secret(string)', async () => {
    const store = seededStore()
    const ctx = await contextHandler(secrets({ context: { raw: 'plain' }, env: { MW_TEXT: 'plain' }, stores: { secretsManager: store }, prefetch: false }))({}, {} as never)
    expect(ctx.raw).toBe('plain-text')
    expect(process.env.MW_TEXT).toBe('plain-text')
    expect(store.count('GetSecretValue')).toBe(1) // one cache entry for both keys
  })

  test('names may be full ARNs (secrets and parameters)', async () => {
    const store = seededStore()
    const secretArn = store.model.getSecretValue('plain').arn
    const parameterArn = store.model.getParameter('/prod/url').arn
    const ctx = await contextHandler(
      secrets({ context: { byArn: secret(secretArn), byPartialArn: secret(secretArn.slice(0, -7)), p: parameter(parameterArn) }, stores: { secretsManager: store, ssm: store }, prefetch: false }),
    )({}, {} as never)
    expect([ctx.byArn, ctx.byPartialArn, ctx.p]).toEqual(['plain-text', 'plain-text', 'https://example.test'])
  })

  test('SecretBinary arrives as Uint8Array unless transformed; binary -> string; base64 -> bytes', async () => {
    const store = seededStore()
    const ctx = await contextHandler(
      secrets({
        context: {
          bin: secret('bytes'),
          binText: secret('bytes', { transform: 'binary' }),
          binB64: secret('bytes', { transform: 'base64' }),
          textB64: secret('b64-text', { transform: 'binary' }),
          textBytes: secret('b64-text', { transform: 'base64' }),
        },
        stores: { secretsManager: store },
        prefetch: false,
      }),
    )({}, {} as never)
    expect(ctx.bin).toBeInstanceOf(Uint8Array)
    expect([...(ctx.bin as Uint8Array)]).toEqual([0x68, 0x69])
    expect(ctx.binText).toBe('hi')
    expect(ctx.binB64).toBeInstanceOf(Uint8Array)
    expect(ctx.textB64).toBe('decoded text')
    expect(Buffer.from(ctx.textBytes).toString()).toBe('decoded text')
  })

  test("transform: 'binary' makes a SecretBinary usable as an env var; untransformed bytes in env fail at run time", async () => {
    const store = seededStore()
    await contextHandler(secrets({ env: { MW_TEXT: secret('bytes', { transform: 'binary' }) }, stores: { secretsManager: store }, prefetch: false }))({}, {} as never)
    expect(process.env.MW_TEXT).toBe('hi')

    const error = await secretsError(contextHandler(secrets({ env: { MW_LEAK_BIN: secret('bytes') }, stores: { secretsManager: store }, prefetch: false }))({}, {} as never))
    expect(error.failures).toEqual([expect.objectContaining({ key: 'MW_LEAK_BIN', target: 'env', code: 'TransformError', retryable: false })])
    expect(error.failures[0]!.message).toContain("transform 'binary'")
    expect(process.env.MW_LEAK_BIN).toBeUndefined()
  })

  test('parameters(path) -> object keyed by relative names; recursive includes nested names', async () => {
    const store = seededStore()
    const ctx = await contextHandler(
      secrets({
        context: { flat: parameters('/app'), deep: parameters('/app', { recursive: true }), json: parameters('/prod', { transform: 'auto' }) },
        stores: { ssm: store },
        prefetch: false,
      }),
    )({}, {} as never)
    expect(ctx.flat).toEqual({ a: '1', b: '2' })
    expect(ctx.deep).toEqual({ a: '1', b: '2', 'sub/c': '3', 'sub/deeper/d': '4' })
    expect(ctx.json).toEqual({ flags: '{"beta":true}', url: 'https://example.test' }) // auto: no .json suffix, as is
    expect(store.count('GetParametersByPath')).toBe(3)
  })

  test('a warm invocation makes no store call', async () => {
    const store = seededStore()
    const handler = contextHandler(secrets({ context: { db: 'prod/db', p: parameter('/prod/url') }, stores: { secretsManager: store, ssm: store }, prefetch: false }))
    await handler({}, {} as never)
    expect(store.fetches).toBe(1) // one grouped fetch for both keys of one store
    expect(store.count()).toBe(2)
    for (let i = 0; i < 5; i++) await handler({}, {} as never)
    expect(store.fetches).toBe(1)
    expect(store.count()).toBe(2)
  })

  test('a warm invocation injects synchronously: before() returns no promise', async () => {
    const store = seededStore()
    const mw = secrets({ context: { db: 'prod/db' }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
    const request = () => ({ event: {}, context: {} as Record<string, unknown>, response: undefined, error: undefined, internal: {} })
    const cold = request()
    await mw.before!(cold as never)
    const warm = request()
    expect(mw.before!(warm as never)).toBeUndefined()
    expect(warm.context.db).toBe(cold.context.db)
  })

  test('the same store object for both roles gets one grouped call; separate stores each get theirs', async () => {
    const sm = seededStore()
    const ssm = seededStore()
    await contextHandler(secrets({ context: { db: 'prod/db', p: parameter('/prod/url') }, stores: { secretsManager: sm, ssm }, prefetch: false }))({}, {} as never)
    expect([sm.count(), ssm.count()]).toEqual([1, 1])
    expect(sm.calls[0]!.name).toBe('prod/db')
    expect(ssm.calls[0]!.name).toBe('/prod/url')
  })
})

// The TTL's own mechanics: refresh ahead (__tests__/resolver/ahead.test.ts) is off here.
describe('ttl', () => {
  test('0 fetches every invocation, Infinity never again, 60 s after 60 s', async () => {
    const clock = fakeClock()
    const store = memoryStore({ secrets: { zero: 'z', forever: 'f', minute: 'm' } })
    const handler = contextHandler(
      secrets({
        context: { zero: secret('zero', { ttl: 0 }), forever: secret('forever', { ttl: Number.POSITIVE_INFINITY }), minute: secret('minute', { ttl: 60 }) },
        jitter: 0,
        stores: { secretsManager: store },
        prefetch: false, refreshAhead: 0,
      }),
    )
    await handler({}, {} as never)
    expect([countFor(store, 'zero'), countFor(store, 'forever'), countFor(store, 'minute')]).toEqual([1, 1, 1])
    await handler({}, {} as never)
    expect([countFor(store, 'zero'), countFor(store, 'forever'), countFor(store, 'minute')]).toEqual([2, 1, 1])
    clock.advance(59_999)
    await handler({}, {} as never)
    expect([countFor(store, 'zero'), countFor(store, 'forever'), countFor(store, 'minute')]).toEqual([3, 1, 1])
    clock.advance(1)
    await handler({}, {} as never)
    expect([countFor(store, 'zero'), countFor(store, 'forever'), countFor(store, 'minute')]).toEqual([4, 1, 2])
    clock.advance(10 * 365 * 86_400_000)
    const ctx = await handler({}, {} as never)
    expect([countFor(store, 'zero'), countFor(store, 'forever'), countFor(store, 'minute')]).toEqual([5, 1, 3])
    expect(ctx).toMatchObject({ zero: 'z', forever: 'f', minute: 'm' })
  })

  test('a changed value shows after the ttl, not before', async () => {
    const clock = fakeClock()
    const store = memoryStore({ secrets: { s: 'one' } })
    const handler = contextHandler(secrets({ context: { s: 's' }, ttl: 30, jitter: 0, stores: { secretsManager: store }, prefetch: false, refreshAhead: 0, logger: quiet }))
    expect((await handler({}, {} as never)).s).toBe('one')
    store.setSecret('s', 'two')
    clock.advance(29_000)
    expect((await handler({}, {} as never)).s).toBe('one')
    clock.advance(1_000)
    expect((await handler({}, {} as never)).s).toBe('two')
  })

  test('with jitter, keys expire up to that fraction earlier, never later, and together', async () => {
    const clock = fakeClock()
    const store = memoryStore({ secrets: { s: 'v', t: 'w' } })
    const handler = contextHandler(secrets({ context: { s: 's', t: 't' }, ttl: 100, jitter: 0.2, stores: { secretsManager: store }, prefetch: false, refreshAhead: 0 }))
    await handler({}, {} as never)
    clock.advance(79_999) // before 100 s - 0.2 * 100 s: fresh whatever this environment drew
    await handler({}, {} as never)
    expect(store.fetches).toBe(1)
    clock.advance(20_001) // 100 s: expired whatever it drew
    await handler({}, {} as never)
    expect(store.fetches).toBe(2) // both keys in one round trip
    expect(store.count()).toBe(4)
  })
})

describe('module-scoped cache', () => {
  test('two middlewares declaring the same secret on the same store share one fetch', async () => {
    const store = seededStore()
    const mw1 = secrets({ context: { db: secret('prod/db', { transform: 'json' }) }, stores: { secretsManager: store } })
    const mw2 = secrets({ env: { MW_API_KEY: secret('prod/db', { field: 'username' }) }, stores: { secretsManager: store } })
    await Promise.all([mw1.ready, mw2.ready])
    expect(store.count('GetSecretValue')).toBe(1)
    const ctx = await contextHandler(mw1)({}, {} as never)
    await contextHandler(mw2)({}, {} as never)
    expect(store.count('GetSecretValue')).toBe(1)
    expect((ctx.db as { username: string }).username).toBe('admin')
    expect(process.env.MW_API_KEY).toBe('admin')
  })

  test('concurrent first invocations share one in-flight fetch', async () => {
    const store = seededStore()
    store.setLatency(20)
    const h1 = contextHandler(secrets({ context: { a: 'plain' }, stores: { secretsManager: store }, prefetch: false }))
    const h2 = contextHandler(secrets({ context: { b: 'plain' }, stores: { secretsManager: store }, prefetch: false }))
    const results = await Promise.all([h1({}, {} as never), h2({}, {} as never), h1({}, {} as never)])
    expect(results.map((c) => ('a' in c ? c.a : c.b))).toEqual(['plain-text', 'plain-text', 'plain-text'])
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('the same name on two store objects is two entries', async () => {
    const one = seededStore()
    const two = memoryStore({ secrets: { plain: 'other-account' } })
    const c1 = await contextHandler(secrets({ context: { s: 'plain' }, stores: { secretsManager: one }, prefetch: false }))({}, {} as never)
    const c2 = await contextHandler(secrets({ context: { s: 'plain' }, stores: { secretsManager: two }, prefetch: false }))({}, {} as never)
    expect([c1.s, c2.s]).toEqual(['plain-text', 'other-account'])
    expect([one.count(), two.count()]).toEqual([1, 1])
  })

  test('AWSCURRENT and AWSPREVIOUS are separate entries', async () => {
    const store = memoryStore({ secrets: { s: 'v1' } })
    store.rotate('s', 'v2')
    const before = cache.size
    const ctx = await contextHandler(
      secrets({ context: { cur: secret('s'), prev: secret('s', { versionStage: 'AWSPREVIOUS' }) }, stores: { secretsManager: store }, prefetch: false }),
    )({}, {} as never)
    expect([ctx.cur, ctx.prev]).toEqual(['v2', 'v1'])
    // Two, then both again: two versions first seen by one fetch's two calls prove no pair (a
    // rotation may have come between them: README, Rotation).
    expect(store.count('GetSecretValue')).toBe(4)
    expect(cache.size - before).toBe(2)
  })

  test('clearCache() makes the next invocation fetch again', async () => {
    const store = seededStore()
    const handler = contextHandler(secrets({ context: { s: 'plain' }, stores: { secretsManager: store }, prefetch: false }))
    await handler({}, {} as never)
    await handler({}, {} as never)
    expect(store.count()).toBe(1)
    clearCache()
    expect(cache.size).toBe(0)
    store.setSecret('plain', 'after-clear')
    expect((await handler({}, {} as never)).s).toBe('after-clear')
    expect(store.count()).toBe(2)
  })

  test('mw.refresh() and mw.refresh(key) fetch now, bypassing the ttl', async () => {
    const store = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
    const mw = secrets({ context: { a: 'a', b: 'b' }, ttl: 3600, stores: { secretsManager: store }, prefetch: false, logger: quiet })
    const handler = contextHandler(mw)
    await handler({}, {} as never)
    store.setSecret('a', 'a2')
    store.setSecret('b', 'b2')
    await mw.refresh('a')
    expect([countFor(store, 'a'), countFor(store, 'b')]).toEqual([2, 1])
    expect(await handler({}, {} as never)).toMatchObject({ a: 'a2', b: 'b1' })
    await mw.refresh()
    expect([countFor(store, 'a'), countFor(store, 'b')]).toEqual([3, 2])
    expect(await handler({}, {} as never)).toMatchObject({ a: 'a2', b: 'b2' })
    // @ts-expect-error an undeclared name does not compile; refused at run time too
    await expect(mw.refresh('nope')).rejects.toThrow("option 'keys' names a key not declared by this middleware (declared: a, b)")
    expect(store.count()).toBe(5)
  })

  test('mw.refresh() rejects with a SecretsError when the refresh fails, and the old value keeps serving', async () => {
    const store = memoryStore({ secrets: { a: 'a1' } })
    const mw = secrets({ context: { a: 'a' }, ttl: 3600, retries: 0, stores: { secretsManager: store }, prefetch: false, logger: quiet })
    const handler = contextHandler(mw)
    await handler({}, {} as never)
    store.fail('a', 'ThrottlingException')
    await expect(mw.refresh()).resolves.toBeUndefined() // transient: the stale value serves
    expect((await handler({}, {} as never)).a).toBe('a1')
    store.fail('a', 'AccessDeniedException')
    await mw.refresh().then(
      () => {
        throw new Error('expected a rejection')
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(SecretsError)
        expect((error as SecretsError).failures.map((f) => f.code)).toEqual(['AccessDeniedException'])
      },
    )
  })
})

describe('what keeps the process alive', () => {
  test.each([
    ['with a Lambda deadline', { getRemainingTimeInMillis: () => 30_000 }],
    ['without one', {}],
  ])('an invocation waiting on a fetch (%s) holds a timer that keeps the process alive until the answer', async (_, context) => {
    const inner = memoryStore({ secrets: { a: 'va' } })
    let open: () => void = () => {}
    const gate = new Promise<void>((resolve) => (open = resolve))
    const store = { name: 'gated', fetch: async (requests: never[], options: never) => (await gate, inner.fetch(requests, options)) }
    const mw = secrets({ context: { a: secret('a') }, stores: { secretsManager: store as never }, prefetch: false, logger: quiet })
    let pending: Promise<Record<string, unknown>> | undefined
    let holding = false
    try {
      const timers = await timersCreatedDuring(async () => {
        pending = runBefore(mw, context)
        await new Promise((resolve) => setImmediate(resolve))
      })
      holding = timers.some((t) => t.hasRef())
    } finally {
      open()
    }
    expect((await pending!).a).toBe('va')
    expect(holding).toBe(true)
  })
})

describe('refresh() against a store that never answers', () => {
  /** A store whose every fetch after the first waits until the test opens the gate (it ignores aborts). */
  function stalling() {
    const inner = memoryStore({ secrets: { a: 'va' } })
    let open: () => void = () => {}
    const gate = new Promise<void>((resolve) => (open = resolve))
    let fetches = 0
    const store = { name: 'stalling', fetch: async (requests: never[], options: never) => (++fetches > 1 && (await gate), inner.fetch(requests, options)) }
    const mw = secrets({ context: { a: secret('a') }, stores: { secretsManager: store as never }, prefetch: false, logger: quiet })
    return { mw, open }
  }

  test('gives up after its lifetime (10 s): a transient failure, so the last good value keeps serving', async () => {
    const { mw, open } = stalling()
    await runBefore(mw, {})
    jest.useFakeTimers()
    try {
      let outcome: unknown
      void mw.refresh('a').then(
        () => (outcome = 'resolved'),
        (error: unknown) => (outcome = error),
      )
      await jest.advanceTimersByTimeAsync(9_999)
      expect(outcome).toBeUndefined()
      await jest.advanceTimersByTimeAsync(1)
      expect(outcome).toBe('resolved') // as for any transient failure of a refresh (see mw.refresh() above)
    } finally {
      jest.useRealTimers()
      open()
    }
  })

  test('while it waits, its caller awaits it: a timer keeps the process alive', async () => {
    const { mw, open } = stalling()
    await runBefore(mw, {})
    let pending: Promise<void> | undefined
    let holding = false
    try {
      const timers = await timersCreatedDuring(async () => {
        pending = mw.refresh('a')
        await new Promise((resolve) => setImmediate(resolve))
      })
      holding = timers.some((t) => t.hasRef())
    } finally {
      open()
    }
    await pending
    expect(holding).toBe(true)
  })
})

test('a prefetch that backs off (a throttled first attempt) holds no timer that keeps the process alive', async () => {
  const store = memoryStore({ secrets: { a: 'va' } })
  store.fail('a', { code: 'ThrottlingException', message: 'Rate exceeded', times: 1 })
  let mw: SecretsMiddleware<Record<string, unknown>> | undefined
  const timers = await timersCreatedDuring(async () => {
    mw = secrets({ context: { a: secret('a') }, stores: { secretsManager: store }, logger: quiet }) as never
    await new Promise((resolve) => setImmediate(resolve))
  })
  await mw!.ready
  expect(store.count('GetSecretValue')).toBe(2)
  expect(timers.length).toBeGreaterThan(0)
  expect(timers.filter((t) => t.hasRef())).toEqual([])
})

describe('failures', () => {
  test('all-or-nothing: when one key fails nothing is injected and the handler does not run', async () => {
    const store = seededStore()
    const ran = jest.fn()
    const handler = middy()
      .use(secrets({ context: { good: 'plain', bad: 'does-not-exist' }, env: { MW_OK: 'plain' }, stores: { secretsManager: store }, prefetch: false, logger: quiet }))
      .handler(async () => {
        ran()
      })
    const context: Record<string, unknown> = {}
    const error = await secretsError(handler({}, context as never))
    expect(error.failures.map((f) => [f.key, f.code])).toEqual([['bad', 'ResourceNotFoundException']])
    expect(context).not.toHaveProperty('good')
    expect(context).not.toHaveProperty('bad')
    expect(process.env.MW_OK).toBeUndefined()
    expect(ran).not.toHaveBeenCalled()
  })

  test('all-or-nothing on a transform failure too', async () => {
    const store = seededStore()
    const context: Record<string, unknown> = {}
    const error = await secretsError(
      contextHandler(secrets({ context: { good: 'plain', json: secret('plain', { transform: 'json' }) }, env: { MW_OK: 'plain' }, stores: { secretsManager: store }, prefetch: false }))(
        {},
        context as never,
      ),
    )
    expect(error.failures).toEqual([
      {
        key: 'json',
        target: 'context',
        store: 'memory',
        name: 'plain',
        code: 'TransformError',
        message: 'the value is not valid JSON',
        hint: "check the transform/field declared for 'plain' against the stored value's format",
        retryable: false,
      },
    ])
    expect(context).toEqual({})
    expect(process.env.MW_OK).toBeUndefined()
  })

  test('a SecretsError lists two failing keys at once, with store, name, AWS code and an IAM hint', async () => {
    const store = seededStore()
    store.fail('prod/db', 'AccessDeniedException')
    store.fail('prod/api', 'AccessDeniedException')
    const handler = contextHandler(
      secrets({ context: { db: secret('prod/db', { transform: 'json' }), ok: 'plain' }, env: { MW_API_KEY: secret('prod/api', { field: 'key' }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet }),
    )
    const error = await secretsError(handler({}, {} as never))
    expect(error.failures).toHaveLength(2)
    expect(error.failures).toEqual([
      expect.objectContaining({ key: 'db', target: 'context', store: 'memory', name: 'prod/db', code: 'AccessDeniedException', retryable: false }),
      expect.objectContaining({ key: 'MW_API_KEY', target: 'env', store: 'memory', name: 'prod/api', code: 'AccessDeniedException', retryable: false }),
    ])
    for (const f of error.failures) expect(f.hint).toContain(`secretsmanager:GetSecretValue on ${f.name}`)
    expect(error.message).toContain('2 keys could not be resolved')
    expect(error.message).toContain("context.db (memory 'prod/db'): AccessDeniedException")
    expect(error.message).toContain("env.MW_API_KEY (memory 'prod/api'): AccessDeniedException")
    expect(error.message.match(/secretsmanager:GetSecretValue/g)).toHaveLength(2)
    // the faults were single-shot: the next invocation succeeds
    expect((await handler({}, {} as never)).ok).toBe('plain-text')
  })

  test('a fetch failure does not hide a transform failure of another key: both are listed', async () => {
    const store = seededStore()
    store.fail('prod/api', 'AccessDeniedException')
    const error = await secretsError(
      contextHandler(
        secrets({ context: { api: 'prod/api', json: secret('plain', { transform: 'json' }), ok: 'prod/db' }, stores: { secretsManager: store }, prefetch: false, logger: quiet }),
      )({}, {} as never),
    )
    expect(error.failures.map((f) => [f.key, f.code])).toEqual([
      ['api', 'AccessDeniedException'],
      ['json', 'TransformError'],
    ])
    expect(error.message).toContain('2 keys could not be resolved')
  })

  test('AccessDenied on an SSM parameter through a memory store hints an ssm: action', async () => {
    const store = seededStore()
    store.fail('/prod/url', 'AccessDeniedException')
    const error = await secretsError(contextHandler(secrets({ context: { url: parameter('/prod/url') }, stores: { ssm: store }, prefetch: false, logger: quiet }))({}, {} as never))
    expect(error.failures[0]!.hint).toContain('ssm:GetParameter')
    expect(error.failures[0]!.hint).not.toContain('secretsmanager:')
  })

  test('a retryable failure is retried within the invocation', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0)
    const store = seededStore()
    store.fail('plain', { code: 'ThrottlingException', times: 2 })
    const ctx = await contextHandler(secrets({ context: { s: 'plain' }, retries: 3, stores: { secretsManager: store }, prefetch: false, logger: quiet }))({}, {} as never)
    expect(ctx.s).toBe('plain-text')
    expect(store.count()).toBe(3)
  })

  test('retries are bounded', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0)
    const store = seededStore()
    store.fail('plain', { code: 'InternalServiceError', times: 10 })
    const error = await secretsError(contextHandler(secrets({ context: { s: 'plain' }, retries: 2, stores: { secretsManager: store }, prefetch: false, logger: quiet }))({}, {} as never))
    expect(error.failures.map((f) => [f.code, f.retryable])).toEqual([['InternalServiceError', true]])
    expect(store.count()).toBe(3)
  })

  test('deadline: 600 ms left, a 500 ms margin and a 1 s store fail with DeadlineExceeded instead of hanging', async () => {
    const store = seededStore()
    store.setLatency(1000)
    const handler = contextHandler(secrets({ context: { s: 'plain' }, deadlineMarginMs: 500, stores: { secretsManager: store }, prefetch: false, logger: quiet }))
    const error = await secretsError(handler({}, { getRemainingTimeInMillis: () => 600 } as never))
    expect(error.failures).toEqual([expect.objectContaining({ key: 's', code: 'DeadlineExceeded', store: 'memory', name: 'plain' })])
    expect(error.failures[0]!.hint).toContain('function timeout')
  })
})

describe('version selectors', () => {
  test('versionStage AWSPREVIOUS after store.rotate()', async () => {
    const store = memoryStore({ secrets: { s: 'v1' } })
    const before = await secretsError(
      contextHandler(secrets({ context: { prev: secret('s', { versionStage: 'AWSPREVIOUS' }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet }))({}, {} as never),
    )
    expect(before.failures[0]!.code).toBe('ResourceNotFoundException')
    store.rotate('s', 'v2')
    const ctx = await contextHandler(
      secrets({ context: { cur: secret('s', { versionStage: 'AWSCURRENT' }), prev: secret('s', { versionStage: 'AWSPREVIOUS' }) }, stores: { secretsManager: store }, prefetch: false }),
    )({}, {} as never)
    expect([ctx.cur, ctx.prev]).toEqual(['v2', 'v1'])
  })

  test('a new AWSCURRENT refreshes the cached AWSPREVIOUS of the same secret, whatever its ttl', async () => {
    const clock = fakeClock()
    const store = memoryStore({ secrets: { s: 'v1' } })
    store.rotate('s', 'v2')
    const logger = collectingLogger()
    const handler = contextHandler(
      secrets({ context: { cur: secret('s', { ttl: 0 }), prev: secret('s', { versionStage: 'AWSPREVIOUS', ttl: Number.POSITIVE_INFINITY }) }, stores: { secretsManager: store }, prefetch: false, logger, logLevel: 'debug' }),
    )
    expect(await handler({}, {} as never)).toMatchObject({ cur: 'v2', prev: 'v1' })
    store.rotate('s', 'v3')
    clock.advance(1_000)
    expect(await handler({}, {} as never)).toMatchObject({ cur: 'v3', prev: 'v2' })
    // 2 + 2 at the cold start (a pair first seen by one fetch is read again), then the new
    // AWSCURRENT, and the AWSPREVIOUS it expired, read after it.
    expect(store.count('GetSecretValue')).toBe(6)
    expect(logger.lines.some((l) => l.startsWith('debug') && l.includes('new AWSCURRENT'))).toBe(true)
  })

  test('across middlewares too: a new AWSCURRENT seen by one expires the AWSPREVIOUS another cached', async () => {
    const clock = fakeClock()
    const store = memoryStore({ secrets: { s: 'v1' } })
    store.rotate('s', 'v2')
    const current = contextHandler(secrets({ context: { cur: secret('s', { ttl: 0 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet }))
    const previous = contextHandler(secrets({ context: { prev: secret('s', { versionStage: 'AWSPREVIOUS', ttl: Number.POSITIVE_INFINITY }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet }))
    expect((await current({}, {} as never)).cur).toBe('v2')
    expect((await previous({}, {} as never)).prev).toBe('v1')
    store.rotate('s', 'v3')
    clock.advance(1_000)
    expect((await current({}, {} as never)).cur).toBe('v3') // a sighting: v2 is AWSPREVIOUS now
    expect((await previous({}, {} as never)).prev).toBe('v2') // fetched again, whatever its ttl
  })

  test('versionId pins one version across rotations', async () => {
    const store = memoryStore({ secrets: { s: 'v1' } })
    const v1 = store.model.getSecretValue('s').versionId
    store.rotate('s', 'v2')
    store.rotate('s', 'v3')
    const ctx = await contextHandler(secrets({ context: { pinned: secret('s', { versionId: v1 }), cur: 's' }, stores: { secretsManager: store }, prefetch: false }))({}, {} as never)
    expect([ctx.pinned, ctx.cur]).toEqual(['v1', 'v3'])
  })

  test('SSM version and label selectors', async () => {
    const store = memoryStore({ parameters: { '/p': 'one' } })
    store.setParameter('/p', 'two', { labels: ['prod'] })
    store.setParameter('/p', 'three')
    const ctx = await contextHandler(
      secrets({ context: { latest: parameter('/p'), v1: parameter('/p', { version: 1 }), prod: parameter('/p', { label: 'prod' }) }, stores: { ssm: store }, prefetch: false }),
    )({}, {} as never)
    expect([ctx.latest, ctx.v1, ctx.prod]).toEqual(['three', 'one', 'two'])
    expect(store.count('GetParameter')).toBe(3)
  })

  test('decrypt: false on a SecureString returns not the value', async () => {
    const store = seededStore()
    const ctx = await contextHandler(secrets({ context: { enc: parameter('/sec', { decrypt: false }), dec: parameter('/sec') }, stores: { ssm: store }, prefetch: false }))({}, {} as never)
    expect(ctx.dec).toBe('decrypted-value')
    expect(ctx.enc).not.toBe('decrypted-value')
    expect(ctx.enc).not.toContain('decrypted-value')
    expect(store.count('GetParameter')).toBe(2) // decrypt is part of the cache key
  })
})

describe('prefetch', () => {
  test('secrets() starts fetching before the first invocation; mw.ready settles when done', async () => {
    const store = seededStore()
    const mw = secrets({ context: { s: 'plain', p: parameter('/prod/url') }, stores: { secretsManager: store, ssm: store } })
    await mw.ready
    expect(store.count()).toBe(2)
    const ctx = await contextHandler(mw)({}, {} as never)
    expect([ctx.s, ctx.p]).toEqual(['plain-text', 'https://example.test'])
    expect(store.count()).toBe(2)
  })

  test('an invocation during the prefetch waits for it instead of fetching again', async () => {
    const store = seededStore()
    store.setLatency(30)
    const mw = secrets({ context: { s: 'plain' }, stores: { secretsManager: store } })
    const ctx = await contextHandler(mw)({}, {} as never)
    expect(ctx.s).toBe('plain-text')
    expect(store.count()).toBe(1)
  })

  test('a failed prefetch never rejects, is logged at debug, and the first invocation fetches again', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const store = seededStore()
      store.fail('plain', 'AccessDeniedException')
      const logger = collectingLogger()
      const mw = secrets({ context: { s: 'plain' }, stores: { secretsManager: store }, logger, logLevel: 'debug' })
      await expect(mw.ready).resolves.toBeUndefined()
      expect(store.count()).toBe(1)
      // Which keys failed and why, in one line (no value).
      expect(logger.lines.filter((l) => l.includes('prefetch incomplete'))).toEqual([
        "debug middy-secrets: prefetch incomplete; the first invocation retries { keys: [ 's' ], code: 'AccessDeniedException' }",
      ])
      const ctx = await contextHandler(mw)({}, {} as never)
      expect(ctx.s).toBe('plain-text')
      expect(store.count()).toBe(2)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  test('prefetch: false fetches nothing until the first invocation', async () => {
    const store = seededStore()
    const mw = secrets({ context: { s: 'plain' }, stores: { secretsManager: store }, prefetch: false })
    await mw.ready
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(store.count()).toBe(0)
    expect(store.fetches).toBe(0)
    await contextHandler(mw)({}, {} as never)
    expect(store.count()).toBe(1)
  })
})

describe('a secret value never appears in a log line or an error', () => {
  const SECRET = 'hunter2-SECRET-VALUE'

  test('through failures, transforms, stale serving, rotation and prefetch, at debug level', async () => {
    const clock = fakeClock()
    jest.spyOn(Math, 'random').mockReturnValue(0)
    const store = memoryStore({
      secrets: {
        'leak/json': JSON.stringify({ user: 'u', password: SECRET }),
        'leak/plain': SECRET,
        'leak/bin': new TextEncoder().encode(SECRET),
      },
      parameters: { '/leak/secure': { value: SECRET, type: 'SecureString' }, '/leak/dir/x': SECRET },
    })
    const logger = collectingLogger()
    const common = { stores: { secretsManager: store, ssm: store }, logger, logLevel: 'debug' as const, retries: 1, jitter: 0 }
    const errors: SecretsError[] = []

    // 1. transform and field failures, an AWS failure on a SecureString, a binary env value; prefetch on
    store.fail('/leak/secure', { code: 'AccessDeniedException', times: 2 })
    const broken = secrets({
      context: {
        notJson: secret('leak/plain', { transform: 'json' }),
        noField: secret('leak/json', { field: 'nope' }),
        notObject: secret('leak/plain', { transform: 'auto', ttl: 0 }),
        secure: parameter('/leak/secure'),
        dir: parameters('/leak/dir', { transform: 'json' }),
      },
      env: { MW_LEAK_BIN: secret('leak/bin') },
      ...common,
    })
    await broken.ready
    errors.push(await secretsError(contextHandler(broken)({}, {} as never)))
    expect(errors[0]!.failures.map((f) => f.key).sort()).toEqual(['MW_LEAK_BIN', 'dir', 'noField', 'notJson', 'secure'])

    // 2. a stale value served after a transient failure, then a rotation
    const served = secrets({ context: { v: secret('leak/plain', { ttl: 1 }), obj: secret('leak/json', { transform: 'json', ttl: 1 }) }, ...common })
    await served.ready
    const handler = contextHandler(served)
    expect((await handler({}, {} as never)).v).toBe(SECRET)
    clock.advance(2_000)
    store.fail('leak/plain', { code: 'ThrottlingException', times: 5 })
    expect((await handler({}, {} as never)).v).toBe(SECRET)
    expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('serving the last good value'))).toBe(true)
    store.clearFaults()
    store.rotate('leak/plain', `${SECRET}-2`)
    clock.advance(10_000)
    expect((await handler({}, {} as never)).v).toBe(`${SECRET}-2`)

    // 3. a hard failure after the value was cached
    store.fail('leak/json', { code: 'DecryptionFailure', times: 5 })
    clock.advance(2_000)
    errors.push(await secretsError(handler({}, {} as never)))
    await served.refresh().catch((error: unknown) => errors.push(error as SecretsError))
    expect(errors).toHaveLength(3)

    expect(logger.lines.length).toBeGreaterThan(5)
    for (const line of logger.lines) expect(line).not.toContain('hunter2')
    for (const error of errors) {
      for (const text of [error.message, String(error), inspect(error, { depth: 10 }), JSON.stringify(error.failures), JSON.stringify(error), error.stack ?? '']) {
        expect(text).not.toContain('hunter2')
      }
    }
  })
})

describe("middy's view of the middleware", () => {
  test('its plugin hooks (beforeMiddleware, afterMiddleware: profiling) see names that say which middleware ran', async () => {
    const store = memoryStore({ secrets: { 'hooks/db': 'p1' } })
    const names: string[] = []
    const handler = middy({ beforeMiddleware: (name: string) => void names.push(name) })
      .use(secrets({ context: { db: secret('hooks/db') }, stores: { secretsManager: store }, prefetch: false, logger: quiet }))
      .handler(async () => 1)
    await handler({}, {} as never)
    expect(names).toEqual(['middySecretsBefore'])
  })

  // middy 7's durable execution mode hands middlewares the durable context: the Lambda context,
  // which knows the time left, is its lambdaContext (middy reads the time there too).
  test('a durable-mode context bounds the resolution by the deadline its lambdaContext knows', async () => {
    const store = memoryStore({ secrets: { 'durable/db': 'p1' } }, { latencyMs: 3000 })
    const handler = middy()
      .use(secrets({ context: { db: secret('durable/db') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, deadlineMarginMs: 100 }))
      .handler(async () => 'ok')
    const end = Date.now() + 600
    const durableContext = { awsRequestId: 'r1', lambdaContext: { awsRequestId: 'r1', getRemainingTimeInMillis: () => end - Date.now() } }
    const error = await handler({}, durableContext as never).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(Date.now()).toBeLessThan(end)
    expect((error as SecretsError).failures.map((f) => f.code)).toEqual(['DeadlineExceeded'])
  })
})
