/**
 * The AWS stand-in's DynamoDB through the real @aws-sdk/client-dynamodb over HTTP: GetItem,
 * BatchGetItem (the 100-key limit, UnprocessedKeys and their retry), Query (key conditions, sort
 * order, LastEvaluatedKey paging), every DynamoDB type as AttributeValues, and the JSON 1.0
 * error shapes as the SDK parses them.
 */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  paginateQuery,
  ProvisionedThroughputExceededException,
  QueryCommand,
  type QueryCommandInput,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb'
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server/index.js'
import { EVERY_DYNAMODB_TYPE } from '../support/dynamodb-values.js'
import { dynamoClient, failure, resetServer } from '../testing/aws-server/harness.js'
import { errorTexts, expectNoLeak } from './helpers.js'

const PASSWORD = 'pw-dynamo-Zr8'
const EVERY_TYPE = { id: 'all', ...EVERY_DYNAMODB_TYPE }
const pad = (i: number, width = 2): string => String(i).padStart(width, '0')

let server: AwsServer
let client: DynamoDBClient

const get = (input: Partial<GetItemCommandInput>) => client.send(new GetItemCommand({ TableName: 'config', Key: { id: { S: 'db' } }, ...input }))
const batch = (RequestItems: BatchGetItemCommandInput['RequestItems']) => client.send(new BatchGetItemCommand({ RequestItems }))
const query = (input: Partial<QueryCommandInput>) =>
  client.send(new QueryCommand({ TableName: 'tenants', KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'pk' }, ExpressionAttributeValues: { ':pk': { S: 't1' } }, ...input }))
const manyKeys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: { S: `k${pad(from + i, 3)}` } }))

beforeAll(async () => {
  server = await startAwsServer({
    dynamodbPageSize: 10,
    seed: {
      dynamodb: {
        config: { partitionKey: 'id', items: [{ id: 'db', value: `{"password":"${PASSWORD}"}`, owner: 'team-a' }, EVERY_TYPE] },
        many: { partitionKey: 'id', items: Array.from({ length: 150 }, (_, i) => ({ id: `k${pad(i, 3)}`, value: i })) },
        tenants: {
          partitionKey: 'pk',
          sortKey: 'sk',
          items: [
            ...Array.from({ length: 25 }, (_, i) => ({ pk: 't1', sk: `item-${pad(24 - i)}`, value: 24 - i })),
            ...['a', 'b', 'c', 'd'].map((sk) => ({ pk: 't2', sk, value: sk.toUpperCase() })),
          ],
        },
      },
    },
  })
  client = dynamoClient(server)
})

afterAll(async () => {
  client.destroy()
  await server.close()
})

beforeEach(() => resetServer(server))

