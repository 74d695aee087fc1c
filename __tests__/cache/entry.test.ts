/** cache/entry.ts: the entry's transitions and the read predicates derived from them. */
import {
  Absence,
  backingOff,
  createEntry,
  dueAhead,
  dueReason,
  type Entry,
  evicted,
  expiryOf,
  failed,
  fetched,
  flightEnded,
  flightStarted,
  freshValue,
  invalidate,
  keyGeneration,
  mayServeStale,
  newer,
  nextSequence,
  OVERDUE_ROTATION_RECHECK_MS,
  quietUntil,
  revalidated,
  rotationCap,
  rotationSeen,
  rotationUnavailable,
  scheduleLearned,
  sparedOnce,
  STALE_RETRY_MS,
  touched,
} from '../../lib/cache/entry.js'
import { makePolicy } from '../../lib/cache/policy.js'
import { memoryStore } from '../../lib/testing/index.js'
import { shared } from '../../lib/shared-state.js'

// Generations are counted for the process and remembered by key (cache/entry.ts): each test starts from none, as a fresh process does.
beforeEach(() => {
  const generations = shared('entry.generations', () => ({ latest: 0, floor: 0, byKey: new Map<string, number>() }))
  Object.assign(generations, { latest: 0, floor: 0 })
  generations.byKey.clear()
})

const store = memoryStore()
const T = 1_000_000
const ttl10 = makePolicy(10_000, 5_000, 0, false)
const throttled = { code: 'ThrottlingException', message: 'Rate exceeded', retryable: true }
const denied = { code: 'AccessDeniedException', message: 'no', retryable: false }

function entry(): Entry {
  return createEntry('k', store, { kind: 'secret', name: 's', versionStage: 'AWSCURRENT' })
}

function withValue(at = T, versionId = 'v1'): Entry {
  const e = entry()
  fetched(e, { raw: 'raw', versionId, arn: 'arn:s', generation: 0, sequence: 1 }, at)
  return e
}

describe('fetched', () => {
  test('a value of the current generation is fresh for the TTL, then not', () => {
    const e = withValue()
    expect(e.value).toMatchObject({ raw: 'raw', versionId: 'v1', arn: 'arn:s', generation: 0, sequence: 1, validatedAt: T })
    expect(freshValue(e, ttl10, T)).toBe(e.value)
    expect(freshValue(e, ttl10, T + 9_999)).toBe(e.value)
    expect(freshValue(e, ttl10, T + 10_000)).toBeUndefined()
    expect(expiryOf(e, e.value!, ttl10)).toBe(T + 10_000)
  })

  test('heldSince: a later fetch of the same version keeps when it was first held; another version, or versions unknown, start anew', () => {
    const e = withValue(T, 'v1') // sequence 1
    expect(fetched(e, { raw: 'raw', versionId: 'v1', arn: 'arn:s', generation: 0, sequence: 2 }, T).heldSince).toBe(1)
    expect(fetched(e, { raw: 'raw', versionId: 'v2', arn: 'arn:s', generation: 0, sequence: 3 }, T).heldSince).toBe(3)
    const unversioned = entry()
    fetched(unversioned, { raw: 'a', versionId: undefined, arn: undefined, generation: 0, sequence: 4 }, T)
    expect(fetched(unversioned, { raw: 'b', versionId: undefined, arn: undefined, generation: 0, sequence: 5 }, T).heldSince).toBe(5)
    // No value at all (an optional AWSPREVIOUS before the first rotation) is held like a version.
    const absent = entry()
    const none = new Absence({ code: 'ResourceNotFoundException', message: 'none', retryable: false })
    fetched(absent, { raw: none, versionId: undefined, arn: undefined, generation: 0, sequence: 6 }, T)
    expect(fetched(absent, { raw: none, versionId: undefined, arn: undefined, generation: 0, sequence: 7 }, T).heldSince).toBe(6)
    expect(fetched(absent, { raw: 'now', versionId: 'v1', arn: 'arn:s', generation: 0, sequence: 8 }, T).heldSince).toBe(8)
  })

  test('heldSince is when the first answer of the version arrived (AWS read it at some moment before), kept by later fetches of it', () => {
    const e = entry()
    expect(fetched(e, { raw: 'raw', versionId: 'v1', arn: 'arn:s', generation: 0, sequence: 3 }, T, 9).heldSince).toBe(9)
    expect(fetched(e, { raw: 'raw', versionId: 'v1', arn: 'arn:s', generation: 0, sequence: 12 }, T, 14).heldSince).toBe(9)
    expect(fetched(e, { raw: 'raw', versionId: 'v2', arn: 'arn:s', generation: 0, sequence: 15 }, T, 17).heldSince).toBe(17)
  })

  test('clears the failure of the current generation; an older fetch keeps it', () => {
    const e = withValue()
    failed(e, 0, throttled, T + 1)
    expect(e.failure).toMatchObject({ error: throttled, at: T + 1, generation: 0 })
    invalidate(e, 'refresh')
    failed(e, 1, throttled, T + 2)
    fetched(e, { raw: 'late', versionId: 'v1', arn: undefined, generation: 0, sequence: 2 }, T + 3)
    expect(e.failure?.at).toBe(T + 2)
    fetched(e, { raw: 'now', versionId: 'v2', arn: undefined, generation: 1, sequence: 3 }, T + 4)
    expect(e.failure).toBeUndefined()
  })

  test('a late answer of an older generation is kept (stale-if-error) but never fresh, and never replaces a newer one', () => {
    const e = withValue()
    invalidate(e, 'refresh')
    const late = fetched(e, { raw: 'late', versionId: 'v0', arn: undefined, generation: 0, sequence: 2 }, T + 1)
    expect(e.value).toBe(late) // newer than what was there (same generation, later fetch)
    expect(freshValue(e, ttl10, T + 1)).toBeUndefined()
    const current = fetched(e, { raw: 'new', versionId: 'v2', arn: undefined, generation: 1, sequence: 3 }, T + 2)
    expect(freshValue(e, ttl10, T + 2)).toBe(current)
    fetched(e, { raw: 'older', versionId: 'v0', arn: undefined, generation: 0, sequence: 4 }, T + 3)
    expect(e.value).toBe(current)
  })
})

