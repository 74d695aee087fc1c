/** resolver/stages.ts: which keys of one invocation's view may pair stages of two rotations. */
import type { Fetched, Sighting } from '../../lib/cache/entry.js'
import { outOfStepInView, type StagedValue } from '../../lib/resolver/stages.js'

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC123'

function value(versionId: string, stages: readonly string[] | undefined, sequence: number, heldSince = sequence): Fetched {
  return { raw: versionId, versionId, arn: ARN, ...(stages ? { stages } : {}), generation: 0, validatedAt: 0, sequence, heldSince }
}

function staged(index: number, versionStage: string, v: Fetched, sighting?: Sighting): StagedValue {
  return { index, request: { kind: 'secret', name: 'db', versionStage }, value: v, sighting }
}

const current = (v: Fetched, sighting?: Sighting) => staged(0, 'AWSCURRENT', v, sighting)
const previous = (v: Fetched) => staged(1, 'AWSPREVIOUS', v)

describe('outOfStepInView', () => {
  test('answers of one attempt that agree are one moment', () => {
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5)), previous(value('v1', ['AWSPREVIOUS'], 5))])).toEqual([])
  })

  test('answers of one attempt that contradict each other (one version, two stages) both go again', () => {
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 5)), previous(value('v2', ['AWSPREVIOUS'], 5))])).toEqual([0, 1])
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

  test('a sighting proves a later read of the previous version together with the new AWSCURRENT', () => {
    const sighting: Sighting = { versionId: 'v2', previousVersionId: 'v1', startedAt: 4, seenAt: 5 }
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 4), sighting), previous(value('v1', ['AWSPREVIOUS'], 6))])).toEqual([])
    // Read before the sighting's fetch: not proven.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 4), sighting), previous(value('v1', ['AWSPREVIOUS'], 3))])).toEqual([1])
    // Another version than the sighting's previous: not proven.
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 4), sighting), previous(value('v0', ['AWSPREVIOUS'], 6))])).toEqual([0])
  })

  test('stages of two different secrets are never paired', () => {
    const other = { ...value('v9', ['AWSPREVIOUS'], 3), arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-XyZ789' }
    expect(outOfStepInView([current(value('v2', ['AWSCURRENT'], 7)), previous(other)])).toEqual([])
  })
})
