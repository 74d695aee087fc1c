/** resolver/stages.ts: which keys of one invocation's view may pair stages of two rotations. */
import { jest } from '@jest/globals'
import { cache } from '../../lib/cache/cache.js'
import { Absence, type Entry, type Fetched, fetched, invalidate, nextSequence, type Sighting } from '../../lib/cache/entry.js'
import { clearCache } from '../../lib/index.js'
import { packageLog } from '../../lib/log.js'
import { heldSinceEarlier, keepStagesInStep, outOfStepInView, type StagedValue } from '../../lib/resolver/stages.js'
import { memoryStore } from '../../lib/testing/index.js'

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC123'

function value(versionId: string, stages: readonly string[] | undefined, sequence: number, heldSince = sequence): Fetched {
  return { raw: versionId, versionId, arn: ARN, ...(stages ? { stages } : {}), generation: 0, validatedAt: 0, sequence, heldSince }
}

const STORE = {}

function staged(index: number, versionStage: string, v: Fetched, sighting?: Sighting): StagedValue {
  return { index, store: STORE, request: { kind: 'secret', name: 'db', versionStage }, value: v, sighting }
}

const current = (v: Fetched, sighting?: Sighting) => staged(0, 'AWSCURRENT', v, sighting)
const previous = (v: Fetched) => staged(1, 'AWSPREVIOUS', v)