describe('newer', () => {
  const v = (generation: number, sequence: number) => ({ raw: 'x', versionId: undefined, arn: undefined, generation, sequence, validatedAt: 0, heldSince: sequence })
  test('a later generation wins, then a later fetch; undefined loses', () => {
    expect(newer(v(1, 1), v(0, 9))).toEqual(v(1, 1))
    expect(newer(v(0, 9), v(1, 1))).toEqual(v(1, 1))
    expect(newer(v(0, 1), v(0, 2))).toEqual(v(0, 2))
    expect(newer(v(0, 2), v(0, 1))).toEqual(v(0, 2))
    const same = v(0, 1)
    expect(newer(same, v(0, 1))).toBe(same)
    expect(newer(undefined, same)).toBe(same)
    expect(newer(same, undefined)).toBe(same)
    expect(newer(undefined, undefined)).toBeUndefined()
  })
})

describe('generations remembered by key', () => {
  const keyed = (key: string): Entry => createEntry(key, store, { kind: 'secret', name: key, versionStage: 'AWSCURRENT' })

  test("a new entry starts at its key's last invalidation; another key's changes nothing for it", () => {
    const first = keyed('a')
    invalidate(first, 'refresh')
    invalidate(keyed('b'), 'refresh')
    expect(keyed('a').generation).toBe(first.generation) // the entry that replaces an evicted one
    expect(keyed('never').generation).toBe(0)
  })

  test('the latest 1,000 keys are remembered; one forgotten compares with the highest number forgotten', () => {
    const firsts = Array.from({ length: 1_000 }, (_, i) => keyed(`k${i}`))
    for (const e of firsts) invalidate(e, 'refresh')
    expect(keyGeneration('never')).toBe(0) // 1,000 kept: nothing forgotten yet
    expect(keyGeneration('k0')).toBe(firsts[0]!.generation)
    invalidate(keyed('k1000'), 'refresh')
    expect(keyGeneration('never')).toBe(firsts[0]!.generation) // k0's record forgotten: its number is the floor
    expect(keyGeneration('k0')).toBe(firsts[0]!.generation)
    expect(keyGeneration('k1')).toBe(firsts[1]!.generation)
    invalidate(keyed('k1'), 'refresh') // k1 moves to the end: k2 is forgotten next, and the floor does not go down
    invalidate(keyed('k1001'), 'refresh')
    expect(keyGeneration('never')).toBe(firsts[2]!.generation)
  })
})

describe('invalidate and dueReason', () => {
  test('a value is due as cold, expired, or for the reason it was invalidated', () => {
    const e = entry()
    expect(dueReason(e)).toBe('cold')
    fetched(e, { raw: 'r', versionId: undefined, arn: undefined, generation: 0, sequence: 1 }, T)
    expect(dueReason(e)).toBe('expired')
    invalidate(e, 'rotation')
    expect(e.generation).toBe(1)
    expect(freshValue(e, ttl10, T)).toBeUndefined()
    expect(dueReason(e)).toBe('rotation')
    invalidate(e, 'refreshOn')
    expect(dueReason(e)).toBe('refreshOn')
    expect(e.generation).toBe(2)
  })
})

