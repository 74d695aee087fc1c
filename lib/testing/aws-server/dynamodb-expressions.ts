/**
 * DynamoDB's expressions, as far as GetItem, BatchGetItem and Query use them here: a key
 * condition (`#pk = :pk`, `pk = :pk`, and a sort key condition: =, <, <=, >, >=, BETWEEN,
 * begins_with), a projection of top-level attributes, and the placeholders of
 * ExpressionAttributeNames/Values, each of which must be defined and used, as DynamoDB checks.
 * Messages name attributes and placeholders, never values.
 */
import { compareKeys, keyTypeOf, type Item, type KeyValue } from '../dynamodb-values.js'
import { ModelError } from '../model-error.js'
import { fromAttributeValue } from './attribute-value.js'
import { wrongType, type Input } from './wire.js'

function invalid(message: string): ModelError {
  return new ModelError('ValidationException', message)
}

/** The placeholders of one request, and which of them its expressions used. */
export class Placeholders {
  private readonly names: Readonly<Record<string, unknown>>
  private readonly values: Readonly<Record<string, unknown>>
  private readonly usedNames = new Set<string>()
  private readonly usedValues = new Set<string>()

  constructor(input: Input) {
    this.names = placeholderMap(input, 'ExpressionAttributeNames')
    this.values = placeholderMap(input, 'ExpressionAttributeValues')
  }

  /** The attribute a path token names: `#name` through ExpressionAttributeNames, else itself. */
  attribute(token: string, expression: string): string {
    if (!token.startsWith('#')) return token
    const name = this.names[token]
    if (typeof name !== 'string') throw invalid(`Invalid ${expression}: An expression attribute name used in the document path is not defined; attribute name: ${token}`)
    this.usedNames.add(token)
    return name
  }

  value(token: string, expression: string): KeyValue {
    if (!Object.hasOwn(this.values, token)) throw invalid(`Invalid ${expression}: An expression attribute value used in expression is not defined; attribute value: ${token}`)
    this.usedValues.add(token)
    const value = fromAttributeValue(this.values[token])
    if (keyTypeOf(value) === undefined) throw invalid('One or more parameter values were invalid: Condition parameter type does not match schema type')
    return value as KeyValue
  }

  /** DynamoDB refuses a placeholder that no expression used. */
  checkAllUsed(): void {
    const unused = (all: object, used: Set<string>): string[] => Object.keys(all).filter((key) => !used.has(key))
    const names = unused(this.names, this.usedNames)
    if (names.length > 0) throw invalid(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(', ')}}`)
    const values = unused(this.values, this.usedValues)
    if (values.length > 0) throw invalid(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(', ')}}`)
  }
}

function placeholderMap(input: Input, field: string): Readonly<Record<string, unknown>> {
  const value = input[field]
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(field)
  if (Object.keys(value).length === 0) throw invalid(`ExpressionAttribute${field.endsWith('Names') ? 'Names' : 'Values'} must not be empty`)
  return value as Readonly<Record<string, unknown>>
}

// ---- ProjectionExpression / AttributesToGet ---------------------------------------------

/** The attributes to return (undefined: all of them). Only top-level attributes are projected here. */
export function projection(input: Input, placeholders: Placeholders): string[] | undefined {
  const expression = input.ProjectionExpression
  const legacy = input.AttributesToGet
  if (expression !== undefined && legacy !== undefined) {
    throw invalid('Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}')
  }
  if (Array.isArray(legacy) && legacy.every((name) => typeof name === 'string')) return legacy as string[]
  if (legacy !== undefined) throw wrongType('AttributesToGet')
  if (expression === undefined) return undefined
  if (typeof expression !== 'string') throw wrongType('ProjectionExpression')
  return expression.split(',').map((path) => {
    const token = path.trim()
    if (!/^(#[A-Za-z0-9_]+|[A-Za-z][A-Za-z0-9_]*)$/.test(token)) {
      throw invalid('Invalid ProjectionExpression: the test server projects top-level attributes only (a name or #placeholder)')
    }
    return placeholders.attribute(token, 'ProjectionExpression')
  })
}

export function project(item: Item, attributes: readonly string[] | undefined): Item {
  if (attributes === undefined) return item
  return Object.fromEntries(attributes.filter((name) => Object.hasOwn(item, name)).map((name) => [name, item[name]!]))
}

// ---- KeyConditionExpression -------------------------------------------------------------

type SortOperator = '=' | '<' | '<=' | '>' | '>=' | 'BETWEEN' | 'begins_with'

export interface SortCondition {
  readonly operator: SortOperator
  readonly values: readonly KeyValue[]
}

export interface KeyCondition {
  readonly partition: KeyValue
  readonly sort?: SortCondition
}

interface Term {
  readonly attribute: string
  readonly operator: SortOperator | '<>'
  readonly values: readonly KeyValue[]
}

const TOKEN = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|<=|>=|<>|[=<>(),])/y
const KEY_CONDITION = 'KeyConditionExpression'

