/** testing/dynamodb-model.ts and dynamodb-values.ts: tables, key schemas, items as plain values, sort order. */
import { itemSize } from '../../lib/testing/dynamodb-values.js'
import { SecretsModel } from '../../lib/testing/model.js'
import { thrown } from '../support/model-errors.js'

function seeded(): SecretsModel {
  return new SecretsModel({
    dynamodb: {
      config: { partitionKey: 'id', items: [{ id: 'db', value: 'postgres://x' }] },
      tenants: { partitionKey: 'pk', sortKey: 'sk', items: [{ pk: 't1', sk: 'b', value: 2 }, { pk: 't1', sk: 'a', value: 1 }, { pk: 't2', sk: 'a', value: 3 }] },
    },
  })
}

describe('tables and items', () => {
  test('getItem by primary key: a copy of the item, or undefined', () => {
    const { dynamodb } = seeded()
    const item = dynamodb.getItem('config', { id: 'db' })
    expect(item).toEqual({ id: 'db', value: 'postgres://x' })
    ;(item as Record<string, unknown>).value = 'changed'
    expect(dynamodb.getItem('config', { id: 'db' })?.value).toBe('postgres://x')
    expect(dynamodb.getItem('config', { id: 'nope' })).toBeUndefined()
    expect(dynamodb.getItem('tenants', { pk: 't1', sk: 'a' })?.value).toBe(1)
  })

  test('a table is found by name or ARN; an unknown one is ResourceNotFoundException', () => {
    const { dynamodb } = seeded()
    const { arn } = dynamodb.describeTable('config')
    expect(arn).toBe('arn:aws:dynamodb:us-east-1:123456789012:table/config')
    expect(dynamodb.getItem(arn, { id: 'db' })?.value).toBe('postgres://x')
    expect(thrown(() => dynamodb.getItem('nope', { id: 'db' }))).toMatchObject({ code: 'ResourceNotFoundException', message: 'Requested resource not found' })
    expect(dynamodb.describeTable('tenants')).toMatchObject({ partitionKey: 'pk', sortKey: 'sk', itemCount: 3 })
    expect(thrown(() => dynamodb.createTable('config', { partitionKey: 'id' })).code).toBe('ResourceInUseException')
  })

  test('putItem replaces the item with the same key and keeps a copy; deleteItem removes it', () => {
    const { dynamodb } = seeded()
    const item = { id: 'db', value: 'v2', tags: ['a'] }
    dynamodb.putItem('config', item)
    item.tags.push('b')
    expect(dynamodb.getItem('config', { id: 'db' })).toEqual({ id: 'db', value: 'v2', tags: ['a'] })
    expect(dynamodb.deleteItem('config', { id: 'db' })).toBe(true)
    expect(dynamodb.deleteItem('config', { id: 'db' })).toBe(false)
    expect(dynamodb.getItem('config', { id: 'db' })).toBeUndefined()
  })

  test('every DynamoDB type round-trips as a plain value', () => {
    const { dynamodb } = seeded()
    const item = {
      id: 'all',
      s: '',
      n: -1.5,
      bool: false,
      nul: null,
      b: new Uint8Array([0, 255]),
      l: [1, 'two', [true]],
      m: { nested: { deep: 'x' }, ['__proto__']: 'own' },
      ss: new Set(['a', 'b']),
      ns: new Set([1, 2]),
      bs: new Set([new Uint8Array([1])]),
    }
    dynamodb.putItem('config', item)
    expect(dynamodb.getItem('config', { id: 'all' })).toEqual(item)
  })
})

test('a member that is undefined is absent (TypeScript types lists of objects with `member?: undefined`)', () => {
  const { dynamodb } = seeded()
  dynamodb.putItem('config', { id: 'u', value: 1, gone: undefined, m: { a: undefined, b: 1, ['__proto__']: 'own' }, l: [{ x: 1, y: undefined }] })
  const item = dynamodb.getItem('config', { id: 'u' })!
  expect(item).toEqual({ id: 'u', value: 1, m: { b: 1, ['__proto__']: 'own' }, l: [{ x: 1 }] })
  expect(Object.keys(item)).toEqual(['id', 'value', 'm', 'l'])
  expect(Object.keys(item.m as object)).toEqual(['b', '__proto__'])
})