describe('stale-if-error', () => {
  test('a value may serve up to maxStale past its expiry, not with maxStale 0, not without a value', () => {
    const e = withValue()
    expect(mayServeStale(e, e.value, ttl10, T + 14_999)).toBe(true)
    expect(mayServeStale(e, e.value, ttl10, T + 15_000)).toBe(false)
    expect(mayServeStale(e, e.value, makePolicy(10_000, 0, 0, false), T + 11_000)).toBe(false)
    // maxStale 0 is off even before expiry (a refreshed key's failure surfaces, the old value does not serve).
    expect(mayServeStale(e, e.value, makePolicy(10_000, 0, 0, false), T + 1)).toBe(false)
    expect(mayServeStale(e, undefined, ttl10, T)).toBe(false)
  })

  test('backing off: a retryable failure of the current generation, after the value expired, for 5 s', () => {
    const e = withValue()
    const X = T + 10_000 // the value's expiry (ttl10)
    expect(backingOff(e, ttl10, X)).toBe(false)
    failed(e, 0, throttled, X)
    expect(backingOff(e, ttl10, X + STALE_RETRY_MS - 1)).toBe(true)
    expect(backingOff(e, ttl10, X + STALE_RETRY_MS)).toBe(false)
    invalidate(e, 'refresh') // an explicit refresh does not wait out the back-off
    expect(backingOff(e, ttl10, X + 1)).toBe(false)
    failed(e, 1, denied, X + 2)
    expect(backingOff(e, ttl10, X + 3)).toBe(false) // not retryable: no back-off, it surfaces
  })

  test('a failure while the value was fresh (a refresh ahead) does not back off: once expired, it is asked for anew', () => {
    const e = withValue()
    failed(e, 0, throttled, T + 9_999)
    expect(backingOff(e, ttl10, T + 10_001)).toBe(false)
    failed(e, 0, throttled, T + 10_000)
    expect(backingOff(e, ttl10, T + 10_001)).toBe(true)
  })

  test('a failure of an older generation is not recorded', () => {
    const e = withValue()
    invalidate(e, 'refresh')
    failed(e, 0, throttled, T)
    expect(e.failure).toBeUndefined()
  })
})

describe('refresh ahead', () => {
  const ahead = makePolicy(10_000, 0, 0, false, false, 0.1) // the last 1 s of 10 s

  test('due from exactly the start of the last tenth of the TTL, not a millisecond before', () => {
    const e = withValue()
    expect(dueAhead(e, e.value!, ahead, T + 8_999)).toBe(false)
    expect(dueAhead(e, e.value!, ahead, T + 9_000)).toBe(true)
    expect(dueAhead(e, e.value!, ttl10, T + 9_999)).toBe(false) // refreshAhead 0: never
  })

  test('not while a fetch of it is under way', () => {
    const e = withValue()
    flightStarted(e, { generation: 0, sequence: 2 })
    expect(dueAhead(e, e.value!, ahead, T + 9_500)).toBe(false)
  })

  test('not when a rotation date ends freshness first (it would fetch the same version); a rotation date at the end of the TTL does not stop it', () => {
    const early = withValue()
    scheduleLearned(early, T + 9_999)
    expect(dueAhead(early, early.value!, ahead, T + 9_500)).toBe(false)
    const atEnd = withValue()
    scheduleLearned(atEnd, T + 10_000)
    expect(dueAhead(atEnd, atEnd.value!, ahead, T + 9_500)).toBe(true)
  })
})

