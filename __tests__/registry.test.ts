/**
 * The package-level refresh(keys) (lib/registry.ts): it reaches every middleware in use, for as
 * long as a handler uses it (middy keeps only the middleware's functions, not the object), and a
 * name no middleware in use declares is a mistake it says, not a silent no-op.
 */
import middy, { type MiddlewareObj } from '@middy/core'
import { inspect } from 'node:util'
import { clearCache, ConfigError, refresh, secret, secrets } from '../lib/index.js'
import { memoryStore } from '../lib/testing/index.js'
import { shared } from '../lib/shared-state.js'
import { collectGarbage } from './support/gc.js'
import { silentLogger } from './support/store-results.js'


beforeEach(() => clearCache())

test("refresh('db') reaches a middleware used inline (middy().use(secrets(...))) after a garbage collection", async () => {
  const store = memoryStore({ secrets: { 'registry/db': 'p1' } })
  const handler = middy()
    .use(secrets({ context: { db: secret('registry/db') }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger, ttl: 3600 }))
    .handler(async (_event: unknown, context) => context.db)
  expect(await handler({}, {} as never)).toBe('p1')
  await collectGarbage()
  store.rotate('registry/db', 'p2')
  await refresh('db')
  expect(store.count('GetSecretValue')).toBe(2)
  expect(await handler({}, {} as never)).toBe('p2')
})

test('a middleware no handler uses any more is neither refreshed nor kept alive', async () => {
  const store = memoryStore({ secrets: { 'registry/gone': 'p1' } })
  const kept = memoryStore({ secrets: { 'registry/kept': 'k1' } })
  const mw = secrets({ context: { keptKey: secret('registry/kept') }, stores: { secretsManager: kept }, prefetch: false, logger: silentLogger })
  ;(() => {
    secrets({ context: { goneKey: secret('registry/gone') }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger })
  })()
  await collectGarbage()
  await expect(refresh('goneKey')).rejects.toThrow(ConfigError)
  await refresh()
  expect(store.count()).toBe(0)
  expect(kept.count('GetSecretValue')).toBe(1)
  expect(mw).toBeDefined()
})

// inject.ts remembers the plan injected last (a shortcut of the warm path): weakly, or the last
// middleware a handler ran would stay registered, and be refreshed, after the handler was dropped.
test('a middleware whose handler ran, then was dropped, is neither refreshed nor kept alive', async () => {
  const store = memoryStore({ secrets: { 'registry/ran': 'p1' } })
  await (async () => {
    const handler = middy()
      .use(secrets({ context: { ranKey: secret('registry/ran') }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger }))
      .handler(async (_e: unknown, context) => context.ranKey)
    expect(await handler({}, {} as never)).toBe('p1')
  })()
  await collectGarbage(4)
  store.resetCalls()
  await expect(refresh('ranKey')).rejects.toThrow(ConfigError)
  await refresh()
  expect(store.count()).toBe(0)
})

// Each middleware's share of refresh() invalidated the shared entry again, outdating the fetch the
// one before had started: one GetSecretValue per middleware.
test('refresh() of a secret several middlewares share (one entry) asks AWS once', async () => {
  const store = memoryStore({ secrets: { 'registry/shared': 'v1' } })
  const options = { stores: { secretsManager: store }, prefetch: false, logger: silentLogger } as const
  const mws = [secrets({ context: { sharedA: secret('registry/shared') }, ...options }), secrets({ context: { sharedB: secret('registry/shared') }, ...options }), secrets({ context: { sharedC: secret('registry/shared') }, ...options })]
  store.rotate('registry/shared', 'v2')
  await refresh()
  expect(store.count('GetSecretValue')).toBe(1)
  const run = (mw: object, key: string): Promise<unknown> =>
    middy<unknown, unknown>()
      .use(mw as MiddlewareObj)
      .handler(async (_e: unknown, context: unknown) => (context as Record<string, unknown>)[key])({}, {} as never)
  const values = await Promise.all(mws.map((mw, i) => run(mw, `shared${'ABC'[i]}`)))
  expect(values).toEqual(['v2', 'v2', 'v2'])
  expect(store.count('GetSecretValue')).toBe(1) // the refreshed value served them all
})

