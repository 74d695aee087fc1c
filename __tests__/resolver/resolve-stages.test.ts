/**
 * resolver/resolve.ts with stages.ts, end to end: AWSCURRENT and AWSPREVIOUS of one invocation
 * belong to one rotation whatever path the values took (one attempt's two AWS calls, a stage
 * refetched alone, the warm path), and overlapping invocations after a rotation (none while they
 * run) both get the pair, never StagesChanging.
 */
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { clearCache, secret, secrets, SecretsError } from '../../lib/index.js'
import type { Store, StoreResult } from '../../lib/store.js'
import { memoryStore } from '../../lib/testing/index.js'
import { useFakeClock } from '../support/clock.js'
import { silentLogger } from '../support/store-results.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const clock = useFakeClock(T0)
beforeEach(() => clearCache())

const outcome = (e: unknown): unknown => (e instanceof SecretsError ? e.failures.map((f) => `${f.key}:${f.code}`) : String(e))

/** A handler answering [cur, prev] from the context, or the failing keys with their codes. */
function handlerOf(mw: unknown): () => Promise<unknown> {
  const h = middy(async (_e: unknown, c: Context) => {
    const ctx = c as unknown as Record<string, unknown>
    return [ctx.cur, ctx.prev]
  })
  h.use(mw as never)
  return () => h({}, {} as never).catch(outcome)
}

describe('one attempt, two AWS calls', () => {
  test('cold start, a rotation between the AWSPREVIOUS and the AWSCURRENT call: never the new AWSCURRENT beside the pre-rotation AWSPREVIOUS', async () => {
    const inner = memoryStore({ secrets: { db: 'v1' } })
    inner.rotate('db', 'v2') // AWS: AWSCURRENT v2, AWSPREVIOUS v1
    let rotated = false
    // Two AWS calls (as the Secrets Manager store makes for two stages): AWS answers the AWSPREVIOUS
    // one first; a rotation's finishSecret lands before it answers the AWSCURRENT one.
    const store: Store = {
      name: 'two-calls',
      async fetch(requests, options) {
        const results: StoreResult[] = new Array(requests.length)
        const order = requests.map((r, i) => [r, i] as const).sort(([a], [b]) => Number(a.versionStage === 'AWSCURRENT') - Number(b.versionStage === 'AWSCURRENT'))
        for (const [request, i] of order) {
          if (request.versionStage === 'AWSCURRENT' && !rotated) {
            rotated = true
            inner.rotate('db', 'v3') // AWS: AWSCURRENT v3, AWSPREVIOUS v2
          }
          results[i] = (await inner.fetch([request], options))[0]!
        }
        return results
      },
    }
    const invoke = handlerOf(secrets({ context: { cur: secret('db'), prev: secret('db', { versionStage: 'AWSPREVIOUS' }) }, stores: { secretsManager: store }, prefetch: false, logger: silentLogger }))
    // The answers (v3 holds AWSCURRENT, v1 holds AWSPREVIOUS) look exactly like (v2, v1): both are read again.
    expect(await invoke()).toEqual(['v3', 'v2'])
  })
})

describe('a stage refetched alone, then the warm path', () => {
  function setUp(options: Record<string, unknown>) {
    const store = memoryStore({ secrets: { db: 'v1' } })
    store.rotate('db', 'v2') // AWSCURRENT v2, AWSPREVIOUS v1
    const mw = secrets({
      context: { cur: secret('db', { ttl: 3600 }), prev: secret('db', { versionStage: 'AWSPREVIOUS', ttl: 300 }) },
      stores: { secretsManager: store },
      prefetch: false,
      jitter: 0,
      logger: silentLogger,
      ...options,
    })
    return { store, mw, invoke: handlerOf(mw) }
  }
  /** AWS held (v2, v1), (v3, v2), (v4, v3): an invocation's pair is one of those. */
  const heldByAws = [['v2', 'v1'], ['v3', 'v2'], ['v4', 'v3']].map((p) => JSON.stringify(p))

  test('a refresh ahead of AWSPREVIOUS after two rotations: the next invocation does not pair it with the older AWSCURRENT', async () => {
    const { store, invoke } = setUp({})
    expect(await invoke()).toEqual(['v2', 'v1'])
    store.rotate('db', 'v3')
    store.rotate('db', 'v4') // AWS: AWSCURRENT v4, AWSPREVIOUS v3
    clock.now = T0 + 280_000 // prev in the last 10 % of its 300 s TTL; cur (3600 s) is not
    expect(heldByAws).toContain(JSON.stringify(await invoke())) // from the cache, prev refreshed in the background
    await new Promise((resolve) => setTimeout(resolve, 20)) // the refresh lands: prev = v3, newer than cur's v2
    clock.now = T0 + 281_000
    expect(await invoke()).toEqual(['v4', 'v3']) // both fresh, but apart: read again (before: ['v2', 'v3'])
  })

  test("mw.refresh('prev') after two rotations: the next invocation does not pair it with the older AWSCURRENT", async () => {
    const { store, mw, invoke } = setUp({ refreshAhead: 0 })
    expect(await invoke()).toEqual(['v2', 'v1'])
    store.rotate('db', 'v3')
    store.rotate('db', 'v4')
    clock.now = T0 + 10_000
    await mw.refresh('prev')
    expect(await invoke()).toEqual(['v4', 'v3'])
    // Proven together now: the warm path serves them without a call.
    store.resetCalls()
    clock.now = T0 + 11_000
    expect(await invoke()).toEqual(['v4', 'v3'])
    expect(store.calls).toEqual([])
  })
})