describe('refresh ahead with rotation awareness', () => {
  const awareAhead = makePolicy(600_000, 0, 0, true, true, 0.1) // the last minute of 10
  const absent = new Absence({ code: 'ResourceNotFoundException', message: 'none', retryable: false })

  test('no schedule yet: a value is capped at a minute, rechecked in the background in its last tenth; an absent secret, which has no rotation, is refreshed ahead as any value', () => {
    const present = withValue()
    expect(expiryOf(present, present.value!, awareAhead)).toBe(T + OVERDUE_ROTATION_RECHECK_MS)
    expect(dueAhead(present, present.value!, awareAhead, T + 53_999)).toBe(false)
    expect(dueAhead(present, present.value!, awareAhead, T + 54_000)).toBe(true)
    const missing = entry()
    fetched(missing, { raw: absent, versionId: undefined, arn: undefined, generation: 0, sequence: 1 }, T)
    expect(expiryOf(missing, missing.value!, awareAhead)).toBe(T + 600_000)
    expect(dueAhead(missing, missing.value!, awareAhead, T + 540_000)).toBe(true)
  })

  test('an overdue rotation is rechecked in the background in the last tenth of its minute (found by review: each recheck was waited on); a rotation date to come is never refreshed ahead of', () => {
    const overdue = withValue()
    scheduleLearned(overdue, T - 1_000)
    expect(expiryOf(overdue, overdue.value!, awareAhead)).toBe(T + OVERDUE_ROTATION_RECHECK_MS)
    expect(dueAhead(overdue, overdue.value!, awareAhead, T + 53_999)).toBe(false)
    expect(dueAhead(overdue, overdue.value!, awareAhead, T + 54_000)).toBe(true)
    expect(quietUntil(overdue, overdue.value!, awareAhead)).toBe(T + 54_000)
    const atFetch = withValue() // a date at the very moment of the fetch is overdue too (rotationCap)
    scheduleLearned(atFetch, T)
    expect(dueAhead(atFetch, atFetch.value!, awareAhead, T + 54_000)).toBe(true)
    // A TTL that never ends: the recheck alone ends the value, and refresh ahead is off (a share of Infinity).
    const forever = makePolicy(Number.POSITIVE_INFINITY, 0, 0, true, false, 0.1)
    expect(dueAhead(overdue, overdue.value!, forever, T + 59_999)).toBe(false)
    expect(quietUntil(overdue, overdue.value!, forever)).toBe(T + OVERDUE_ROTATION_RECHECK_MS)
    const coming = withValue()
    scheduleLearned(coming, T + 120_000) // before the TTL's end (600 s)
    expect(expiryOf(coming, coming.value!, awareAhead)).toBe(T + 120_000)
    expect(dueAhead(coming, coming.value!, awareAhead, T + 119_999)).toBe(false)
    expect(quietUntil(coming, coming.value!, awareAhead)).toBe(T + 120_000) // nothing to do until it expires
    const later = withValue()
    scheduleLearned(later, T + 3_600_000) // after the TTL's end: the TTL decides
    expect(dueAhead(later, later.value!, awareAhead, T + 539_999)).toBe(false)
    expect(dueAhead(later, later.value!, awareAhead, T + 540_000)).toBe(true)
  })
})

describe('a wall clock set back', () => {
  test('a value validated after now is not fresh (its age is unknown), and a failure recorded after now does not back off', () => {
    const e = withValue(T)
    expect(freshValue(e, ttl10, T)).toBeDefined()
    expect(freshValue(e, ttl10, T - 1)).toBeUndefined()
    failed(e, e.generation, throttled, T + 11_000)
    expect(backingOff(e, ttl10, T + 11_000)).toBe(true)
    expect(backingOff(e, ttl10, T + 10_999)).toBe(false)
  })
})

