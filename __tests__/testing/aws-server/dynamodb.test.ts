/**
 * aws-server/dynamodb.ts and dynamodb-query.ts, handlers called directly: DynamoDB's size limits
 * (BatchGetItem answers at most 16 MB, a Query page reads about 1 MB), too big to send through
 * a test client cheaply.
 */
import { dynamodb } from '../../../lib/testing/aws-server/dynamodb.js'
import type { HandlerContext } from '../../../lib/testing/aws-server/service.js'
import { TemporaryCredentials } from '../../../lib/testing/aws-server/sts.js'
import { SecretsModel } from '../../../lib/testing/model.js'

const ITEM_BYTES = 400 * 1024 // DynamoDB's largest item

function context(model: SecretsModel): HandlerContext {
  return { model, options: {}, credentials: new TemporaryCredentials(), now: () => Date.now(), entryFault: () => undefined, unprocessedFault: () => undefined, state: (create) => create() }
}

function bigItems(count: number, key: (i: number) => Record<string, string>): SecretsModel {
  const model = new SecretsModel({ dynamodb: { big: { partitionKey: 'pk', sortKey: 'sk' } } })
  for (let i = 0; i < count; i += 1) model.dynamodb.putItem('big', { ...key(i), value: 'x'.repeat(ITEM_BYTES - 20) })
  return model
}

test('BatchGetItem answers at most 16 MB: the keys past it come back in UnprocessedKeys', () => {
  const model = bigItems(45, (i) => ({ pk: 'p', sk: `s${String(i).padStart(2, '0')}` }))
  const keys = Array.from({ length: 45 }, (_, i) => ({ pk: { S: 'p' }, sk: { S: `s${String(i).padStart(2, '0')}` } }))
  const out = dynamodb.handlers.BatchGetItem({ RequestItems: { big: { Keys: keys } } }, context(model)) as { Responses: Record<string, unknown[]>; UnprocessedKeys: Record<string, { Keys: unknown[] }> }
  const read = out.Responses.big!.length
  expect(read).toBe(Math.ceil((16 * 1024 * 1024) / ITEM_BYTES)) // 41: the one that crosses 16 MB is still read
  expect(out.UnprocessedKeys.big!.Keys).toEqual(keys.slice(read))
})

test('a Query page ends once it has read 1 MB, with LastEvaluatedKey', () => {
  const model = bigItems(5, (i) => ({ pk: 'p', sk: `s${i}` }))
  const input = { TableName: 'big', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } }
  const first = dynamodb.handlers.Query(input, context(model)) as { Count: number; LastEvaluatedKey?: unknown }
  expect(first).toMatchObject({ Count: 3, LastEvaluatedKey: { pk: { S: 'p' }, sk: { S: 's2' } } })
  const second = dynamodb.handlers.Query({ ...input, ExclusiveStartKey: first.LastEvaluatedKey }, context(model)) as { Count: number; LastEvaluatedKey?: unknown }
  expect(second.Count).toBe(2)
  expect(second.LastEvaluatedKey).toBeUndefined()
})
