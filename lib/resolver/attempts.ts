/**
 * One store's fetch with the package's one retry layer: the first attempt at once (without
 * loading p-retry, so a cold start that succeeds never pays its import), then p-retry for the
 * rest, retrying only what failed for a retryable reason, never past the deadline.
 *
 * p-retry runs the loop (`retries`, and `signal` for the deadline); the delay is ours, slept in
 * `onFailedAttempt` as p-retry documents for custom delays, because full jitter (a random delay
 * from 0 up to min(cap, base * 2^n), AWS's recommendation against synchronized retries) is not
 * one of p-retry's delays: its `randomize` multiplies by 1 to 2. Throttling gets a longer cap:
 * under a quota, fewer and later attempts land as many calls with fewer rejections. A clock-skew
 * failure is retried once, at once: the transport re-signs with the corrected clock. The
 * deadline is ours too: no sleep starts that would end past it (p-retry's `maxRetryTime` would
 * only cut a sleep short).
 */
import type { Entry } from '../cache/entry.js'
import { mayServeStale, nextSequence } from '../cache/entry.js'
import type { Policy } from '../cache/policy.js'
import { classify, isThrottling, storeError } from '../classify.js'
import { sleep } from '../sleep.js'
import type { FetchOptions, Store, StoreError, StoreResult } from '../store.js'
import { toStoreError } from '../stores/aws-error.js'
import { ABANDONED, abandonedError, unlessAbandoned } from '../abandon.js'

const BACKOFF_BASE_MS = 50
const BACKOFF_CAP_MS = 2_000
const THROTTLED_BACKOFF_CAP_MS = 5_000
/** The code of a request aborted at its flight's deadline (transports, extension and memory stores). */
export const OWN_DEADLINE = 'DeadlineExceeded'

export interface Attempted {
  readonly entry: Entry
  readonly policy: Policy
}

/**
 * The moment a question's answers count from: when it was asked (see AttemptMoment.askedAt), or,
 * when the wall clock stepped back while it was out (NTP), when the answer came, on the clock from
 * now on (a moment in the future would never be fresh).
 */
export function questionMoment(askedAt: number, answeredAt: number): number {
  return Math.min(askedAt, answeredAt)
}

/** The attempt that settled an item: its number, its sequence (each attempt reads AWS at its own moment) and its times (epoch ms). */
export interface AttemptMoment {
  readonly attempts: number
  readonly sequence: number
  /**
   * When it asked. Its values are as old as that: AWS answered with what held at some moment
   * after, and an answer read late (the environment frozen while it sat in the socket) must not
   * count as younger (HTTP caches age a response from its request the same way, RFC 9111 4.2.3).
   * One moment per attempt: the values of one answer expire together.
   */
  readonly askedAt: number
  /** When its answer came (or the retries were given up): the moment of a failure. */
  readonly answeredAt: number
}

export interface AttemptContext<T extends Attempted> {
  readonly options: FetchOptions
  readonly retries: number
  /** The flight's deadline (epoch ms) as it stands: a waiter with more time moves it later. */
  readonly deadline: () => number
  /** Nobody waits on this work: its sleeps do not keep the process alive. */
  readonly background: boolean
  /** Every item is settled exactly once, with its value or its last failure, and the attempt that answered it. */
  settle(item: T, result: StoreResult, attempt: AttemptMoment): void
  /** After the items an attempt answered are all settled (what they say is checked together). */
  settled(): void
  /** An item failed for a retryable reason and goes to another attempt: what it failed with, for whoever waits on it. */
  retrying(item: T, error: StoreError): void
}

/**
 * Thrown when an attempt left keys to retry (p-retry retries on a thrown error), or to stop
 * retrying; never seen outside: the keys settle with their own last errors.
 */
class RetryableFailures extends Error {}