describe('outOfStepInView', () => {
  test('answers of one attempt that agree prove nothing of two versions first seen there: two AWS calls, a rotation may have come between', () => {
    // AWS held (v2, v1), then (v3, v2): AWSPREVIOUS answered v1 before the rotation, AWSCURRENT v3 after. The same shape as (v2, v1).
    expect(outOfStepInView([current(value('v3', ['AWSCURRENT'], 5)), previous(value('v1', ['AWSPREVIOUS'], 5))])).toEqual([0, 1])
    // Both versions held since an earlier attempt: both held in between, so at one moment.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5, 2)), previous(value('v1', ['AWSPREVIOUS'], 5, 3))])).toEqual([])
    // One of them first seen in this attempt: that one's span begins where the other's ends; the other is read again.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5, 2)), previous(value('v1', ['AWSPREVIOUS'], 5))])).toEqual([0])
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5)), previous(value('v1', ['AWSPREVIOUS'], 5, 3))])).toEqual([1])
  })

  test('fetches overlap: a span begins when its first answer arrived, not when its fetch started', () => {
    // AWSCURRENT v3 first asked at 3 but answered at 10 (AWS read it late, after a rotation), read again at 12;
    // AWSPREVIOUS v1 asked at 4, answered at 5: its read may precede v3's. Not together: AWSPREVIOUS goes again.
    expect(outOfStepInView([current(value('v3', ['AWSCURRENT'], 12, 10)), previous(value('v1', ['AWSPREVIOUS'], 4, 5))])).toEqual([1])
    // AWSPREVIOUS asked again after v3's answer arrived, the same version: together.
    expect(outOfStepInView([current(value('v3', ['AWSCURRENT'], 12, 10)), previous(value('v2', ['AWSPREVIOUS'], 11, 5))])).toEqual([])
  })

  test('a sighting that names the version before: only the other stage is read again (read after the sighting, it proves the pair)', () => {
    const sighting: Sighting = { versionId: 'v3', previousVersionId: 'v2', startedAt: 5, seenAt: 6 }
    expect(outOfStepInView([current(value('v3', ['AWSCURRENT'], 5), sighting), previous(value('v2', ['AWSPREVIOUS'], 5))])).toEqual([1])
    expect(outOfStepInView([current(value('v3', ['AWSCURRENT'], 5), sighting), previous(value('v2', ['AWSPREVIOUS'], 7, 5))])).toEqual([])
    // Started after the fetch that saw v3, but before its answer arrived (the sighting, at 6): AWS may have read it first.
    expect(outOfStepInView([current(value('v3', ['AWSCURRENT'], 5), sighting), previous(value('v2', ['AWSPREVIOUS'], 6, 5))])).toEqual([1])
  })

  test('a store that answers without version ids gives nothing to tell a rotation by: one attempt is one moment', () => {
    const bare = (v: Fetched): Fetched => ({ ...v, versionId: undefined })
    expect(outOfStepInView([current(bare(value('a', undefined, 5))), previous(bare(value('b', undefined, 5)))])).toEqual([])
    expect(outOfStepInView([current(bare(value('a', undefined, 7))), previous(bare(value('b', undefined, 5)))])).toEqual([1])
  })

  test('one value without a version id beside one with an id is enough: one attempt is one moment, however the spans lie', () => {
    // Read by one attempt (5), each first seen there: with ids on both sides both would go again (the first test).
    const bare = (v: Fetched): Fetched => ({ ...v, versionId: undefined })
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5)), previous(bare(value('b', undefined, 5)))])).toEqual([])
    expect(outOfStepInView([current(bare(value('a', undefined, 5))), previous(value('v1', ['AWSPREVIOUS'], 5))])).toEqual([])
  })

  test('answers of one attempt that contradict each other (one version, two stages) both go again', () => {
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5)), previous(value('v2', ['AWSPREVIOUS'], 5))])).toEqual([0, 1])
  })

  test('answers of one attempt that contradict each other both go again, even when their spans overlap (both held since earlier attempts)', () => {
    // Held at one moment as far as the spans go (since 2 and 3, read again at 5): the contradiction alone names them.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5, 2)), previous(value('v2', ['AWSPREVIOUS'], 5, 3))])).toEqual([0, 1])
  })

  test('a contradiction one way is enough: v1 answered as AWSCURRENT too, beside a v2 AWSCURRENT', () => {
    // v2's answer says nothing of AWSPREVIOUS; v1's says it holds AWSCURRENT, which v2 holds.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5)), previous(value('v1', ['AWSPREVIOUS', 'AWSCURRENT'], 5))])).toEqual([0, 1])
  })

  test('values held at one moment (their spans overlap) belong together; apart, the older is named', () => {
    // previous fetched at 3 and current at 7, current's version held since 2: both held at 3.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7, 2)), previous(value('v1', ['AWSPREVIOUS'], 3))])).toEqual([])
    // current's version first held at 7: the previous read at 3 may be of another rotation.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), previous(value('v1', ['AWSPREVIOUS'], 3))])).toEqual([1])
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 3)), previous(value('v1', ['AWSPREVIOUS'], 7))])).toEqual([0])
  })

  test('held together but contradicted by the newer answer: the older is named', () => {
    // The newer AWSCURRENT answer says v2 holds AWSCURRENT and AWSPREVIOUS is elsewhere; the older previous read v2.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7, 2)), previous(value('v2', ['AWSPREVIOUS'], 3))])).toEqual([1])
    // Without stages in the answers nothing can contradict: together.
    expect(outOfStepInView([current(value('v2', undefined, 7, 2)), previous(value('v2', undefined, 3))])).toEqual([])
  })

  test('contradicted by a newer answer of the other stage: the older AWSCURRENT is named, not the newer answer', () => {
    // AWSCURRENT read v2 at 3; AWSPREVIOUS, read later (7), answered v2 too, holding AWSPREVIOUS only: v2 has moved on since.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 3, 2)), previous(value('v2', ['AWSPREVIOUS'], 7))])).toEqual([0])
  })

  test('a sighting proves a later read of the previous version together with the new AWSCURRENT', () => {
    const sighting: Sighting = { versionId: 'v2', previousVersionId: 'v1', startedAt: 4, seenAt: 5 }
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 4), sighting), previous(value('v1', ['AWSPREVIOUS'], 6))])).toEqual([])
    // Read before the sighting's fetch: not proven.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 4), sighting), previous(value('v1', ['AWSPREVIOUS'], 3))])).toEqual([1])
    // Another version than the sighting's previous: not proven.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 4), sighting), previous(value('v0', ['AWSPREVIOUS'], 6))])).toEqual([0])
  })

  // An optional AWSPREVIOUS before the first rotation is an absence: no ARN, no version. Beside an
  // AWSCURRENT that came after a rotation it is one rotation too old; read with it, it is the pair.
  test('an absence is paired with the AWSCURRENT of the secret its name names, in the same store', () => {
    const none = new Absence({ code: 'ResourceNotFoundException', message: 'none', retryable: false })
    const absent = (sequence: number, heldSince = sequence): Fetched => ({ raw: none, versionId: undefined, arn: undefined, generation: 0, validatedAt: 0, sequence, heldSince })
    const prev = (name: string, v: Fetched, store: object = STORE): StagedValue => ({ index: 1, store, request: { kind: 'secret', name, versionStage: 'AWSPREVIOUS' }, value: v, sighting: undefined })
    // Held since before the new AWSCURRENT was (v2 first seen at 7): not one moment, the absence goes again.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), prev('db', absent(3))])).toEqual([1])
    // By name, by ARN without its suffix, by the full ARN: the same secret.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), prev(ARN.replace(/-AbC123$/, ''), absent(3))])).toEqual([1])
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), prev(ARN, absent(3))])).toEqual([1])
    // First seen by one attempt: two calls, the absence may be from before a first rotation; both go again.
    expect(outOfStepInView([current(value('v1', ['AWSCURRENT'], 7)), prev('db', absent(7))])).toEqual([0, 1])
    // Held over the same span (never rotated): the pair.
    expect(outOfStepInView([current(value('v1', ['AWSCURRENT'], 7, 1)), prev('db', absent(7, 2))])).toEqual([])
    expect(outOfStepInView([current(value('v1', ['AWSCURRENT'], 9, 1)), prev('db', absent(12, 2))])).toEqual([])
    // Another store, or another secret: never paired.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), prev('db', absent(3), {})])).toEqual([])
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), prev('other', absent(3))])).toEqual([])
  })

  test('values answered without an ARN are grouped by the declared name', () => {
    const bare = (v: Fetched): Fetched => ({ ...v, arn: undefined })
    const named = (index: number, name: string, versionStage: string, v: Fetched): StagedValue => ({ index, store: STORE, request: { kind: 'secret', name, versionStage }, value: v, sighting: undefined })
    // Same name: one secret, so the pair read apart is checked (the older is named).
    expect(outOfStepInView([named(0, 'db', 'AWSCURRENT', bare(value('v2', ['AWSCURRENT'], 7))), named(1, 'db', 'AWSPREVIOUS', bare(value('v1', ['AWSPREVIOUS'], 3)))])).toEqual([1])
    // Different names: two secrets, never paired.
    expect(outOfStepInView([named(0, 'db', 'AWSCURRENT', bare(value('v2', ['AWSCURRENT'], 7))), named(1, 'other', 'AWSPREVIOUS', bare(value('v1', ['AWSPREVIOUS'], 3)))])).toEqual([])
  })

  test('stages of two different secrets are never paired', () => {
    const other = { ...value('v9', ['AWSPREVIOUS'], 3), arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-XyZ789' }
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), previous(other)])).toEqual([])
  })

  test('a sighting proves nothing for a later AWSCURRENT version, or for a read that names no version', () => {
    const sighting: Sighting = { versionId: 'v2', previousVersionId: 'v1', startedAt: 4, seenAt: 5 }
    // AWSCURRENT has moved on to v3 since the sighting of v2: v1 read at 6 is not proven its AWSPREVIOUS.
    expect(outOfStepInView([current(value('v3', ['AWSCURRENT'], 8), sighting), previous(value('v1', ['AWSPREVIOUS'], 6))])).toEqual([1])
    // A first sighting (nothing known before) and a read without a version id: nothing to match.
    const first: Sighting = { versionId: 'v2', previousVersionId: undefined, startedAt: 4, seenAt: 5 }
    const noVersion: Fetched = { ...value('x', ['AWSPREVIOUS'], 6), versionId: undefined }
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 4), first), previous(noVersion)])).toEqual([0])
  })

  test('a sighting of an earlier AWSCURRENT version does not pick what is read again: the older read is, as without one', () => {
    // The entry saw v1 -> v2; AWSCURRENT is v3 now (read at 4, first seen there). AWSPREVIOUS read v1 later (8):
    // not together, and reading v1 again would prove nothing; AWSCURRENT, read before v1's answer arrived, goes again.
    const sighting: Sighting = { versionId: 'v2', previousVersionId: 'v1', startedAt: 2, seenAt: 3 }
    expect(outOfStepInView([current(value('v3', ['AWSCURRENT'], 4), sighting), previous(value('v1', ['AWSPREVIOUS'], 8))])).toEqual([0])
  })

  test('each key is named once, however many pairs it is out of step in', () => {
    const second = staged(2, 'AWSCURRENT', value('v2', ['AWSCURRENT'], 8))
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), previous(value('v1', ['AWSPREVIOUS'], 3)), second])).toEqual([1])
  })
})

