/** resolver/due.ts: the pure step of a round, for one key's entry, now. */
import { createEntry, failed, fetched, flightStarted, invalidate } from '../../lib/cache/entry.js'
import { makePolicy } from '../../lib/cache/policy.js'
import { stepFor } from '../../lib/resolver/due.js'
import { memoryStore } from '../../lib/testing/index.js'
import { shared } from '../../lib/shared-state.js'

// Generations are counted for the process and remembered by key (cache/entry.ts): each test starts from none, as a fresh process does.
beforeEach(() => {
  const generations = shared('entry.generations', () => ({ latest: 0, floor: 0, byKey: new Map<string, number>() }))
  Object.assign(generations, { latest: 0, floor: 0 })
  generations.byKey.clear()
})

const T = 1_000_000
const policy = makePolicy(10_000, 60_000, 0, false)
const throttled = { code: 'ThrottlingException', message: 'Rate exceeded', retryable: true }

function entryWithValue() {
  const entry = createEntry('k', memoryStore(), { kind: 'secret', name: 's' })
  fetched(entry, { raw: 'v', versionId: 'v1', arn: undefined, generation: 0, sequence: 1 }, T)
  return entry
}

test('fresh: the value', () => {
  const entry = entryWithValue()
  expect(stepFor(entry, policy, T + 1)).toEqual({ kind: 'fresh', value: entry.value })
})

test('a fetch under way for the current generation is joined; one started before an invalidation is not', () => {
  const entry = entryWithValue()
  flightStarted(entry, { generation: 0, sequence: 2 })
  expect(stepFor(entry, policy, T + 20_000)).toEqual({ kind: 'join' })
  invalidate(entry, 'refresh')
  expect(stepFor(entry, policy, T + 1)).toEqual({ kind: 'fetch', reason: 'refresh' })
})

test('backing off after a retryable failure: the stale value serves without asking AWS; without maxStale it is fetched', () => {
  const entry = entryWithValue()
  failed(entry, 0, throttled, T + 20_000)
  expect(stepFor(entry, policy, T + 20_001)).toEqual({ kind: 'stale', value: entry.value })
  expect(stepFor(entry, makePolicy(10_000, 0, 0, false), T + 20_001)).toEqual({ kind: 'fetch', reason: 'expired' })
})

test('otherwise a fetch, with its reason', () => {
  expect(stepFor(createEntry('k', memoryStore(), { kind: 'secret', name: 's' }), policy, T)).toEqual({ kind: 'fetch', reason: 'cold' })
  expect(stepFor(entryWithValue(), policy, T + 10_000)).toEqual({ kind: 'fetch', reason: 'expired' })
})
