/**
 * stores/dynamodb.ts over aws-sdk-client-mock, for what the stand-in cannot show: the exact
 * inputs (projections, placeholders, read consistency, page keys) and values it never stores.
 */
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { dynamoDbStore } from '../../lib/stores/dynamodb.js'
import type { StoreRequest } from '../../lib/store.js'
import { failed, fetchOptions, ok } from '../support/store-results.js'

const client = new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })
const dynamodb = mockClient(client)

beforeEach(() => {
  dynamodb.reset()
})

const item = (id: string | number, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'item', name: 'config', key: { attribute: 'id', value: id }, ...more })
const getInputs = () => dynamodb.commandCalls(GetItemCommand).map((c) => c.args[0].input)
const batchInputs = () => dynamodb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input)
const queryInputs = () => dynamodb.commandCalls(QueryCommand).map((c) => c.args[0].input)

test('GetItem: the key, a projection of the key and value attributes behind placeholders, ConsistentRead only when asked', async () => {
  dynamodb.on(GetItemCommand).resolves({ Item: { id: { S: 'db' }, value: { S: 'v' } } })
  const store = dynamoDbStore({ client })
  await store.fetch([item('db')], fetchOptions())
  await store.fetch([{ ...item(7), sortKey: { attribute: 'version', value: 'v1' }, valueAttribute: 'data', consistentRead: true }], fetchOptions())
  expect(getInputs()).toEqual([
    { TableName: 'config', Key: { id: { S: 'db' } }, ProjectionExpression: '#pk, #v0', ExpressionAttributeNames: { '#pk': 'id', '#v0': 'value' } },
    {
      TableName: 'config',
      Key: { id: { N: '7' }, version: { S: 'v1' } },
      ProjectionExpression: '#pk, #sk, #v0',
      ExpressionAttributeNames: { '#pk': 'id', '#sk': 'version', '#v0': 'data' },
      ConsistentRead: true,
    },
  ])
})

test('BatchGetItem: each key once, every value attribute projected, a call per table and consistency', async () => {
  dynamodb.on(BatchGetItemCommand).resolves({ Responses: {} })
  await dynamoDbStore({ client }).fetch(
    [item('a'), item('b', { valueAttribute: 'owner' }), item('a', { valueAttribute: 'owner' }), item('c', { consistentRead: true }), item('d', { consistentRead: true }), { ...item('e'), name: 'other' }, { ...item('f'), name: 'other' }],
    fetchOptions(),
  )
  expect(batchInputs()).toEqual(
    expect.arrayContaining([
      { RequestItems: { config: { Keys: [{ id: { S: 'a' } }, { id: { S: 'b' } }], ProjectionExpression: '#pk, #v0, #v1', ExpressionAttributeNames: { '#pk': 'id', '#v0': 'value', '#v1': 'owner' } } } },
      { RequestItems: { config: { Keys: [{ id: { S: 'c' } }, { id: { S: 'd' } }], ProjectionExpression: '#pk, #v0', ExpressionAttributeNames: { '#pk': 'id', '#v0': 'value' }, ConsistentRead: true } } },
      { RequestItems: { other: { Keys: [{ id: { S: 'e' } }, { id: { S: 'f' } }], ProjectionExpression: '#pk, #v0', ExpressionAttributeNames: { '#pk': 'id', '#v0': 'value' } } } },
    ]),
  )
  expect(batchInputs()).toHaveLength(3)
})

test('a value attribute that is also the key is projected once', async () => {
  dynamodb.on(GetItemCommand).resolves({ Item: { id: { S: 'db' } } })
  const [result] = await dynamoDbStore({ client }).fetch([item('db', { valueAttribute: 'id' })], fetchOptions())
  expect(ok(result).value).toBe('db')
  expect(getInputs()[0]).toMatchObject({ ProjectionExpression: '#pk', ExpressionAttributeNames: { '#pk': 'id' } })
})

