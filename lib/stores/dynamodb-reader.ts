/**
 * What the DynamoDB store does on its first fetch and after (./dynamodb.ts makes the connection):
 * `item` requests by GetItem or BatchGetItem (dynamodb-items.ts), `items` by Query
 * (dynamodb-query.ts), and the switch to GetItem for good when BatchGetItem is denied.
 */
import type { FetchOptions, Store, StoreRequest, StoreResult } from '../store.js'
import { chunks } from './chunks.js'
import type { Connection } from './connection.js'
import { batchGetItem, getItem, groupItems, itemResults, type ItemGroup, type KeyOutcome } from './dynamodb-items.js'
import { queryPartition } from './dynamodb-query.js'

/** BatchGetItem's limit. */
const BATCH_SIZE = 100

export function dynamoDbReader(dynamodb: Connection, batch: boolean): Store {
  let batchOff = !batch

  async function readSingly(group: ItemGroup, identities: readonly string[], outcomes: Map<string, KeyOutcome>, fetchOptions: FetchOptions): Promise<void> {
    await Promise.all(identities.map(async (identity) => void outcomes.set(identity, await getItem(dynamodb, group, identity, fetchOptions))))
  }

  async function readBatch(group: ItemGroup, identities: readonly string[], outcomes: Map<string, KeyOutcome>, fetchOptions: FetchOptions): Promise<void> {
    const answer = await batchGetItem(dynamodb, group, identities, fetchOptions)
    if (answer instanceof Map) {
      for (const [identity, outcome] of answer) outcomes.set(identity, outcome)
      return
    }
    if (answer.error.code !== 'AccessDeniedException') {
      for (const identity of identities) outcomes.set(identity, answer)
      return
    }
    if (!batchOff) {
      batchOff = true
      fetchOptions.logger.warn('BatchGetItem is not allowed for the execution role; using GetItem from now on (grant dynamodb:BatchGetItem or set batch: false to silence this)', {
        operation: 'BatchGetItem',
        code: answer.error.code,
      })
    }
    await readSingly(group, identities, outcomes, fetchOptions)
  }

  async function readGroup(group: ItemGroup, requests: readonly StoreRequest[], results: StoreResult[], fetchOptions: FetchOptions): Promise<void> {
    const identities = [...group.keys.keys()]
    const outcomes = new Map<string, KeyOutcome>()
    if (batchOff || identities.length === 1) await readSingly(group, identities, outcomes, fetchOptions)
    else await Promise.all(chunks(identities, BATCH_SIZE).map((chunk) => readBatch(group, chunk, outcomes, fetchOptions)))
    itemResults(group, requests, outcomes, results)
  }

  return {
    name: 'dynamodb',
    async fetch(requests, fetchOptions) {
      const results: StoreResult[] = new Array(requests.length)
      const items: number[] = []
      const work: Array<Promise<void>> = []
      requests.forEach((request, i) => {
        if (request.kind === 'items') work.push(queryPartition(dynamodb, request, fetchOptions).then((r) => void (results[i] = r)))
        else items.push(i)
      })
      for (const group of groupItems(requests, items, results)) work.push(readGroup(group, requests, results, fetchOptions))
      await Promise.all(work)
      return results
    },
  }
}
