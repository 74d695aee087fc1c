/**
 * From DynamoDB's AttributeValues to the plain values a store answers, as
 * @aws-sdk/util-dynamodb's `convertToNative` reads them: S text, N a number, B bytes, BOOL,
 * NULL null, M an object, L an array, SS/NS/BS a Set. Written here rather than imported: that
 * import was the one @aws-sdk module a DynamoDB read loaded on the lean transport, and an
 * optional peer to install. Without it, a cold start reading 10 items (Node 22, 20 ms latency,
 * medians of 30-40 processes) takes 4-5 ms less, 7 ms less CPU. Two differences, on purpose:
 * every map member is an own property (util-dynamodb assigns them, and a member named
 * `__proto__` would set the prototype), and a number beyond JavaScript's safe integers is
 * refused, not answered as a BigInt, which no transform can read. dynamodb-values.test.ts holds
 * it to util-dynamodb on random values. No error here ever quotes a value.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { storeError } from '../classify.js'
import type { StoreData, StoreError } from '../store.js'

/** One value, or why it cannot be answered. */
export type Converted = { readonly ok: true; readonly value: StoreData } | { readonly ok: false; readonly error: StoreError }

/** Thrown inside the walk, caught at its top: a value that cannot be answered. Carries no value. */
class Unsupported extends Error {}

/** Converts one attribute's value; `where` names it in errors (`attribute value of table config`). */
export function convertValue(value: AttributeValue, where: string, operation: string): Converted {
  try {
    return { ok: true, value: toNative(value) as StoreData }
  } catch (error) {
    // Anything else (a list that is not an array...) is a malformed answer: its message may quote it.
    const why = error instanceof Unsupported ? error.message : 'a value that cannot be read'
    return { ok: false, error: storeError({ code: 'UnsupportedValue', message: `The ${where} holds ${why}.`, operation }) }
  }
}

/** As convertToNative: the first member that is defined names the type. */
function toNative(value: AttributeValue): unknown {
  for (const [type, member] of Object.entries(value) as Array<[string, unknown]>) {
    if (member === undefined) continue
    switch (type) {
      case 'S':
      case 'B':
        return member
      case 'N':
        return numberOf(member)
      case 'BOOL':
        return Boolean(member)
      case 'NULL':
        return null
      // fromEntries defines own properties: a member named __proto__ stays a member.
      case 'M':
        return Object.fromEntries(Object.entries(member as Record<string, AttributeValue>).map(([name, inner]) => [name, toNative(inner)]))
      case 'L':
        return (member as AttributeValue[]).map(toNative)
      case 'SS':
      case 'BS':
        return new Set(member as unknown[])
      case 'NS':
        return new Set((member as unknown[]).map(numberOf))
      default:
        throw new Unsupported('a value of a type DynamoDB does not have')
    }
  }
  throw new Unsupported('a value with no type')
}

function numberOf(text: unknown): number {
  const number = Number(text)
  if (typeof text !== 'string' || !Number.isFinite(number)) throw new Unsupported('a number that does not parse')
  if (number > Number.MAX_SAFE_INTEGER || number < Number.MIN_SAFE_INTEGER) throw new Unsupported("a number beyond JavaScript's safe integers (store it as a string)")
  return number
}

/** A sort key value as an object key, as the memory store names it: text as it is, a number as DynamoDB spells it, bytes in base64. */
export function entryName(value: AttributeValue | undefined): string | undefined {
  if (value?.S !== undefined) return value.S
  if (value?.N !== undefined) return value.N
  if (value?.B !== undefined) return Buffer.from(value.B).toString('base64')
  return undefined
}