describe('heldSinceEarlier: an earlier read of the same version by this resolution widens the span back', () => {
  // Found unpinned by a scoped Stryker run (the tie, the later read, two absences).
  const absence = (sequence: number, heldSince = sequence): Fetched => ({ raw: new Absence({ code: 'ResourceNotFoundException', message: 'm', retryable: false }), versionId: undefined, arn: ARN, generation: 0, validatedAt: 0, sequence, heldSince })
  test('the same version read earlier: held since that read', () => {
    expect(heldSinceEarlier(value('v1', ['AWSPREVIOUS'], 2, 2), value('v1', ['AWSPREVIOUS'], 9, 8)).heldSince).toBe(2)
    expect(heldSinceEarlier(absence(2), absence(9, 8)).heldSince).toBe(2) // two absences: one "version", none
  })
  test('nothing earlier, an earlier read that began later, or another version: the value as it is', () => {
    const later = value('v1', ['AWSPREVIOUS'], 9, 8)
    expect(heldSinceEarlier(undefined, later)).toBe(later)
    expect(heldSinceEarlier(value('v1', ['AWSPREVIOUS'], 12, 10), later)).toBe(later)
    expect(heldSinceEarlier(value('v0', ['AWSPREVIOUS'], 2, 2), later)).toBe(later)
    const noVersion: Fetched = { ...value('x', ['AWSPREVIOUS'], 9, 8), versionId: undefined }
    expect(heldSinceEarlier(absence(2), noVersion)).toBe(noVersion) // an absence and a value without an id are not one version
    expect(heldSinceEarlier({ ...noVersion, sequence: 2, heldSince: 2 }, absence(9, 8)).heldSince).toBe(8)
  })
})

