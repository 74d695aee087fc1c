/**
 * From DynamoDB's AttributeValues to the plain values a store answers, with
 * @aws-sdk/util-dynamodb (an optional peer: imported on the first value, so a declaration
 * without DynamoDB never loads it). Maps and lists are walked here so that every map member is
 * an own property (util-dynamodb assigns them, and a member named `__proto__` would set the
 * prototype). A number beyond JavaScript's safe integers is refused, not rounded: util-dynamodb
 * would answer a BigInt, which no transform can read. No error here ever quotes a value.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { convertToNative as ConvertToNative } from '@aws-sdk/util-dynamodb'
import { storeError } from '../classify.js'
import type { StoreData, StoreError } from '../store.js'

const PACKAGE = '@aws-sdk/util-dynamodb'

type Convert = typeof ConvertToNative

/** One value, or why it cannot be answered. */
export type Converted = { readonly ok: true; readonly value: StoreData } | { readonly ok: false; readonly error: StoreError }

/** Converts one attribute's value; `where` names it in errors (`attribute value of table config`). */
export type ValueConverter = (value: AttributeValue, where: string) => Converted

let loading: Promise<Convert> | undefined

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
}

/** The converter, or the failure every value of the read gets when the package cannot load. */
export async function loadConverter(operation: string): Promise<ValueConverter | StoreError> {
  loading ??= import('@aws-sdk/util-dynamodb').then((module) => module.convertToNative)
  try {
    const convert = await loading
    return (value, where) => convertValue(convert, value, where, operation)
  } catch (error) {
    loading = undefined // not cached: the next read tries again
    if (isModuleNotFound(error)) {
      return storeError({ code: 'SdkNotInstalled', message: `${PACKAGE} is not installed: add it to the function's dependencies (npm install ${PACKAGE})`, operation })
    }
    return storeError({ code: 'TransportClientError', message: `unexpected failure to load ${PACKAGE} while reading ${operation}`, operation })
  }
}

/** Thrown inside the walk, caught at its top: a value that cannot be answered. Carries no value. */
class Unsupported extends Error {}

function convertValue(convert: Convert, value: AttributeValue, where: string, operation: string): Converted {
  try {
    return { ok: true, value: toNative(convert, value) as StoreData }
  } catch (error) {
    const why = error instanceof Unsupported ? error.message : 'a value util-dynamodb cannot read'
    return { ok: false, error: storeError({ code: 'UnsupportedValue', message: `The ${where} holds ${why}.`, operation }) }
  }
}

function toNative(convert: Convert, value: AttributeValue): unknown {
  if (value.M !== undefined) return Object.fromEntries(Object.entries(value.M).map(([name, member]) => [name, toNative(convert, member)]))
  if (value.L !== undefined) return value.L.map((member) => toNative(convert, member))
  let native: unknown
  try {
    native = convert(value)
  } catch {
    // util-dynamodb's messages quote the value: never passed on.
    throw new Unsupported('a value util-dynamodb cannot read')
  }
  if (typeof native === 'bigint' || (native instanceof Set && [...native].some((member) => typeof member === 'bigint'))) {
    throw new Unsupported('a number beyond JavaScript\'s safe integers (store it as a string)')
  }
  return native
}

/** A sort key value as an object key, as the memory store names it: text as it is, a number as DynamoDB spells it, bytes in base64. */
export function entryName(value: AttributeValue | undefined): string | undefined {
  if (value?.S !== undefined) return value.S
  if (value?.N !== undefined) return value.N
  if (value?.B !== undefined) return Buffer.from(value.B).toString('base64')
  return undefined
}
