import { getBuiltin } from '../transport/runtime.js'

/**
 * Deadlines. An invocation stops waiting `deadlineMarginMs` before the Lambda deadline; work with
 * no invocation behind it (the prefetch, refresh()) gets a bounded lifetime of its own, so it can
 * neither run forever nor hold a process open.
 */

/**
 * What the resolver needs of a Lambda context: how much time is left. In middy 7's durable
 * execution mode the context is the durable one, and the Lambda context that knows the time is
 * its `lambdaContext` (middy reads it there too).
 */
export interface LambdaClock {
  getRemainingTimeInMillis?: () => number
  lambdaContext?: { getRemainingTimeInMillis?: () => number }
}

/** The lifetime of work nobody's deadline bounds: Lambda's init phase is limited to 10 s too. */
export const BACKGROUND_LIFETIME_MS = 10_000

/** The Lambda deadline minus the margin (ms epoch); Infinity without a context that knows it. */
export function invocationDeadline(context: LambdaClock | undefined, now: number, marginMs: number): number {
  const clock = typeof context?.getRemainingTimeInMillis === 'function' ? context : context?.lambdaContext
  const remaining = typeof clock?.getRemainingTimeInMillis === 'function' ? clock.getRemainingTimeInMillis() : Number.NaN
  return Number.isFinite(remaining) ? now + remaining - marginMs : Number.POSITIVE_INFINITY
}

export const DEADLINE = Symbol('deadline')

/** Longest a Node timer can wait (about 24.8 days): an open wait for a caller with no deadline. */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/**
 * The wait until the deadline, or Infinity when no timer can wait that long: a longer delay
 * makes Node fire the timer after 1 ms (a test context that says a day remains would fail at once).
 */
function timerDelay(deadline: number): number {
  const remaining = deadline - Date.now()
  // Stryker disable next-line EqualityOperator: at exactly the longest wait, a timer of 24.8 days and none are alike to every test
  return remaining > LONGEST_TIMER_MS ? Number.POSITIVE_INFINITY : remaining
}

/**
 * `promise`, or DEADLINE if the deadline comes first. `holdOpen`: a caller waits for the answer
 * (an invocation), so the wait keeps the process alive until it ends. It must: the flight it
 * joined may be a prefetch's, whose backoff sleeps are unref'd, and a script awaiting an
 * invocation would otherwise end with its await unsettled. A background wait only waits.
 */
export function beforeDeadline<T>(promise: Promise<T>, deadline: number, holdOpen: boolean): Promise<T | typeof DEADLINE> {
  const remaining = timerDelay(deadline)
  if (!Number.isFinite(remaining) && !holdOpen) return promise
  let timer: NodeJS.Timeout | undefined
  const reached = new Promise<typeof DEADLINE>((resolve) => {
    // Stryker disable next-line ArrowFunction: the interval's callback does nothing either way; the timer only holds the process open
    timer = Number.isFinite(remaining) ? setTimeout(() => resolve(DEADLINE), Math.max(0, remaining)) : setInterval(() => undefined, LONGEST_TIMER_MS)
    if (!holdOpen) timer.unref()
  })
  return Promise.race([promise, reached]).finally(() => clearTimeout(timer))
}

/** A flight's deadline: its signal aborts then (never, for Infinity); a later waiter moves it later. */
export interface FlightDeadline {
  readonly signal: AbortSignal
  /** Epoch ms, as it stands now. */
  at(): number
  /** Moves the deadline to `deadline` if that is later (never once come, aborted or released). */
  extend(deadline: number): void
  /** Releases its timer. */
  release(): void
}

/** An AbortSignal that aborts at the deadline (never, for Infinity), which extend() moves later. */
export function deadlineSignal(deadline: number): FlightDeadline {
  const controller = new AbortController()
  // Every request of the flight listens on it (concurrency 10 by default, and the give-up): past
  // 10 listeners Node 20 warns of a leak there is not (22 and 24 set no limit). The signal lives
  // as long as its flight. No static import of node:events (the static graph stays one file);
  // Node 20 before 20.16, without getBuiltinModule, keeps its warning.
  // Stryker disable next-line all: what tells it (a warning on stderr) is seen by a child process only, which runs the built package, not Stryker's mutant (deadline.test.ts)
  getBuiltin<{ setMaxListeners(n: number, ...targets: EventTarget[]): void }>('node:events')?.setMaxListeners(0, controller.signal)
  let at = deadline
  let timer: NodeJS.Timeout | undefined
  let released = false
  const schedule = (): void => {
    const remaining = timerDelay(at)
    if (!Number.isFinite(remaining)) return
    timer = setTimeout(() => controller.abort(), Math.max(0, remaining))
    timer.unref()
  }
  schedule()
  return {
    signal: controller.signal,
    at: () => at,
    extend(later) {
      // A deadline that has come (within the millisecond timers round to) is not moved: its flight
      // is being aborted, and whoever joins it now fetches for itself (a slow request it would
      // otherwise wait out; the race of a new invocation with the old one's abort).
      if (later <= at || Date.now() >= at - 1 || controller.signal.aborted || released) return
      clearTimeout(timer)
      at = later
      schedule()
    },
    release() {
      released = true // the flight is over: no timer of its own is left, whoever joins late
      clearTimeout(timer)
    },
  }
}