export async function fetchWithRetries<T extends Attempted>(store: Store, items: readonly T[], context: AttemptContext<T>): Promise<void> {
  const { options } = context
  let pending: readonly T[] = items
  let lastErrors = new Map<T, StoreError>()
  const skewRetried = new Set<T>()
  let attempts = 0
  let sequence = 0
  /**
   * Set when settling an attempt's answers threw (an answer that throws when its value is read, a
   * bug): `pending` is half settled, so nothing more is tried or settled here; the flight settles
   * every key left (startFlight's catch).
   */
  let broken: { readonly error: unknown } | undefined

  function worthRetrying(item: T, error: StoreError): boolean {
    const kind = classify(error.code, error.httpStatus, error.message)
    if (kind === 'clockSkew') {
      if (skewRetried.has(item)) return false
      skewRetried.add(item)
      return true
    }
    if (kind !== 'throttle' && kind !== 'transient') return false
    // An expired value that may serve stale serves at once instead. One that refresh() or
    // refreshOn declared wrong (an older generation) is what the caller asked to replace: retry.
    const held = item.entry.value
    return !(held?.generation === item.entry.generation && mayServeStale(item.entry, held, item.policy, Date.now()))
  }

  async function attempt(): Promise<void> {
    attempts += 1
    sequence = nextSequence()
    const askedAt = Date.now()
    const results = await fetchSafely(store, pending, options)
    const answeredAt = Date.now()
    const moment: AttemptMoment = { attempts, sequence, askedAt: questionMoment(askedAt, answeredAt), answeredAt }
    const before = lastErrors
    const again: T[] = []
    lastErrors = new Map()
    // The deadline came during the attempt: nothing more will be tried, so every key settles now
    // (a wait that read what a key is retrying after would otherwise read the deadline itself).
    const over = options.signal.aborted
    try {
      pending.forEach((item, index) => {
        const answer = keptToContract(store, results[index])
        const result: StoreResult = answer.ok ? answer : { ok: false, error: withEarlierFailure(answer.error, before.get(item)) }
        if (!result.ok && !over && worthRetrying(item, result.error)) {
          again.push(item)
          lastErrors.set(item, result.error)
          context.retrying(item, result.error)
        } else context.settle(item, result, moment)
      })
      context.settled()
    } catch (error) {
      broken = { error }
      throw error
    }
    pending = again
  }

  /** Full jitter before retry `n`; throws to stop when the wait would end past the deadline. */
  async function backoff(n: number): Promise<void> {
    // What stops p-retry after a broken attempt: it calls onFailedAttempt first, and rejects with what it throws.
    if (broken !== undefined) throw broken.error
    const errors = [...lastErrors.values()]
    const onlySkew = errors.every((e) => classify(e.code, e.httpStatus, e.message) === 'clockSkew')
    const cap = errors.some((e) => isThrottling(e.code, e.httpStatus)) ? THROTTLED_BACKOFF_CAP_MS : BACKOFF_CAP_MS
    const delay = onlySkew ? 0 : Math.random() * Math.min(cap, BACKOFF_BASE_MS * 2 ** n)
    // Stryker disable next-line EqualityOperator,ArithmeticOperator: a wait that ends within a millisecond of the deadline is cut by the deadline's abort either way
    if (Date.now() + delay >= context.deadline() - 1) throw new RetryableFailures()
    // An aborted sleep ends early, and p-retry stops at the aborted signal before another attempt.
    await sleep(delay, options.signal, { unref: context.background })
  }

  await attempt()
  if (pending.length > 0 && context.retries > 0) {
    try {
      await backoff(1)
      const { default: pRetry } = await import('p-retry')
      await pRetry(
        async () => {
          await attempt()
          if (pending.length > 0) throw new RetryableFailures()
        },
        {
          retries: context.retries - 1,
          minTimeout: 0, // the delay is slept in onFailedAttempt (full jitter)
          maxTimeout: 0,
          signal: options.signal, // no maxRetryTime: backoff() stops before a sleep that would end past the deadline
          onFailedAttempt: ({ attemptNumber }) => backoff(attemptNumber + 1),
        },
      )
    } catch {
      // A broken attempt (the only error an attempt throws): the flight settles what is left.
      if (broken !== undefined) throw broken.error
      // Out of retries, out of time, or aborted: what is still pending fails with its last error.
    }
  }
  const givenUpAt = Date.now()
  const last: AttemptMoment = { attempts, sequence, askedAt: givenUpAt, answeredAt: givenUpAt }
  for (const item of pending) context.settle(item, { ok: false, error: lastErrors.get(item)! }, last)
  context.settled()
}

/**
 * A retry cut short by the deadline says what it was retrying: a key throttled until the
 * invocation ran out of time fails with DeadlineExceeded ("stopped before the Lambda deadline"),
 * and without the earlier attempt's code nothing would say it was throttled. Codes only: an AWS
 * error's name, never a value. (resolve.ts says the same of a key whose wait ended at its deadline.)
 */
export function withEarlierFailure(error: StoreError, earlier: StoreError | undefined): StoreError {
  if (error.code !== OWN_DEADLINE || earlier === undefined) return error
  return { ...error, message: `${error.message}, retrying after ${earlier.code}` }
}

/**
 * A store should answer failures, not throw; one that throws (or breaks its promise) still settles
 * every key. One that never answers is given up at the flight's deadline (./abandon.ts): its keys
 * fail with DeadlineExceeded.
 */
async function fetchSafely(store: Store, items: readonly Attempted[], options: FetchOptions): Promise<readonly StoreResult[]> {
  try {
    const results = await unlessAbandoned(() => store.fetch(items.map((item) => item.entry.request), options), options.signal)
    if (results === ABANDONED) {
      const failure = abandonedError('fetch')
      return items.map(() => ({ ok: false, error: failure }))
    }
    return Array.isArray(results) ? results : []
  } catch (error) {
    const failure = toStoreError(error, 'fetch')
    return items.map(() => ({ ok: false, error: failure }))
  }
}

/**
 * A custom store's answer as the resolver needs it: missing answers, and failures without a
 * code or a message (a store that built its failure from a caught non-Error), become failures
 * the rest of the package can read, and name, instead of a TypeError far from the store.
 */
function keptToContract(store: Store, answer: StoreResult | undefined): StoreResult {
  try {
    return readAnswer(store, answer)
  } catch {
    return contractFailure(store, 'returned a result that cannot be read')
  }
}

function readAnswer(store: Store, answer: StoreResult | undefined): StoreResult {
  if (answer === undefined || answer === null) return contractFailure(store, 'returned fewer results than requests')
  if (answer.ok) return answer
  const error = (answer as { error?: unknown }).error as Partial<StoreError> | null | undefined
  if (typeof error?.code !== 'string' || error.code === '') return contractFailure(store, 'returned a failure without an error code')
  if (typeof error.message === 'string' && typeof error.retryable === 'boolean') return answer
  const { code, message, retryable, httpStatus, requestId, operation } = error
  const fields = { code, message: typeof message === 'string' ? message : code, httpStatus: typeof httpStatus === 'number' ? httpStatus : undefined, requestId: typeof requestId === 'string' ? requestId : undefined, operation: typeof operation === 'string' ? operation : undefined }
  return { ok: false, error: typeof retryable === 'boolean' ? { ...fields, retryable } : storeError(fields) }
}

function contractFailure(store: Store, what: string): StoreResult {
  return { ok: false, error: storeError({ code: 'StoreContractError', message: `store '${store.name}' ${what}` }) }
}
