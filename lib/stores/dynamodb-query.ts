/**
 * DynamoDB `items` requests: every item of one partition, read with Query page after page
 * (LastEvaluatedKey), projected to the sort key and value attributes, answered as
 * `{ [sort key value]: value }`. Items without either attribute are left out, as the memory
 * store leaves them out; a number or binary sort key is named as entryName() spells it.
 */
import type { AttributeValue, QueryOutput } from '@aws-sdk/client-dynamodb'
import { storeError } from '../classify.js'
import type { FetchOptions, StoreRequest, StoreResult } from '../store.js'
import type { Connection } from './connection.js'
import { attributeNames, DEFAULT_VALUE_ATTRIBUTE, keyValue, type AttributeMap } from './dynamodb-keys.js'
import { convertValue, entryName } from './dynamodb-values.js'

const DEFAULT_SORT_KEY_ATTRIBUTE = 'sk'

export async function queryPartition(dynamodb: Connection, request: StoreRequest, fetchOptions: FetchOptions): Promise<StoreResult> {
  if (request.key === undefined) {
    const message = `A ${request.kind} request on table ${request.name} needs its partition key.`
    return { ok: false, error: storeError({ code: 'ValidationException', message, operation: 'Query' }) }
  }
  const sortKeyAttribute = request.sortKeyAttribute ?? DEFAULT_SORT_KEY_ATTRIBUTE
  const valueAttribute = request.valueAttribute ?? DEFAULT_VALUE_ATTRIBUTE
  const names = attributeNames([['#pk', request.key.attribute], ['#sk', sortKeyAttribute], ['#v', valueAttribute]])
  const input = {
    TableName: request.name,
    KeyConditionExpression: `${names.placeholder.get(request.key.attribute)} = :pk`,
    ProjectionExpression: [...new Set([names.placeholder.get(sortKeyAttribute), names.placeholder.get(valueAttribute)])].join(', '),
    ExpressionAttributeNames: { ...names.expressionNames },
    ExpressionAttributeValues: { ':pk': keyValue(request.key) },
    ...(request.consistentRead === true && { ConsistentRead: true }),
  }

  const entries: Array<[string, AttributeValue]> = []
  let startKey: AttributeMap | undefined
  do {
    const result = await dynamodb.call<QueryOutput>('Query', { ...input, ExclusiveStartKey: startKey }, fetchOptions)
    if (!result.ok) return { ok: false, error: result.error }
    for (const item of result.output.Items ?? []) {
      const name = Object.hasOwn(item, sortKeyAttribute) ? entryName(item[sortKeyAttribute]) : undefined
      if (name !== undefined && Object.hasOwn(item, valueAttribute)) entries.push([name, item[valueAttribute]!])
    }
    startKey = result.output.LastEvaluatedKey
  } while (startKey !== undefined)

  const values: Array<[string, unknown]> = []
  for (const [name, value] of entries) {
    const converted = convertValue(value, `attribute ${valueAttribute} of table ${request.name}`, 'Query')
    if (!converted.ok) return converted
    values.push([name, converted.value])
  }
  // fromEntries defines own properties: a sort key named __proto__ stays a key.
  return { ok: true, value: Object.fromEntries(values) }
}
