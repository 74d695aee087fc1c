/** inject.ts: transforms memoized per key, all-or-nothing injection, every failure in one error. */
import { jest } from '@jest/globals'
import { clearCache, item, items, parameters, secret, secrets, SecretsError, type Store } from '../lib/index.js'
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

// Found by review: README, Transforms, "a number JSON cannot carry exactly ... fails with
// TransformError rather than be written with other digits"; only integers beyond 2^53 and
// overflow were refused, and 1e-400 was written as '0'.
test.each([
  ['underflows to 0', '{"n":1e-400}', { field: 'n' }],
  ['has more digits than a double keeps', '{"n":0.12345678901234567890}', { field: 'n' }],
  ['is the double of 0.1, spelled with more digits', '{"n":0.10000000000000001}', { field: 'n' }],
  ['is bytes (SecretBinary) holding such JSON', new TextEncoder().encode('{"n":1e-400}'), { field: 'n' }],
])('an env key whose JSON number %s fails with TransformError, and nothing is written', async (_label, value, options) => {
  const store: Store = { name: 'numbers', fetch: async (requests) => requests.map(() => ({ ok: true, value })) }
  const error = await before(secrets({ env: { INJECT_OK: secret('n', options) }, stores: { secretsManager: store }, prefetch: false, logger: quiet })).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect((error as SecretsError).failures.map((f) => [f.key, f.code, f.message])).toEqual([
    ['INJECT_OK', 'TransformError', expect.stringContaining('is a number with more precision than JSON numbers are read with (a double); store it as a string')],
  ])
  expect(process.env.INJECT_OK).toBeUndefined()
})

