/**
 * DynamoDB `item` requests: grouped by table, read consistency and key attributes, each key asked
 * once however many requests name it (with different value attributes, say), then read with
 * GetItem or BatchGetItem (up to 100 keys a call, one group per call so that a missing table or a
 * denied one fails only its own keys). UnprocessedKeys come back as retryable failures of those
 * keys only, so the resolver's retry layer asks for them again.
 */
import type { BatchGetItemOutput, GetItemOutput } from '@aws-sdk/client-dynamodb'
import { storeError } from '../classify.js'
import type { FetchOptions, StoreFailure, StoreRequest, StoreResult } from '../store.js'
import type { Connection } from './connection.js'
import { DEFAULT_VALUE_ATTRIBUTE, itemProjection, keyIdentity, primaryKey, type AttributeMap } from './dynamodb-keys.js'
import { convertValue } from './dynamodb-values.js'

export interface ItemGroup {
  readonly table: string
  readonly consistentRead: boolean
  /** The partition key attribute, and the sort key attribute if the requests name one. */
  readonly keyAttributes: readonly string[]
  /** Request index -> the identity of its key. */
  readonly requests: Map<number, string>
  /** Identity -> the key, each asked once. */
  readonly keys: Map<string, AttributeMap>
  readonly input: { readonly ProjectionExpression: string; readonly ExpressionAttributeNames: Record<string, string>; readonly ConsistentRead?: true }
}

/** What the read of one key found: the item (undefined: there is none), or why it could not be read. */
export type KeyOutcome = { readonly ok: true; readonly item: AttributeMap | undefined } | StoreFailure

/** The groups of the `item` requests at `indexes`; a request without its partition key fails at once. */
export function groupItems(requests: readonly StoreRequest[], indexes: readonly number[], results: StoreResult[]): ItemGroup[] {
  const groups = new Map<string, Omit<ItemGroup, 'input'> & { readonly members: StoreRequest[] }>()
  for (const index of indexes) {
    const request = requests[index]!
    if (request.key === undefined) {
      const message = `A ${request.kind} request on table ${request.name} needs its partition key.`
      results[index] = { ok: false, error: storeError({ code: 'ValidationException', message, operation: 'GetItem' }) }
      continue
    }
    const keyAttributes = request.sortKey ? [request.key.attribute, request.sortKey.attribute] : [request.key.attribute]
    const consistentRead = request.consistentRead === true
    const groupKey = JSON.stringify([request.name, consistentRead, keyAttributes])
    let group = groups.get(groupKey)
    if (!group) {
      group = { table: request.name, consistentRead, keyAttributes, requests: new Map(), keys: new Map(), members: [] }
      groups.set(groupKey, group)
    }
    const key = primaryKey(request.key, request.sortKey)
    const identity = keyIdentity(key, keyAttributes)
    group.keys.set(identity, key)
    group.requests.set(index, identity)
    group.members.push(request)
  }
  return [...groups.values()].map(({ members, ...group }) => ({
    ...group,
    input: { ...itemProjection(group.keyAttributes[0]!, group.keyAttributes[1], members), ...(group.consistentRead && { ConsistentRead: true as const }) },
  }))
}

export async function getItem(dynamodb: Connection, group: ItemGroup, identity: string, fetchOptions: FetchOptions): Promise<KeyOutcome> {
  const result = await dynamodb.call<GetItemOutput>('GetItem', { TableName: group.table, Key: group.keys.get(identity)!, ...group.input }, fetchOptions)
  return result.ok ? { ok: true, item: result.output.Item } : { ok: false, error: result.error }
}

/** One BatchGetItem call for `identities` (at most 100): an outcome per key, or the failure of the whole call. */
export async function batchGetItem(dynamodb: Connection, group: ItemGroup, identities: readonly string[], fetchOptions: FetchOptions): Promise<Map<string, KeyOutcome> | StoreFailure> {
  const Keys = identities.map((identity) => group.keys.get(identity)!)
  const input = { RequestItems: { [group.table]: { Keys, ...group.input } } }
  const result = await dynamodb.call<BatchGetItemOutput>('BatchGetItem', input, fetchOptions)
  if (!result.ok) return { ok: false, error: result.error }
  const found = new Map<string, AttributeMap>()
  for (const item of result.output.Responses?.[group.table] ?? []) found.set(keyIdentity(item, group.keyAttributes), item)
  const unprocessed = new Set((result.output.UnprocessedKeys?.[group.table]?.Keys ?? []).map((key) => keyIdentity(key, group.keyAttributes)))
  const outcomes = new Map<string, KeyOutcome>()
  for (const identity of identities) {
    if (unprocessed.has(identity)) {
      const message = 'BatchGetItem left this key unprocessed (the table or account throughput was exceeded); it can be asked again'
      outcomes.set(identity, { ok: false, error: storeError({ code: 'UnprocessedKeys', message, operation: 'BatchGetItem' }) })
    } else {
      outcomes.set(identity, { ok: true, item: found.get(identity) })
    }
  }
  return outcomes
}

/** Each request of the group answered from its key's outcome: its value attribute, converted. */
export function itemResults(group: ItemGroup, requests: readonly StoreRequest[], outcomes: ReadonlyMap<string, KeyOutcome>, results: StoreResult[]): void {
  for (const [index, identity] of group.requests) {
    const request = requests[index]!
    const outcome = outcomes.get(identity)!
    if (!outcome.ok) {
      results[index] = outcome
      continue
    }
    const attribute = request.valueAttribute ?? DEFAULT_VALUE_ATTRIBUTE
    // As the memory store (lib/testing/memory-reads.ts) words and codes them: tests and production agree.
    if (outcome.item === undefined) {
      results[index] = notFound('ItemNotFound', `Table ${group.table} has no item with this key.`)
    } else if (!Object.hasOwn(outcome.item, attribute)) {
      results[index] = notFound('AttributeNotFound', `The item of table ${group.table} has no attribute ${attribute}.`)
    } else {
      const converted = convertValue(outcome.item[attribute]!, `attribute ${attribute} of table ${group.table}`, 'GetItem')
      results[index] = converted.ok ? { ok: true, value: converted.value } : converted
    }
  }
}

function notFound(code: 'ItemNotFound' | 'AttributeNotFound', message: string): StoreFailure {
  return { ok: false, error: storeError({ code, message, operation: 'GetItem' }) }
}
