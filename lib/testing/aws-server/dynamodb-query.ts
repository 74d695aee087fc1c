/**
 * DynamoDB's Query: the items of one partition in sort key order (or reversed), those that meet
 * the sort key condition, one page at a time. A page ends after `Limit` items, after the server's
 * `dynamodbPageSize` items, or at 1 MB of items, as DynamoDB's do; LastEvaluatedKey is the key of
 * its last item whenever a page ends early, and ExclusiveStartKey resumes after it.
 */
import { compareKeys, itemSize, keyString, keyTypeOf, type Item, type KeyValue } from '../dynamodb-values.js'
import type { PrimaryKey, TableDescription } from '../dynamodb-model.js'
import { ModelError } from '../model-error.js'
import { fromItemJson, toItemJson } from './attribute-value.js'
import { keyCondition, meetsSortCondition, Placeholders, project, projection } from './dynamodb-expressions.js'
import type { Handler } from './service.js'
import { optionalBoolean, optionalInteger, requiredString, validation, type Input } from './wire.js'

/** How much a page reads at most. */
const PAGE_BYTES = 1024 * 1024

export const query: Handler = (input, ctx) => {
  const table = ctx.model.dynamodb.describeTable(requiredString(input, 'TableName'))
  const placeholders = new Placeholders(input)
  const condition = keyCondition(input, placeholders, table)
  const attributes = projection(input, placeholders)
  placeholders.checkAllUsed()
  if (input.FilterExpression !== undefined || input.QueryFilter !== undefined) {
    throw new ModelError('ValidationException', 'The test server does not evaluate FilterExpression or QueryFilter.')
  }
  const limit = optionalInteger(input, 'Limit')
  if (limit !== undefined && limit < 1) throw validation('Limit', 'Member must have value greater than or equal to 1', `'${limit}'`)
  optionalBoolean(input, 'ConsistentRead') // every read of the model is consistent

  const { sortKey } = table
  let items = ctx.model.dynamodb.query(table.name, condition.partition)
  if (sortKey !== undefined && condition.sort) items = items.filter((item) => meetsSortCondition(item[sortKey] as KeyValue, condition.sort!))
  const forward = input.ScanIndexForward === undefined || optionalBoolean(input, 'ScanIndexForward')
  if (!forward) items.reverse()
  const start = startAfter(input, table, condition.partition, items, forward)

  const page: Item[] = []
  let bytes = 0
  let cut = false
  const pageSize = ctx.options.dynamodbPageSize ?? Infinity
  for (const item of items.slice(start)) {
    page.push(item)
    bytes += itemSize(item)
    const full = page.length === limit || page.length >= pageSize || bytes >= PAGE_BYTES
    // Limit ends the page even on the partition's last item (DynamoDB does not look ahead); the
    // page size and the 1 MB stop reading only when more items remain.
    if (full && (page.length === limit || start + page.length < items.length)) {
      cut = true
      break
    }
  }
  const last = page.at(-1)
  return {
    Items: page.map((item) => toItemJson(project(item, attributes))),
    Count: page.length,
    ScannedCount: page.length,
    LastEvaluatedKey: cut && last ? toItemJson(ctx.model.dynamodb.keyOf(table.name, last)) : undefined,
  }
}

/** The index of the first item after ExclusiveStartKey (0 without one). */
function startAfter(input: Input, table: TableDescription, partition: KeyValue, items: readonly Item[], forward: boolean): number {
  if (input.ExclusiveStartKey === undefined || input.ExclusiveStartKey === null) return 0
  const key = fromItemJson(input.ExclusiveStartKey) as PrimaryKey
  const attributes = table.sortKey === undefined ? [table.partitionKey] : [table.partitionKey, table.sortKey]
  if (Object.keys(key).length !== attributes.length || attributes.some((a) => !Object.hasOwn(key, a) || keyTypeOf(key[a]) === undefined)) {
    throw new ModelError('ValidationException', 'The provided starting key is invalid: The provided key element does not match the schema')
  }
  if (keyString(key[table.partitionKey]!) !== keyString(partition)) {
    throw new ModelError('ValidationException', 'The provided starting key is outside query boundaries based on provided conditions')
  }
  if (table.sortKey === undefined) return items.length // a partition holds one item: nothing follows it
  const after = key[table.sortKey]!
  if (items.length > 0 && keyTypeOf(items[0]![table.sortKey]) !== keyTypeOf(after)) {
    throw new ModelError('ValidationException', 'The provided starting key is invalid: The provided key element does not match the schema')
  }
  const index = items.findIndex((item) => (forward ? 1 : -1) * compareKeys(item[table.sortKey!] as KeyValue, after) > 0)
  return index === -1 ? items.length : index
}
