/**
 * direct.ts: load() and the get functions, outside any middleware, on the same cache: a value
 * loaded here and declared in a middleware is one entry and one fetch.
 */
import { jest } from '@jest/globals'
import {
  appConfig,
  clearCache,
  getAppConfig,
  getItem,
  getItems,
  getParameter,
  getParameters,
  getSecret,
  item,
  load,
  parameter,
  secret,
  secrets,
  SecretsError,
  ConfigError,
} from '../lib/index.js'
import type { Logger } from '../lib/store.js'
import { plainDataKey } from '../lib/stores/defaults.js'
import { startAwsServer, type AwsServer } from '../lib/testing/aws-server/index.js'
import { memoryStore, type MemoryStore } from '../lib/testing/index.js'
import { runBefore } from './support/store-results.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }
let store: MemoryStore
let stores: { secretsManager: MemoryStore; ssm: MemoryStore; appConfig: MemoryStore; dynamodb: MemoryStore }

beforeEach(() => {
  clearCache()
  store = memoryStore({
    secrets: { 'prod/db': '{"username":"u","password":"p"}', 'prod/api': 'k-1' },
    parameters: { '/prod/url': 'https://x', '/prod/flags/a': '1', '/prod/flags/b': '2' },
    appConfig: { 'shop/prod/flags': '{"newCheckout":true}' },
    dynamodb: {
      config: { partitionKey: 'id', items: [{ id: 'limits', value: '{"max":5}' }, { id: 'count', value: 7 }] },
      tenants: { partitionKey: 'id', sortKey: 'sk', items: [{ id: 't1', sk: 'a', value: 'one' }, { id: 't1', sk: 'b', value: 'two' }] },
    },
  })
  stores = { secretsManager: store, ssm: store, appConfig: store, dynamodb: store }
})
afterEach(() => jest.restoreAllMocks())

describe('load()', () => {
  test('resolves a whole map at once, typed like the context, batched in one store call', async () => {
    const values = await load(
      {
        db: secret<{ username: string }>('prod/db', { transform: 'json' }),
        url: parameter('/prod/url'),
        flags: appConfig<{ newCheckout: boolean }>('shop', 'prod', 'flags', { transform: 'json', ttl: 60 }),
        limits: item<{ max: number }>('config', 'limits', { transform: 'json' }),
      },
      { stores, logger: quiet },
    )
    const username: string = values.db.username
    const checkout: boolean = values.flags.newCheckout
    expect([username, values.url, checkout, values.limits.max]).toEqual(['u', 'https://x', true, 5])
    expect(store.fetches).toBe(1)
  })

  test('a fresh value costs nothing the second time; forceFetch fetches again', async () => {
    await load({ db: secret('prod/db') }, { stores })
    await load({ db: secret('prod/db') }, { stores })
    expect(store.count()).toBe(1)
    store.setSecret('prod/db', 'changed')
    expect(await load({ db: secret('prod/db') }, { stores, forceFetch: true })).toEqual({ db: 'changed' })
    expect(store.count()).toBe(2)
  })

  test('one cache with the middleware: loaded in init code, declared in the handler, fetched once', async () => {
    await load({ db: secret('prod/db', { transform: 'json' }) }, { stores })
    const context = await runBefore(secrets({ context: { db: secret('prod/db', { transform: 'json' }) }, stores, prefetch: false, logger: quiet }))
    expect(context.db).toEqual({ username: 'u', password: 'p' })
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('every failed key in one SecretsError; bad options are a ConfigError naming the option', async () => {
    store.fail('prod/api', 'AccessDeniedException')
    const error = await load({ a: secret('prod/api'), b: secret('missing') }, { stores, logger: quiet }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretsError)
    expect((error as SecretsError).failures.map((f) => [f.key, f.code])).toEqual([
      ['a', 'AccessDeniedException'],
      ['b', 'ResourceNotFoundException'],
    ])
    // load() has no context: its failures and paths name its own keys.
    expect((error as SecretsError).failures.map((f) => f.target)).toEqual(['load', 'load'])
    expect((error as SecretsError).message).toContain("  - a (memory 'prod/api'): AccessDeniedException")
    expect((error as SecretsError).message).not.toContain('context.')
    const badTtl = await load({ a: secret('x', { ttl: -1 }) }, { stores }).catch((e: unknown) => e)
    expect(badTtl).toMatchObject({ name: 'ConfigError', option: 'a.ttl', message: expect.stringMatching(/^middy-secrets: option 'a\.ttl' must /) })
    await expect(load({ a: secret('x') }, { stores, timeoutMs: 0 })).rejects.toMatchObject({ name: 'ConfigError', option: 'timeoutMs', message: "middy-secrets: option 'timeoutMs' must be a number of milliseconds > 0, got 0" })
    // A number as text is not a number, even though '100' > 0.
    await expect(load({ a: secret('x') }, { stores, timeoutMs: '100' as unknown as number })).rejects.toMatchObject({ name: 'ConfigError', option: 'timeoutMs' })
  })

  test.each(['context', 'env', 'prefetch', 'refreshOn', 'internal'])("a middleware's own option from JavaScript (%s) is refused, not ignored: nothing is fetched and process.env is untouched", async (option) => {
    const given = { stores, [option]: option === 'refreshOn' ? () => true : option === 'env' || option === 'context' ? { LEAK: secret('prod/api') } : true }
    const error = await load({ a: secret('prod/api') }, given as object).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'ConfigError', option, message: expect.stringContaining('is an option of secrets() (the middleware) only') })
    const viaGet = await getSecret('prod/api', given as object).catch((e: unknown) => e)
    expect(viaGet).toMatchObject({ name: 'ConfigError', option })
    const leaked = process.env.LEAK
    delete process.env.LEAK // never left behind for the next test, whatever happened
    expect(leaked).toBeUndefined()
    expect(store.count('GetSecretValue')).toBe(0)
  })

  test('forceFetch that is not true or false is a ConfigError naming it, and fetches nothing', async () => {
    await load({ a: secret('prod/api') }, { stores })
    for (const forceFetch of ['no', 1, null]) {
      const given = { stores, forceFetch: forceFetch as unknown as boolean }
      await expect(load({ a: secret('prod/api') }, given)).rejects.toMatchObject({ name: 'ConfigError', option: 'forceFetch', message: expect.stringContaining('must be true or false') })
      await expect(getSecret('prod/api', given)).rejects.toMatchObject({ name: 'ConfigError', option: 'forceFetch' })
    }
    expect(store.count('GetSecretValue')).toBe(1)
  })

  test('timeoutMs bounds the wait: DeadlineExceeded', async () => {
    store.setLatency(2_000)
    const started = Date.now()
    const error = (await load({ a: secret('prod/api') }, { stores, timeoutMs: 100, retries: 0 }).catch((e: unknown) => e)) as SecretsError
    expect(error.failures[0]!.code).toBe('DeadlineExceeded')
    expect(Date.now() - started).toBeLessThan(1_500)
  })
})

