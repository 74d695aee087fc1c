/**
 * resolver/attempts.ts: a transient failure is retried unless the key may serve stale at once: not when a twin key of the same request may not (maxStale: 0), nor when refresh() or refreshOn declared the held value wrong.
 */
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { clearCache, secret, secrets, SecretsError, type SecretsMiddleware } from '../../lib/index.js'
import { memoryStore } from '../../lib/testing/index.js'
import { useFakeClock } from '../support/clock.js'
import { silentLogger } from '../support/store-results.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const clock = useFakeClock(T0)

beforeEach(() => clearCache())

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function handlerOf(mw: SecretsMiddleware<any>, keys: readonly string[]) {
  const h = middy(async (_event: unknown, context: Context) => Object.fromEntries(keys.map((k) => [k, (context as unknown as Record<string, unknown>)[k]])))
  h.use(mw as never)
  return (): Promise<Record<string, unknown>> => h({}, {} as never) as Promise<Record<string, unknown>>
}

describe('two fields of one secret, one with maxStale: 0', () => {
  test('a single ThrottlingException is retried for the maxStale: 0 key (retries: 3)', async () => {
    const store = memoryStore({ secrets: { 'prod/db': JSON.stringify({ host: 'h1', password: 'p1' }) } })
    const mw = secrets({
      context: {
        host: secret('prod/db', { field: 'host', ttl: 10 }), // maxStale 3600 (default)
        password: secret('prod/db', { field: 'password', ttl: 10, maxStale: 0 }), // must never be stale
      },
      stores: { secretsManager: store },
      jitter: 0,
      refreshAhead: 0,
      prefetch: false,
      retries: 3,
      logger: silentLogger,
    })
    const invoke = handlerOf(mw, ['host', 'password'])
    expect(await invoke()).toEqual({ host: 'h1', password: 'p1' })
    store.fail('prod/db', { code: 'ThrottlingException', times: 1 }) // one throttle, then AWS answers
    store.resetCalls()
    clock.now = T0 + 10_001 // both expired
    // README: a retryable failure is retried up to `retries` times; maxStale: 0 means the password
    // key may never serve stale. One throttle must not fail the invocation.
    const result = await invoke().catch((e: unknown) => e)
    expect(result instanceof SecretsError ? result.failures.map((f) => [f.key, f.code]) : result).toEqual({ host: 'h1', password: 'p1' })
    expect(store.count('GetSecretValue')).toBe(2)
  })
})

class AuthError extends Error {
  override readonly name = 'AuthError'
}

describe('a key invalidated by refreshOn / refresh() and one transient failure', () => {
  function setup() {
    const store = memoryStore({ secrets: { 'prod/db': 'old' } })
    const mw = secrets({
      context: { db: secret('prod/db', { ttl: 300 }) },
      stores: { secretsManager: store },
      jitter: 0,
      prefetch: false,
      retries: 3,
      logger: silentLogger,
      refreshOn: (error) => (error instanceof AuthError ? ['db'] : false),
    })
    return { store, mw }
  }

  test('retrying(): one ThrottlingException is retried, and the handler runs again with the new value, not the rejected one', async () => {
    const { store, mw } = setup()
    const seen: unknown[] = []
    const handler = middy(
      mw.retrying(async (_event: unknown, context: Context) => {
        const db = (context as unknown as { db: string }).db
        seen.push(db)
        if (db === 'old') throw new AuthError('password authentication failed')
        return db
      }),
    )
    handler.use(mw as never)
    await expect(handler({}, {} as never)).rejects.toThrow(AuthError) // warm the cache with 'old' (rotated below)
    store.rotate('prod/db', 'new')
    clock.now = T0 + 1_000 // 'old' is still within its TTL: only refreshOn says it is wrong
    seen.length = 0
    store.fail('prod/db', { code: 'ThrottlingException', times: 1 })
    store.resetCalls()
    const result = await handler({}, {} as never).catch((e: unknown) => e)
    // README (retrying): "those keys are fetched anew, injected, and the handler runs once more";
    // "When AWS fails": throttling is retried up to `retries` times; stale-if-error is for an
    // *expired* value, not one refreshOn just declared wrong.
    expect({ result: result instanceof Error ? result.name : result, seen, calls: store.count('GetSecretValue') }).toEqual({ result: 'new', seen: ['old', 'new'], calls: 2 })
  })

  test('mw.refresh(): one ThrottlingException is retried; the next invocation gets the new value', async () => {
    const { store, mw } = setup()
    const h = middy(async (_e: unknown, context: Context) => (context as unknown as { db: string }).db)
    h.use(mw as never)
    expect(await h({}, {} as never)).toBe('old')
    store.rotate('prod/db', 'new')
    clock.now = T0 + 1_000
    store.fail('prod/db', { code: 'ThrottlingException', times: 1 })
    store.resetCalls()
    const refreshed = await mw.refresh('db').then(() => 'resolved', (e: unknown) => String(e))
    clock.now = T0 + 1_001
    expect({ refreshed, next: await h({}, {} as never), calls: store.count('GetSecretValue') }).toEqual({ refreshed: 'resolved', next: 'new', calls: 2 })
  })
})