describe('GetItem', () => {
  test('a hit: the item as AttributeValues, every DynamoDB type round-tripping through the SDK', async () => {
    const out = await get({ Key: { id: { S: 'all' } }, ConsistentRead: true })
    expect(out.Item).toEqual(marshall(EVERY_TYPE))
    expect(unmarshall(out.Item!)).toEqual({ ...EVERY_TYPE, ns: new Set([1, 2, 3]) })
    expect(server.calls).toMatchObject([{ operation: 'GetItem', names: ['config'], status: 200 }])
  })

  test('a miss: no Item, and a 200', async () => {
    const out = await get({ Key: { id: { S: 'nope' } } })
    expect(out.Item).toBeUndefined()
    expect(out.$metadata.httpStatusCode).toBe(200)
  })

  test('ProjectionExpression with a name placeholder; a table by ARN', async () => {
    const out = await get({ TableName: server.model.dynamodb.describeTable('config').arn, ProjectionExpression: '#o, id', ExpressionAttributeNames: { '#o': 'owner' } })
    expect(out.Item).toEqual({ id: { S: 'db' }, owner: { S: 'team-a' } })
  })

  test('an unknown table: ResourceNotFoundException as the SDK models it', async () => {
    const error = await failure(get({ TableName: 'nope' }))
    expect(error).toBeInstanceOf(ResourceNotFoundException)
    expect(error).toMatchObject({ message: 'Requested resource not found', $fault: 'client', $metadata: { httpStatusCode: 400 } })
  })

  test('a key that does not match the schema, or an unused placeholder: ValidationException, with no value in it', async () => {
    const wrongKey = await failure(get({ Key: { id: { N: '1' } } }))
    expect(wrongKey).toMatchObject({ name: 'ValidationException', message: 'The provided key element does not match the schema', $fault: 'client' })
    const unused = await failure(get({ ExpressionAttributeNames: { '#x': 'value' } }))
    expect(unused.message).toBe('Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}')
    const badNumber = await failure(get({ Key: { id: { N: 'secret-Nq3' } } }))
    expect(badNumber.message).toBe('The parameter cannot be converted to a numeric value')
    expectNoLeak([...errorTexts(wrongKey), ...errorTexts(badNumber)], [PASSWORD, 'secret-Nq3'])
  })

  test('the JSON 1.0 error bodies carry DynamoDB\'s namespaces in __type', async () => {
    const post = (body: object) =>
      fetch(server.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' }, body: JSON.stringify(body) }).then((r) => r.json())
    expect(await post({ TableName: 'nope', Key: { id: { S: 'db' } } })).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' })
    expect(await post({ TableName: 'config', Key: { id: { S: 'db' }, x: { S: 'y' } } })).toEqual({
      __type: 'com.amazon.coral.validate#ValidationException',
      message: 'The provided key element does not match the schema',
    })
  })
})

describe('BatchGetItem', () => {
  test('150 keys: more than 100 in one call is ValidationException; in 2 calls of 100 and 50, every item', async () => {
    const tooMany = await failure(batch({ many: { Keys: manyKeys(0, 101) } }))
    expect(tooMany).toMatchObject({ name: 'ValidationException', message: 'Too many items requested for the BatchGetItem call' })
    server.resetCalls()
    const first = await batch({ many: { Keys: manyKeys(0, 100) } })
    const second = await batch({ many: { Keys: manyKeys(100, 150) } })
    const values = [...first.Responses!.many!, ...second.Responses!.many!].map((item) => Number(item.value!.N))
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i))
    expect(first.UnprocessedKeys).toEqual({})
    expect(server.calls.map((c) => [c.operation, c.names, c.status])).toEqual([
      ['BatchGetItem', ['many'], 200],
      ['BatchGetItem', ['many'], 200],
    ])
  })

  test("an 'unprocessed' fault leaves the last keys in UnprocessedKeys, as AWS does under throughput limits; retrying them reads them", async () => {
    server.fault({ operation: 'BatchGetItem', kind: 'unprocessed', count: 30, times: 1 })
    const first = await batch({ many: { Keys: manyKeys(0, 100), ConsistentRead: true, ProjectionExpression: 'id, #v', ExpressionAttributeNames: { '#v': 'value' } } })
    expect(first.Responses!.many).toHaveLength(70)
    expect(first.UnprocessedKeys).toEqual({ many: { Keys: manyKeys(70, 100), ConsistentRead: true, ProjectionExpression: 'id, #v', ExpressionAttributeNames: { '#v': 'value' } } })
    expect(server.calls.at(-1)).toMatchObject({ fault: 'unprocessed', status: 200 })
    const retry = await batch(first.UnprocessedKeys)
    expect(retry.Responses!.many!.map((item) => item.id!.S).sort()).toEqual(manyKeys(70, 100).map((key) => key.id.S))
    expect(retry.UnprocessedKeys).toEqual({})
  })

  test('when no key at all could be read: ProvisionedThroughputExceededException, as the SDK models it', async () => {
    server.fault({ operation: 'BatchGetItem', kind: 'unprocessed', times: 1 })
    const error = await failure(batch({ many: { Keys: manyKeys(0, 3) } }))
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException)
    expect(error.$fault).toBe('client')
  })

  test('several tables: a miss is left out, each table answers under the name it was asked by', async () => {
    const out = await batch({ config: { Keys: [{ id: { S: 'db' } }, { id: { S: 'nope' } }] }, many: { Keys: manyKeys(5, 6) } })
    expect(out.Responses!.config!.map((item) => item.id!.S)).toEqual(['db'])
    expect(out.Responses!.many!.map((item) => item.value!.N)).toEqual(['5'])
    expect(server.calls.at(-1)!.names).toEqual(['config', 'many'])
  })

  test('a key twice, or an unknown table: the whole call fails', async () => {
    expect((await failure(batch({ many: { Keys: [...manyKeys(0, 2), ...manyKeys(1, 2)] } }))).message).toBe('Provided list of item keys contains duplicates')
    expect(await failure(batch({ many: { Keys: manyKeys(0, 1) }, nope: { Keys: manyKeys(0, 1) } }))).toBeInstanceOf(ResourceNotFoundException)
  })
})

