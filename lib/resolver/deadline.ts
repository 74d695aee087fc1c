/**
 * Deadlines. An invocation stops waiting `deadlineMarginMs` before the Lambda deadline; work with
 * no invocation behind it (the prefetch, refresh()) gets a bounded lifetime of its own, so it can
 * neither run forever nor hold a process open.
 */

/** What the resolver needs of a Lambda context: how much time is left. */
export interface LambdaClock {
  getRemainingTimeInMillis?: () => number
}

/** The lifetime of work nobody's deadline bounds: Lambda's init phase is limited to 10 s too. */
export const BACKGROUND_LIFETIME_MS = 10_000

/** The Lambda deadline minus the margin (ms epoch); Infinity without a context that knows it. */
export function invocationDeadline(context: LambdaClock | undefined, now: number, marginMs: number): number {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.NaN
  return Number.isFinite(remaining) ? now + remaining - marginMs : Number.POSITIVE_INFINITY
}

export const DEADLINE = Symbol('deadline')

/**
 * `promise`, or DEADLINE if the deadline comes first. The timer only waits: it is unref'd, since
 * whatever the promise waits on keeps the process alive by itself if it must.
 */
export function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | typeof DEADLINE> {
  const remaining = deadline - Date.now()
  if (!Number.isFinite(remaining)) return promise
  let timer: NodeJS.Timeout | undefined
  const reached = new Promise<typeof DEADLINE>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE), Math.max(0, remaining))
    timer.unref()
  })
  return Promise.race([promise, reached]).finally(() => clearTimeout(timer))
}

/** An AbortSignal that aborts at the deadline (never, for Infinity), and how to release its timer. */
export function deadlineSignal(deadline: number): { signal: AbortSignal; release(): void } {
  const controller = new AbortController()
  const remaining = deadline - Date.now()
  if (!Number.isFinite(remaining)) return { signal: controller.signal, release() {} }
  const timer = setTimeout(() => controller.abort(), Math.max(0, remaining))
  timer.unref()
  return { signal: controller.signal, release: () => clearTimeout(timer) }
}
