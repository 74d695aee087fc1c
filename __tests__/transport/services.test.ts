/**
 * lib/transport/services.ts: the bound on an answer's size refuses only what AWS never sends.
 */
import { marshall } from '@aws-sdk/util-dynamodb'
import { itemSize, type Item } from '../../lib/testing/dynamodb-values.js'
import { SERVICES } from '../../lib/transport/services.js'

const MiB = 1024 * 1024

test("DynamoDB's bound holds BatchGetItem's 16 MB of items in their biggest JSON form", () => {
  // DynamoDB counts an item's size its own way (a name's bytes, a byte for a boolean, a byte per
  // list element...); the JSON that carries the item is several times bigger.
  const shapes = [
    { l: Array(10_000).fill(false) },
    { l: Array(10_000).fill(null) },
    Object.fromEntries(Array.from({ length: 90 }, (_, i) => [String.fromCharCode(33 + i), true])),
    { s: '\u0001'.repeat(10_000) },
    { n: Array(10_000).fill(1) },
  ] as unknown as Item[]
  const growth = shapes.map((item) => JSON.stringify(marshall(item)).length / itemSize(item))
  expect(Math.max(...growth)).toBeGreaterThan(9) // the one-letter names of booleans
  expect(16 * MiB * Math.max(...growth)).toBeLessThanOrEqual(SERVICES.dynamodb.maxResponseBytes)
})
