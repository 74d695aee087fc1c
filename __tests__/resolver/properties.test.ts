/**
 * Properties of the resolver, with fast-check: random programs of overlapping invocations, TTL
 * expiries, rotations, refresh(), clearCache(), faults and deadlines, over a memory store whose
 * answers arrive in an order fast-check's scheduler chooses (every store call reads AWS at one
 * moment and answers at a later one, both when the scheduler says; a stage other than AWSCURRENT
 * is a call of its own, as the Secrets Manager store makes it, so a rotation may come between it
 * and the AWSCURRENT read of the same fetch). After each program:
 *
 *  1. every invocation got all its values or one SecretsError, never another error;
 *  2. its failures are real: an injected AWS error, or DeadlineExceeded only when its deadline had
 *     passed;
 *  3. every injected value is one the store held for that key, never undefined;
 *  4. AWSCURRENT and AWSPREVIOUS of one invocation belong to one rotation;
 *  5. after refresh() resolves (with no fault during it), no value older than the call serves;
 *  6. no unhandled rejection, and nothing left running (no fetch in flight, no timer left);
 *  7. no value serves past its key's ttl, counted from the last answer that carried it (or that
 *     vouched for its version: DescribeSecret's AWSCURRENT), unless
 *     the key could serve stale (a fault on its name, or the invocation's deadline passed): then
 *     within ttl + maxStale.
 *
 * `npm test` runs PROPS_RUNS (default 150) programs; `npm run test:props` runs 10,000.
 * PROPS_SEED and PROPS_PATH replay a counterexample (the seed and path fast-check reports).
 */
import { jest } from '@jest/globals'
import fc from 'fast-check'
import { cache } from '../../lib/cache/cache.js'
import { clearCache, parameter, refresh, secret, secrets, SecretsError, type Store } from '../../lib/index.js'
import type { FetchOptions, Logger, StoreRequest, StoreResult } from '../../lib/store.js'
import { memoryStore, type MemoryStore } from '../../lib/testing/index.js'
import { runBefore } from '../support/store-results.js'

const RUNS = Number(process.env.PROPS_RUNS ?? 150)
const MARGIN_MS = 500
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }

type Action =
  | { readonly kind: 'invoke'; readonly mw: 0 | 1; readonly late: boolean }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'rotate' }
  | { readonly kind: 'update'; readonly what: 'x' | '/p' }
  | { readonly kind: 'refresh'; readonly keys: 'all' | 'cur' | 'prev' | 'x'; readonly packageLevel: boolean }
  | { readonly kind: 'clearCache' }
  | { readonly kind: 'fault'; readonly name: 'db' | 'x' | '/p'; readonly code: string; readonly times: number }
  | { readonly kind: 'answer'; readonly count: number }

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('invoke' as const), mw: fc.constantFrom(0 as const, 1 as const), late: fc.boolean().map((b) => b && Math.random() < 0.2) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15_000 }) }) },
  // Small steps too: into and through the last tenth of a TTL, where a refresh ahead starts.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_500 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rotate' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('update' as const), what: fc.constantFrom('x' as const, '/p' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refresh' as const), keys: fc.constantFrom('all' as const, 'cur' as const, 'prev' as const, 'x' as const), packageLevel: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clearCache' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      name: fc.constantFrom('db' as const, 'x' as const, '/p' as const),
      code: fc.constantFrom('ThrottlingException', 'InternalServiceError', 'AccessDeniedException', 'RequestTimeTooSkewed'),
      times: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('answer' as const), count: fc.integer({ min: 0, max: 4 }) }) },
)

interface Invocation {
  readonly mw: 0 | 1
  readonly late: boolean
  readonly startedAt: number
  /** Rotations and updates done when it started. */
  readonly state: { readonly rotations: number; readonly x: number; readonly p: number }
  /** For each refresh() that had resolved before it started: what the refresh guarantees. */
  readonly floors: { readonly cur: number; readonly x: number }
  /** Its deadline, and when it ended, on the program's clock. */
  readonly deadline: number
  endedAt?: number
  endedStep?: number
  outcome?: { ok: true; values: Record<string, unknown> } | { ok: false; error: unknown }
}

/** When each value was last answered, by request (`label`) and value: what its freshness counts from. */
type Answered = Map<string, number>
const answeredKey = (label: string, value: unknown): string => `${label}|${String(value)}`

/** A secret read by a stage other than AWSCURRENT: its own AWS call. */
const ownCall = (r: StoreRequest): boolean => r.kind === 'secret' && r.versionStage !== undefined && r.versionStage !== 'AWSCURRENT'