test('an env key whose JSON number a double holds exactly is written as the double prints it', async () => {
  const store = memoryStore({ secrets: { j: '{"a":{"n":0.1},"n":1.50e2,"m":-0.1}' } })
  const mw = secrets({ env: { INJECT_OK: secret('j', { field: 'n' }), INJECT_M: secret('j', { field: 'm' }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
  await before(mw)
  expect([process.env.INJECT_OK, process.env.INJECT_M]).toEqual(['150', '-0.1'])
  delete process.env.INJECT_M
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

test('a parameters() object belongs to the handler: its keys are writable and deletable', async () => {
  const store = memoryStore({ parameters: { '/app/a': '1', '/app/b': '2' } })
  const params = (await before(secrets({ context: { p: parameters('/app') }, stores: { ssm: store }, prefetch: false, logger: quiet }))).p as Record<string, unknown>
  params.a = 'changed'
  expect(params.a).toBe('changed')
  expect(delete params.b).toBe(true)
  expect(params).toEqual({ a: 'changed' })
})

test('items() applies its transform to each item value', async () => {
  const store = memoryStore({ dynamodb: { t: { partitionKey: 'id', sortKey: 'sk', items: [{ id: 'p', sk: 'x', value: '{"n":1}' }, { id: 'p', sk: 'y', value: '{"n":2}' }] } } })
  const context = await before(secrets({ context: { all: items('t', 'p', { transform: 'json' }) }, stores: { dynamodb: store }, prefetch: false, logger: quiet }))
  expect(context.all).toEqual({ x: { n: 1 }, y: { n: 2 } })
})

// A handler that wipes its key material after use (bytes.fill(0)), or changes a map it got, must
// not change another key's value, nor what the cache hands out next.
test("keys of one entry never share an object: bytes and DynamoDB maps are each key's own", async () => {
  const store = memoryStore({
    secrets: { bin: new Uint8Array([1, 2, 3]) },
    dynamodb: { t: { partitionKey: 'id', items: [{ id: 'k', value: { db: { host: 'h' } } }] }, many: { partitionKey: 'id', sortKey: 'sk', items: [{ id: 'p', sk: 'x', value: { n: 1 } }] } },
  })
  const mw = secrets({
    context: { raw: secret('bin'), decoded: secret('bin', { transform: 'base64' }), whole: item('t', 'k'), db: item('t', 'k', { field: 'db' }), all: items('many', 'p'), again: items('many', 'p') },
    stores: { secretsManager: store, dynamodb: store },
    prefetch: false,
    logger: quiet,
  })
  const first = await before(mw)
  ;(first.raw as Uint8Array).fill(0)
  ;((first.whole as { db: { host: string } }).db).host = 'changed'
  ;((first.all as { x: { n: number } }).x).n = 99
  expect(Array.from(first.decoded as Uint8Array)).toEqual([1, 2, 3])
  expect(first.db).toEqual({ host: 'h' })
  expect(first.again).toEqual({ x: { n: 1 } })
  // Nor what the cache holds: another middleware's keys of the same entries get the values intact.
  const other = await before(secrets({ context: { raw: secret('bin'), whole: item('t', 'k') }, stores: { secretsManager: store, dynamodb: store }, prefetch: false, logger: quiet }))
  expect(store.count()).toBe(3) // no new fetch: the same cache entries
  expect(Array.from(other.raw as Uint8Array)).toEqual([1, 2, 3])
  expect(other.whole).toEqual({ db: { host: 'h' } })
})

test("'auto' on item() reads its key's suffix (the sort key's when it has one), not its table's", async () => {
  const store = memoryStore({
    dynamodb: {
      config: { partitionKey: 'id', items: [{ id: 'limits.json', value: '{"n":1}' }, { id: 'plain', value: '{"n":2}' }] },
      'files.json': { partitionKey: 'id', sortKey: 'sk', items: [{ id: 'p', sk: 'a.json', value: '{"n":3}' }, { id: 'p', sk: 'b', value: '{"n":4}' }] },
    },
  })
  const context = await before(
    secrets({
      context: {
        byKey: item('config', 'limits.json', { transform: 'auto' }),
        noSuffix: item('config', 'plain', { transform: 'auto' }),
        bySortKey: item('files.json', 'p', { sortKey: 'a.json', transform: 'auto' }),
        tableSuffixOnly: item('files.json', 'p', { sortKey: 'b', transform: 'auto' }),
      },
      stores: { dynamodb: store },
      prefetch: false,
      logger: quiet,
    }),
  )
  expect(context).toMatchObject({ byKey: { n: 1 }, noSuffix: '{"n":2}', bySortKey: { n: 3 }, tableSuffixOnly: '{"n":4}' })
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

describe('optional keys', () => {
  test('a stage no version holds yet (AWSPREVIOUS before the first rotation) is undefined, asked once per TTL', async () => {
    let now = Date.UTC(2030, 0, 1)
    jest.spyOn(Date, 'now').mockImplementation(() => now)
    const store = memoryStore({ secrets: { db: 'v1' } })
    const mw = secrets({
      context: { db: secret('db'), previous: secret('db', { versionStage: 'AWSPREVIOUS', optional: true, ttl: 60 }) },
      stores: { secretsManager: store },
      prefetch: false,
      logger: quiet,
      jitter: 0,
    })
    expect(await before(mw)).toEqual({ db: 'v1', previous: undefined })
    expect(await before(mw)).toEqual({ db: 'v1', previous: undefined })
    // AWSCURRENT and AWSPREVIOUS, each twice (first seen by one fetch, the pair is read again: a
    // rotation between the two calls would pair a new AWSCURRENT with no AWSPREVIOUS), then the
    // absence is cached: nothing more.
    expect(store.count('GetSecretValue')).toBe(4)
    store.rotate('db', 'v2')
    now += 61_000
    expect(await before(mw)).toEqual({ db: 'v2', previous: 'v1' })
  })

  test('default instead of undefined; in env, an absent optional key is unset', async () => {
    process.env.INJECT_OK = 'stale from an earlier invocation'
    const store = memoryStore({ secrets: {} })
    const mw = secrets({
      context: { flags: secret('flags', { transform: 'json', optional: true, default: { beta: false } }) },
      env: { INJECT_OK: secret('api', { optional: true }) },
      stores: { secretsManager: store },
      prefetch: false,
      logger: quiet,
    })
    expect(await before(mw)).toEqual({ flags: { beta: false } })
    expect('INJECT_OK' in process.env).toBe(false)
  })

  test('a default given to env is injected as the text env holds, in process.env and request.internal alike', async () => {
    const mw = secrets({ env: { INJECT_OK: secret('absent', { optional: true, default: 5 }) }, stores: { secretsManager: memoryStore({ secrets: {} }) }, prefetch: false, logger: quiet, internal: true })
    const request = { event: {}, context: {}, response: undefined, error: undefined, internal: {} as Record<string, unknown> }
    await (mw.before as (r: unknown) => Promise<void>)(request)
    expect(process.env.INJECT_OK).toBe('5')
    expect(request.internal.INJECT_OK).toBe('5')
  })

  test('any other failure still fails the key: denied is not absent', async () => {
    const store = memoryStore({ secrets: { db: 'v1' } })
    store.fail('db', { code: 'AccessDeniedException', times: 5 })
    const mw = secrets({ context: { db: secret('db', { optional: true }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
    const error = await before(mw).catch((e: unknown) => e)
    expect((error as SecretsError).failures.map((f) => [f.key, f.code])).toEqual([['db', 'AccessDeniedException']])
  })

  test('a key that is not optional and shares the entry still fails when the value does not exist', async () => {
    const store = memoryStore({ secrets: { db: 'v1' } })
    const mw = secrets({
      context: { maybe: secret('db', { versionStage: 'AWSPREVIOUS', optional: true }), must: secret('db', { versionStage: 'AWSPREVIOUS' }) },
      stores: { secretsManager: store },
      prefetch: false,
      logger: quiet,
    })
    const error = (await before(mw).catch((e: unknown) => e)) as SecretsError
    expect(error.failures.map((f) => [f.key, f.code])).toEqual([['must', 'ResourceNotFoundException']])
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('default without optional is a ConfigError', () => {
    expect(() => secrets({ context: { a: secret('a', { default: 'x' } as never) }, prefetch: false, stores: { secretsManager: memoryStore() } })).toThrow(
      expect.objectContaining({ option: 'context.a.default' }),
    )
  })
})

describe("middy's request.internal", () => {
  const middyRequest = () => ({ event: {}, context: {} as Record<string, unknown>, response: undefined, error: undefined, internal: Object.create(null) as Record<string, unknown> })

  test('with internal: true every key is also in request.internal, for middlewares written for @middy/secrets-manager (getInternal)', async () => {
    const { getInternal } = await import('@middy/util')
    const store = memoryStore({ secrets: { db: 'v1', api: 'k' } })
    const mw = secrets({ context: { db: secret('db') }, env: { INJECT_OK: secret('api') }, stores: { secretsManager: store }, prefetch: false, logger: quiet, internal: true })
    const request = middyRequest()
    await (mw.before as (r: unknown) => Promise<void>)(request)
    expect(await getInternal(['db', 'INJECT_OK'], request as never)).toEqual({ db: 'v1', INJECT_OK: 'k' })
    for (let i = 0; i < 3; i++) {
      const warm = middyRequest() // the warm path: the loop, then the compiled writer
      await (mw.before as (r: unknown) => unknown)(warm)
      expect({ ...warm.internal }).toEqual({ db: 'v1', INJECT_OK: 'k' })
      expect(warm.context).toEqual({ db: 'v1' })
    }
  })

  test('by default request.internal is left as it is, cold and warm', async () => {
    const mw = secrets({ context: { db: secret('db') }, env: { INJECT_OK: secret('api') }, stores: { secretsManager: memoryStore({ secrets: { db: 'v1', api: 'k' } }) }, prefetch: false, logger: quiet })
    for (let i = 0; i < 3; i++) {
      const request = middyRequest()
      request.internal.other = 'theirs'
      await (mw.before as (r: unknown) => unknown)(request)
      expect({ ...request.internal }).toEqual({ other: 'theirs' })
      expect(request.context).toEqual({ db: 'v1' })
    }
  })

  test('internal must be a boolean', () => {
    expect(() => secrets({ context: { db: secret('db') }, internal: 'yes' as never, prefetch: false, stores: { secretsManager: memoryStore() } })).toThrow(expect.objectContaining({ option: 'internal' }))
  })
})

describe('the writer compiled for a plan (warm path)', () => {
  // (`__proto__` is refused at secrets() time: on the ordinary objects middy passes, assigning it sets the prototype.)
  const odd = ['a"b', 'back\\slash', 'line\nbreak', 'sep\u2028x', 'constructor', 'hasOwnProperty', '${x}', "it's"]
  const declarations = Object.fromEntries(odd.map((key, i) => [key, secret(`s${i}`)]))
  const seedOf = () => memoryStore({ secrets: Object.fromEntries(odd.map((_, i) => [`s${i}`, `value-${i}`])) })
  const expectedOwn = (target: object) => odd.forEach((key, i) => expect(Object.getOwnPropertyDescriptor(target, key)?.value).toBe(`value-${i}`))

  test('keys of any spelling land as own properties, the same on every invocation (loop first, then compiled)', async () => {
    const mw = secrets({ context: declarations, stores: { secretsManager: seedOf() }, prefetch: false, logger: quiet, internal: true })
    const compile = jest.spyOn(globalThis, 'Function')
    for (let i = 0; i < 4; i++) {
      const request = { event: {}, context: Object.create(null) as Record<string, unknown>, response: undefined, error: undefined, internal: Object.create(null) as Record<string, unknown> }
      await (mw.before as (r: unknown) => unknown)(request)
      expectedOwn(request.context)
      expectedOwn(request.internal)
    }
    expect(compile).toHaveBeenCalledTimes(1) // on the second injection, once
    const code = String(compile.mock.calls[0]!.at(-1))
    for (let i = 0; i < odd.length; i++) expect(code).not.toContain(`value-${i}`) // names only, never a value
  })

  test('context keys stay out of process.env and env keys out of the context, loop and compiled alike', async () => {
    const mw = secrets({ context: { INJECT_CTX: secret('s0') }, env: { INJECT_OK: secret('s1') }, stores: { secretsManager: seedOf() }, prefetch: false, logger: quiet })
    const compile = jest.spyOn(globalThis, 'Function')
    try {
      for (let i = 0; i < 3; i++) {
        const request = { event: {}, context: {} as Record<string, unknown>, response: undefined, error: undefined, internal: {} as Record<string, unknown> }
        await (mw.before as (r: unknown) => unknown)(request)
        expect(request.context).toEqual({ INJECT_CTX: 'value-0' })
        expect(process.env.INJECT_OK).toBe('value-1')
        expect('INJECT_CTX' in process.env).toBe(false)
      }
      expect(compile.mock.results.map((r) => r.type)).toEqual(['return']) // the writer for both targets compiles
    } finally {
      delete process.env.INJECT_CTX
    }
  })

  test('where code generation is not allowed, the loop goes on serving', async () => {
    const mw = secrets({ context: { db: secret('s0') }, env: { INJECT_OK: secret('s1') }, stores: { secretsManager: seedOf() }, prefetch: false, logger: quiet, internal: true })
    jest.spyOn(globalThis, 'Function').mockImplementation(() => {
      throw new EvalError('Code generation from strings disallowed for this context')
    })
    for (let i = 0; i < 3; i++) {
      const request = { event: {}, context: {} as Record<string, unknown>, response: undefined, error: undefined, internal: {} as Record<string, unknown> }
      await (mw.before as (r: unknown) => unknown)(request)
      expect(request.context).toEqual({ db: 'value-0' })
      expect(request.internal).toEqual({ db: 'value-0', INJECT_OK: 'value-1' })
      expect(process.env.INJECT_OK).toBe('value-1')
    }
  })
})

describe('field on a structured DynamoDB value', () => {
  const store = memoryStore({
    dynamodb: {
      config: {
        partitionKey: 'id',
        items: [
          { id: 'db', value: { host: 'db.internal', port: 5432 } },
          { id: 'hosts', value: ['a', 'b'] },
          { id: 'text', value: '{"host":"from-text"}' },
        ],
      },
    },
  })
  const options = { stores: { dynamodb: store }, prefetch: false, logger: quiet }

  test('a map: field picks from it as it is, to context and to env (was a TransformError: json needs text)', async () => {
    const mw = secrets({ context: { host: item('config', 'db', { field: 'host' }), text: item('config', 'text', { field: 'host' }) }, env: { INJECT_OK: item('config', 'db', { field: 'port' }) }, ...options })
    expect(await before(mw)).toEqual({ host: 'db.internal', text: 'from-text' })
    expect(process.env.INJECT_OK).toBe('5432')
  })

  test("a map declared with transform 'json' is a TransformError (json is for text), not passed through", async () => {
    const error = await before(secrets({ context: { db: item('config', 'db', { transform: 'json' }) }, ...options })).catch((e: unknown) => e)
    expect((error as SecretsError).failures[0]).toMatchObject({ key: 'db', code: 'TransformError', message: expect.stringContaining("is a map, not text, so transform 'json' cannot apply") })
  })

  test('a list has no fields: a TransformError that says so', async () => {
    const error = await before(secrets({ context: { h: item('config', 'hosts', { field: 'host' }) }, ...options })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretsError)
    expect((error as SecretsError).failures[0]).toMatchObject({ code: 'TransformError', message: expect.stringContaining("field 'host' cannot be picked") })
  })
})

// The warm path's shortcut holds the last plan weakly, with a WeakRef made once per plan, not per switch.
test('two middlewares on one handler: warm invocations create no WeakRef', async () => {
  const store = memoryStore({ secrets: { a: 'va', b: 'vb' } })
  const one = secrets({ context: { a: secret('a') }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
  const two = secrets({ context: { b: secret('b') }, stores: { secretsManager: store }, prefetch: false, logger: quiet })
  for (let i = 0; i < 3; i++) {
    const context = {}
    await runBefore(one, context)
    await runBefore(two, context)
  }
  const Original = globalThis.WeakRef
  let made = 0
  globalThis.WeakRef = class extends Original<object> {
    constructor(target: object) {
      super(target)
      made += 1
    }
  } as typeof WeakRef
  try {
    for (let i = 0; i < 100; i++) {
      const context = {}
      await runBefore(one, context)
      await runBefore(two, context)
    }
  } finally {
    globalThis.WeakRef = Original
  }
  expect(made).toBe(0)
})
