/**
 * resolver/plan.ts: the warm path's shortcut (knownFresh / rememberFresh). allFresh remembers
 * until when every value of a plan stays fresh and none is due ahead, and answers from that alone
 * while no entry has been written. The property below checks it against a full look at the cache
 * after every step of random programs of fetches, clock moves (forwards and back), invalidations, rotation dates,
 * eviction sweeps and background refreshes: the shortcut may save work, never change an answer.
 */
import { jest } from '@jest/globals'
import fc from 'fast-check'
import { cache } from '../../lib/cache/cache.js'
import { dueAhead, evicted, freshValue, invalidate, scheduleLearned, sparedOnce } from '../../lib/cache/entry.js'
import { clearCache, secret } from '../../lib/index.js'
import { createLimit } from '../../lib/limit.js'
import { normalize } from '../../lib/options/normalize.js'
import { buildPlan, holdsEvicted, knownFresh, type Plan } from '../../lib/resolver/plan.js'
import { allFresh, resolve } from '../../lib/resolver/resolve.js'
import type { Logger } from '../../lib/store.js'
import { memoryStore, type MemoryStore } from '../../lib/testing/index.js'

const RUNS = Number(process.env.PROPS_RUNS ?? 150)
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }
let clock = Date.UTC(2030, 0, 1)

beforeEach(() => {
  clearCache()
  clock = Date.UTC(2030, 0, 1)
  jest.spyOn(Date, 'now').mockImplementation(() => clock)
})
afterEach(() => jest.restoreAllMocks())

/** Lets background refreshes finish (the memory store answers on a timer). */
const settle = (): Promise<void> => new Promise((done) => setTimeout(done, 5))

/** Secrets a (rotated once: AWSCURRENT a2, AWSPREVIOUS a1) and b. */
function rotatedStore(): MemoryStore {
  const store = memoryStore({ secrets: { a: 'a1', b: 'b1' } })
  store.setSecret('a', 'a2')
  return store
}

/** Three keys with different TTLs; c is a's AWSPREVIOUS, which a rotation moves. */
function planOf(store: MemoryStore, refreshAhead: number): Plan {
  const settings = normalize({
    context: { a: secret('a', { ttl: 10 }), b: secret('b', { ttl: 60 }), c: secret('a', { ttl: 30, versionStage: 'AWSPREVIOUS' }) },
    stores: { secretsManager: store },
    refreshAhead,
    jitter: 0,
    prefetch: false,
    logger: quiet,
  })
  cache.ensureCapacity(settings.maxEntries)
  return buildPlan(settings, () => store, createLimit(settings.concurrency))
}

const fetchAll = (plan: Plan) => resolve(plan, [0, 1, 2], { deadline: clock + 5_000, background: false })

/** allFresh's answer from a full look at the cache, and the slots it must start refreshing. */
function fullLook(plan: Plan): { fresh: boolean; due: number[] } {
  let fresh = true
  const due: number[] = []
  plan.slots.forEach((slot, i) => {
    const entry = cache.get(slot.key)
    const value = entry === undefined ? undefined : freshValue(entry, slot.binding.policy, clock)
    if (value === undefined) fresh = false
    else if (dueAhead(entry!, value, slot.binding.policy, clock)) due.push(i)
  })
  return { fresh, due: fresh ? due : [] }
}

type Step =
  | { readonly kind: 'fetch' }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'setBack'; readonly ms: number }
  | { readonly kind: 'invalidate'; readonly slot: number }
  | { readonly kind: 'rotationDate'; readonly slot: number; readonly inMs: number }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'clear' }
  | { readonly kind: 'rotate' }
  | { readonly kind: 'settle' }
  | { readonly kind: 'look' }

