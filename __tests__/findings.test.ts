/**
 * Issue 10's findings, each reproduced in a few lines through the public API. Written against
 * the resolver before its redesign, where each of these failed.
 */
import { execFileSync } from 'node:child_process'
import { jest } from '@jest/globals'
import middy from '@middy/core'
import { clearCache, parameter, refresh, secret, secrets, SecretsError, type Store } from '../lib/index.js'
import type { Logger } from '../lib/store.js'
import { memoryStore } from '../lib/testing/index.js'
import { readThenWait } from './support/aws-like-store.js'
import { valuesHandler } from './support/invocations.js'
import { cache } from '../lib/cache/cache.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

beforeEach(() => clearCache())
afterEach(() => {
  jest.restoreAllMocks()
  cache.resize(1000)
})



describe('1. overlapping invocations after clearCache() or eviction', () => {
  test('clearCache() during a fetch: both invocations get the value, no DeadlineExceeded', async () => {
    const store = memoryStore({ secrets: { a: 'va' } }, { latencyMs: 100 })
    const h = valuesHandler(secrets({ context: { a: secret('a') }, stores: { secretsManager: store }, prefetch: false, logger: quiet }), ['a'])
    const p1 = h({}, {} as never)
    await sleep(20)
    clearCache()
    const p2 = h({}, {} as never)
    const results = await Promise.allSettled([p1, p2])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
    expect(results.map((r) => (r as PromiseFulfilledResult<unknown>).value)).toEqual([['va'], ['va']])
  })

  test('maxEntries 2 with 5 keys: 10 overlapping invocations all succeed with the right values', async () => {
    const seed = { secrets: Object.fromEntries(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => [k, `value-of-${k}`])) }
    const store = memoryStore(seed, { latencyMs: 30 })
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4']
    const mw = secrets({ context: Object.fromEntries(keys.map((k) => [k, secret(k)])), stores: { secretsManager: store }, prefetch: false, logger: quiet, maxEntries: 2 })
    const h = valuesHandler(mw, keys)
    cache.resize(2) // the module cache's bound only grows; earlier tests asked for 1000
    const deadline = (): never => ({ getRemainingTimeInMillis: () => 30_000 }) as never
    const runs = await Promise.allSettled(Array.from({ length: 10 }, async (_, i) => {
      await sleep(i * 7)
      return h({}, deadline())
    }))
    expect(runs.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([])
    for (const r of runs) expect((r as PromiseFulfilledResult<unknown>).value).toEqual(keys.map((k) => `value-of-${k}`))
  })
})

describe('2. AWSCURRENT and AWSPREVIOUS of one invocation belong to one rotation', () => {
  test('an invocation that joins the AWSCURRENT fetch that sees a rotation also gets the new AWSPREVIOUS', async () => {
    let now = Date.UTC(2030, 0, 1)
    jest.spyOn(Date, 'now').mockImplementation(() => now)
    const store = memoryStore({ secrets: { db: 'v0' } })
    store.rotate('db', 'v1') // v1 AWSCURRENT, v0 AWSPREVIOUS
    const mw = secrets({
      context: { cur: secret('db', { ttl: 10 }), prev: secret('db', { versionStage: 'AWSPREVIOUS', ttl: 3600 }) },
      stores: { secretsManager: store },
      prefetch: false,
      jitter: 0,
      logger: quiet,
    })
    const h = valuesHandler(mw, ['cur', 'prev'])
    expect(await h({}, {} as never)).toEqual(['v1', 'v0'])
    store.rotate('db', 'v2') // v2 AWSCURRENT, v1 AWSPREVIOUS
    now += 11_000 // AWSCURRENT expired, AWSPREVIOUS fresh
    store.setLatency(50)
    const first = h({}, {} as never) // fetches AWSCURRENT, sees the rotation
    await new Promise((resolve) => setImmediate(resolve))
    const joiner = h({}, {} as never) // joins that fetch
    expect(await first).toEqual(['v2', 'v1'])
    expect(await joiner).toEqual(['v2', 'v1'])
  })
})

