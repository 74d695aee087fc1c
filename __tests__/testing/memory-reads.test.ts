/**
 * testing/memory-reads.ts, through the memory store: AppConfig configurations (appConfig) and
 * DynamoDB items (item, items) read from the model, the call log and faults for them, and the
 * helpers that change them.
 */
import type { ReadOperation, StoreRequest } from '../../lib/store.js'
import { isTextualContentType } from '../../lib/testing/memory-reads.js'
import { memoryStore, type MemoryOperation, SecretsModel } from '../../lib/testing/index.js'
import { failed, fetchOptions, ok, one } from './memory-harness.js'

const configReq = (name: string, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'appConfig', name, ...more })
const itemReq = (table: string, key: string | number, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'item', name: table, key: { attribute: 'id', value: key }, ...more })
const itemsReq = (table: string, partition: string, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'items', name: table, key: { attribute: 'pk', value: partition }, ...more })

describe('appConfig', () => {
  test('the deployed configuration: JSON as text, its version number as the version id', async () => {
    const store = memoryStore({ appConfig: { 'shop/prod/flags': '{"beta":true}' } })
    expect(ok(await one(store, configReq('shop/prod/flags')))).toEqual({ ok: true, value: '{"beta":true}', versionId: '1' })
  })

  test('the application, environment and profile fields, by name or id, win over the name', async () => {
    const store = memoryStore({ appConfig: { 'shop/prod/flags': '{"a":1}' } })
    const { application, environment, profile } = store.model.appConfig.resolve('shop', 'prod', 'flags')
    const byIds = await one(store, configReq('whatever', { application: application.id, environment: environment.id, profile: profile.id }))
    expect(ok(byIds).value).toBe('{"a":1}')
  })

  test('setConfiguration deploys a new version; a label is the version id', async () => {
    const store = memoryStore({ appConfig: { 'shop/prod/flags': '{"v":1}' } })
    expect(store.setConfiguration('shop', 'prod', 'flags', 'v: 2', 'application/x-yaml')).toBe(2)
    expect(ok(await one(store, configReq('shop/prod/flags')))).toMatchObject({ value: 'v: 2', versionId: '2' })
    store.model.appConfig.deploy('shop', 'prod', 'flags', '{"v":3}', { versionLabel: 'release-3' })
    expect(ok(await one(store, configReq('shop/prod/flags')))).toMatchObject({ value: '{"v":3}', versionId: 'release-3' })
    expect(store.setConfiguration('new', 'env', 'profile', '{}')).toBe(1)
  })

  test('a binary content type reads as bytes, a copy of what the model holds', async () => {
    const bytes = new Uint8Array([0, 255, 7])
    const store = memoryStore({ appConfig: { 'a/e/p': { content: bytes, contentType: 'application/octet-stream' } } })
    const value = ok(await one(store, configReq('a/e/p'))).value as Uint8Array
    expect(value).toBeInstanceOf(Uint8Array)
    expect([...value]).toEqual([0, 255, 7])
    value[0] = 9
    expect([...store.model.appConfig.deployed('a', 'e', 'p').version.content]).toEqual([0, 255, 7])
  })

  test.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['text/plain', true],
    ['application/x-yaml', true],
    ['application/vnd.acme+json', true],
    ['application/xml', true],
    ['application/octet-stream', false],
    ['image/png', false],
    ['application/jsonx', false],
  ])('content type %s is textual: %s', (contentType, textual) => {
    expect(isTextualContentType(contentType)).toBe(textual)
  })

  test('an unknown application, environment or profile: ResourceNotFoundException, not retryable', async () => {
    const store = memoryStore({ appConfig: { 'shop/prod/flags': '{}' } })
    for (const name of ['nope/prod/flags', 'shop/nope/flags', 'shop/prod/nope']) {
      expect(failed(await one(store, configReq(name)))).toMatchObject({ code: 'ResourceNotFoundException', retryable: false, operation: 'GetLatestConfiguration' })
    }
    expect(failed(await one(store, configReq('shop/prod'))).code).toBe('BadRequestException')
  })
})