describe('keys', () => {
  test('query: the partition in sort key order (strings by UTF-8 byte, numbers by value)', () => {
    const model = new SecretsModel({ dynamodb: { s: { partitionKey: 'pk', sortKey: 'sk' }, n: { partitionKey: 'pk', sortKey: 'sk' } } })
    for (const sk of ['a', 'B', 'é', 'Z', 'aa']) model.dynamodb.putItem('s', { pk: 'p', sk })
    for (const sk of [10, 2, -1, 1.5]) model.dynamodb.putItem('n', { pk: 'p', sk })
    expect(model.dynamodb.query('s', 'p').map((item) => item.sk)).toEqual(['B', 'Z', 'a', 'aa', 'é'])
    expect(model.dynamodb.query('n', 'p').map((item) => item.sk)).toEqual([-1, 1.5, 2, 10])
    expect(seeded().dynamodb.query('tenants', 't1').map((item) => item.value)).toEqual([1, 2])
    expect(seeded().dynamodb.query('tenants', 'none')).toEqual([])
  })

  test('an item without its key attributes, or with an empty string key, is refused', () => {
    const { dynamodb } = seeded()
    expect(thrown(() => dynamodb.putItem('tenants', { pk: 't1', value: 1 })).message).toBe('One or more parameter values were invalid: Missing the key sk in the item')
    expect(thrown(() => dynamodb.putItem('config', { id: '' })).message).toContain('cannot contain an empty string value. Key: id')
    expect(thrown(() => dynamodb.putItem('config', { id: true })).code).toBe('ValidationException')
  })

  test("the first item fixes a key's type: another type is a mismatch, in puts, gets and queries", () => {
    const { dynamodb } = seeded()
    expect(thrown(() => dynamodb.putItem('config', { id: 1 })).message).toBe('One or more parameter values were invalid: Type mismatch for key id expected: S actual: N')
    expect(thrown(() => dynamodb.getItem('config', { id: 1 })).message).toBe('The provided key element does not match the schema')
    expect(thrown(() => dynamodb.query('config', 1)).message).toContain('Condition parameter type does not match schema type')
  })

  test('a key with a missing or an extra attribute does not match the schema', () => {
    const { dynamodb } = seeded()
    expect(thrown(() => dynamodb.getItem('tenants', { pk: 't1' })).message).toBe('The provided key element does not match the schema')
    expect(thrown(() => dynamodb.getItem('config', { id: 'db', other: 'x' })).message).toBe('The provided key element does not match the schema')
    expect(thrown(() => dynamodb.getItem('config', { other: 'db' })).message).toBe('The provided key element does not match the schema')
  })
})

describe('values DynamoDB does not have are refused', () => {
  test.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an empty set', new Set()],
    ['a mixed set', new Set(['a', 1])],
    ['a set of booleans', new Set([true])],
    ['a Date', new Date()],
    ['undefined in a list', [undefined]],
    ['a Map', new Map()],
  ])('%s', (_label, value) => {
    const { dynamodb } = seeded()
    expect(thrown(() => dynamodb.putItem('config', { id: 'x', value: value as never })).code).toBe('ValidationException')
  })
})

// Found by a leak review: the path named a map's members, which are part of the value (a JSON secret's field names).
test("a refused value inside a map names its attribute, never the map's keys", () => {
  const { dynamodb } = seeded()
  const error = thrown(() => dynamodb.putItem('config', { id: 'x', value: { CANARY_field: { inner: Number.NaN } } as never }))
  expect(error.message).toBe('One or more parameter values were invalid: Attribute value holds a number DynamoDB cannot store (NaN or Infinity)')
})

test('itemSize counts attribute names and values, as DynamoDB sizes items', () => {
  expect(itemSize({ id: 'abc' })).toBe(5)
  expect(itemSize({ b: new Uint8Array(10), t: true })).toBe(1 + 10 + 1 + 1)
  expect(itemSize({ m: { k: 'v' } })).toBe(1 + 3 + 2)
  expect(itemSize({ big: 'x'.repeat(1000) })).toBe(1003)
})