describe('keepStagesInStep: what an answer does to the cached stages of its secret', () => {
  const store = memoryStore()
  const debug = jest.fn()
  const log = packageLog({ debug, info() {}, warn() {}, error() {} }, 'debug')
  beforeEach(() => {
    clearCache()
    cache.ensureCapacity(100) // the module's cache holds 1 until a middleware asks for more
    debug.mockClear()
  })

  function cached(versionStage: string | undefined, name = 'db', versionId?: string): Entry {
    const request = { kind: 'secret' as const, name, ...(versionStage ? { versionStage } : {}), ...(versionId ? { versionId } : {}) }
    return cache.entry(`${name}:${versionStage ?? versionId}`, store, request)
  }

  /**
   * The entry answers `versionId` holding `stages` (either may be missing from an answer), fetched
   * at a new sequence (or the given one); keepStagesInStep runs.
   */
  function answer(entry: Entry, versionId: string | undefined, stages: readonly string[] | undefined, sequence = nextSequence(), arn: string | null = ARN): Fetched {
    const previous = entry.value
    const v = fetched(entry, { raw: versionId ?? 'x', versionId, arn: arn ?? undefined, stages, generation: entry.generation, sequence }, Date.now())
    keepStagesInStep(entry, previous, v, log)
    return v
  }

  const invalidated = (entry: Entry) => entry.value !== undefined && entry.value.generation !== entry.generation

  test('a new AWSCURRENT version invalidates an AWSPREVIOUS read before it, and says so at debug', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, 'v0', ['AWSPREVIOUS'])
    expect(invalidated(previous)).toBe(false)
    answer(current, 'v2', ['AWSCURRENT'])
    expect(invalidated(previous)).toBe(true)
    expect(previous.invalidatedBy).toBe('rotation')
    expect(debug.mock.calls.map(([m]) => m)).toEqual(['middy-secrets: new AWSCURRENT version; the other stages of this secret are due again'])
  })

  test('the same AWSCURRENT version again changes nothing', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, 'v0', ['AWSPREVIOUS'])
    answer(current, 'v1', ['AWSCURRENT'])
    expect(invalidated(previous)).toBe(false)
    expect(debug).not.toHaveBeenCalled()
  })

  test('an AWSPREVIOUS read after a rotation that holds the old AWSCURRENT version agrees; another version does not', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(current, 'v2', ['AWSCURRENT']) // sighting: v1 is the new AWSPREVIOUS
    answer(previous, 'v1', ['AWSPREVIOUS'])
    expect([invalidated(current), invalidated(previous)]).toEqual([false, false])

    clearCache()
    const c2 = cached('AWSCURRENT')
    const p2 = cached('AWSPREVIOUS')
    answer(c2, 'v1', ['AWSCURRENT'])
    const together = nextSequence()
    answer(c2, 'v2', ['AWSCURRENT'], together) // sighting: v1 is the new AWSPREVIOUS
    answer(p2, 'v0', ['AWSPREVIOUS'], together) // fetched with it, but not v1: from before the rotation
    expect(invalidated(p2)).toBe(true)
  })

  test("a later answer whose stages contradict an older one's invalidates the older; an earlier one invalidates itself", () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, 'v1', ['AWSPREVIOUS']) // later: v1 is AWSPREVIOUS now, so the cached AWSCURRENT v1 moved
    expect([invalidated(current), invalidated(previous)]).toEqual([true, false])

    clearCache()
    const c2 = cached('AWSCURRENT')
    const p2 = cached('AWSPREVIOUS')
    const early = nextSequence()
    answer(c2, 'v5', ['AWSCURRENT'])
    answer(p2, 'v5', ['AWSPREVIOUS'], early) // started before the AWSCURRENT answer: it is the stale one
    expect([invalidated(c2), invalidated(p2)]).toEqual([false, true])
  })

  test('an older answer that says less than a newer one is no contradiction: stages gained since leave both alone', () => {
    // v1 held AWSPREVIOUS alone when first read; read later through a custom label it holds both:
    // the label came meanwhile. Only answers of one attempt are checked both ways.
    const previous = cached('AWSPREVIOUS')
    const labelled = cached('LABEL')
    answer(previous, 'v1', ['AWSPREVIOUS'])
    answer(labelled, 'v1', ['AWSPREVIOUS', 'LABEL'])
    expect([invalidated(previous), invalidated(labelled)]).toEqual([false, false])
  })

  test('answers of one attempt that contradict each other invalidate both; ones that agree, neither', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    const sequence = nextSequence()
    answer(current, 'v1', ['AWSCURRENT'], sequence)
    answer(previous, 'v0', ['AWSPREVIOUS'], sequence)
    expect([invalidated(current), invalidated(previous)]).toEqual([false, false])
    const again = nextSequence()
    answer(current, 'v1', ['AWSCURRENT'], again)
    answer(previous, 'v1', ['AWSPREVIOUS'], again)
    expect([invalidated(current), invalidated(previous)]).toEqual([true, true])
  })

  test('only stages of the same secret: another secret, a read by version id, or another ARN for the same name are left alone', () => {
    const current = cached('AWSCURRENT')
    const other = cached('AWSPREVIOUS', 'other')
    const byId = cached(undefined, 'db', 'v0')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(other, 'v0', ['AWSPREVIOUS'], nextSequence(), 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-XyZ789')
    answer(byId, 'v0', ['AWSPREVIOUS'])
    answer(current, 'v2', ['AWSCURRENT'])
    expect([invalidated(other), invalidated(byId)]).toEqual([false, false])
  })

  test('a value answered without an ARN is the same secret when one of its names matches: the name, the ARN, the ARN without suffix, the name in the ARN', () => {
    // A secret whose name has a hyphen: the 6-character suffix is stripped from the end only.
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:my-secret-AbC123'
    const sameSecretAs = (declared: string): boolean => {
      clearCache()
      const current = cached('AWSCURRENT', arn)
      const previous = cached('AWSPREVIOUS', declared)
      answer(current, 'v1', ['AWSCURRENT'], nextSequence(), arn)
      answer(previous, 'v0', ['AWSPREVIOUS'], nextSequence(), null) // a store that answers without an ARN
      answer(current, 'v2', ['AWSCURRENT'], nextSequence(), arn) // a rotation: the same secret's AWSPREVIOUS is due again
      return invalidated(previous)
    }
    expect(sameSecretAs('my-secret')).toBe(true) // the name in the ARN
    expect(sameSecretAs(arn)).toBe(true) // the ARN
    expect(sameSecretAs('arn:aws:secretsmanager:eu-west-1:123456789012:secret:my-secret')).toBe(true) // without the suffix
    // A secret of that name in another account or region is another secret.
    expect(sameSecretAs('arn:aws:secretsmanager:us-east-1:999999999999:secret:my-secret')).toBe(false)
  })

  test('two values answered without an ARN are the same secret by their declared names', () => {
    const current = cached('AWSCURRENT', 'my-secret')
    const previous = cached('AWSPREVIOUS', 'my-secret')
    answer(current, 'v1', ['AWSCURRENT'], nextSequence(), null)
    answer(previous, 'v0', ['AWSPREVIOUS'], nextSequence(), null)
    answer(current, 'v2', ['AWSCURRENT'], nextSequence(), null)
    expect(invalidated(previous)).toBe(true)
  })

  test('same name, two ARNs (another account): two secrets, whatever the declarations say', () => {
    const other = 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:db-ZzZ999'
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, 'v0', ['AWSPREVIOUS'], nextSequence(), other)
    answer(current, 'v2', ['AWSCURRENT']) // a rotation of ARN's secret, not of the other account's
    expect(invalidated(previous)).toBe(false)
  })

  test("an answer without an ARN still puts a cached stage with one out of step when its stages contradict it", () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT']) // with its ARN
    answer(previous, 'v1', ['AWSPREVIOUS'], nextSequence(), null) // later, no ARN: v1 is AWSPREVIOUS now
    expect(invalidated(current)).toBe(true)
  })

  test('AWSCURRENT declared twice (by name, by ARN): the same version seen through the second is no rotation; a new one is', () => {
    const byName = cached('AWSCURRENT')
    const byArn = cached('AWSCURRENT', ARN)
    const previous = cached('AWSPREVIOUS')
    answer(byName, 'v1', ['AWSCURRENT'])
    answer(previous, 'v0', ['AWSPREVIOUS'])
    answer(byArn, 'v1', ['AWSCURRENT']) // its first answer, but v1 is known through the other declaration
    expect(invalidated(previous)).toBe(false)
    expect(debug).not.toHaveBeenCalled()
    answer(byArn, 'v2', ['AWSCURRENT'])
    expect(invalidated(previous)).toBe(true)
  })

  test('the version a new AWSCURRENT replaced is the last AWSCURRENT known, not a cached AWSPREVIOUS read later', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, 'v0', ['AWSPREVIOUS']) // read after current's v1: the newest answer, but of another stage
    const together = nextSequence()
    answer(current, 'v2', ['AWSCURRENT'], together) // the sighting: v1 is now AWSPREVIOUS
    answer(previous, 'v1', ['AWSPREVIOUS'], together) // read with it: agrees
    expect([invalidated(current), invalidated(previous)]).toEqual([false, false])
  })

  test('two rotations between reads: an AWSPREVIOUS read between them is out of step, though it holds the version the new AWSCURRENT replaced as far as this process knows', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, 'v1', ['AWSPREVIOUS']) // after a rotation to v2: v1 is AWSPREVIOUS (and the cached AWSCURRENT v1 moved)
    answer(current, 'v3', ['AWSCURRENT']) // a second rotation: v2 is AWSPREVIOUS now, not the cached v1
    expect(invalidated(previous)).toBe(true)
  })

  test('an answer that names no version contradicts nothing and is contradicted by nothing', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, undefined, ['AWSCURRENT']) // says AWSCURRENT, but of no version: the cached v1 cannot be told moved
    expect([invalidated(current), invalidated(previous)]).toEqual([false, false])
    answer(current, 'v1', ['AWSPREVIOUS']) // the same version again, now AWSPREVIOUS: the cached AWSPREVIOUS names no version to compare
    expect(invalidated(previous)).toBe(false)
  })

  test('an entry already due again (a refresh under way) is left as it is: its reason stays, and the fetch it waits on still counts', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, 'v0', ['AWSPREVIOUS'])
    invalidate(previous, 'refresh')
    const generation = previous.generation
    answer(current, 'v2', ['AWSCURRENT']) // a sighting: the AWSPREVIOUS read before it is out of step, and already due
    expect([previous.generation, previous.invalidatedBy]).toEqual([generation, 'refresh'])
  })

  test('a read by version id puts nothing out of step, whatever stages it answers with', () => {
    const current = cached('AWSCURRENT')
    const byId = cached(undefined, 'db', 'v2')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(byId, 'v2', ['AWSCURRENT']) // v2 holds AWSCURRENT now; the AWSCURRENT key finds out when its own TTL ends
    expect([invalidated(current), invalidated(byId)]).toEqual([false, false])
  })

  test('an answer older than the value its entry holds changes nothing: the newer value already spoke', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    const early = nextSequence()
    answer(current, 'v2', ['AWSCURRENT'])
    answer(previous, 'v1', ['AWSPREVIOUS'])
    answer(current, 'v1', ['AWSCURRENT'], early) // a late answer from before the rotation: not kept, and not believed
    expect([invalidated(current), invalidated(previous)]).toEqual([false, false])
    expect(current.value?.versionId).toBe('v2')
  })
  test('the version a new AWSCURRENT replaced is the newest AWSCURRENT known through any declaration', () => {
    const byName = cached('AWSCURRENT')
    const byArn = cached('AWSCURRENT', ARN)
    const previous = cached('AWSPREVIOUS')
    answer(byName, 'v1', ['AWSCURRENT'])
    answer(byArn, 'v2', ['AWSCURRENT']) // a rotation, seen through the other declaration
    const together = nextSequence()
    answer(byName, 'v3', ['AWSCURRENT'], together) // another: v2 (not byName's own v1) is AWSPREVIOUS now
    answer(previous, 'v2', ['AWSPREVIOUS'], together)
    expect(invalidated(previous)).toBe(false)
    expect(debug.mock.calls).toEqual([
      ['middy-secrets: new AWSCURRENT version; the other stages of this secret are due again', { store: 'memory', resource: ARN }],
      ['middy-secrets: new AWSCURRENT version; the other stages of this secret are due again', { store: 'memory', resource: 'db' }],
    ])
  })

  test('a known AWSCURRENT that names no version says nothing of which version was replaced', () => {
    const byName = cached('AWSCURRENT')
    const byArn = cached('AWSCURRENT', ARN)
    const previous = cached('AWSPREVIOUS')
    answer(byName, 'v1', ['AWSCURRENT'])
    answer(byArn, undefined, ['AWSCURRENT'])
    const together = nextSequence()
    answer(byName, 'v2', ['AWSCURRENT'], together) // replaced v1, the newest known version
    answer(previous, 'v0', ['AWSPREVIOUS'], together) // not v1: from before the rotation
    expect(invalidated(previous)).toBe(true)
  })

  test('an AWSCURRENT answer older than one known through another declaration is no rotation', () => {
    const byName = cached('AWSCURRENT')
    const byArn = cached('AWSCURRENT', ARN)
    const previous = cached('AWSPREVIOUS')
    const early = nextSequence()
    answer(byArn, 'v2', ['AWSCURRENT'])
    answer(previous, 'v1', ['AWSPREVIOUS'])
    debug.mockClear()
    answer(byName, 'v1', ['AWSCURRENT'], early) // started before byArn's answer: v1 was AWSCURRENT then
    expect(invalidated(previous)).toBe(false)
    expect(debug).not.toHaveBeenCalled()
  })

  test('a sighting puts another declaration of AWSCURRENT holding an older version out of step, even when the answers carry no stages; a stage still being fetched is left for its own answer', () => {
    const byName = cached('AWSCURRENT')
    const byArn = cached('AWSCURRENT', ARN)
    const previous = cached('AWSPREVIOUS') // no value yet
    answer(byName, 'v1', undefined)
    answer(byArn, 'v1', undefined)
    answer(byName, 'v2', undefined)
    expect([invalidated(byArn), previous.value]).toEqual([true, undefined])
  })

  test('an AWSCURRENT answer started before an AWSPREVIOUS answer that holds its version is out of step', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    const early = nextSequence()
    answer(previous, 'v1', ['AWSPREVIOUS']) // v1 is AWSPREVIOUS now
    answer(current, 'v1', ['AWSCURRENT'], early) // read before that: v1 no longer holds AWSCURRENT
    expect(invalidated(current)).toBe(true)
  })

  test("an AWSCURRENT answer of the version another declaration's sighting saw is in step, though it started before that sighting", () => {
    const byName = cached('AWSCURRENT')
    const byArn = cached('AWSCURRENT', ARN)
    answer(byArn, 'v1', ['AWSCURRENT'])
    const early = nextSequence()
    answer(byArn, 'v2', ['AWSCURRENT']) // a sighting of v2
    answer(byName, 'v2', ['AWSCURRENT'], early)
    expect(invalidated(byName)).toBe(false)
  })

  test('an AWSCURRENT answer that names no version is no sighting', () => {
    const current = cached('AWSCURRENT')
    const previous = cached('AWSPREVIOUS')
    answer(current, 'v1', ['AWSCURRENT'])
    answer(previous, 'v0', ['AWSPREVIOUS'])
    answer(current, undefined, ['AWSCURRENT'])
    expect(invalidated(previous)).toBe(false)
    expect(debug).not.toHaveBeenCalled()
  })

  test('an AWSCURRENT version known through one declaration of several is no rotation', () => {
    const byName = cached('AWSCURRENT')
    const byArn = cached('AWSCURRENT', ARN)
    const previous = cached('AWSPREVIOUS')
    answer(byName, 'v1', ['AWSCURRENT'])
    answer(byArn, 'v2', ['AWSCURRENT']) // a sighting of v2
    answer(previous, 'v1', ['AWSPREVIOUS']) // after it: in step with it
    debug.mockClear()
    answer(byName, 'v2', ['AWSCURRENT']) // known through byArn, though byName's own was v1
    expect(invalidated(previous)).toBe(false)
    expect(debug).not.toHaveBeenCalled()
  })

  test('two AWSCURRENT answers of one attempt with two versions (a rotation between its calls): the second is a sighting too', () => {
    const byName = cached('AWSCURRENT')
    const byArn = cached('AWSCURRENT', ARN)
    answer(byName, 'v1', ['AWSCURRENT'])
    const together = nextSequence()
    answer(byArn, 'v2', ['AWSCURRENT'], together)
    answer(byName, 'v3', ['AWSCURRENT'], together)
    expect(byName.sighting?.versionId).toBe('v3')
    expect(debug).toHaveBeenCalledTimes(2)
  })
})