describe('the get functions', () => {
  test('one value each, with key options and load options side by side', async () => {
    expect(await getSecret('prod/db', { transform: 'json', stores })).toEqual({ username: 'u', password: 'p' })
    expect(await getSecret('prod/db', { field: 'password', stores })).toBe('p')
    expect(await getParameter('/prod/url', { stores })).toBe('https://x')
    expect(await getParameters('/prod/flags', { stores })).toEqual({ a: '1', b: '2' })
    expect(await getAppConfig('shop', 'prod', 'flags', { transform: 'json', stores })).toEqual({ newCheckout: true })
    expect(await getItem('config', 'count', { stores })).toBe(7)
    expect(await getItems('tenants', 't1', { stores })).toEqual({ a: 'one', b: 'two' })
  })

  test('a failure names the value, not an internal key', async () => {
    const error = (await getSecret('nope', { stores, logger: quiet }).catch((e: unknown) => e)) as SecretsError
    expect(error).toBeInstanceOf(SecretsError)
    expect(error.failures[0]).toMatchObject({ key: 'nope', name: 'nope', code: 'ResourceNotFoundException' })
    expect(error.message).toContain("  - memory 'nope': ResourceNotFoundException")
    expect(error.message).not.toContain('context.')
    await expect(getSecret('x', { ttl: -5, stores })).rejects.toMatchObject({ option: 'ttl', message: expect.stringMatching(/^middy-secrets: option 'ttl' must /) })
  })

  test('a misspelt option is a ConfigError listing what that function accepts, not the middleware\'s options', async () => {
    const allowedIn = (error: unknown): string[] => /allowed: (.*)$/.exec((error as Error).message)![1]!.split(', ')
    const middlewareOnly = ['context', 'env', 'prefetch', 'refreshOn', 'internal']
    const viaSecret = await getSecret('prod/api', { trasform: 'json', stores } as never).catch((e: unknown) => e)
    expect(viaSecret).toMatchObject({ name: 'ConfigError', option: 'trasform', message: expect.stringContaining('is not an option of getSecret()') })
    expect(allowedIn(viaSecret)).toEqual(expect.arrayContaining(['transform', 'field', 'versionStage', 'ttl', 'optional', 'stores', 'timeoutMs', 'forceFetch']))
    expect(allowedIn(viaSecret)).not.toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^(${middlewareOnly.join('|')}|decrypt)$`))]))
    expect(new Set(allowedIn(viaSecret)).size).toBe(allowedIn(viaSecret).length) // ttl is both a key's and load()'s: listed once
    const viaParameter = await getParameter('/prod/url', { versionStage: 'AWSCURRENT', stores } as never).catch((e: unknown) => e)
    expect(viaParameter).toMatchObject({ name: 'ConfigError', option: 'versionStage' })
    expect(allowedIn(viaParameter)).toEqual(expect.arrayContaining(['decrypt', 'label', 'timeoutMs']))
    // load() takes no key options: its list is its own options, timeoutMs and forceFetch with them.
    const viaLoad = await load({ a: secret('prod/api') }, { stores, timeoutMS: 5 } as never).catch((e: unknown) => e)
    expect(viaLoad).toMatchObject({ name: 'ConfigError', option: 'timeoutMS', message: expect.stringContaining('is not an option of load()') })
    expect(allowedIn(viaLoad)).toEqual(expect.arrayContaining(['timeoutMs', 'forceFetch', 'stores', 'ttl']))
    expect(allowedIn(viaLoad)).not.toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^(${middlewareOnly.join('|')}|transform)$`))]))
    expect(store.count()).toBe(0)
  })

  test('optional: undefined (or the default) when the value does not exist', async () => {
    expect(await getSecret('prod/db', { versionStage: 'AWSPREVIOUS', optional: true, stores })).toBeUndefined()
    expect(await getItem('config', 'absent', { optional: true, default: 'fallback', stores })).toBe('fallback')
  })
})