describe('3. refresh() means fresh', () => {
  test('refresh(key) never accepts a fetch that started before the call', async () => {
    const store = readThenWait({ secrets: { a: 'old' } }, 80)
    const mw = secrets({ context: { a: secret('a', { ttl: 3600 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
    const h = valuesHandler(mw, ['a'])
    const first = h({}, {} as never) // a fetch starts; AWS answers 'old' at once, the answer arrives 80 ms later
    await sleep(10)
    store.inner.rotate('a', 'new')
    await mw.refresh('a')
    // The first invocation ends after refresh() resolved: it waits for the refreshed value too.
    expect(await first).toEqual(['new'])
    expect(await h({}, {} as never)).toEqual(['new'])
  })

  test('the package-level refresh() too', async () => {
    const store = readThenWait({ secrets: { b: 'old' } }, 80)
    const mw = secrets({ context: { findingsB: secret('b', { ttl: 3600 }) }, stores: { secretsManager: store }, prefetch: true, logger: quiet })
    await sleep(10) // the prefetch has read 'old'
    store.inner.rotate('b', 'new')
    await refresh('findingsB')
    expect(await valuesHandler(mw, ['findingsB'])({}, {} as never)).toEqual(['new'])
  })
})

describe('4. nothing the package does can take the process down', () => {
  test('rotation: true with a describe() that rejects: no unhandled rejection, the fetched value serves', async () => {
    const inner = memoryStore({ secrets: { r: 'value-r' } })
    const store: Store = {
      name: 'broken-describe',
      fetch: (requests, options) => inner.fetch(requests, options),
      describe: async () => {
        throw new Error('describe exploded')
      },
    }
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const mw = secrets({ context: { r: secret('r', { rotation: true }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
      expect(await valuesHandler(mw, ['r'])({}, {} as never)).toEqual(['value-r'])
      await sleep(20)
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('5. rotation couples stages by the secret, not by the spelling of its name', () => {
  test('AWSCURRENT by ARN, AWSPREVIOUS by name: both move after a rotation', async () => {
    let now = Date.UTC(2030, 0, 1)
    jest.spyOn(Date, 'now').mockImplementation(() => now)
    const store = memoryStore({ secrets: { db: 'v0' } })
    store.rotate('db', 'v1')
    const arn = store.model.secretRecord('db').arn
    const mw = secrets({
      context: { cur: secret(arn, { ttl: 10 }), prev: secret('db', { versionStage: 'AWSPREVIOUS', ttl: 3600 }) },
      stores: { secretsManager: store },
      prefetch: false,
      jitter: 0,
      logger: quiet,
    })
    const h = valuesHandler(mw, ['cur', 'prev'])
    expect(await h({}, {} as never)).toEqual(['v1', 'v0'])
    store.rotate('db', 'v2')
    now += 11_000
    expect(await h({}, {} as never)).toEqual(['v2', 'v1'])
  })

  test('two store objects with the same name are two secrets', async () => {
    let now = Date.UTC(2030, 0, 1)
    jest.spyOn(Date, 'now').mockImplementation(() => now)
    const one = memoryStore({ secrets: { db: 'one-0' } })
    const two = memoryStore({ secrets: { db: 'two-0' } })
    one.rotate('db', 'one-1')
    two.rotate('db', 'two-1')
    const h1 = valuesHandler(secrets({ context: { cur: secret('db', { ttl: 10 }) }, stores: { secretsManager: one }, prefetch: false, jitter: 0, logger: quiet }), ['cur'])
    const h2 = valuesHandler(secrets({ context: { prev: secret('db', { versionStage: 'AWSPREVIOUS', ttl: 3600 }) }, stores: { secretsManager: two }, prefetch: false, jitter: 0, logger: quiet }), ['prev'])
    await h1({}, {} as never)
    expect(await h2({}, {} as never)).toEqual(['two-0'])
    one.rotate('db', 'one-2')
    now += 11_000
    expect(await h1({}, {} as never)).toEqual(['one-2'])
    two.resetCalls()
    expect(await h2({}, {} as never)).toEqual(['two-0'])
    expect(two.count()).toBe(0) // the other store's rotation does not touch this one
  })
})

describe('6. values are never silently altered or dropped', () => {
  test('a NUL byte in an env value is a TransformError, not a truncated value', async () => {
    const store = memoryStore({ secrets: { nul: 'a\u0000b' } })
    const h = valuesHandler(secrets({ env: { FINDINGS_NUL: secret('nul') }, stores: { secretsManager: store }, prefetch: false, logger: quiet }), [])
    const error = await h({}, {} as never).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(SecretsError)
    expect((error as SecretsError).failures[0]).toMatchObject({ key: 'FINDINGS_NUL', code: 'TransformError', message: expect.stringContaining('NUL character') })
    expect(process.env.FINDINGS_NUL).toBeUndefined()
  })

  // jest gives the tests a plain object for process.env; Node's own would write U+FFFD (a child checks that below).
  test('a lone surrogate in a JSON field for env is a TransformError, not a value Node writes as U+FFFD', async () => {
    const store = memoryStore({ secrets: { lone: '{"k":"\\ud800tail"}' } })
    const h = valuesHandler(secrets({ env: { FINDINGS_LONE: secret('lone', { field: 'k' }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet }), [])
    const error = await h({}, {} as never).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(SecretsError)
    expect((error as SecretsError).failures[0]).toMatchObject({ key: 'FINDINGS_LONE', code: 'TransformError', message: expect.stringContaining('lone UTF-16 surrogate') })
    expect(process.env.FINDINGS_LONE).toBeUndefined()
  })

  test("Node's process.env writes a lone surrogate as U+FFFD (why the package refuses one)", () => {
    const script = "process.env.X = '\\ud800tail'; process.stdout.write(JSON.stringify(process.env.X))"
    expect(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).toBe('\ufffdtail')
  })
})

describe('7. errors', () => {
  test('a missing field names how many fields the secret has, not their names', async () => {
    const store = memoryStore({ secrets: { j: '{"hunter2-fieldname":"x","other":"y"}' } })
    const h = valuesHandler(secrets({ context: { j: secret('j', { field: 'nope' }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet }), ['j'])
    const error = (await h({}, {} as never).then(() => undefined, (e: unknown) => e)) as SecretsError
    expect(error.failures[0]!.code).toBe('TransformError')
    expect(JSON.stringify(error.failures) + error.message).not.toContain('hunter2-fieldname')
    expect(error.failures[0]!.message).toContain('2 fields')
  })

  test('retrying(): a refreshOn that throws keeps the handler error and is called once', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    const refreshOn = jest.fn((): boolean => {
      throw new Error('refreshOn bug')
    })
    const mw = secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, refreshOn })
    const handlerError = new Error('the handler failed')
    const h = middy()
      .use(mw)
      .handler(
        mw.retrying(async () => {
          throw handlerError
        }),
      )
    const thrown = await h({}, {} as never).then(() => undefined, (e: unknown) => e)
    expect(thrown).toBe(handlerError)
    expect((thrown as Error & { cause?: unknown }).cause).toBeInstanceOf(Error)
    expect(refreshOn).toHaveBeenCalledTimes(1)
  })

  test("a refreshOn that throws: the handler error's own cause is kept; a cause it gets stays writable and configurable", async () => {
    const refreshOnBug = new Error('refreshOn bug')
    const mw = secrets({
      context: { s: secret('s') },
      stores: { secretsManager: memoryStore({ secrets: { s: 'v' } }) },
      prefetch: false,
      logger: quiet,
      refreshOn: () => {
        throw refreshOnBug
      },
    })
    const ownCause = new Error('own cause')
    const errors = [new Error('with a cause', { cause: ownCause }), new Error('without one')]
    const h = middy()
      .use(mw)
      .handler(async () => {
        throw errors.shift()
      })
    const first = (await h({}, {} as never).catch((e: unknown) => e)) as Error
    expect(first.cause).toBe(ownCause)
    const second = (await h({}, {} as never).catch((e: unknown) => e)) as Error
    expect(second.cause).toBe(refreshOnBug)
    expect(Object.getOwnPropertyDescriptor(second, 'cause')).toMatchObject({ writable: true, configurable: true })
  })

  test('a refreshOn that throws is logged by the kind of what it threw, never its message', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    const warn = jest.fn()
    const mw = secrets({
      context: { s: secret('s') },
      stores: { secretsManager: store },
      prefetch: false,
      logger: { ...quiet, warn },
      refreshOn: () => {
        throw new TypeError('refreshOn bug hunter2-in-message')
      },
    })
    const h = middy()
      .use(mw)
      .handler(async () => {
        throw new Error('the handler failed')
      })
    await expect(h({}, {} as never)).rejects.toThrow('the handler failed')
    expect(warn.mock.calls).toEqual([['middy-secrets: refreshOn threw; nothing is refreshed and the handler error stands', { error: 'TypeError' }]])
  })

  test('a thrown string is judged once too (retrying, then onError), and the string surfaces', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    const refreshOn = jest.fn(() => false)
    const mw = secrets({ context: { s: secret('s') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, refreshOn })
    const h = middy()
      .use(mw)
      .handler(
        mw.retrying(async () => {
          throw 'a string'
        }),
      )
    await expect(h({}, {} as never)).rejects.toBe('a string')
    expect(refreshOn).toHaveBeenCalledTimes(1)
    expect(refreshOn).toHaveBeenCalledWith('a string', expect.anything())
  })
})

describe('8. an option given in code wins, and its variable is then not read', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })
  test.each([
    ['SECRETS_MANAGER_TIMEOUT_MILLIS', 'x', { requestTimeoutMs: 100 }],
    ['PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS', '0', { concurrency: 4 }],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE', 'lots', { maxEntries: 5 }],
  ])('%s=%s with %o', (variable, value, option) => {
    process.env[variable] = value
    const store = memoryStore({ secrets: { e: 'v' } })
    expect(() => secrets({ context: { e: secret('e') }, stores: { secretsManager: store }, prefetch: false, ...option })).not.toThrow()
  })

  test('the ConfigError for MAX_CONNECTIONS names the package default (10)', () => {
    process.env.PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS = '0'
    const store = memoryStore({ secrets: { e: 'v' } })
    expect(() => secrets({ context: { e: secret('e') }, stores: { secretsManager: store }, prefetch: false })).toThrow(/default 10\)/)
  })
})

describe('9. the cache evicts the least recently used entry', () => {
  test('a hot key with ttl: Infinity is kept while cold keys come and go', async () => {
    const store = memoryStore({ secrets: Object.fromEntries(['hot', 'c1', 'c2', 'c3', 'c4'].map((k) => [k, k])) })
    const hot = valuesHandler(secrets({ context: { hot: secret('hot', { ttl: Infinity }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, maxEntries: 3 }), ['hot'])
    cache.resize(3) // the module cache's bound only grows; earlier tests asked for more
    await hot({}, {} as never)
    for (const name of ['c1', 'c2', 'c3', 'c4']) {
      await hot({}, {} as never) // the hot key is used between every cold one
      await valuesHandler(secrets({ context: { c: secret(name, { ttl: 0 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, maxEntries: 3 }), ['c'])({}, {} as never)
    }
    await hot({}, {} as never)
    expect(store.calls.filter((c) => c.name === 'hot')).toHaveLength(1) // fetched once, never evicted
  })
})

describe('10. one store for both roles: each request gets its own role timeout', () => {
  test('secrets with SECRETS_MANAGER_TIMEOUT_MILLIS, parameters with SSM_PARAMETER_STORE_TIMEOUT_MILLIS', async () => {
    const saved = { ...process.env }
    process.env.SECRETS_MANAGER_TIMEOUT_MILLIS = '111'
    process.env.SSM_PARAMETER_STORE_TIMEOUT_MILLIS = '222'
    try {
      const inner = memoryStore({ secrets: { s: 'v' }, parameters: { '/p': 'w' } })
      const seen: Array<[string, number]> = []
      const store: Store = {
        name: 'both',
        async fetch(requests, options) {
          for (const r of requests) seen.push([r.kind, options.requestTimeoutMs])
          return inner.fetch(requests, options)
        },
      }
      await valuesHandler(secrets({ context: { s: secret('s'), p: parameter('/p') }, stores: { secretsManager: store, ssm: store }, prefetch: false, logger: quiet }), ['s', 'p'])({}, {} as never)
      expect(seen.sort()).toEqual([['parameter', 222], ['secret', 111]])
    } finally {
      process.env = saved
    }
  })
})