test('a number key answered in another spelling (sent as 1e-7, answered 0.0000001) is matched back', async () => {
  dynamodb.on(BatchGetItemCommand).resolves({
    Responses: { config: [{ id: { N: '0.0000001' }, value: { S: 'tiny' } }, { id: { N: '1000000000000000000000' }, value: { S: 'huge' } }] },
  })
  const results = await dynamoDbStore({ client }).fetch([item(1e-7), item(1e21)], fetchOptions())
  expect(batchInputs()[0]!.RequestItems!.config!.Keys).toEqual([{ id: { N: '1e-7' } }, { id: { N: '1e+21' } }])
  expect(results.map((r) => ok(r).value)).toEqual(['tiny', 'huge'])
})

test('Query: #pk = :pk, the sort key and value projected, ConsistentRead, each page from the last LastEvaluatedKey', async () => {
  const page = (from: number, last?: Record<string, AttributeValue>) => ({
    Items: [0, 1].map((i) => ({ sk: { S: `s${from + i}` }, data: { N: String(from + i) } })),
    LastEvaluatedKey: last,
  })
  dynamodb
    .on(QueryCommand)
    .resolvesOnce(page(0, { pk: { S: 't1' }, sk: { S: 's1' } }))
    .resolvesOnce(page(2, { pk: { S: 't1' }, sk: { S: 's3' } }))
    .resolvesOnce(page(4))
  const request: StoreRequest = { kind: 'items', name: 'tenants', key: { attribute: 'pk', value: 't1' }, valueAttribute: 'data', consistentRead: true }
  const [result] = await dynamoDbStore({ client }).fetch([request], fetchOptions())
  expect(ok(result).value).toEqual({ s0: 0, s1: 1, s2: 2, s3: 3, s4: 4, s5: 5 })
  const base = {
    TableName: 'tenants',
    KeyConditionExpression: '#pk = :pk',
    ProjectionExpression: '#sk, #v',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#v': 'data' },
    ExpressionAttributeValues: { ':pk': { S: 't1' } },
    ConsistentRead: true,
  }
  expect(queryInputs()).toEqual([base, { ...base, ExclusiveStartKey: { pk: { S: 't1' }, sk: { S: 's1' } } }, { ...base, ExclusiveStartKey: { pk: { S: 't1' }, sk: { S: 's3' } } }])
})

test('a number beyond the safe integers: UnsupportedValue, not retryable, without the number', async () => {
  dynamodb.on(GetItemCommand).resolves({ Item: { id: { S: 'big' }, value: { N: '12345678901234567890' } } })
  const [result] = await dynamoDbStore({ client }).fetch([item('big')], fetchOptions())
  const error = failed(result)
  expect(error).toMatchObject({ code: 'UnsupportedValue', retryable: false, operation: 'GetItem' })
  expect(error.message).toBe("The attribute value of table config holds a number beyond JavaScript's safe integers (store it as a string).")
})

test('a big number inside a set or a map is refused too; a value of no DynamoDB type is refused without quoting it', async () => {
  dynamodb
    .on(GetItemCommand)
    .resolvesOnce({ Item: { id: { S: 'x' }, value: { NS: ['1', '98765432109876543210'] } } })
    .resolvesOnce({ Item: { id: { S: 'x' }, value: { M: { deep: { L: [{ N: '98765432109876543210' }] } } } } })
    .resolvesOnce({ Item: { id: { S: 'x' }, value: { $unknown: ['Q', 'secret-ish-Vq3'] } as unknown as AttributeValue } })
  const store = dynamoDbStore({ client })
  for (let i = 0; i < 3; i++) {
    const [result] = await store.fetch([item('x')], fetchOptions())
    const error = failed(result)
    expect(error.code).toBe('UnsupportedValue')
    expect(JSON.stringify(error)).not.toMatch(/98765432109876543210|secret-ish-Vq3/)
  }
})
