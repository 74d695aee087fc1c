/**
 * stores/dynamodb.ts when @aws-sdk/util-dynamodb is not installed (an optional peer): a failure
 * naming the package for each value, no throw, and nothing loaded when there is no value to read.
 */
import { jest } from '@jest/globals'
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import type { StoreRequest } from '../../lib/store.js'
import { failed, fetchOptions, ok } from '../support/store-results.js'

let imports = 0
jest.unstable_mockModule('@aws-sdk/util-dynamodb', () => {
  imports += 1
  throw Object.assign(new Error("Cannot find package '@aws-sdk/util-dynamodb' imported from dynamodb-values.js"), { code: 'ERR_MODULE_NOT_FOUND' })
})
const { dynamoDbStore } = await import('../../lib/stores/dynamodb.js')

const client = new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })
const dynamodb = mockClient(client)
const item = (id: string): StoreRequest => ({ kind: 'item', name: 'config', key: { attribute: 'id', value: id } })

test('every value read fails with SdkNotInstalled naming the package; a missing item still says ItemNotFound', async () => {
  dynamodb.on(BatchGetItemCommand).resolves({ Responses: { config: [{ id: { S: 'a' }, value: { S: 'v' } }] } })
  dynamodb.on(QueryCommand).resolves({ Items: [{ sk: { S: 's' }, value: { S: 'v' } }] })
  const results = await dynamoDbStore({ client }).fetch([item('a'), item('missing'), { kind: 'items', name: 'config', key: { attribute: 'pk', value: 'p' } }], fetchOptions())
  const [value, missing, partition] = results
  expect(failed(value)).toEqual({
    code: 'SdkNotInstalled',
    message: "@aws-sdk/util-dynamodb is not installed: add it to the function's dependencies (npm install @aws-sdk/util-dynamodb)",
    retryable: false,
    operation: 'GetItem',
  })
  expect(failed(missing).code).toBe('ItemNotFound')
  expect(failed(partition)).toMatchObject({ code: 'SdkNotInstalled', operation: 'Query' })
  expect(imports).toBeGreaterThan(0)
})

test('no value to read, nothing imported: an empty partition is {}', async () => {
  dynamodb.on(QueryCommand).resolves({ Items: [] })
  dynamodb.on(GetItemCommand).resolves({})
  const before = imports
  const [partition, missing] = await dynamoDbStore({ client }).fetch([{ kind: 'items', name: 'config', key: { attribute: 'pk', value: 'p' } }, item('gone')], fetchOptions())
  expect(ok(partition).value).toEqual({})
  expect(failed(missing).code).toBe('ItemNotFound')
  expect(imports).toBe(before)
})

test("the key failure's hint names util-dynamodb, not the role's client package", async () => {
  const { hintFor } = await import('../../lib/hints.js')
  const message = "@aws-sdk/util-dynamodb is not installed: add it to the function's dependencies (npm install @aws-sdk/util-dynamodb)"
  expect(hintFor('SdkNotInstalled', 'dynamodb', 'config', 'GetItem', message)).toContain('npm install @aws-sdk/util-dynamodb)')
  expect(hintFor('SdkNotInstalled', 'dynamodb', 'config', 'GetItem', '@aws-sdk/client-dynamodb is not installed')).toContain('npm install @aws-sdk/client-dynamodb)')
})