const slot = fc.integer({ min: 0, max: 2 })
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fetch' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 40_000 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('look' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setBack' as const), ms: fc.integer({ min: 1, max: 40_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotationDate' as const), slot, inMs: fc.integer({ min: -5_000, max: 60_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotate' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
)

test('allFresh answers as a full look at the cache would, after any program, and starts every refresh ahead that is due', async () => {
  let shortcuts = 0
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(0, 0.1, 0.5), fc.array(step, { minLength: 1, maxLength: 30 }), async (refreshAhead, steps) => {
      clearCache()
      clock = Date.UTC(2030, 0, 1)
      const store = rotatedStore()
      const plan = planOf(store, refreshAhead)
      let rotations = 0
      for (const s of [{ kind: 'fetch' } as const, ...steps]) {
        const entryAt = (i: number) => cache.get(plan.slots[i]!.key)
        switch (s.kind) {
          case 'fetch': await fetchAll(plan); break
          case 'advance': clock += s.ms; break
          case 'setBack': clock -= s.ms; break // the wall clock corrected backwards (NTP)
          case 'invalidate': { const e = entryAt(s.slot); if (e) invalidate(e, 'refreshOn'); break }
          case 'rotationDate': { const e = entryAt(s.slot); if (e) scheduleLearned(e, clock + s.inMs); break }
          case 'sweep': for (const e of cache.entries()) sparedOnce(e); break
          case 'clear': cache.clear(); break
          case 'rotate': store.setSecret('a', `a${(rotations += 1) + 2}`); break
          case 'settle': await settle(); break
          case 'look': break
        }
        // After every step: the shortcut's answer, and the full look's.
        if (knownFresh(plan, clock)) shortcuts += 1
        const expected = fullLook(plan)
        expect(allFresh(plan, clock)).toBe(expected.fresh)
        for (const i of expected.due) expect(entryAt(i)!.flight).toBeDefined()
      }
      await settle()
    }),
    { numRuns: RUNS },
  )
  // The shortcut did answer, often (a property that never reaches it would prove nothing).
  expect(shortcuts).toBeGreaterThan(RUNS)
})

describe('the shortcut', () => {
  test('is taken on the look after a full one, and dropped by any write to an entry', async () => {
    const store = rotatedStore()
    const plan = planOf(store, 0.1)
    await fetchAll(plan)
    expect(knownFresh(plan, clock)).toBe(false) // nothing looked yet: resolve() does not remember
    expect(allFresh(plan, clock)).toBe(true)
    expect(knownFresh(plan, clock)).toBe(true)
    invalidate(cache.get(plan.slots[1]!.key)!, 'refreshOn')
    expect(knownFresh(plan, clock)).toBe(false)
    expect(allFresh(plan, clock)).toBe(false)
  })

  test('ends where the first key enters the last part of its TTL, so the refresh ahead starts on time', async () => {
    const store = rotatedStore()
    const plan = planOf(store, 0.1)
    await fetchAll(plan)
    expect(allFresh(plan, clock)).toBe(true)
    clock += 8_999 // a: ttl 10 s, due ahead from 9 s
    expect(knownFresh(plan, clock)).toBe(true)
    clock += 1
    expect(knownFresh(plan, clock)).toBe(false)
    expect(allFresh(plan, clock)).toBe(true)
    expect(cache.get(plan.slots[0]!.key)!.flight).toBeDefined()
    await settle()
  })

  test('is not remembered by a look that starts a refresh ahead: the refreshing value still expires on time', async () => {
    const store = memoryStore({ secrets: { a: 'a1', b: 'b1' } }, { latencyMs: 50 })
    store.setSecret('a', 'a2')
    const plan = planOf(store, 0.1)
    await fetchAll(plan)
    clock += 9_500 // a is due ahead; b and c are not
    expect(allFresh(plan, clock)).toBe(true)
    expect(cache.get(plan.slots[0]!.key)!.flight).toBeDefined() // answered in 50 ms (real time)
    clock += 600 // a's value expired, its refresh still under way
    expect(knownFresh(plan, clock)).toBe(false)
    expect(allFresh(plan, clock)).toBe(false)
    await new Promise((done) => setTimeout(done, 80))
  })

  test('without refresh ahead, ends at the first expiry', async () => {
    const store = rotatedStore()
    const plan = planOf(store, 0)
    await fetchAll(plan)
    expect(allFresh(plan, clock)).toBe(true)
    clock += 9_999
    expect(knownFresh(plan, clock)).toBe(true)
    clock += 1
    expect(knownFresh(plan, clock)).toBe(false)
    expect(allFresh(plan, clock)).toBe(false)
  })
})

describe('holdsEvicted', () => {
  // What a plan kept outside the cache (load()'s) must let go of: its slots' entries once evicted.
  test('says whether any slot still holds an entry the cache evicted', async () => {
    const store = rotatedStore()
    const plan = planOf(store, 0.1)
    expect(holdsEvicted(plan)).toBe(false) // no entry found yet
    await fetchAll(plan)
    expect(holdsEvicted(plan)).toBe(false)
    const second = plan.slots[1]!.entry!
    cache.clear()
    expect(second.evicted).toBe(true)
    expect(holdsEvicted(plan)).toBe(true)
  })

  test('one evicted entry among fresh ones is enough', async () => {
    const store = rotatedStore()
    const plan = planOf(store, 0.1)
    await fetchAll(plan)
    evicted(plan.slots[0]!.entry!)
    expect(holdsEvicted(plan)).toBe(true)
  })
})