describe('overlapping invocations', () => {
  test.each([1, 5, 20])('store latency %i ms: two invocations at once after a rotation both get the new pair, neither StagesChanging', async (latency) => {
    const store = memoryStore({ secrets: { db: 'v1' } })
    store.rotate('db', 'v2') // AWSCURRENT v2, AWSPREVIOUS v1
    const invoke = handlerOf(
      secrets({
        context: { cur: secret('db', { ttl: 3600 }), prev: secret('db', { versionStage: 'AWSPREVIOUS', ttl: 10, rotation: true }) },
        stores: { secretsManager: store },
        prefetch: false,
        jitter: 0,
        refreshAhead: 0,
        logger: silentLogger,
      }),
    )
    expect(await invoke()).toEqual(['v2', 'v1'])
    store.rotate('db', 'v3') // AWSCURRENT v3, AWSPREVIOUS v2; none after this
    clock.now = T0 + 10_001 // prev expired, cur fresh
    store.setLatency(latency)
    // Each one's check used to invalidate the entry the other had just invalidated and was fetching
    // again, so each one's fetch was outdated by the other's next round until the rounds ran out.
    expect(await Promise.all([invoke(), invoke()])).toEqual([
      ['v3', 'v2'],
      ['v3', 'v2'],
    ])
  })
})

describe('overlapping fetches', () => {
  test('an AWSCURRENT fetch started first but read by AWS after a rotation, an AWSPREVIOUS fetch started later but read before it: never paired', async () => {
    const inner = memoryStore({ secrets: { db: 'v1' } })
    inner.rotate('db', 'v2') // AWS: AWSCURRENT v2, AWSPREVIOUS v1
    let hold = 1 // the next call waits to read AWS until released
    let release = (): void => undefined
    const store: Store = {
      name: 'gated',
      async fetch(requests, options) {
        if (hold > 0) {
          hold -= 1
          await new Promise<void>((resolve) => (release = resolve))
        }
        return inner.fetch(requests, options)
      },
    }
    const common = { stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0, logger: silentLogger } as const
    const onlyCurrent = handlerOf(secrets({ context: { cur: secret('db') }, ...common }))
    const both = handlerOf(secrets({ context: { cur: secret('db'), prev: secret('db', { versionStage: 'AWSPREVIOUS' }) }, ...common }))
    const first = onlyCurrent() // fetch A: AWSCURRENT, held before it reads AWS
    await new Promise((resolve) => setTimeout(resolve, 5))
    const second = both() // joins A for AWSCURRENT; fetch B, started after A, reads AWSPREVIOUS at once: v1
    await new Promise((resolve) => setTimeout(resolve, 5))
    clearCache() // B's answer is no longer a cached sibling when A's lands: no sighting marks it
    inner.rotate('db', 'v3') // AWS: AWSCURRENT v3, AWSPREVIOUS v2
    release() // A reads AWS now: v3
    // A started before B but read after it: its span (v3 from then on) says nothing of B's moment.
    // (Before: AWSCURRENT read again, v3 "held since" A's start, before B's: paired with v1.)
    expect(await second).toEqual(['v3', 'v2'])
    expect(await first).toEqual(['v3', undefined])
  })
})