/** A store whose every answer (values and DescribeSecret) is released by the scheduler. */
function scheduled(inner: MemoryStore, s: fc.Scheduler, calls: { failures: number; open: number; live: boolean }, answered: Answered, label: (request: StoreRequest) => string, clock: () => number): Store {
  const versions = new Map<string, unknown>() // version id -> its value, as fetched
  const names = (requests: readonly StoreRequest[]): string => requests.map((r) => `${r.name}${r.versionStage ? `:${r.versionStage}` : ''}`).join(',')
  async function answer<T>(read: Promise<T>, what: string): Promise<T> {
    // After its program, a store answers at once: the package-level refresh() may still reach
    // this run's middlewares from a later run, whose scheduler does not drive this one.
    if (!calls.live) return read
    calls.open += 1
    try {
      return await s.schedule(read, what)
    } finally {
      calls.open -= 1
    }
  }
  return {
    name: 'scheduled',
    async fetch(requests: readonly StoreRequest[], options: FetchOptions) {
      // A stage other than AWSCURRENT is an AWS call of its own (the Secrets Manager store reads it
      // with GetSecretValue beside the batch): read at its own moment, which a rotation may precede.
      const [alone, together] = [requests.filter(ownCall), requests.filter((r) => !ownCall(r))]
      // Each call reads AWS at a moment of the scheduler's choosing, then answers at another.
      const read = async (batch: readonly StoreRequest[]): Promise<StoreResult[]> => {
        if (batch.length === 0) return []
        await answer(Promise.resolve(), `read ${names(batch)}`)
        return answer(inner.fetch(batch, options), `fetch ${names(batch)}`)
      }
      const [mine, rest] = await Promise.all([Promise.all(alone.map(async (r) => (await read([r]))[0]!)), read(together)])
      const results = requests.map((r) => (ownCall(r) ? mine[alone.indexOf(r)]! : rest[together.indexOf(r)]!))
      calls.failures += results.filter((r) => !r.ok).length
      results.forEach((result, i) => {
        if (!result.ok) return
        answered.set(answeredKey(label(requests[i]!), result.value), clock())
        if (result.versionId !== undefined) versions.set(result.versionId, result.value)
      })
      return results
    },
    async describe(names: readonly string[], options: FetchOptions) {
      const descriptions = await answer(inner.describe!(names, options), `describe ${names.join(',')}`)
      // AWS vouches for the version that holds AWSCURRENT: a cached value of it is fresh again.
      descriptions.forEach((d, i) => {
        if (!('versionIdsToStages' in d)) return
        for (const [versionId, stages] of Object.entries(d.versionIdsToStages)) {
          if (stages.includes('AWSCURRENT') && versions.has(versionId)) answered.set(answeredKey(label({ kind: 'secret', name: names[i]!, versionStage: 'AWSCURRENT' }), versions.get(versionId)), clock())
        }
      })
      return descriptions
    },
  }
}

let run = 0

