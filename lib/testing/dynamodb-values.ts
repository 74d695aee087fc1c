/**
 * DynamoDB's values as plain JS values, and its rules for them: which values an item may hold
 * (the ten AttributeValue types), which may be keys, how keys sort (strings and binaries by
 * byte, numbers by value), and how large an item is (what DynamoDB's 1 MB pages count).
 * Messages name attributes, never values.
 */
import { ModelError } from './model-error.js'

/**
 * S, N, BOOL, NULL, B, L, M, and the sets SS, NS, BS. Numbers are JS numbers (DynamoDB keeps 38
 * digits; a value beyond a double's precision is not modelled).
 */
export type ItemValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | readonly ItemValue[]
  | { readonly [name: string]: ItemValue }
  | ReadonlySet<string>
  | ReadonlySet<number>
  | ReadonlySet<Uint8Array>

export type Item = { readonly [name: string]: ItemValue }

/**
 * What a test may write: the same values, where a member that is undefined is absent (an array
 * of objects with different members is typed with `member?: undefined` by TypeScript).
 */
export type ItemValueInput =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | readonly ItemValueInput[]
  | { readonly [name: string]: ItemValueInput | undefined }
  | ReadonlySet<string>
  | ReadonlySet<number>
  | ReadonlySet<Uint8Array>

export type ItemInput = { readonly [name: string]: ItemValueInput | undefined }

/** What a key attribute may hold, and its type letter. */
export type KeyValue = string | number | Uint8Array
export type KeyType = 'S' | 'N' | 'B'

export function keyTypeOf(value: unknown): KeyType | undefined {
  if (typeof value === 'string') return 'S'
  if (typeof value === 'number') return 'N'
  return value instanceof Uint8Array ? 'B' : undefined
}

/** One spelling per key value, to index items by: `S:text`, `N:12`, `B:base64`. */
export function keyString(value: KeyValue): string {
  if (typeof value === 'string') return `S:${value}`
  if (typeof value === 'number') return `N:${value}`
  return `B:${Buffer.from(value).toString('base64')}`
}

/** DynamoDB's order of sort keys of one type: numbers by value, strings and binaries by byte. */
export function compareKeys(a: KeyValue, b: KeyValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const bytes = (v: KeyValue): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v as Uint8Array))
  return Buffer.compare(bytes(a), bytes(b))
}

function invalid(message: string): ModelError {
  return new ModelError('ValidationException', `One or more parameter values were invalid: ${message}`)
}

/** Throws AWS's ValidationException when `value` (of attribute `name`) is not a DynamoDB value. */
export function checkItemValue(name: string, value: unknown): asserts value is ItemValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value instanceof Uint8Array) return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(`Attribute ${name} holds a number DynamoDB cannot store (NaN or Infinity)`)
    return
  }
  if (Array.isArray(value)) {
    value.forEach((element, i) => checkItemValue(`${name}[${i}]`, element))
    return
  }
  if (value instanceof Set) {
    const kinds = new Set([...value].map(keyTypeOf))
    if (value.size === 0) throw invalid(`An AttributeValue may not contain an empty set (attribute ${name})`)
    if (kinds.size !== 1 || kinds.has(undefined)) throw invalid(`A set holds strings, numbers or binaries, one type per set (attribute ${name})`)
    for (const element of value) checkItemValue(name, element)
    return
  }
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    // The attribute's name only, never its members': a map's keys are part of the value (a JSON secret's field names).
    for (const element of Object.values(value)) checkItemValue(name, element)
    return
  }
  throw invalid(`Attribute ${name} holds a value of a type DynamoDB does not have`)
}

/** A key attribute's value: a non-empty string, a number or non-empty bytes. */
export function checkKeyValue(name: string, value: unknown): KeyValue {
  const type = keyTypeOf(value)
  if (type === undefined) throw invalid(`Key attribute ${name} must be a string, a number or bytes`)
  if ((type === 'S' || type === 'B') && (value as string | Uint8Array).length === 0) {
    throw new ModelError('ValidationException', `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${type === 'S' ? 'string' : 'binary'} value. Key: ${name}`)
  }
  return value as KeyValue
}

/** A deep copy: the model never shares an item with its callers. */
export function copyItem(item: Item): Item {
  return copyValue(item) as Item
}

/** A checked copy of what a test wrote, without its undefined members. */
export function itemFromInput(input: ItemInput): Item {
  const item = copyValue(input) as Item
  for (const [name, value] of Object.entries(item)) checkItemValue(name, value)
  return item
}

/**
 * Copies values of this realm's own classes (structuredClone would answer another realm's Set
 * under jest's vm modules), leaving out undefined members of maps.
 */
function copyValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value)
  if (value instanceof Set) return new Set([...value].map(copyValue))
  if (Array.isArray(value)) return value.map(copyValue)
  // Anything else but a plain object (a Date, a Map) is left for checkItemValue to refuse.
  if (value === null || typeof value !== 'object' || ![Object.prototype, null].includes(Object.getPrototypeOf(value))) return value
  const copy: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(value)) {
    // defineProperty: a member named __proto__ stays a member.
    if (member !== undefined) Object.defineProperty(copy, name, { value: copyValue(member), enumerable: true, writable: true, configurable: true })
  }
  return copy
}

/**
 * An item's size as DynamoDB counts it (attribute names plus values: strings and binaries by
 * length, numbers about a byte per two digits, 1 byte for BOOL/NULL, 3 bytes of overhead per
 * list or map); close enough to page at 1 MB as it does.
 */
export function itemSize(item: Item): number {
  let size = 0
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value)
  return size
}

function valueSize(value: ItemValue): number {
  if (typeof value === 'string') return Buffer.byteLength(value)
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/[.e+-]/g, '').length / 2) + 1
  if (value === null || typeof value === 'boolean') return 1
  if (value instanceof Uint8Array) return value.length
  if (value instanceof Set) return [...(value as ReadonlySet<KeyValue>)].reduce<number>((sum, element) => sum + valueSize(element), 0)
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + valueSize(element as ItemValue), 0)
  return 3 + itemSize(value as Item)
}