describe('rotation schedule', () => {
  test('a known next rotation caps freshness, whatever the TTL and awareness; Infinity does not', () => {
    const e = withValue()
    const long = makePolicy(3_600_000, 0, 0, true)
    scheduleLearned(e, T + 2_000)
    expect(e.nextRotationAt).toBe(T + 2_000)
    expect(rotationCap(e, T, false)).toBe(T + 2_000)
    expect(rotationCap(e, T, true)).toBe(T + 2_000)
    expect(expiryOf(e, e.value!, long)).toBe(T + 2_000)
    expect(freshValue(e, long, T + 1_999)).toBeDefined()
    expect(freshValue(e, long, T + 2_000)).toBeUndefined()
    scheduleLearned(e, Number.POSITIVE_INFINITY)
    expect(expiryOf(e, e.value!, long)).toBe(T + 3_600_000)
  })

  test('an overdue rotation (its date at or before the fetch) is rechecked every minute', () => {
    const e = withValue()
    scheduleLearned(e, T)
    expect(rotationCap(e, T, false)).toBe(T + OVERDUE_ROTATION_RECHECK_MS)
    expect(rotationCap(e, T + 1, false)).toBe(T + 1 + OVERDUE_ROTATION_RECHECK_MS)
    expect(rotationCap(e, T - 1, false)).toBe(T)
  })

  test('an unknown schedule caps nothing without awareness, and a minute with it, while DescribeSecret can tell it', () => {
    const long = makePolicy(3_600_000, 0, 0, true)
    const plain = makePolicy(3_600_000, 0, 0, false)
    const e = withValue()
    expect(rotationCap(e, T, false)).toBe(Number.POSITIVE_INFINITY)
    expect(rotationCap(e, T, true)).toBe(T + OVERDUE_ROTATION_RECHECK_MS)
    expect(expiryOf(e, e.value!, long)).toBe(T + OVERDUE_ROTATION_RECHECK_MS)
    expect(expiryOf(e, e.value!, plain)).toBe(T + 3_600_000)
    // Refused for good: the TTL decides.
    rotationUnavailable(e)
    expect(rotationCap(e, T, true)).toBe(Number.POSITIVE_INFINITY)
    // A store without DescribeSecret, and a request that is not a secret, cannot tell a schedule.
    const { describe: _unused, ...noDescribe } = memoryStore()
    const undescribed = createEntry('no-describe', noDescribe, { kind: 'secret', name: 's' })
    expect(rotationCap(undescribed, T, true)).toBe(Number.POSITIVE_INFINITY)
    const parameter = createEntry('parameter', store, { kind: 'parameter', name: '/p' })
    expect(rotationCap(parameter, T, true)).toBe(Number.POSITIVE_INFINITY)
  })

  test('a version read by its id has no schedule to learn: its unknown schedule caps nothing, aware or not (no recheck every minute)', () => {
    const long = makePolicy(3_600_000, 0, 0, true)
    const pinned = createEntry('pinned', store, { kind: 'secret', name: 's', versionId: 'v1' })
    fetched(pinned, { raw: 'raw', versionId: 'v1', arn: 'arn:s', generation: 0, sequence: 1 }, T)
    expect(rotationCap(pinned, T, true)).toBe(Number.POSITIVE_INFINITY)
    expect(expiryOf(pinned, pinned.value!, long)).toBe(T + 3_600_000)
  })

  test('rotationUnavailable and a sighting are recorded', () => {
    const e = withValue()
    rotationUnavailable(e)
    expect(e.rotationUnavailable).toBe(true)
    const sighting = { versionId: 'v2', previousVersionId: 'v1', startedAt: 3, seenAt: 4 }
    rotationSeen(e, sighting)
    expect(e.sighting).toBe(sighting)
  })
})

describe('revalidated', () => {
  test('the same value, fresh again from now, for the current generation only', () => {
    const e = withValue()
    const again = revalidated(e, 0, 7, T + 20_000)
    expect(again).toMatchObject({ raw: 'raw', versionId: 'v1', generation: 0, sequence: 7, validatedAt: T + 20_000 })
    expect(freshValue(e, ttl10, T + 29_999)).toBe(again)
    failed(e, 0, throttled, T + 20_001)
    invalidate(e, 'refresh')
    expect(revalidated(e, 0, 8, T + 20_002)).toBeUndefined()
    expect(e.value).toBe(again)
    expect(revalidated(e, 1, 9, T + 20_003)).toMatchObject({ generation: 1 })
    expect(e.failure).toBeUndefined()
    expect(revalidated(entry(), 0, 1, T)).toBeUndefined()
  })
})

describe('flights, reads and eviction marks', () => {
  test('a flight ends only the flight that is current', () => {
    const e = entry()
    const one = { generation: 0, sequence: 1 }
    const two = { generation: 0, sequence: 2 }
    flightStarted(e, one)
    flightStarted(e, two)
    flightEnded(e, one)
    expect(e.flight).toBe(two)
    flightEnded(e, two)
    expect(e.flight).toBeUndefined()
  })

  test('touched, sparedOnce, evicted', () => {
    const e = entry()
    touched(e)
    expect(e.referenced).toBe(true)
    touched(e)
    expect(e.referenced).toBe(true)
    sparedOnce(e)
    expect(e.referenced).toBe(false)
    evicted(e)
    expect(e.evicted).toBe(true)
  })

  test('nextSequence counts up', () => {
    const a = nextSequence()
    expect(nextSequence()).toBe(a + 1)
  })
})

describe('policy', () => {
  test('jitter brings expiry earlier by this environment\'s share, never later; Infinity stays', () => {
    const p = makePolicy(100_000, 0, 0.2, false)
    expect(p.freshMs).toBeLessThanOrEqual(100_000)
    expect(p.freshMs).toBeGreaterThanOrEqual(80_000)
    expect(makePolicy(100_000, 0, 0, false).freshMs).toBe(100_000)
    expect(makePolicy(Number.POSITIVE_INFINITY, 0, 0.5, false).freshMs).toBe(Number.POSITIVE_INFINITY)
    expect(makePolicy(1, 2, 0, true)).toMatchObject({ ttlMs: 1, maxStaleMs: 2, rotation: true })
  })
})