describe('item', () => {
  const seed = {
    dynamodb: {
      config: { partitionKey: 'id', items: [{ id: 'db', value: { host: 'h', port: 5432 } }, { id: 'flag', enabled: true }, { id: 'n', value: 7 }] },
      tenants: { partitionKey: 'pk', sortKey: 'sk', items: [{ pk: 't1', sk: 'a', value: 'A', other: 'O' }] },
    },
  }

  test('the value attribute of the item, as a plain value', async () => {
    const store = memoryStore(seed)
    expect(ok(await one(store, itemReq('config', 'db'))).value).toEqual({ host: 'h', port: 5432 })
    expect(ok(await one(store, itemReq('config', 'n'))).value).toBe(7)
    expect(ok(await one(store, itemReq('config', 'flag', { valueAttribute: 'enabled' }))).value).toBe(true)
  })

  test('a sort key and another value attribute', async () => {
    const store = memoryStore(seed)
    const request: StoreRequest = { kind: 'item', name: 'tenants', key: { attribute: 'pk', value: 't1' }, sortKey: { attribute: 'sk', value: 'a' } }
    expect(ok(await one(store, request)).value).toBe('A')
    expect(ok(await one(store, { ...request, valueAttribute: 'other' })).value).toBe('O')
  })

  test('no such item: ItemNotFound; no value attribute: AttributeNotFound; no table: ResourceNotFoundException; none retryable', async () => {
    const store = memoryStore(seed)
    expect(failed(await one(store, itemReq('config', 'missing')))).toMatchObject({ code: 'ItemNotFound', retryable: false, operation: 'GetItem' })
    expect(failed(await one(store, itemReq('config', 'flag')))).toMatchObject({ code: 'AttributeNotFound', retryable: false, operation: 'GetItem' })
    expect(failed(await one(store, itemReq('nope', 'db')))).toMatchObject({ code: 'ResourceNotFoundException', retryable: false })
    expect(failed(await one(store, { kind: 'item', name: 'tenants', key: { attribute: 'pk', value: 't1' } })).code).toBe('ValidationException')
    expect(failed(await one(store, { kind: 'item', name: 'config' })).code).toBe('ValidationException')
  })

  test('no error message quotes a value or a key value', async () => {
    const store = memoryStore({ dynamodb: { config: { partitionKey: 'id', items: [{ id: 'key-Zq9', enabled: 'value-Xw4' }] } } })
    const errors = [await one(store, itemReq('config', 'key-Zq9')), await one(store, itemReq('config', 'other-Kk2'))].map((r) => failed(r).message)
    expect(errors.join(' ')).not.toMatch(/Zq9|Xw4|Kk2/)
  })

  test('putItem and deleteItem change what is read', async () => {
    const store = memoryStore(seed)
    store.putItem('config', { id: 'db', value: 'replaced' })
    expect(ok(await one(store, itemReq('config', 'db'))).value).toBe('replaced')
    expect(store.deleteItem('config', { id: 'db' })).toBe(true)
    expect(failed(await one(store, itemReq('config', 'db'))).code).toBe('ItemNotFound')
    expect(() => store.putItem('nope', { id: 'x' })).toThrow('Requested resource not found')
  })
})