async function runProgram(s: fc.Scheduler, actions: readonly Action[]): Promise<void> {
  clearCache()
  // Key names unique to this run: the package-level refresh() reaches every middleware still
  // alive, and those of earlier runs wait on schedulers nobody drives any more.
  const id = ++run
  const k = (name: string): string => `${name}_${id}`
  let now = Date.UTC(2030, 0, 1)
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => now)
  const inner = memoryStore({ secrets: { db: 'db-0', x: 'x-0' }, parameters: { '/p': 'p-0' } })
  inner.rotate('db', 'db-1') // AWSPREVIOUS exists from the start
  const state = { rotations: 1, x: 0, p: 0 }
  const calls = { failures: 0, open: 0, live: true }
  const arn = inner.model.secretRecord('db').arn
  const answered: Answered = new Map()
  const label = (r: StoreRequest): string => (r.versionStage === 'AWSPREVIOUS' ? 'prev' : r.name === arn ? 'arn' : r.name)
  const store = scheduled(inner, s, calls, answered, label, () => now)
  const faultedAt = new Map<string, number>() // a name's first fault, by action step
  let step = 0
  const common = { stores: { secretsManager: store, ssm: store }, logger: quiet, jitter: 0, retries: 1, maxStale: 60, deadlineMarginMs: MARGIN_MS, prefetch: false } as const
  const middlewares = [
    secrets({ context: { [k('cur')]: secret('db', { ttl: 10 }), [k('prev')]: secret('db', { versionStage: 'AWSPREVIOUS', ttl: 3600 }), [k('x')]: secret('x', { ttl: 5 }) }, ...common }),
    // AWSPREVIOUS here expires before AWSCURRENT: the other order of refreshes.
    secrets({ context: { [k('cur')]: secret(arn, { ttl: 20, rotation: true }), [k('prev')]: secret('db', { versionStage: 'AWSPREVIOUS', ttl: 4 }), [k('p')]: parameter('/p', { ttl: 7 }) }, ...common }),
  ] as const
  const invocations: Invocation[] = []
  const pending: Array<Promise<unknown>> = []
  const floors = { cur: 0, x: 0 }
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const timersBefore = timers()

  try {
    for (const a of actions) {
      step += 1
      switch (a.kind) {
        case 'invoke': {
          const remaining = a.late ? MARGIN_MS - 1 : 30_000
          const inv: Invocation = { mw: a.mw, late: a.late, startedAt: now, state: { ...state }, floors: { ...floors }, deadline: now + remaining - MARGIN_MS }
          invocations.push(inv)
          pending.push(
            runBefore(middlewares[a.mw], { getRemainingTimeInMillis: () => remaining }).then(
              (values) => void ((inv.outcome = { ok: true, values }), (inv.endedAt = now), (inv.endedStep = step)),
              (error: unknown) => void ((inv.outcome = { ok: false, error }), (inv.endedAt = now), (inv.endedStep = step)),
            ),
          )
          break
        }
        case 'advance':
          // What the answers released so far set off runs first: a chain of promise turns takes
          // no time, so the value the store recorded an answer at is the one the package saw.
          await new Promise((resolve) => setImmediate(resolve))
          now += a.ms
          break
        case 'rotate':
          state.rotations += 1
          inner.rotate('db', `db-${state.rotations}`)
          break
        case 'update':
          if (a.what === 'x') inner.setSecret('x', `x-${++state.x}`)
          else inner.setParameter('/p', `p-${++state.p}`)
          break
        case 'refresh': {
          const keys = a.keys === 'all' ? undefined : k(a.keys)
          const at = { ...state }
          const failuresBefore = calls.failures
          const run = a.packageLevel ? refresh(keys) : middlewares[0].refresh(keys)
          pending.push(
            run.then(
              () => {
                // A refresh that met no failure guarantees what it fetched to everyone after it.
                if (calls.failures !== failuresBefore) return
                if (a.keys === 'all' || a.keys === 'cur') floors.cur = Math.max(floors.cur, at.rotations)
                if (a.keys === 'all' || a.keys === 'x') floors.x = Math.max(floors.x, at.x)
              },
              (error: unknown) => expect(error).toBeInstanceOf(SecretsError),
            ),
          )
          break
        }
        case 'clearCache':
          clearCache()
          break
        case 'fault':
          if (!faultedAt.has(a.name)) faultedAt.set(a.name, step)
          inner.fail(a.name, { code: a.code, times: a.times })
          break
        case 'answer':
          // Let what was started reach the store first (a call is made a few promise turns after
          // the invocation starts), then answer `count` calls in the scheduler's order.
          await new Promise((resolve) => setImmediate(resolve))
          for (let i = 0; i < a.count && s.count() > 0; i++) await s.waitNext(1)
          break
      }
    }
    // Drain: answer everything, including what answers trigger (a retry after its backoff, in
    // real time, or after p-retry's import): until no invocation waits and no store call is open.
    let settled = false
    void Promise.all(pending).then(() => (settled = true))
    const quiet = (): boolean => settled && calls.open === 0 && s.count() === 0 && !inFlight() && timers() <= timersBefore
    for (let round = 0; round < 400 && !quiet(); round++) {
      await s.waitIdle()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await Promise.all(pending)
  } finally {
    clock.mockRestore()
    calls.live = false
  }
  expect(calls.open).toBe(0)

  for (const inv of invocations) {
    checkInvocation(inv, state, k)
    checkFreshness(inv, k, answered, faultedAt)
  }
  // 6. Nothing left running: no fetch in flight, no timer of ours.
  for (const entry of cache.entries()) expect(entry.flight).toBeUndefined()
  expect(timers()).toBeLessThanOrEqual(timersBefore)
}

function inFlight(): boolean {
  for (const entry of cache.entries()) if (entry.flight !== undefined) return true
  return false
}

// StagesChanging: out of rounds while rotations kept moving the stages; an error, never a wrong pair.
const INJECTED = new Set(['ThrottlingException', 'InternalServiceError', 'AccessDeniedException', 'RequestTimeTooSkewed', 'StagesChanging'])

