/**
 * DynamoDB (AWS JSON 1.0, `DynamoDB_20120810.<Operation>`): the reads the package uses, GetItem,
 * BatchGetItem (at most 100 keys, UnprocessedKeys under an 'unprocessed' fault or past 16 MB) and
 * Query (query.ts), over the model's tables, with items as AttributeValues on the wire.
 */
import type { PrimaryKey } from '../dynamodb-model.js'
import { itemSize, keyString, type Item, type KeyValue } from '../dynamodb-values.js'
import { ModelError } from '../model-error.js'
import { fromItemJson, toItemJson } from './attribute-value.js'
import { Placeholders, project, projection } from './dynamodb-expressions.js'
import { query } from './dynamodb-query.js'
import { PROVISIONED_THROUGHPUT_EXCEEDED } from './faults.js'
import type { Handler, HandlerContext, ServiceModule } from './service.js'
import { awsJson, namesIn, optionalBoolean, requiredString, validation, wrongType, type Input, type Output } from './wire.js'

export const DYNAMODB_OPERATIONS = ['GetItem', 'BatchGetItem', 'Query'] as const

export type DynamoDbOperation = (typeof DYNAMODB_OPERATIONS)[number]

/** BatchGetItem's limits: keys per call, and bytes per answer. */
const MAX_BATCH_KEYS = 100
const MAX_BATCH_BYTES = 16 * 1024 * 1024

function objectMember(input: Input, field: string): Input {
  const value = input[field]
  if (value === undefined || value === null) throw validation(field, 'Member must not be null')
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(field)
  return value as Input
}

const getItem: Handler = (input, ctx) => {
  const table = ctx.model.dynamodb.describeTable(requiredString(input, 'TableName'))
  const key = fromItemJson(objectMember(input, 'Key')) as PrimaryKey
  const placeholders = new Placeholders(input)
  const attributes = projection(input, placeholders)
  placeholders.checkAllUsed()
  optionalBoolean(input, 'ConsistentRead') // every read of the model is consistent
  const item = ctx.model.dynamodb.getItem(table.name, key)
  return item ? { Item: toItemJson(project(item, attributes)) } : {}
}

/** One table of a BatchGetItem request, read and checked. */
interface TableRead {
  readonly name: string
  readonly table: string
  readonly request: Input
  readonly keys: readonly PrimaryKey[]
  readonly attributes?: readonly string[]
}

function tableRead(name: string, value: unknown, ctx: HandlerContext): TableRead {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw wrongType('RequestItems')
  const request = value as Input
  const table = ctx.model.dynamodb.describeTable(name)
  const keysJson = request.Keys
  if (!Array.isArray(keysJson)) throw validation('Keys', 'Member must not be null')
  if (keysJson.length === 0) throw validation('Keys', 'Member must have length greater than or equal to 1', "'[]'")
  const keys = keysJson.map((key) => fromItemJson(key) as PrimaryKey)
  const spelled = keys.map((key) => JSON.stringify(Object.keys(key).sort().map((attribute) => [attribute, keyString(key[attribute] as KeyValue)])))
  if (new Set(spelled).size !== keys.length) throw new ModelError('ValidationException', 'Provided list of item keys contains duplicates')
  const placeholders = new Placeholders(request)
  const attributes = projection(request, placeholders)
  placeholders.checkAllUsed()
  optionalBoolean(request, 'ConsistentRead')
  return { name, table: table.name, request, keys, attributes }
}

const batchGetItem: Handler = (input, ctx) => {
  const requestItems = Object.entries(objectMember(input, 'RequestItems'))
  if (requestItems.length === 0) throw validation('RequestItems', 'Member must have length greater than or equal to 1', "'{}'")
  const reads = requestItems.map(([name, value]) => tableRead(name, value, ctx))
  const wanted = reads.flatMap((read) => read.keys.map((key, index) => ({ read, key, index })))
  if (wanted.length > MAX_BATCH_KEYS) throw new ModelError('ValidationException', 'Too many items requested for the BatchGetItem call')
  // As AWS does under throughput limits: the last keys are left for the caller to retry, and
  // a call that could read none fails.
  const leftOver = Math.min(ctx.unprocessedFault() ?? 0, wanted.length)
  if (leftOver === wanted.length) throw new ModelError('ProvisionedThroughputExceededException', PROVISIONED_THROUGHPUT_EXCEEDED)

  const responses: Record<string, Output[]> = Object.fromEntries(reads.map((read) => [read.name, []]))
  const unprocessed: Array<(typeof wanted)[number]> = []
  let bytes = 0
  wanted.forEach((entry, position) => {
    if (position >= wanted.length - leftOver || bytes >= MAX_BATCH_BYTES) {
      unprocessed.push(entry)
      return
    }
    const item: Item | undefined = ctx.model.dynamodb.getItem(entry.read.table, entry.key)
    if (!item) return
    bytes += itemSize(item)
    responses[entry.read.name]!.push(toItemJson(project(item, entry.read.attributes)))
  })
  return { Responses: responses, UnprocessedKeys: unprocessedKeys(unprocessed) }
}

/** UnprocessedKeys: per table, the keys as the request sent them, with that table's other members. */
function unprocessedKeys(entries: ReadonlyArray<{ read: TableRead; index: number }>): Output {
  const byTable: Record<string, Output> = {}
  for (const { read, index } of entries) {
    const { Keys, ...rest } = read.request
    byTable[read.name] ??= { ...rest, Keys: [] }
    ;(byTable[read.name]!.Keys as unknown[]).push((Keys as unknown[])[index])
  }
  return byTable
}

const HANDLERS: Readonly<Record<DynamoDbOperation, Handler>> = { GetItem: getItem, BatchGetItem: batchGetItem, Query: query }

/** The namespace DynamoDB's `__type` carries: the front end's for its own errors, coral's for validation. */
function errorNamespace(code: string): string {
  if (code === 'ValidationException') return 'com.amazon.coral.validate'
  if (/^(AccessDenied|UnrecognizedClient|InvalidSignature|IncompleteSignature|MissingAuthenticationToken|Serialization)Exception$/.test(code)) return 'com.amazon.coral.service'
  return 'com.amazonaws.dynamodb.v20120810'
}

export const dynamodb: ServiceModule<DynamoDbOperation> = {
  name: 'dynamodb',
  protocol: awsJson('1.0', 'DynamoDB_20120810', { errorNamespace }),
  operations: DYNAMODB_OPERATIONS,
  handlers: HANDLERS,
  messageField: 'message',
  internalErrorCode: 'InternalServerError',
  throttleError: { code: 'ProvisionedThroughputExceededException', message: PROVISIONED_THROUGHPUT_EXCEEDED, status: 400 },
  perEntryOperations: [],
  requestNames(operation, input) {
    if (operation !== 'BatchGetItem') return namesIn(input, 'TableName')
    const requestItems = input.RequestItems
    return requestItems !== null && typeof requestItems === 'object' && !Array.isArray(requestItems) ? Object.keys(requestItems) : []
  },
  /** A table by name or ARN: its name. */
  canonicalId(model, id) {
    try {
      return model.dynamodb.tableName(id)
    } catch {
      return id
    }
  },
}
