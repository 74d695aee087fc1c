/**
 * aws-server/attribute-value.ts: the kit's own AttributeValue marshalling agrees with the AWS
 * SDK's (@aws-sdk/util-dynamodb, binaries in base64 as the wire carries them) on any value, reads
 * back what it wrote, and refuses what DynamoDB refuses without quoting a value.
 */
import { marshall } from '@aws-sdk/util-dynamodb'
import fc from 'fast-check'
import type { Item, ItemValue } from '../../../lib/testing/dynamodb-values.js'
import { fromAttributeValue, fromItemJson, toAttributeValue, toItemJson } from '../../../lib/testing/aws-server/attribute-value.js'
import { thrown } from '../../support/model-errors.js'

const bytes = fc.uint8Array({ maxLength: 8 })
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)))
const name = fc.string({ maxLength: 6 }).filter((key) => key !== '__proto__')

const { value: itemValue } = fc.letrec<{ value: ItemValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 8 }),
    number,
    fc.boolean(),
    fc.constant(null),
    bytes,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(name, tie('value'), { maxKeys: 3 }),
    fc.uniqueArray(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 3 }).map((elements) => new Set(elements)),
    fc.uniqueArray(number, { minLength: 1, maxLength: 3 }).map((elements) => new Set(elements)),
    fc.uniqueArray(bytes, { minLength: 1, maxLength: 3, selector: (b) => Buffer.from(b).toString('hex') }).map((elements) => new Set(elements)),
  ),
}))

/** util-dynamodb leaves B as bytes for the client to encode; on the wire they are base64. */
function asOnTheWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (Array.isArray(value)) return value.map(asOnTheWire)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asOnTheWire(v)]))
  return value
}

test("any value marshals as the AWS SDK's util-dynamodb marshals it", () => {
  fc.assert(
    fc.property(fc.dictionary(name, itemValue, { maxKeys: 4 }), (item) => {
      expect(toItemJson(item as Item)).toEqual(asOnTheWire(marshall(item, { allowImpreciseNumbers: true })))
    }),
  )
})

test('any value reads back as what was written', () => {
  fc.assert(
    fc.property(itemValue, (value) => {
      expect(fromAttributeValue(JSON.parse(JSON.stringify(toAttributeValue(value))))).toEqual(value)
    }),
  )
})

test('an attribute or map member named __proto__ stays an own member, both ways', () => {
  const item = fromItemJson(JSON.parse('{"__proto__":{"M":{"__proto__":{"S":"x"}}}}'))
  expect(Object.keys(item)).toEqual(['__proto__'])
  expect(Object.getPrototypeOf(item)).toBe(Object.prototype)
  expect(Object.keys(item['__proto__'] as object)).toEqual(['__proto__'])
  expect(JSON.stringify(toItemJson(item))).toBe('{"__proto__":{"M":{"__proto__":{"S":"x"}}}}')
})

describe('what DynamoDB refuses, in its words and without the value', () => {
  test.each([
    [{}, 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'],
    [{ S: 'secret-Vv1', N: '1' }, 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes'],
    [{ NULL: false }, 'One or more parameter values were invalid: Null attribute value types must have the value of true'],
    [{ N: 'secret-Vv1' }, 'The parameter cannot be converted to a numeric value'],
    [{ N: '1e999' }, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    [{ SS: [] }, 'One or more parameter values were invalid: An string set  may not be empty'],
    [{ SS: ['secret-Vv1', 'secret-Vv1'] }, 'One or more parameter values were invalid: Input collection contains duplicates.'],
    [{ NS: ['1', '1'] }, 'One or more parameter values were invalid: Input collection contains duplicates.'],
  ])('%j', (json, message) => {
    const error = thrown(() => fromAttributeValue(json))
    expect(error).toMatchObject({ code: 'ValidationException', message })
    expect(error.message).not.toContain('secret-Vv1')
  })

  test('a member of the wrong JSON type is a SerializationException', () => {
    expect(thrown(() => fromAttributeValue({ S: 1 })).code).toBe('SerializationException')
    expect(thrown(() => fromAttributeValue({ SS: 'a' })).code).toBe('SerializationException')
    expect(thrown(() => fromAttributeValue({ B: 5 })).code).toBe('SerializationException')
    expect(thrown(() => fromAttributeValue('S')).code).toBe('ValidationException')
  })
})
