/** aws-server/dynamodb-expressions.ts: key conditions, projections and placeholders, as DynamoDB reads and refuses them. */
import { keyCondition, meetsSortCondition, Placeholders, project, projection } from '../../../lib/testing/aws-server/dynamodb-expressions.js'
import type { Input } from '../../../lib/testing/aws-server/wire.js'
import { ModelError } from '../../../lib/testing/model.js'

const schema = { partitionKey: 'pk', sortKey: 'sk' }
const values = { ':pk': { S: 'p' }, ':a': { S: 'b' }, ':b': { S: 'd' }, ':n': { N: '5' } }

function parse(expression: string, more: Input = {}): ReturnType<typeof keyCondition> {
  const input = { KeyConditionExpression: expression, ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' }, ExpressionAttributeValues: values, ...more }
  return keyCondition(input, new Placeholders(input), schema)
}

function refusal(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    if (error instanceof ModelError && error.code === 'ValidationException') return error.message
    throw error
  }
  throw new Error('expected a ValidationException')
}

describe('KeyConditionExpression', () => {
  test('the partition key by placeholder or by name, in either order with a sort key condition, keywords in any case', () => {
    expect(parse('#pk = :pk')).toEqual({ partition: 'p', sort: undefined })
    expect(parse('pk=:pk')).toEqual({ partition: 'p', sort: undefined })
    expect(parse('#sk between :a and :b AND #pk = :pk')).toEqual({ partition: 'p', sort: { operator: 'BETWEEN', values: ['b', 'd'] } })
    expect(parse('#pk = :pk AND begins_with ( sk , :a )')).toEqual({ partition: 'p', sort: { operator: 'begins_with', values: ['b'] } })
    expect(parse('  #pk = :pk  AND  #sk >= :a  ').sort).toEqual({ operator: '>=', values: ['b'] })
  })

  test('what DynamoDB refuses', () => {
    expect(refusal(() => parse('#sk = :a'))).toBe('Query condition missed key schema element: pk')
    expect(refusal(() => parse('#pk = :pk AND other = :a'))).toBe('Query key condition not supported')
    expect(refusal(() => parse('#pk > :pk'))).toBe('Query key condition not supported')
    expect(refusal(() => parse('#pk = :pk AND pk = :pk'))).toBe('KeyConditionExpressions must only contain one condition per key')
    expect(refusal(() => parse('#pk = :pk AND #sk <> :a'))).toBe('Unsupported operator in KeyConditionExpression: <>')
    expect(refusal(() => parse('#pk = :pk AND begins_with(#sk, :n)'))).toContain('operator or function: begins_with, operand type: N')
    expect(refusal(() => parse('#pk = :pk AND #sk = :a AND #sk = :b'))).toContain('at most two conditions')
    expect(refusal(() => parse('#pk = :pk OR #sk = :a'))).toBe('Invalid KeyConditionExpression: Syntax error')
    expect(refusal(() => parse('#pk = "p"'))).toBe('Invalid KeyConditionExpression: Syntax error')
    expect(refusal(() => parse('#pk ='))).toBe('Invalid KeyConditionExpression: Syntax error')
    expect(refusal(() => keyCondition({}, new Placeholders({}), schema))).toBe('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.')
  })

  test('placeholders: defined, of a key type, and each one used', () => {
    expect(refusal(() => parse('#nope = :pk'))).toContain('attribute name used in the document path is not defined; attribute name: #nope')
    expect(refusal(() => parse('#pk = :nope'))).toContain('attribute value used in expression is not defined; attribute value: :nope')
    const input = { KeyConditionExpression: 'pk = :m', ExpressionAttributeValues: { ':m': { M: {} } } }
    expect(refusal(() => keyCondition(input, new Placeholders(input), schema))).toContain('Condition parameter type does not match schema type')
    const unused = { KeyConditionExpression: 'pk = :pk', ExpressionAttributeNames: { '#x': 'x' }, ExpressionAttributeValues: { ':pk': { S: 'p' }, ':y': { S: 'y' } } }
    const placeholders = new Placeholders(unused)
    keyCondition(unused, placeholders, schema)
    expect(refusal(() => placeholders.checkAllUsed())).toBe('Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}')
    expect(refusal(() => new Placeholders({ ExpressionAttributeValues: {} }))).toBe('ExpressionAttributeValues must not be empty')
  })

  test('sort conditions on strings (by byte), numbers (by value) and prefixes', () => {
    expect(['a', 'b', 'c', 'd', 'e'].filter((sk) => meetsSortCondition(sk, { operator: 'BETWEEN', values: ['b', 'd'] }))).toEqual(['b', 'c', 'd'])
    expect(meetsSortCondition('d', { operator: '<', values: ['d'] })).toBe(false)
    expect(meetsSortCondition('Z', { operator: '<', values: ['a'] })).toBe(true)
    expect(meetsSortCondition(10, { operator: '>', values: [9] })).toBe(true)
    expect(meetsSortCondition('order#12', { operator: 'begins_with', values: ['order#'] })).toBe(true)
    expect(meetsSortCondition('orde', { operator: 'begins_with', values: ['order#'] })).toBe(false)
    expect(refusal(() => meetsSortCondition(10, { operator: '=', values: ['10'] }))).toContain('Condition parameter type does not match schema type')
  })
})

describe('ProjectionExpression and AttributesToGet', () => {
  const item = { id: 'x', value: 'v', other: 1 }

  test('top-level attributes, by name or placeholder; attributes the item lacks are left out', () => {
    const input = { ProjectionExpression: 'id, #v, missing', ExpressionAttributeNames: { '#v': 'value' } }
    const projected = project(item, projection(input, new Placeholders(input)))
    expect(projected).toEqual({ id: 'x', value: 'v' })
    expect(Object.keys(projected)).toEqual(['id', 'value'])
    expect(project(item, projection({ AttributesToGet: ['other'] }, new Placeholders({})))).toEqual({ other: 1 })
    expect(project(item, projection({}, new Placeholders({})))).toBe(item)
  })

  test('both forms at once, or a nested path, are refused', () => {
    expect(refusal(() => projection({ ProjectionExpression: 'id', AttributesToGet: ['id'] }, new Placeholders({})))).toContain('Can not use both expression and non-expression parameters')
    expect(refusal(() => projection({ ProjectionExpression: 'a.b' }, new Placeholders({})))).toContain('top-level attributes only')
  })
})