function checkInvocation(inv: Invocation, end: { rotations: number; x: number; p: number }, k: (name: string) => string): void {
  // 1. values or one SecretsError
  expect(inv.outcome).toBeDefined()
  const outcome = inv.outcome!
  if (!outcome.ok) {
    expect(outcome.error).toBeInstanceOf(SecretsError)
    for (const failure of (outcome.error as SecretsError).failures) {
      // 2. real failures; DeadlineExceeded only past the deadline (the program's clock may have passed it)
      const real = failure.code === 'DeadlineExceeded' ? inv.endedAt! >= inv.deadline : INJECTED.has(failure.code)
      if (!real) throw new Error(`a failure that is not real: ${failure.key} ${failure.code}: ${failure.message} (invocation late: ${inv.late})`)
    }
    return
  }
  const v = Object.fromEntries(['cur', 'prev', 'x', 'p'].map((name) => [name, outcome.values[k(name)]]))
  const index = (value: unknown, prefix: string): number => {
    // 3. a value the store held, never undefined
    expect(typeof value).toBe('string')
    const match = new RegExp(`^${prefix}-(\\d+)$`).exec(value as string)
    expect(match).not.toBeNull()
    return Number(match![1])
  }
  const cur = index(v.cur, 'db')
  expect(cur).toBeLessThanOrEqual(end.rotations)
  // 5. after a refresh resolved, nothing older than the call
  if (cur < inv.floors.cur) throw new Error(`older than a refresh that resolved before it: ${JSON.stringify(v)}, floor ${inv.floors.cur} (middleware ${inv.mw})`)
  // 4. one rotation: AWSPREVIOUS is the version just before AWSCURRENT
  if (index(v.prev, 'db') !== cur - 1) throw new Error(`AWSCURRENT and AWSPREVIOUS of two rotations: ${JSON.stringify(v)} (middleware ${inv.mw}, late: ${inv.late})`)
  if (inv.mw === 0) {
    const x = index(v.x, 'x')
    expect(x).toBeLessThanOrEqual(end.x)
    expect(x).toBeGreaterThanOrEqual(inv.floors.x)
  } else {
    expect(index(v.p, 'p')).toBeLessThanOrEqual(end.p)
  }
}

/** Each middleware's keys: the label of the request that answers it, the name a fault hits, and its ttl. */
const KEYS = [
  { cur: { label: 'db', name: 'db', ttl: 10 }, prev: { label: 'prev', name: 'db', ttl: 3600 }, x: { label: 'x', name: 'x', ttl: 5 } },
  { cur: { label: 'arn', name: 'db', ttl: 20 }, prev: { label: 'prev', name: 'db', ttl: 4 }, p: { label: '/p', name: '/p', ttl: 7 } },
] as const
const MAX_STALE_MS = 60_000

// 7. Fresh: each value was answered less than its ttl before the invocation began (the package
// judges freshness then, and a value it waited for was answered after). Serving stale needs a
// failure: a fault on the key's name (one attempt's failure backs off for a while, its last
// retry's serves stale), or the deadline; then within ttl + maxStale.
function checkFreshness(inv: Invocation, k: (name: string) => string, answered: Answered, faultedAt: ReadonlyMap<string, number>): void {
  const outcome = inv.outcome!
  if (!outcome.ok) return
  for (const [key, { label, name, ttl }] of Object.entries(KEYS[inv.mw])) {
    const value = outcome.values[k(key)]
    const at = answered.get(answeredKey(label, value))
    if (at === undefined) throw new Error(`${key} = ${String(value)} was never answered for ${label}`)
    const age = inv.startedAt - at
    const mayBeStale = inv.late || inv.endedAt! >= inv.deadline || (faultedAt.get(name) ?? Infinity) <= inv.endedStep!
    const limit = ttl * 1000 + (mayBeStale ? MAX_STALE_MS : 0)
    if (age >= limit) throw new Error(`${key} served ${age} ms after its last answer (limit ${limit} ms; middleware ${inv.mw}, late: ${inv.late})`)
  }
}

test(`the resolver's invariants hold over ${RUNS} random programs`, async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(action, { maxLength: 30 }), async (s, actions) => {
        await runProgram(s, actions)
        expect(unhandled).toEqual([])
      }),
      { numRuns: RUNS, verbose: 1, ...(process.env.PROPS_SEED ? { seed: Number(process.env.PROPS_SEED), path: process.env.PROPS_PATH, endOnFailure: true } : {}) },
    )
  } finally {
    process.off('unhandledRejection', onUnhandled)
    clearCache()
  }
}, 600_000)
