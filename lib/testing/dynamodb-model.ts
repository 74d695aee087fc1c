/**
 * DynamoDB's state: tables with their key schema (a partition key, and maybe a sort key) and
 * their items as plain JS values. A table is found by name or ARN. A key attribute's type (S, N
 * or B) is fixed by the first item put, as the table's AttributeDefinitions would fix it.
 */
import { arn } from './aws-account.js'
import { ModelError } from './model-error.js'
import { checkKeyValue, compareKeys, copyItem, itemFromInput, keyString, keyTypeOf, type Item, type ItemInput, type KeyType, type KeyValue } from './dynamodb-values.js'

export interface KeySchema {
  /** The partition (HASH) key attribute. */
  readonly partitionKey: string
  /** The sort (RANGE) key attribute, if the table has one. */
  readonly sortKey?: string
}

export interface TableSeed extends KeySchema {
  readonly items?: readonly ItemInput[]
}

export interface TableDescription extends KeySchema {
  readonly name: string
  readonly arn: string
  readonly itemCount: number
}

/** A primary key: the partition key attribute and, for a table with one, the sort key attribute. */
export type PrimaryKey = Readonly<Record<string, KeyValue>>

interface TableRecord {
  readonly name: string
  readonly arn: string
  readonly schema: KeySchema
  /** Fixed by the first item put. */
  readonly keyTypes: { partition?: KeyType; sort?: KeyType }
  /** By primary key (keyString of each part). */
  readonly items: Map<string, Item>
}

const SCHEMA_MISMATCH = 'The provided key element does not match the schema'

export class DynamoDbModel {
  private readonly tables = new Map<string, TableRecord>()

  createTable(name: string, schema: KeySchema): TableDescription {
    if (this.tables.has(name)) throw new ModelError('ResourceInUseException', `Table already exists: ${name}`)
    const { partitionKey, sortKey } = schema
    this.tables.set(name, { name, arn: arn('dynamodb', `table/${name}`), schema: { partitionKey, sortKey }, keyTypes: {}, items: new Map() })
    return this.describeTable(name)
  }

  deleteTable(nameOrArn: string): void {
    this.tables.delete(this.table(nameOrArn).name)
  }

  tableNames(): string[] {
    return [...this.tables.keys()]
  }

  describeTable(nameOrArn: string): TableDescription {
    const table = this.table(nameOrArn)
    return { name: table.name, arn: table.arn, ...table.schema, itemCount: table.items.size }
  }

  /** PutItem: adds the item, or replaces the one with its primary key. The model keeps a copy, without undefined members. */
  putItem(nameOrArn: string, input: ItemInput): void {
    const table = this.table(nameOrArn)
    const item = itemFromInput(input)
    const key = this.primaryKey(table, item, (attribute) => `One or more parameter values were invalid: Missing the key ${attribute} in the item`)
    const { partitionKey, sortKey } = table.schema
    table.keyTypes.partition ??= keyTypeOf(key[partitionKey])
    if (sortKey !== undefined) table.keyTypes.sort ??= keyTypeOf(key[sortKey])
    this.checkKeyTypes(table, key, (attribute, expected, actual) => `One or more parameter values were invalid: Type mismatch for key ${attribute} expected: ${expected} actual: ${actual}`)
    table.items.set(indexKey(table, key), item)
  }

  /** DeleteItem: true when there was such an item. */
  deleteItem(nameOrArn: string, key: PrimaryKey): boolean {
    const table = this.table(nameOrArn)
    return table.items.delete(this.lookupKey(table, key))
  }

  /** GetItem: a copy of the item with this primary key, or undefined. */
  getItem(nameOrArn: string, key: PrimaryKey): Item | undefined {
    const table = this.table(nameOrArn)
    const item = table.items.get(this.lookupKey(table, key))
    return item && copyItem(item)
  }

  /** Query by partition: copies of its items, in sort key order. */
  query(nameOrArn: string, partitionValue: KeyValue): Item[] {
    const table = this.table(nameOrArn)
    const type = keyTypeOf(partitionValue)
    if (table.keyTypes.partition !== undefined && type !== table.keyTypes.partition) {
      throw new ModelError('ValidationException', 'One or more parameter values were invalid: Condition parameter type does not match schema type')
    }
    const partition = keyString(partitionValue)
    const { partitionKey, sortKey } = table.schema
    const items = [...table.items.values()].filter((item) => keyString(item[partitionKey] as KeyValue) === partition)
    if (sortKey !== undefined) items.sort((a, b) => compareKeys(a[sortKey] as KeyValue, b[sortKey] as KeyValue))
    return items.map(copyItem)
  }

  /** The item's primary key attributes (what LastEvaluatedKey and UnprocessedKeys hold). */
  keyOf(nameOrArn: string, item: Item): PrimaryKey {
    return this.primaryKey(this.table(nameOrArn), item, () => SCHEMA_MISMATCH)
  }

  /** The table's name, when `nameOrArn` names one (a TableName may be either). */
  tableName(nameOrArn: string): string {
    return this.table(nameOrArn).name
  }

  private table(nameOrArn: string): TableRecord {
    const table = this.tables.get(nameOrArn) ?? [...this.tables.values()].find((t) => t.arn === nameOrArn)
    if (!table) throw new ModelError('ResourceNotFoundException', 'Requested resource not found')
    return table
  }

  /** The key attributes of `item`, checked: each present and a valid key value. */
  private primaryKey(table: TableRecord, item: Readonly<Record<string, unknown>>, missing: (attribute: string) => string): PrimaryKey {
    const key: Record<string, KeyValue> = {}
    for (const attribute of keyAttributes(table)) {
      if (!Object.hasOwn(item, attribute) || item[attribute] === undefined) throw new ModelError('ValidationException', missing(attribute))
      key[attribute] = checkKeyValue(attribute, item[attribute])
    }
    return key
  }

  /** A Key given to GetItem or DeleteItem: exactly the schema's attributes, of the schema's types. */
  private lookupKey(table: TableRecord, key: PrimaryKey): string {
    if (Object.keys(key).length !== keyAttributes(table).length) throw new ModelError('ValidationException', SCHEMA_MISMATCH)
    const checked = this.primaryKey(table, key, () => SCHEMA_MISMATCH)
    this.checkKeyTypes(table, checked, () => SCHEMA_MISMATCH)
    return indexKey(table, checked)
  }

  private checkKeyTypes(table: TableRecord, key: PrimaryKey, message: (attribute: string, expected: KeyType, actual: KeyType) => string): void {
    const { partitionKey, sortKey } = table.schema
    const expected: Array<[string | undefined, KeyType | undefined]> = [
      [partitionKey, table.keyTypes.partition],
      [sortKey, table.keyTypes.sort],
    ]
    for (const [attribute, type] of expected) {
      if (attribute === undefined || type === undefined) continue
      const actual = keyTypeOf(key[attribute])!
      if (actual !== type) throw new ModelError('ValidationException', message(attribute, type, actual))
    }
  }
}

function keyAttributes(table: TableRecord): string[] {
  return table.schema.sortKey === undefined ? [table.schema.partitionKey] : [table.schema.partitionKey, table.schema.sortKey]
}

function indexKey(table: TableRecord, key: PrimaryKey): string {
  return JSON.stringify(keyAttributes(table).map((attribute) => keyString(key[attribute]!)))
}
