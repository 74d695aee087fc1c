/** inject.ts: transforms memoized per key, all-or-nothing injection, every failure in one error. */
import { jest } from '@jest/globals'
import { clearCache, parameters, secret, secrets, SecretsError, type Store } from '../lib/index.js'
import type { Logger } from '../lib/store.js'
import { memoryStore } from '../lib/testing/index.js'
import { runBefore } from './support/store-results.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }

beforeEach(() => clearCache())
afterEach(() => {
  jest.restoreAllMocks()
  delete process.env.INJECT_OK
})

const before = runBefore

test('a warm invocation reuses the transformed value (no new parse); a new raw value makes a new one', async () => {
  let now = Date.UTC(2030, 0, 1)
  jest.spyOn(Date, 'now').mockImplementation(() => now)
  const store = memoryStore({ secrets: { j: '{"a":1}' } })
  const mw = secrets({ context: { j: secret('j', { transform: 'json', ttl: 10 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, jitter: 0 })
  const parse = jest.spyOn(JSON, 'parse')
  const first = (await before(mw)).j
  const second = (await before(mw)).j
  expect(second).toBe(first) // the same object: memoized, not parsed again
  expect(parse).toHaveBeenCalledTimes(1)
  store.setSecret('j', '{"a":2}')
  now += 11_000
  const third = (await before(mw)).j
  expect(third).toEqual({ a: 2 })
  expect(parse).toHaveBeenCalledTimes(2)
  now += 11_000 // expired again, same raw value: the memo still holds
  expect((await before(mw)).j).toBe(third)
})

test('two keys of one secret keep their own transforms', async () => {
  const store = memoryStore({ secrets: { j: '{"user":"u","port":5432}' } })
  const mw = secrets({
    context: { whole: secret('j', { transform: 'json' }), user: secret('j', { field: 'user' }), text: secret('j') },
    env: { INJECT_OK: secret('j', { field: 'port' }) },
    stores: { secretsManager: store },
    prefetch: false,
    logger: quiet,
  })
  const context = await before(mw)
  expect(context).toEqual({ whole: { user: 'u', port: 5432 }, user: 'u', text: '{"user":"u","port":5432}' })
  expect(process.env.INJECT_OK).toBe('5432')
  expect(store.count()).toBe(1)
})

test('a parameter named __proto__ is an own key of a parameters() object', async () => {
  const values = Object.create(null) as Record<string, string>
  Object.defineProperty(values, '__proto__', { value: 'p', enumerable: true })
  values.other = 'o'
  const store: Store = { name: 'proto', fetch: async (requests) => requests.map(() => ({ ok: true, value: values })) }
  const context = await before(secrets({ context: { all: parameters('/app') }, stores: { ssm: store }, prefetch: false, logger: quiet }))
  const all = context.all as Record<string, unknown>
  expect(Object.keys(all).sort()).toEqual(['__proto__', 'other'])
  expect(Object.getOwnPropertyDescriptor(all, '__proto__')?.value).toBe('p')
  expect(Object.getPrototypeOf(all)).toBe(Object.prototype)
})

test('fetch failures and transform failures come together, in declaration order, and nothing is injected', async () => {
  const store = memoryStore({ secrets: { ok: 'fine', bad: 'not json', worse: 'x' } })
  store.fail('missing', 'ResourceNotFoundException')
  const mw = secrets({
    context: { a: secret('bad', { transform: 'json' }), b: secret('missing'), c: secret('ok'), d: secret('worse', { transform: 'json' }) },
    env: { INJECT_OK: secret('ok') },
    stores: { secretsManager: store },
    prefetch: false,
    logger: quiet,
  })
  const context: Record<string, unknown> = {}
  const error = await before(mw, context).then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(SecretsError)
  expect((error as SecretsError).failures.map((f) => [f.key, f.code])).toEqual([
    ['a', 'TransformError'],
    ['b', 'ResourceNotFoundException'],
    ['d', 'TransformError'],
  ])
  expect(context).toEqual({})
  expect(process.env.INJECT_OK).toBeUndefined()
})