describe("load()'s declarations are its own, not a Lambda context", () => {
  test('a key may be named like a Lambda context property: load() returns a plain object', async () => {
    const store = memoryStore({ secrets: { s: 'v' } })
    expect(await load({ identity: secret('s'), functionName: secret('s') }, { stores: { secretsManager: store } })).toEqual({ identity: 'v', functionName: 'v' })
  })

  test('no declarations: a ConfigError that names load()\'s own argument, not a middleware option', async () => {
    for (const declarations of [{}, null, 'prod/db', []]) {
      const error = await load(declarations as never).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).option).toBe('declarations')
      expect((error as ConfigError).message).not.toMatch(/context|env/)
    }
  })

  test('__proto__ is still refused: assigned on the plain object, it would set the prototype', async () => {
    const error = await load({ ['__proto__']: secret('s') }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('__proto__')
  })
})

// A plan is kept only when the declarations and options are plain data: here no store objects,
// but clientOptions toward the local AWS stand-in. Each test makes the kept plan first.
describe('a kept plan serves only a call that declares the same', () => {
  let server: AwsServer
  let clientOptions: Record<string, unknown>
  beforeAll(async () => {
    server = await startAwsServer({ seed: { secrets: { 'plan/a': 'A' }, dynamodb: { config: { partitionKey: 'id', items: [] } } } })
    clientOptions = { endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' } }
  })
  afterAll(() => server.close())

  test('ttl: NaN is a ConfigError, also after the same call with ttl: Infinity', async () => {
    expect(await getSecret('plan/a', { ttl: Infinity, clientOptions })).toBe('A')
    await expect(getSecret('plan/a', { ttl: Number.NaN, clientOptions })).rejects.toMatchObject({ name: 'ConfigError', option: 'ttl' })
    await expect(getSecret('plan/a', { ttl: -Infinity, clientOptions })).rejects.toMatchObject({ name: 'ConfigError', option: 'ttl' })
  })

  test("an optional missing value is this call's default, not an earlier call's", async () => {
    expect(await getItem('config', 'absent', { optional: true, default: null, clientOptions })).toBeNull()
    expect(await getItem('config', 'absent', { optional: true, default: Infinity, clientOptions })).toBe(Infinity)
    expect(await getItem('config', 'absent', { optional: true, default: 0, clientOptions })).toBe(0)
    expect(await getItem('config', 'absent', { optional: true, default: -0, clientOptions })).toBe(-0)
  })

  test('default without optional is a ConfigError, also default: undefined after the same call without it', async () => {
    expect(await load({ a: secret('plan/a') }, { clientOptions })).toEqual({ a: 'A' })
    await expect(load({ a: secret('plan/a', { default: undefined }) }, { clientOptions })).rejects.toMatchObject({ name: 'ConfigError', option: 'a.default' })
  })

  test('values and failures in declaration order, whatever order an earlier call declared', async () => {
    expect(Object.keys(await load({ a: secret('plan/a'), b: secret('plan/a') }, { clientOptions }))).toEqual(['a', 'b'])
    expect(Object.keys(await load({ b: secret('plan/a'), a: secret('plan/a') }, { clientOptions }))).toEqual(['b', 'a'])
    await expect(load({ x: secret('plan/missing-x'), y: secret('plan/missing-y') }, { clientOptions, logger: quiet })).rejects.toBeInstanceOf(SecretsError)
    const error = await load({ y: secret('plan/missing-y'), x: secret('plan/missing-x') }, { clientOptions, logger: quiet }).catch((e: unknown) => e)
    expect((error as SecretsError).failures.map((f) => f.key)).toEqual(['y', 'x'])
  })

  test('store options: a number that is not finite is not null (two stores), and the same content is one key', () => {
    const keys = [Infinity, -Infinity, Number.NaN, null, 0].map((maxAttempts) => plainDataKey({ maxAttempts }))
    expect(new Set(keys).size).toBe(keys.length)
    expect(plainDataKey({ region: 'r', maxAttempts: 3, retryMode: undefined })).toBe(plainDataKey({ maxAttempts: 3, region: 'r' }))
  })
})
