/**
 * The DynamoDB store. Made now: its connection to DynamoDB (the lean HTTPS transport where it
 * can serve, else the SDK, @aws-sdk/client-dynamodb, imported on first use). Imported on the
 * first fetch: the reading code (dynamodb-reader.ts: GetItem, BatchGetItem, Query, and
 * dynamodb-values.ts, which reads values as @aws-sdk/util-dynamodb would, without loading it).
 */
import type { Store } from '../store.js'
import { connection, type ConnectionOptions } from './connection.js'
import { lazyStore } from './lazy-store.js'

export interface DynamoDbStoreOptions extends ConnectionOptions {
  /** Use BatchGetItem for several items of one table at once (default true); false uses GetItem. */
  readonly batch?: boolean
}

export function dynamoDbStore(options: DynamoDbStoreOptions = {}): Store {
  const dynamodb = connection('dynamodb', options)
  return lazyStore('dynamodb', () => import('./dynamodb-reader.js').then((m) => m.dynamoDbReader(dynamodb, options.batch !== false)))
}
