/** resolver/deadline.ts: the invocation's deadline, waits bounded by it, and what they keep alive. */
import { fileURLToPath } from 'node:url'
import { jest } from '@jest/globals'
import { beforeDeadline, DEADLINE, deadlineSignal, invocationDeadline } from '../../lib/resolver/deadline.js'
import { run } from '../support/run-command.js'
import { timersCreatedDuring } from '../support/timers.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('invocationDeadline', () => {
  test("the Lambda deadline less the margin; Infinity when the context cannot tell (none, no clock, a clock that says nothing)", () => {
    expect(invocationDeadline({ getRemainingTimeInMillis: () => 1_000 }, 5_000, 200)).toBe(5_800)
    expect(invocationDeadline(undefined, 5_000, 200)).toBe(Number.POSITIVE_INFINITY)
    expect(invocationDeadline({}, 5_000, 200)).toBe(Number.POSITIVE_INFINITY)
    expect(invocationDeadline({ getRemainingTimeInMillis: () => Number.NaN }, 5_000, 200)).toBe(Number.POSITIVE_INFINITY)
    // middy 7's durable execution mode: the Lambda context, which knows the time, is context.lambdaContext
    expect(invocationDeadline({ lambdaContext: { getRemainingTimeInMillis: () => 1_000 } }, 5_000, 200)).toBe(5_800)
    expect(invocationDeadline({ getRemainingTimeInMillis: () => 2_000, lambdaContext: { getRemainingTimeInMillis: () => 1_000 } }, 5_000, 200)).toBe(6_800)
    expect(invocationDeadline({ lambdaContext: {} }, 5_000, 200)).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('beforeDeadline', () => {
  test('the answer when it comes first, DEADLINE when the deadline does', async () => {
    expect(await beforeDeadline(Promise.resolve('v'), Date.now() + 1_000, false)).toBe('v')
    expect(await beforeDeadline(new Promise(() => {}), Date.now() + 10, false)).toBe(DEADLINE)
    expect(await beforeDeadline(new Promise(() => {}), Date.now() - 10, true)).toBe(DEADLINE)
  })

  test('no deadline and nobody waiting: the promise itself, no timer', async () => {
    const promise = Promise.resolve('v')
    let result: unknown
    const timers = await timersCreatedDuring(async () => {
      result = beforeDeadline(promise, Number.POSITIVE_INFINITY, false)
    })
    expect(result).toBe(promise)
    expect(timers).toEqual([])
  })

  test.each([
    ['a deadline', () => Date.now() + 60_000],
    ['no deadline', () => Number.POSITIVE_INFINITY],
  ])('with %s, a caller who waits holds one timer that keeps the process alive, cleared with the answer; a background wait holds none', async (_, deadline) => {
    for (const holdOpen of [true, false]) {
      let answer: (value: string) => void = () => {}
      let wait: Promise<unknown> | undefined
      const timers = await timersCreatedDuring(async () => {
        wait = beforeDeadline(new Promise<string>((resolve) => (answer = resolve)), deadline(), holdOpen)
      })
      expect(timers.filter((t) => t.hasRef())).toHaveLength(holdOpen ? 1 : 0)
      answer('v')
      expect(await wait).toBe('v')
      // Cleared with the answer (Node marks a cleared timer destroyed; hasRef() does not change).
      expect(timers.map((t) => (t as unknown as { _destroyed: boolean })._destroyed)).toEqual(timers.map(() => true))
    }
  })
})

test('a deadline further off than a Node timer can wait is no deadline for the timers (such a timer would fire after 1 ms)', async () => {
  const far = Date.now() + 2 ** 31 + 1_000
  expect(await beforeDeadline(new Promise((resolve) => setTimeout(resolve, 30, 'v')), far, false)).toBe('v')
  expect(await beforeDeadline(new Promise((resolve) => setTimeout(resolve, 30, 'v')), far, true)).toBe('v')
  const signal = deadlineSignal(far)
  await new Promise((resolve) => setTimeout(resolve, 30))
  expect(signal.signal.aborted).toBe(false)
  signal.release()
})

describe('deadlineSignal', () => {
  test('aborts at the deadline, never without one, and its timer keeps nothing alive', async () => {
    const never = deadlineSignal(Number.POSITIVE_INFINITY)
    const soon = deadlineSignal(Date.now() + 5)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect([never.signal.aborted, soon.signal.aborted]).toEqual([false, true])
    let released: ReturnType<typeof deadlineSignal> | undefined
    const timers = await timersCreatedDuring(async () => {
      released = deadlineSignal(Date.now() + 20)
    })
    expect(timers.map((t) => t.hasRef())).toEqual([false])
    released!.release()
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(released!.signal.aborted).toBe(false)
  })

  // A waiter with more time moves an invocation's flight later (flight.ts waitUntil); never earlier,
  // never once it is over.
  test('extend() moves the deadline later only, not after an abort or a release', async () => {
    const moved = deadlineSignal(Date.now() + 20)
    moved.extend(Date.now() + 5) // earlier: no change
    moved.extend(Date.now() + 300)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(moved.signal.aborted).toBe(false) // its first deadline has passed
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(moved.signal.aborted).toBe(true)
    const at = moved.at()
    moved.extend(at + 1_000) // aborted: stays
    expect(moved.at()).toBe(at)

    // Come, its abort not yet run (a timer a moment late): stays, and is aborted.
    const come = deadlineSignal(Date.now() + 5)
    const comeAt = come.at()
    const busy = Date.now() + 10
    while (Date.now() < busy); // the event loop held past the deadline: its timer has not run
    come.extend(Date.now() + 1_000)
    expect(come.at()).toBe(comeAt)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(come.signal.aborted).toBe(true)

    const over = deadlineSignal(Date.now() + 20)
    over.release()
    const timers = await timersCreatedDuring(async () => over.extend(Date.now() + 1_000))
    expect(timers).toEqual([]) // released: nothing scheduled for a flight that has ended
    expect(over.at()).toBeLessThan(Date.now() + 500)
    const open = deadlineSignal(Number.POSITIVE_INFINITY)
    expect(await timersCreatedDuring(async () => open.extend(Date.now() + 1_000))).toEqual([]) // no later than never
  })

  // The millisecond the rule turns on, with the clock held: timers round to the millisecond, so a
  // deadline within one of now has come (scoped Stryker at 134b57e: `>` for `>=` and `at + 1` for
  // `at - 1` survived the real-time test above).
  test('extend(): refused from the millisecond before the deadline, allowed two before', () => {
    const T = 1_900_000_000_000
    const clock = jest.spyOn(Date, 'now').mockReturnValue(T)
    const made: Array<ReturnType<typeof deadlineSignal>> = []
    try {
      const at = (now: number): number => {
        clock.mockReturnValue(T)
        const flight = deadlineSignal(T + 50)
        made.push(flight)
        clock.mockReturnValue(now)
        flight.extend(T + 1_000)
        return flight.at()
      }
      expect(at(T + 48)).toBe(T + 1_000) // two milliseconds left: moved
      expect(at(T + 49)).toBe(T + 50) // one left: come
      expect(at(T + 50)).toBe(T + 50) // its very millisecond, the abort not yet run
    } finally {
      clock.mockRestore()
      for (const flight of made) flight.release()
    }
  })

  // Each request of a flight listens on its signal (concurrency 10 by default, and the give-up):
  // Node 20 limits an AbortSignal to 10 listeners, and printed a MaxListenersExceededWarning on
  // every such refresh, a leak that was not one (Node 22 and 24 set no limit). jest's process is a
  // copy that Node's warnings never reach: a child process runs the built package.
  test("a flight's signal takes a listener per request without a leak warning, in a real process", async () => {
    const script = `
      import { secrets, secret } from './dist/index.js'
      const warnings = []
      process.on('warning', (w) => warnings.push(w.name))
      const store = { fetch: async (requests, { signal }) => requests.map((r) => {
        for (let i = 0; i < 12; i += 1) signal.addEventListener('abort', () => {}) // as 12 requests at once
        return { ok: true, value: 'v', versionId: '1' }
      }) }
      const mw = secrets({ context: { a: secret('a') }, stores: { secretsManager: store }, prefetch: false, logLevel: 'none' })
      const request = { context: { getRemainingTimeInMillis: () => 5000 }, internal: {} }
      await mw.before(request)
      setTimeout(() => console.log(JSON.stringify({ a: request.context.a, warnings })), 20)
    `
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], root)
    expect(stderr).toBe('')
    expect(JSON.parse(stdout)).toEqual({ a: 'v', warnings: [] })
  })
})
