/**
 * DynamoDB keys and names as the store sends them: key values as AttributeValues, one identity
 * per key (to ask for a key once and match answers back to it), and attribute names behind
 * `#placeholders` (`value`, `name`, `data`... are DynamoDB reserved words).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { ItemKey, StoreRequest } from '../store.js'

export type AttributeMap = Record<string, AttributeValue>

/** The attribute an item's value is read from when the request names none. */
export const DEFAULT_VALUE_ATTRIBUTE = 'value'

export function keyValue(key: ItemKey): AttributeValue {
  return typeof key.value === 'number' ? { N: String(key.value) } : { S: key.value }
}

/** The request's primary key, as GetItem and BatchGetItem send it. Computed keys define own properties. */
export function primaryKey(partition: ItemKey, sort: ItemKey | undefined): AttributeMap {
  return { [partition.attribute]: keyValue(partition), ...(sort && { [sort.attribute]: keyValue(sort) }) }
}

/** A key attribute's value in one spelling: numbers by value (AWS answers `1.5` for `1.50`), binaries in base64. */
function valueIdentity(value: AttributeValue | undefined): string {
  if (value?.S !== undefined) return `S:${value.S}`
  if (value?.N !== undefined) return `N:${Number(value.N)}`
  if (value?.B !== undefined) return `B:${Buffer.from(value.B).toString('base64')}`
  return '?'
}

/** The identity of the key held in `item` (or a key) under the given key attributes. */
export function keyIdentity(item: AttributeMap, attributes: readonly string[]): string {
  return JSON.stringify(attributes.map((attribute) => valueIdentity(Object.hasOwn(item, attribute) ? item[attribute] : undefined)))
}

export interface AttributeNames {
  /** The placeholder of each attribute. */
  readonly placeholder: ReadonlyMap<string, string>
  /** ExpressionAttributeNames: placeholder -> attribute. */
  readonly expressionNames: Readonly<Record<string, string>>
}

/** Placeholders for attributes, each named once: the first placeholder asked for an attribute wins. */
export function attributeNames(wanted: ReadonlyArray<readonly [placeholder: string, attribute: string]>): AttributeNames {
  const placeholder = new Map<string, string>()
  for (const [name, attribute] of wanted) if (!placeholder.has(attribute)) placeholder.set(attribute, name)
  return { placeholder, expressionNames: Object.fromEntries([...placeholder].map(([attribute, name]) => [name, attribute])) }
}

/** The key attributes and every value attribute of `requests`: what GetItem and BatchGetItem project. */
export function itemProjection(partition: string, sort: string | undefined, requests: readonly StoreRequest[]): { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } {
  const valueAttributes = [...new Set(requests.map((r) => r.valueAttribute ?? DEFAULT_VALUE_ATTRIBUTE))]
  const names = attributeNames([['#pk', partition], ...(sort === undefined ? [] : [['#sk', sort] as const]), ...valueAttributes.map((a, i) => [`#v${i}`, a] as const)])
  return { ProjectionExpression: [...names.placeholder.values()].join(', '), ExpressionAttributeNames: { ...names.expressionNames } }
}
