/**
 * stores/dynamodb.ts against the AWS stand-in over real HTTP, on both transports: GetItem for
 * one key, BatchGetItem for several (100 a call, UnprocessedKeys as retryable failures of those
 * keys only), Query over every page, every DynamoDB type, and the same answers as the memory
 * store over the same model.
 */
import { dynamoDbStore } from '../../lib/stores/dynamodb.js'
import type { Logger, Store, StoreRequest, StoreResult } from '../../lib/store.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server/index.js'
import { memoryStore } from '../../lib/testing/index.js'
import { EVERY_DYNAMODB_TYPE } from '../support/dynamodb-values.js'
import { failed, fetchOptions, ok } from '../support/store-results.js'

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-key-test' }
const PASSWORD = 'pw-dynamo-Zr8'
const pad = (i: number, width = 3): string => String(i).padStart(width, '0')

let server: AwsServer

beforeAll(async () => {
  server = await startAwsServer({
    dynamodbPageSize: 10,
    seed: {
      dynamodb: {
        config: {
          partitionKey: 'id',
          items: [
            { id: 'db', value: `{"password":"${PASSWORD}"}`, owner: 'team-a' },
            { id: 'every', value: EVERY_DYNAMODB_TYPE },
            { id: 'no-value', owner: 'team-b' },
            { id: 'proto', value: JSON.parse('{"__proto__":{"polluted":true},"plain":1}') },
          ],
        },
        many: { partitionKey: 'id', items: Array.from({ length: 150 }, (_, i) => ({ id: `k${pad(i)}`, value: i })) },
        numbers: { partitionKey: 'n', items: [{ n: 7, value: 'seven' }] },
        tenants: {
          partitionKey: 'pk',
          sortKey: 'sk',
          items: [
            ...Array.from({ length: 25 }, (_, i) => ({ pk: 't1', sk: `item-${pad(i, 2)}`, value: i })),
            { pk: 't2', sk: 'a', value: 'A' },
            { pk: 't2', sk: 'no-value' },
            { pk: 't2', sk: '__proto__', value: 'own' },
          ],
        },
        scores: { partitionKey: 'pk', sortKey: 'n', items: [{ pk: 'p', n: 2, value: 'two' }, { pk: 'p', n: 10.5, value: 'ten and a half' }] },
        blobs: { partitionKey: 'pk', sortKey: 'b', items: [{ pk: 'p', b: new Uint8Array([255, 0]), value: 'bytes' }] },
      },
    },
  })
})

afterAll(() => server.close())

beforeEach(() => {
  server.clearFaults()
  server.resetCalls()
})

const item = (table: string, id: string | number, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'item', name: table, key: { attribute: 'id', value: id }, ...more })
const tenant = (sk: string, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'item', name: 'tenants', key: { attribute: 'pk', value: 't1' }, sortKey: { attribute: 'sk', value: sk }, ...more })
const partition = (table: string, pk: string, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'items', name: table, key: { attribute: 'pk', value: pk }, ...more })
const operations = (): string[] => server.calls.map((c) => c.operation)
const many = (from: number, to: number): StoreRequest[] => Array.from({ length: to - from }, (_, i) => item('many', `k${pad(from + i)}`))