describe('items', () => {
  const seed = {
    dynamodb: {
      tenants: {
        partitionKey: 'pk',
        sortKey: 'sk',
        items: [
          { pk: 't1', sk: 'b', value: 2 },
          { pk: 't1', sk: 'a', value: 'one' },
          { pk: 't1', sk: 'meta', note: 'no value attribute' },
          { pk: 't2', sk: 'a', value: 'other partition' },
        ],
      },
      numbered: { partitionKey: 'pk', sortKey: 'n', items: [{ pk: 'p', n: 10, v: 'ten' }, { pk: 'p', n: 9, v: 'nine' }] },
    },
  }

  test('sort key value -> value, for every item of the partition that has both, in sort key order', async () => {
    const store = memoryStore(seed)
    const value = ok(await one(store, itemsReq('tenants', 't1'))).value
    expect(value).toEqual({ a: 'one', b: 2 })
    expect(Object.keys(value as object)).toEqual(['a', 'b'])
    const numbered = ok(await one(store, { ...itemsReq('numbered', 'p'), sortKeyAttribute: 'n', valueAttribute: 'v' })).value
    expect(Object.entries(numbered as object)).toEqual([
      ['9', 'nine'],
      ['10', 'ten'],
    ])
  })

  test('an empty partition is {}', async () => {
    expect(ok(await one(memoryStore(seed), itemsReq('tenants', 'nobody'))).value).toEqual({})
  })

  test('a sort key named __proto__ is an own key, not the prototype', async () => {
    const store = memoryStore({ dynamodb: { t: { partitionKey: 'pk', sortKey: 'sk', items: [{ pk: 'p', sk: '__proto__', value: { polluted: true } }] } } })
    const value = ok(await one(store, itemsReq('t', 'p'))).value as Record<string, unknown>
    expect(Object.keys(value)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true })
  })

  test('an unknown table: ResourceNotFoundException from Query', async () => {
    expect(failed(await one(memoryStore(seed), itemsReq('nope', 't1')))).toMatchObject({ code: 'ResourceNotFoundException', operation: 'Query' })
  })
})

describe('call log and faults', () => {
  test('GetLatestConfiguration, GetItem and Query per value asked, by application/environment/profile and table', async () => {
    const store = memoryStore({ appConfig: { 'a/e/p': '{}' }, dynamodb: { t: { partitionKey: 'id', items: [{ id: 'x', value: 1 }] } } })
    await store.fetch([configReq('a/e/p'), itemReq('t', 'x'), { kind: 'items', name: 't', key: { attribute: 'id', value: 'x' } }], fetchOptions())
    expect(store.calls.map((c) => [c.operation, c.name])).toEqual([
      ['GetLatestConfiguration', 'a/e/p'],
      ['GetItem', 't'],
      ['Query', 't'],
    ])
    expect([store.count('GetLatestConfiguration'), store.count('GetItem'), store.count('Query')]).toEqual([1, 1, 1])
  })

  test('fail() by application/environment/profile or by table, and by operation', async () => {
    const store = memoryStore({ appConfig: { 'a/e/p': '{}' }, dynamodb: { t: { partitionKey: 'id', items: [{ id: 'x', value: 1 }] } } })
    store.fail('a/e/p', 'ThrottlingException')
    store.fail('t', { code: 'ProvisionedThroughputExceededException', operation: 'Query' })
    const [config, item, items, again] = await store.fetch(
      [configReq('a/e/p'), itemReq('t', 'x'), { kind: 'items', name: 't', key: { attribute: 'id', value: 'x' } }, configReq('a/e/p')],
      fetchOptions(),
    )
    expect(failed(config)).toMatchObject({ code: 'ThrottlingException', retryable: true, operation: 'GetLatestConfiguration' })
    expect(ok(item).value).toBe(1)
    expect(failed(items)).toMatchObject({ code: 'ProvisionedThroughputExceededException', retryable: true, operation: 'Query' })
    expect(ok(again).value).toBe('{}')
  })

  test('a shared model and a seed: the seed is loaded into the model', async () => {
    const model = new SecretsModel({ appConfig: { 'a/e/p': '{"from":"model"}' } })
    const store = memoryStore({ dynamodb: { t: { partitionKey: 'id', items: [{ id: 'x', value: 'seeded' }] } } }, { model })
    expect(ok(await one(store, configReq('a/e/p'))).value).toBe('{"from":"model"}')
    expect(model.dynamodb.getItem('t', { id: 'x' })?.value).toBe('seeded')
  })
})

test('MemoryOperation is every read operation and DescribeSecret (spelled out, so the public types stand alone)', () => {
  type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
  const same: Same<MemoryOperation, ReadOperation | 'DescribeSecret'> = true
  expect(same).toBe(true)
})