export function keyCondition(input: Input, placeholders: Placeholders, schema: { partitionKey: string; sortKey?: string }): KeyCondition {
  const expression = input.KeyConditionExpression
  if (expression === undefined) throw invalid('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.')
  if (typeof expression !== 'string') throw wrongType(KEY_CONDITION)
  const terms = parseTerms(tokenize(expression), placeholders)
  const partition = terms.find((t) => t.attribute === schema.partitionKey)
  if (!partition) throw invalid(`Query condition missed key schema element: ${schema.partitionKey}`)
  for (const term of terms) {
    if (term.attribute !== schema.partitionKey && term.attribute !== schema.sortKey) throw invalid('Query key condition not supported')
  }
  if (new Set(terms.map((t) => t.attribute)).size !== terms.length) throw invalid('KeyConditionExpressions must only contain one condition per key')
  if (partition.operator !== '=') throw invalid('Query key condition not supported')
  const sort = terms.find((t) => t !== partition)
  if (sort?.operator === '<>') throw invalid(`Unsupported operator in ${KEY_CONDITION}: <>`)
  if (sort?.operator === 'begins_with' && typeof sort.values[0] === 'number') {
    throw invalid(`Invalid ${KEY_CONDITION}: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N`)
  }
  return { partition: partition.values[0]!, sort: sort && { operator: sort.operator as SortOperator, values: sort.values } }
}

/** Whether a sort key value meets the condition (values of another type than the key's are refused). */
export function meetsSortCondition(value: KeyValue, condition: SortCondition): boolean {
  if (condition.values.some((v) => keyTypeOf(v) !== keyTypeOf(value))) {
    throw invalid('One or more parameter values were invalid: Condition parameter type does not match schema type')
  }
  const [a, b] = condition.values as [KeyValue, KeyValue]
  switch (condition.operator) {
    case '=':
      return compareKeys(value, a) === 0
    case '<':
      return compareKeys(value, a) < 0
    case '<=':
      return compareKeys(value, a) <= 0
    case '>':
      return compareKeys(value, a) > 0
    case '>=':
      return compareKeys(value, a) >= 0
    case 'BETWEEN':
      return compareKeys(value, a) >= 0 && compareKeys(value, b) <= 0
    case 'begins_with':
      return Buffer.from(typeof value === 'string' ? value : (value as Uint8Array)).subarray(0, byteLength(a)).equals(Buffer.from(a as string | Uint8Array))
  }
}

function byteLength(value: KeyValue): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : (value as Uint8Array).length
}

function tokenize(expression: string): string[] {
  const tokens: string[] = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break
    const match = TOKEN.exec(expression)
    if (!match) throw invalid(`Invalid ${KEY_CONDITION}: Syntax error`)
    tokens.push(match[1]!)
  }
  return tokens
}

/** term (AND term)?, a term being `path op :v`, `path BETWEEN :a AND :b` or `begins_with(path, :v)`. */
function parseTerms(tokens: readonly string[], placeholders: Placeholders): Term[] {
  let at = 0
  const next = (): string => {
    const token = tokens[at++]
    if (token === undefined) throw invalid(`Invalid ${KEY_CONDITION}: Syntax error`)
    return token
  }
  const expect = (token: string): void => {
    if (next().toUpperCase() !== token) throw invalid(`Invalid ${KEY_CONDITION}: Syntax error`)
  }
  const path = (): string => {
    const token = next()
    if (!/^(#|[A-Za-z_])/.test(token) || /^(AND|BETWEEN)$/i.test(token)) throw invalid(`Invalid ${KEY_CONDITION}: Syntax error`)
    return placeholders.attribute(token, KEY_CONDITION)
  }
  const value = (): KeyValue => {
    const token = next()
    if (!token.startsWith(':')) throw invalid(`Invalid ${KEY_CONDITION}: Syntax error`)
    return placeholders.value(token, KEY_CONDITION)
  }
  const term = (): Term => {
    if (tokens[at] === 'begins_with') {
      at += 1
      expect('(')
      const attribute = path()
      expect(',')
      const prefix = value()
      expect(')')
      return { attribute, operator: 'begins_with', values: [prefix] }
    }
    const attribute = path()
    const operator = next()
    if (operator.toUpperCase() === 'BETWEEN') {
      const low = value()
      expect('AND')
      return { attribute, operator: 'BETWEEN', values: [low, value()] }
    }
    if (!['=', '<', '<=', '>', '>=', '<>'].includes(operator)) throw invalid(`Invalid ${KEY_CONDITION}: Syntax error`)
    return { attribute, operator: operator as Term['operator'], values: [value()] }
  }
  const terms = [term()]
  if (at < tokens.length) {
    expect('AND')
    terms.push(term())
  }
  if (at < tokens.length) throw invalid(`Invalid ${KEY_CONDITION}: The expression can contain at most two conditions, one per key`)
  return terms
}
