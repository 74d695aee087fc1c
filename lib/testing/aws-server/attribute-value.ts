/**
 * DynamoDB's AttributeValues on the wire, to and from the model's plain values: S, N (a number
 * as a string), B (base64), BOOL, NULL, L, M, SS, NS, BS. What cannot be read is DynamoDB's
 * ValidationException, whose message names the problem and never the value.
 */
import type { Item, ItemValue, KeyValue } from '../dynamodb-values.js'
import { ModelError } from '../model-error.js'
import type { Output } from './wire.js'

export type AttributeValueJson = Readonly<Record<string, unknown>>

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

function invalid(message: string): ModelError {
  return new ModelError('ValidationException', message)
}

// ---- model -> wire ----------------------------------------------------------------------

export function toAttributeValue(value: ItemValue): AttributeValueJson {
  if (value === null) return { NULL: true }
  if (typeof value === 'string') return { S: value }
  if (typeof value === 'number') return { N: String(value) }
  if (typeof value === 'boolean') return { BOOL: value }
  if (value instanceof Uint8Array) return { B: base64(value) }
  if (Array.isArray(value)) return { L: value.map((element) => toAttributeValue(element as ItemValue)) }
  if (value instanceof Set) {
    const elements = [...(value as ReadonlySet<KeyValue>)]
    if (typeof elements[0] === 'string') return { SS: elements }
    if (typeof elements[0] === 'number') return { NS: elements.map(String) }
    return { BS: elements.map((element) => base64(element as Uint8Array)) }
  }
  return { M: toItemJson(value as Item) }
}

/** An item (or a map, or a key) as a map of AttributeValues. */
export function toItemJson(item: Item): Output {
  const json: Output = {}
  for (const [name, value] of Object.entries(item)) defineOwn(json, name, toAttributeValue(value))
  return json
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

// ---- wire -> model ----------------------------------------------------------------------

const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS'] as const

export function fromAttributeValue(json: unknown): ItemValue {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid('Supplied AttributeValue is not an object.')
  const set = TYPES.filter((type) => (json as AttributeValueJson)[type] !== undefined && (json as AttributeValueJson)[type] !== null)
  if (set.length === 0) throw invalid('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes')
  if (set.length > 1) throw invalid('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes')
  const type = set[0]!
  const value = (json as AttributeValueJson)[type]
  switch (type) {
    case 'S':
      return typed(value, 'string') as string
    case 'N':
      return number(value)
    case 'B':
      return bytes(value)
    case 'BOOL':
      return typed(value, 'boolean') as boolean
    case 'NULL':
      if (value !== true) throw invalid('One or more parameter values were invalid: Null attribute value types must have the value of true')
      return null
    case 'L':
      if (!Array.isArray(value)) throw invalid('Supplied AttributeValue L is not a list.')
      return value.map(fromAttributeValue)
    case 'M':
      return fromItemJson(value)
    case 'SS':
      return set_(value, 'string', (element) => typed(element, 'string') as string)
    case 'NS':
      return set_(value, 'number', number)
    case 'BS':
      return set_(value, 'binary', bytes)
  }
}

/** A map of AttributeValues (an item, a key, an M) as a plain object with own members only. */
export function fromItemJson(json: unknown): Item {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid('Supplied attribute map is not an object.')
  const item: Record<string, ItemValue> = {}
  for (const [name, value] of Object.entries(json)) defineOwn(item, name, fromAttributeValue(value))
  return item
}

function typed(value: unknown, type: 'string' | 'boolean'): unknown {
  if (typeof value !== type) throw new ModelError('SerializationException', `An AttributeValue of this type must be a ${type}.`)
  return value
}

function number(value: unknown): number {
  if (typeof value !== 'string' || !NUMBER.test(value.trim())) throw invalid('The parameter cannot be converted to a numeric value')
  const parsed = Number(value)
  if (!Number.isFinite(parsed)) throw invalid('Number overflow. Attempting to store a number with magnitude larger than supported range')
  return parsed
}

function bytes(value: unknown): Uint8Array {
  if (typeof value !== 'string') throw new ModelError('SerializationException', 'A binary AttributeValue must be a base64 string.')
  return new Uint8Array(Buffer.from(value, 'base64'))
}

function set_<T>(value: unknown, kind: string, read: (element: unknown) => T): Set<T> {
  if (!Array.isArray(value)) throw new ModelError('SerializationException', `A ${kind} set must be a list.`)
  if (value.length === 0) throw invalid(`One or more parameter values were invalid: An ${kind} set  may not be empty`)
  const elements = value.map(read)
  const distinct = new Set(elements.map((element) => (element instanceof Uint8Array ? base64(element) : String(element))))
  if (distinct.size !== elements.length) throw invalid('One or more parameter values were invalid: Input collection contains duplicates.')
  return new Set(elements)
}

/** defineProperty: an attribute named __proto__ stays an attribute. */
function defineOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
}
