/**
 * stores/dynamodb-values.ts: DynamoDB's AttributeValues read as @aws-sdk/util-dynamodb's
 * convertToNative reads them (a property on random values: the same answer, or a refusal where
 * it answers a BigInt or throws), with the two differences the module names: own map members,
 * and no BigInt. No refusal quotes the value.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { convertToNative } from '@aws-sdk/util-dynamodb'
import fc from 'fast-check'
import { convertValue, entryName } from '../../lib/stores/dynamodb-values.js'

const convert = (value: AttributeValue) => convertValue(value, 'attribute value of table config', 'GetItem')

/** Numbers as DynamoDB spells them: integers of any size it holds (38 digits), decimals, exponents. */
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.maxSafeInteger().map(String),
  fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n }).map(String),
  // Around the edge of the safe integers, on both sides, and a little past it.
  fc.tuple(fc.boolean(), fc.bigInt({ min: -3n, max: 3n }), fc.integer({ min: 0, max: 8 })).map(([negative, d, shift]) => String((negative ? -1n : 1n) * ((2n ** 53n - 1n) * 2n ** BigInt(shift) + d))),
  fc.double({ min: -1e125, max: 1e125, noNaN: true }).map(String),
  fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: -130, max: 125 })).map(([m, e]) => `${m}E${e}`),
)
const bytes = fc.uint8Array({ maxLength: 8 })
// __proto__ as a member name is the one difference in shape (tested on its own below).
const memberName = fc.string({ maxLength: 6 }).filter((name) => name !== '__proto__')

const { value: attributeValue } = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ S: fc.string({ maxLength: 8 }) }),
    fc.record({ N: numberText }),
    fc.record({ B: bytes }),
    fc.record({ BOOL: fc.boolean() }),
    fc.constant({ NULL: true }),
    fc.record({ SS: fc.uniqueArray(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 4 }) }),
    fc.record({ NS: fc.uniqueArray(numberText, { minLength: 1, maxLength: 4 }) }),
    fc.record({ BS: fc.array(bytes, { minLength: 1, maxLength: 3 }) }),
    fc.record({ L: fc.array(tie('value'), { maxLength: 4 }) }),
    fc.record({ M: fc.dictionary(memberName, tie('value'), { maxKeys: 4 }) }),
  ) as fc.Arbitrary<AttributeValue>,
}))

function hasBigInt(value: unknown): boolean {
  if (typeof value === 'bigint') return true
  if (value instanceof Set || Array.isArray(value)) return [...value].some(hasBigInt)
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.values(value).some(hasBigInt)
  return false
}

test('on random values: what util-dynamodb answers, or a refusal (UnsupportedValue) where it answers a BigInt or throws', () => {
  fc.assert(
    fc.property(attributeValue, (value) => {
      let theirs: { value: unknown } | undefined
      try {
        theirs = { value: convertToNative(value) }
      } catch {
        theirs = undefined
      }
      const ours = convert(value)
      if (theirs === undefined || hasBigInt(theirs.value)) expect(ours).toMatchObject({ ok: false, error: { code: 'UnsupportedValue', retryable: false } })
      else expect(ours).toEqual({ ok: true, value: theirs.value })
    }),
    { numRuns: 2000 },
  )
})

test('each type', () => {
  const b = new Uint8Array([1, 2])
  expect(convert({ S: 'text' })).toEqual({ ok: true, value: 'text' })
  expect(convert({ N: '-12.5' })).toEqual({ ok: true, value: -12.5 })
  expect(convert({ N: '9007199254740991' })).toEqual({ ok: true, value: Number.MAX_SAFE_INTEGER })
  expect(convert({ N: '-9007199254740991' })).toEqual({ ok: true, value: Number.MIN_SAFE_INTEGER })
  expect(convert({ B: b })).toEqual({ ok: true, value: b })
  expect(convert({ BOOL: false })).toEqual({ ok: true, value: false })
  expect(convert({ NULL: true })).toEqual({ ok: true, value: null })
  expect(convert({ SS: ['a', 'b'] })).toEqual({ ok: true, value: new Set(['a', 'b']) })
  expect(convert({ NS: ['1', '2.5'] })).toEqual({ ok: true, value: new Set([1, 2.5]) })
  expect(convert({ BS: [b] })).toEqual({ ok: true, value: new Set([b]) })
  expect(convert({ L: [{ S: 'x' }, { N: '1' }] })).toEqual({ ok: true, value: ['x', 1] })
  expect(convert({ M: { a: { M: { b: { BOOL: true } } } } })).toEqual({ ok: true, value: { a: { b: true } } })
  // As convertToNative: the first member that is defined names the type.
  expect(convert({ S: undefined, N: '3' } as unknown as AttributeValue)).toEqual({ ok: true, value: 3 })
})

test('a map member named __proto__ is an own member, not the prototype', () => {
  // Parsed, as an answer is: in a literal, __proto__ would set the prototype of the input itself.
  const converted = convert(JSON.parse('{"M":{"__proto__":{"M":{"polluted":{"BOOL":true}}},"plain":{"N":"1"}}}') as AttributeValue)
  expect(converted.ok).toBe(true)
  const value = (converted as { value: Record<string, unknown> }).value
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  expect(Object.keys(value).sort()).toEqual(['__proto__', 'plain'])
  expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true })
})

test.each<[string, AttributeValue, string]>([
  ['beyond the safe integers', { N: '12345678901234567890' }, "a number beyond JavaScript's safe integers (store it as a string)"],
  ['beyond the safe integers, in a set', { NS: ['1', '-98765432109876543210'] }, "a number beyond JavaScript's safe integers (store it as a string)"],
  ['beyond the safe integers, deep in a map', { M: { deep: { L: [{ N: '98765432109876543210' }] } } }, "a number beyond JavaScript's safe integers (store it as a string)"],
  ['a number that is not one', { N: 'secret-ish-Vq3' }, 'a number that does not parse'],
  ['a number that is not text', { N: 12 } as unknown as AttributeValue, 'a number that does not parse'],
  ['a type DynamoDB does not have', { $unknown: ['Q', 'secret-ish-Vq3'] } as unknown as AttributeValue, 'a value of a type DynamoDB does not have'],
  ['no type at all', {} as AttributeValue, 'a value with no type'],
  ['a list that is not one', { L: 'secret-ish-Vq3' } as unknown as AttributeValue, 'a value that cannot be read'],
])('%s: UnsupportedValue, not retryable, the value not quoted', (_label, value, why) => {
  const converted = convert(value)
  expect(converted).toEqual({
    ok: false,
    error: { code: 'UnsupportedValue', message: `The attribute value of table config holds ${why}.`, retryable: false, operation: 'GetItem' },
  })
  expect(JSON.stringify(converted)).not.toMatch(/secret-ish|12345678901234567890|98765432109876543210/)
})

test("entryName: a sort key's value as the name of its entry: text as it is, a number as DynamoDB spells it, bytes in base64; anything else none", () => {
  expect(entryName({ S: 'item-01' })).toBe('item-01')
  expect(entryName({ N: '1.50' })).toBe('1.50')
  expect(entryName({ B: new Uint8Array([255, 0, 1]) })).toBe('/wAB')
  expect(entryName({ BOOL: true })).toBeUndefined()
  expect(entryName(undefined)).toBeUndefined()
})