test('a name that no middleware in use declares rejects with a ConfigError listing the declared ones, and nothing is fetched', async () => {
  const store = memoryStore({ secrets: { 'registry/a': 'a1' } })
  const mw = secrets({ context: { regA: secret('registry/a') }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger })
  const error = await refresh(['regA', 'regTypo']).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ConfigError)
  expect((error as ConfigError).option).toBe('keys')
  // Counted, not quoted (a value passed for a name would be in the message); the declared names say which was meant.
  expect((error as ConfigError).message).toMatch(/^middy-secrets: option 'keys' names a key not declared by any middleware in use \(declared: (.+, )?regA(, .+)?\)$/)
  expect((error as ConfigError).message).not.toContain('regTypo')
  expect(store.count()).toBe(0)
  expect(mw).toBeDefined()
})

// Found by review: refresh(context.apiKey), where refresh('apiKey') was meant, put the secret in the error.
test('refresh() given a value where a key name was meant never quotes it, at the package level or the middleware\'s; more than 20 declared names are cut short', async () => {
  const VALUE = 'sk_live_CANARY_in_refresh'
  const store = memoryStore({ secrets: { 'registry/key': VALUE } })
  const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, secret('registry/key')]))
  const mw = secrets({ context: many, stores: { secretsManager: store }, prefetch: false, logger: silentLogger })
  for (const call of [() => refresh(VALUE), () => mw.refresh([VALUE, 'k1', 'also-not'])]) {
    const error = await call().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message, stack: (error as Error).stack })).not.toContain('CANARY')
  }
  const own = await mw.refresh([VALUE, 'k1', 'also-not']).then(() => undefined, (e: unknown) => e)
  expect((own as ConfigError).message).toBe(`middy-secrets: option 'keys' names 2 keys not declared by this middleware (declared: ${Array.from({ length: 20 }, (_, i) => `k${i}`).join(', ')}... (25 in all))`)
  expect(store.count()).toBe(0)
})

test.each([null, {}, 42, [1], ['regA', null]])('refresh(%p): an argument that is neither a key nor a list of keys rejects with a ConfigError (option keys), fetching nothing', async (keys) => {
  // Found by review: it was used as a list, and failed with a TypeError from .filter / .includes.
  const store = memoryStore({ secrets: { 'registry/a': 'a1' } })
  const mw = secrets({ context: { regA: secret('registry/a') }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger })
  for (const call of [() => refresh(keys as never), () => mw.refresh(keys as never)]) {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toBe("middy-secrets: option 'keys' must be a key name or a list of key names (as declared in context/env)")
  }
  expect(store.count()).toBe(0)
})

// Found by a leak review: util.inspect(globalThis) printed the cache, and the values in it (in plain Node).
test('the state shared by copies of the package is not enumerable on globalThis: a copy or a dump of the globals leaves it out', async () => {
  const store = memoryStore({ secrets: { 'registry/shown': 'CANARY-global-value' } })
  const mw = secrets({ context: { shown: secret('registry/shown') }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger })
  await mw.refresh('shown')
  const state = Symbol.for('middy-secrets.shared-state.v3')
  expect(Object.getOwnPropertyDescriptor(globalThis, state)).toMatchObject({ enumerable: false })
  expect(Object.getOwnPropertySymbols({ ...globalThis })).not.toContain(state)
  expect(inspect(globalThis, { depth: 8 })).not.toContain('CANARY-global-value')
})

test('each middleware is asked only for the names it declares', async () => {
  const first = memoryStore({ secrets: { 'registry/one': '1' } })
  const second = memoryStore({ secrets: { 'registry/two': '2' } })
  const a = secrets({ context: { regOne: secret('registry/one') }, stores: { secretsManager: first }, prefetch: false, logger: silentLogger })
  const b = secrets({ context: { regTwo: secret('registry/two') }, stores: { secretsManager: second }, prefetch: false, logger: silentLogger })
  await refresh(['regOne', 'regTwo'])
  expect([first.count('GetSecretValue'), second.count('GetSecretValue')]).toEqual([1, 1])
  expect([a, b]).toBeDefined()
})

test('the list of middlewares stays as long as the ones in use, however many were made and dropped', async () => {
  // The registry as lib/registry.ts made it (shared() hands out the existing one).
  const registered = (): number => shared<{ registered: unknown[] }>('registry', () => ({ registered: [] })).registered.length
  const store = memoryStore({ secrets: { 'registry/many': 'v' } })
  const make = (): void => void secrets({ context: { many: secret('registry/many') }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger })
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 200; i++) make()
    await collectGarbage()
  }
  make()
  expect(registered()).toBeLessThan(300) // 1,001 made, none in use: at most what was made since the last pruning
})