describe('Query', () => {
  test('25 items over 3 pages of 10 (the server option), in sort key order, LastEvaluatedKey resuming each', async () => {
    const pages = []
    let start: QueryCommandInput['ExclusiveStartKey']
    do {
      const page = await query({ ExclusiveStartKey: start, ConsistentRead: true })
      pages.push(page)
      start = page.LastEvaluatedKey
    } while (start)
    expect(pages.map((page) => page.Count)).toEqual([10, 10, 5])
    expect(pages[0]!.LastEvaluatedKey).toEqual({ pk: { S: 't1' }, sk: { S: 'item-09' } })
    const sortKeys = pages.flatMap((page) => page.Items!.map((item) => item.sk!.S))
    expect(sortKeys).toEqual(Array.from({ length: 25 }, (_, i) => `item-${pad(i)}`))
    expect(server.count('Query')).toBe(3)
  })

  test("the SDK's paginateQuery reads the same pages", async () => {
    const values: number[] = []
    for await (const page of paginateQuery({ client }, { TableName: 'tenants', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 't1' } } })) {
      values.push(...page.Items!.map((item) => Number(item.value!.N)))
    }
    expect(values).toEqual(Array.from({ length: 25 }, (_, i) => i))
  })

  test('Limit ends a page even on the last item (DynamoDB does not look ahead): then an empty page without LastEvaluatedKey', async () => {
    const t2 = { ExpressionAttributeValues: { ':pk': { S: 't2' } }, Limit: 2 }
    const first = await query(t2)
    const second = await query({ ...t2, ExclusiveStartKey: first.LastEvaluatedKey })
    const third = await query({ ...t2, ExclusiveStartKey: second.LastEvaluatedKey })
    expect([first, second, third].map((page) => page.Items!.map((item) => item.sk!.S))).toEqual([['a', 'b'], ['c', 'd'], []])
    expect(second.LastEvaluatedKey).toEqual({ pk: { S: 't2' }, sk: { S: 'd' } })
    expect(third.LastEvaluatedKey).toBeUndefined()
  })

  test('sort key conditions and ScanIndexForward: false', async () => {
    const sks = async (input: Partial<QueryCommandInput>): Promise<string[]> => (await query(input)).Items!.map((item) => item.sk!.S!)
    const values = (extra: Record<string, { S: string }>) => ({ ExpressionAttributeValues: { ':pk': { S: 't2' }, ...extra } })
    expect(await sks({ KeyConditionExpression: '#pk = :pk AND sk BETWEEN :lo AND :hi', ...values({ ':lo': { S: 'b' }, ':hi': { S: 'c' } }) })).toEqual(['b', 'c'])
    expect(await sks({ KeyConditionExpression: 'begins_with(sk, :p) AND #pk = :pk', ...values({ ':p': { S: 'c' } }) })).toEqual(['c'])
    expect(await sks({ KeyConditionExpression: '#pk = :pk and sk > :x', ...values({ ':x': { S: 'b' } }), ScanIndexForward: false })).toEqual(['d', 'c'])
    expect(await sks({ ExpressionAttributeValues: { ':pk': { S: 'nobody' } } })).toEqual([])
  })

  test('key condition errors as DynamoDB words them', async () => {
    const message = async (input: Partial<QueryCommandInput>): Promise<string> => (await failure(query(input))).message
    expect(await message({ KeyConditionExpression: 'sk = :pk', ExpressionAttributeNames: undefined })).toBe('Query condition missed key schema element: pk')
    expect(await message({ KeyConditionExpression: '#nope = :pk' })).toBe(
      'Invalid KeyConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope',
    )
    expect(await message({ KeyConditionExpression: '#pk = :other' })).toBe(
      'Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :other',
    )
    expect(await message({ ExpressionAttributeValues: { ':pk': { S: 't1' }, ':spare': { S: 'x' } } })).toBe('Value provided in ExpressionAttributeValues unused in expressions: keys: {:spare}')
    expect(await message({ KeyConditionExpression: '#pk < :pk' })).toBe('Query key condition not supported')
    expect(await message({ Limit: 0 })).toContain("at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
    expect(await message({ ExclusiveStartKey: { pk: { S: 't2' }, sk: { S: 'a' } } })).toBe('The provided starting key is outside query boundaries based on provided conditions')
    expect(await failure(query({ TableName: 'nope' }))).toBeInstanceOf(ResourceNotFoundException)
  })
})
