/** cache/policy.ts: one fetch for keys that share an entry takes the most demanding policy. */
import { makePolicy, mergePolicies, type Policy } from '../../lib/cache/policy.js'

const policy = (rotation: boolean, optional: boolean): Policy => makePolicy(60_000, 0, 0, rotation, optional)

describe('mergePolicies', () => {
  test.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('a policy that already covers the other (rotation %s, optional %s) is kept as it is', (rotation, optional) => {
    const a = policy(rotation, optional)
    expect(mergePolicies(a, policy(false, false))).toBe(a)
    expect(mergePolicies(a, policy(rotation, optional))).toBe(a)
  })

  test.each([
    [policy(false, false), policy(true, false), { rotation: true, optional: false }],
    [policy(false, false), policy(false, true), { rotation: false, optional: true }],
    [policy(false, false), policy(true, true), { rotation: true, optional: true }],
    [policy(true, false), policy(false, true), { rotation: true, optional: true }],
    [policy(false, true), policy(true, false), { rotation: true, optional: true }],
  ])('rotation-aware if either is, optional if either is: %o + %o', (a, b, expected) => {
    const merged = mergePolicies(a, b)
    expect(merged).not.toBe(a)
    expect(merged).toEqual({ ...a, ...expected })
  })
})

describe('makePolicy', () => {
  test('a key is required and never refreshed ahead unless told: the defaults other modules rely on', () => {
    expect(makePolicy(60_000, 0, 0, false)).toMatchObject({ optional: false, aheadMs: Number.POSITIVE_INFINITY })
  })
})