describe.each(['sdk', 'https'] as const)('over the %s transport', (transport) => {
  const makeStore = (more: { batch?: boolean } = {}): Store =>
    dynamoDbStore({ transport, clientOptions: { endpoint: server.endpoint, region: 'eu-west-1', credentials: CREDENTIALS }, ...more })
  const fetch = (store: Store, requests: StoreRequest[], logger?: Logger): Promise<StoreResult[]> => store.fetch(requests, fetchOptions(logger))

  describe('item()', () => {
    test('one key: one GetItem, the value attribute as it is stored', async () => {
      const store = makeStore()
      expect(store.name).toBe('dynamodb')
      const [db] = await fetch(store, [item('config', 'db')])
      expect(ok(db)).toEqual({ ok: true, value: `{"password":"${PASSWORD}"}` })
      expect(operations()).toEqual(['GetItem'])
    })

    test('every DynamoDB type, unmarshalled; another value attribute; a number key; a sort key', async () => {
      const store = makeStore()
      const [every, owner, seven, tenantItem] = await fetch(store, [item('config', 'every'), item('config', 'db', { valueAttribute: 'owner' }), item('numbers', 7, { key: { attribute: 'n', value: 7 } }), tenant('item-03')])
      expect(ok(every).value).toEqual(EVERY_DYNAMODB_TYPE)
      expect(ok(owner).value).toBe('team-a')
      expect(ok(seven).value).toBe('seven')
      expect(ok(tenantItem).value).toBe(3)
    })

    test('a map member named __proto__ stays a member', async () => {
      const [proto] = await fetch(makeStore(), [item('config', 'proto')])
      const value = ok(proto).value as Record<string, unknown>
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
      expect(Object.keys(value).sort()).toEqual(['__proto__', 'plain'])
      expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true })
    })

    test('150 keys take 2 BatchGetItem calls (100 + 50), and every value comes back to its request', async () => {
      const results = await fetch(makeStore(), many(0, 150))
      expect(operations()).toEqual(['BatchGetItem', 'BatchGetItem'])
      expect(results.map((r) => ok(r).value)).toEqual(Array.from({ length: 150 }, (_, i) => i))
    })

    test('one key named by several requests is asked once', async () => {
      const [value, owner, again] = await fetch(makeStore(), [item('config', 'db'), item('config', 'db', { valueAttribute: 'owner' }), item('config', 'db')])
      expect(operations()).toEqual(['GetItem'])
      expect([ok(value).value, ok(owner).value, ok(again).value]).toEqual([`{"password":"${PASSWORD}"}`, 'team-a', `{"password":"${PASSWORD}"}`])
      // In a batch too: the stand-in, as DynamoDB, refuses a BatchGetItem that names a key twice.
      server.resetCalls()
      const batched = await fetch(makeStore(), [item('config', 'db'), item('config', 'every'), item('config', 'db', { valueAttribute: 'owner' })])
      expect(operations()).toEqual(['BatchGetItem'])
      expect(batched.map((r) => ok(r).value)).toEqual([`{"password":"${PASSWORD}"}`, EVERY_DYNAMODB_TYPE, 'team-a'])
    })

    test('grouped by table and by read consistency: a call each', async () => {
      const requests = [...many(0, 3), item('config', 'db'), item('config', 'every'), ...many(3, 5).map((r) => ({ ...r, consistentRead: true }))]
      const results = await fetch(makeStore(), requests)
      expect(operations()).toEqual(['BatchGetItem', 'BatchGetItem', 'BatchGetItem'])
      expect(server.calls.map((c) => c.names)).toEqual([['many'], ['config'], ['many']])
      expect(results.map((r) => ok(r).value)).toEqual([0, 1, 2, `{"password":"${PASSWORD}"}`, EVERY_DYNAMODB_TYPE, 3, 4])
    })

    test('batch: false reads every key with GetItem', async () => {
      const results = await fetch(makeStore({ batch: false }), many(0, 3))
      expect(operations()).toEqual(['GetItem', 'GetItem', 'GetItem'])
      expect(results.map((r) => ok(r).value)).toEqual([0, 1, 2])
    })

    test('UnprocessedKeys fail only those keys, retryable; asked again, they come', async () => {
      const store = makeStore()
      server.fault({ operation: 'BatchGetItem', kind: 'unprocessed', count: 2, times: 1 })
      const results = await fetch(store, many(0, 5))
      expect(results.slice(0, 3).map((r) => ok(r).value)).toEqual([0, 1, 2])
      for (const r of results.slice(3)) expect(failed(r)).toMatchObject({ code: 'UnprocessedKeys', retryable: true, operation: 'BatchGetItem' })
      const retried = await fetch(store, many(3, 5))
      expect(retried.map((r) => ok(r).value)).toEqual([3, 4])
    })

    test('every key unprocessed: ProvisionedThroughputExceededException for each, retryable', async () => {
      server.fault({ operation: 'BatchGetItem', kind: 'unprocessed', times: 1 })
      const results = await fetch(makeStore(), many(0, 3))
      for (const r of results) expect(failed(r)).toMatchObject({ code: 'ProvisionedThroughputExceededException', retryable: true })
    })

    test('no such item: ItemNotFound; no value attribute: AttributeNotFound; neither retryable, in a batch or alone', async () => {
      const store = makeStore()
      const [missing, noValue, found] = await fetch(store, [item('config', 'nope'), item('config', 'no-value'), item('config', 'db')])
      expect(operations()).toEqual(['BatchGetItem'])
      expect(failed(missing)).toEqual({ code: 'ItemNotFound', message: 'Table config has no item with this key.', retryable: false, operation: 'GetItem' })
      expect(failed(noValue)).toEqual({ code: 'AttributeNotFound', message: 'The item of table config has no attribute value.', retryable: false, operation: 'GetItem' })
      expect(ok(found).value).toContain(PASSWORD)
      const [alone] = await fetch(store, [item('config', 'nope')])
      expect(failed(alone).code).toBe('ItemNotFound')
    })

    test('a missing table fails its own keys only: ResourceNotFoundException, not retryable', async () => {
      const results = await fetch(makeStore(), [item('gone', 'a'), item('gone', 'b'), ...many(0, 2)])
      for (const r of results.slice(0, 2)) expect(failed(r)).toMatchObject({ code: 'ResourceNotFoundException', retryable: false })
      expect(results.slice(2).map((r) => ok(r).value)).toEqual([0, 1])
    })

    test('BatchGetItem denied: GetItem for those keys and from then on, one warning without values', async () => {
      const warnings: unknown[][] = []
      const logger: Logger = { debug() {}, info() {}, warn: (...args) => void warnings.push(args), error() {} }
      const store = makeStore()
      server.fault({ operation: 'BatchGetItem', kind: 'error', code: 'AccessDeniedException', times: 1 })
      expect((await fetch(store, many(0, 2), logger)).map((r) => ok(r).value)).toEqual([0, 1])
      expect((await fetch(store, many(2, 4), logger)).map((r) => ok(r).value)).toEqual([2, 3])
      expect(operations()).toEqual(['BatchGetItem', 'GetItem', 'GetItem', 'GetItem', 'GetItem'])
      expect(warnings).toHaveLength(1)
      expect(JSON.stringify(warnings)).toContain('BatchGetItem')
    })

    test('a request without its partition key fails at once, with no call', async () => {
      const [result] = await fetch(makeStore(), [{ kind: 'item', name: 'config' }])
      expect(failed(result)).toMatchObject({ code: 'ValidationException', retryable: false })
      expect(server.calls).toEqual([])
    })
  })

  describe('items()', () => {
    test('a Query over 3 pages: every item of the partition, sort key -> value', async () => {
      const [result] = await fetch(makeStore(), [partition('tenants', 't1')])
      expect(operations()).toEqual(['Query', 'Query', 'Query'])
      expect(ok(result).value).toEqual(Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`item-${pad(i, 2)}`, i])))
    })

    test('items without the value attribute are left out; a sort key named __proto__ is an own key', async () => {
      const [result] = await fetch(makeStore(), [partition('tenants', 't2')])
      const value = ok(result).value as Record<string, unknown>
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
      expect(Object.keys(value).sort()).toEqual(['__proto__', 'a'])
      expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('own')
    })

    test('number sort keys are named as text, binary ones in base64; an empty partition is {}', async () => {
      const store = makeStore()
      const [scores, blobs, empty] = await fetch(store, [partition('scores', 'p', { sortKeyAttribute: 'n' }), partition('blobs', 'p', { sortKeyAttribute: 'b' }), partition('tenants', 'nobody')])
      expect(ok(scores).value).toEqual({ '2': 'two', '10.5': 'ten and a half' })
      expect(ok(blobs).value).toEqual({ '/wA=': 'bytes' })
      expect(ok(empty).value).toEqual({})
    })

    test('a page that fails fails the request, with its code', async () => {
      server.fault({ operation: 'Query', kind: 'error', code: 'ProvisionedThroughputExceededException', times: 1 })
      const [result] = await fetch(makeStore(), [partition('tenants', 't1')])
      expect(failed(result)).toMatchObject({ code: 'ProvisionedThroughputExceededException', retryable: true, operation: 'Query' })
    })
  })

  test('the same answers as the memory store over the same model', async () => {
    const requests: StoreRequest[] = [
      item('config', 'db'),
      item('config', 'every'),
      item('config', 'db', { valueAttribute: 'owner' }),
      item('config', 'nope'),
      item('config', 'no-value'),
      item('config', 'proto'),
      tenant('item-07'),
      tenant('item-99'),
      partition('tenants', 't1'),
      partition('tenants', 't2'),
      partition('scores', 'p', { sortKeyAttribute: 'n' }),
      partition('blobs', 'p', { sortKeyAttribute: 'b' }),
    ]
    const memory = memoryStore({}, { model: server.model })
    const [fromMemory, fromAws] = await Promise.all([fetch(memory, requests), fetch(makeStore(), requests)])
    const comparable = (r: StoreResult) => (r.ok ? { value: r.value } : { code: r.error.code, message: r.error.message, retryable: r.error.retryable })
    expect(fromAws.map(comparable)).toEqual(fromMemory.map(comparable))
  })

  test('no value in any failure or log line', async () => {
    const lines: string[] = []
    const keep = (...args: unknown[]): void => void lines.push(JSON.stringify(args))
    const logger: Logger = { debug: keep, info: keep, warn: keep, error: keep }
    server.fault({ operation: 'BatchGetItem', kind: 'unprocessed', count: 1, times: 1 })
    const results = await fetch(makeStore(), [item('config', 'db'), item('config', 'no-value'), item('config', 'nope')], logger)
    const texts = [...lines, ...results.map((r) => JSON.stringify(r.ok ? {} : r.error))].join('\n')
    expect(texts).not.toContain(PASSWORD)
    expect(texts).not.toContain('team-b')
  })
})
