/**
 * A flight: one store's fetch of the entries that are due for it, shared by every caller that
 * wants one of them meanwhile (single flight). It carries, per entry, the generation it was
 * started for (a ticket), so a result never passes for fresher than it is; and it owns its
 * deadline. When it sees a secret rotate, the other stages of that secret are invalidated before
 * anyone can read the new AWSCURRENT, so whoever needs them fetches them again (./resolve.ts).
 *
 * Each entry's ticket is done as soon as that entry is settled. The flight's own promise ends in a
 * catch that settles whatever is left (a store that throws still settles every ticket): nothing a
 * flight does can become an unhandled rejection.
 */
import {
  Absence,
  type DueReason,
  type Entry,
  expiryOf,
  type Fetched,
  failed,
  fetched,
  freshValue,
  flightEnded,
  flightStarted,
  mayServeStale,
  nextSequence,
  type PendingFetch,
  type RawValue,
  revalidated,
} from '../cache/entry.js'
import { isNotFound } from '../classify.js'
import type { Policy } from '../cache/policy.js'
import type { PackageLog } from '../log.js'
import { operationOf, type FetchOptions, type Store, type StoreError } from '../store.js'
import { toStoreError } from '../stores/aws-error.js'
import { fetchWithRetries, OWN_DEADLINE } from './attempts.js'
import { deadlineSignal, type FlightDeadline } from './deadline.js'
import { learnSchedules, revalidate } from './rotation.js'
import { keepStagesInStep } from './stages.js'

export type Outcome = { readonly ok: true; readonly value: Fetched } | { readonly ok: false; readonly error: StoreError }

/** One entry's share of a flight. */
export interface Ticket extends PendingFetch {
  readonly sequence: number
  readonly done: Promise<void>
  /** Set once, by the flight, when this entry's fetch settles. */
  readonly outcome: Outcome | undefined
  /** While the flight retries the entry: the failure it retries after. */
  readonly retryingAfter: StoreError | undefined
}

export interface FlightItem {
  readonly entry: Entry
  /** The policy that decides stale serving and rotation (a rotation-aware key's wins). */
  readonly policy: Policy
  /** A key that asked for it, as declared (for logs). */
  readonly key: string
  readonly reason: DueReason
}

export interface FlightContext {
  readonly timeoutMs: number
  readonly limit: FetchOptions['limit']
  readonly retries: number
  readonly log: PackageLog
  /** Epoch ms: the flight stops there (its requests are aborted), unless a waiter moves it later (waitUntil). */
  readonly deadline: number
  /** Nobody waits on it (prefetch): its sleeps do not keep the process alive. */
  readonly background: boolean
}

interface WritableTicket {
  readonly generation: number
  readonly sequence: number
  readonly done: Promise<void>
  outcome: Outcome | undefined
  retryingAfter: StoreError | undefined
  /** Resolves `done`. */
  readonly finish: () => void
  /** The flight's deadline, which the waiters of an invocation's flight move later. */
  readonly deadline: FlightDeadline
  /** The flight is background work (a prefetch, a refresh ahead): its lifetime is its own. */
  readonly background: boolean
}

function ticketFor(entry: Entry, sequence: number, deadline: FlightDeadline, background: boolean): WritableTicket {
  let finish!: () => void
  const done = new Promise<void>((resolve) => (finish = resolve))
  return { generation: entry.generation, sequence, done, outcome: undefined, retryingAfter: undefined, finish, deadline, background }
}

/** The fetch under way for an entry, if it is one of ours. */
export function ticketOf(entry: Entry): Ticket | undefined {
  return entry.flight as Ticket | undefined
}

/**
 * A waiter joins the fetch until `deadline`: a flight an invocation started goes on at least that
 * long. It stopped at the deadline of the invocation that started it, and a waiter with more time
 * then joined the next one, started by another waiter with as little: in a burst, every invocation
 * with time left failed with the deadline of one that had none. A background flight keeps its own
 * lifetime: its end says nothing of AWS, and its waiters then fetch anew (a request hung by a
 * freeze is not waited on past it).
 */
export function waitUntil(ticket: Ticket, deadline: number): void {
  const own = ticket as WritableTicket
  if (!own.background) own.deadline.extend(deadline)
}

/** Starts fetching these entries from one store; returns each entry's ticket. */
export function startFlight(store: Store, items: readonly FlightItem[], context: FlightContext): Map<Entry, Ticket> {
  const sequence = nextSequence()
  const tickets = new Map<Entry, WritableTicket>()
  const deadline = deadlineSignal(context.deadline)
  for (const { entry } of items) {
    const ticket = ticketFor(entry, sequence, deadline, context.background)
    tickets.set(entry, ticket)
    flightStarted(entry, ticket)
  }
  const settledAll = fly(store, items, tickets, sequence, context, deadline).catch((error: unknown) => {
    const failure = toStoreError(error, 'fetch') // a bug must still settle every waiting key
    const at = Date.now()
    // Stryker disable next-line ConditionalExpression: a settled ticket's entry already holds its value, which readers take from the entry
    for (const [entry, ticket] of tickets) if (ticket.outcome === undefined) settleFailure(entry, ticket, failure, at)
  })
  // Stryker disable next-line all: every path concludes every ticket (settled, or in the catch above); this only guards against a broken settle contract, which no store can cause
  void settledAll.finally(() => releaseAll(tickets))
  return tickets
}

/** The flight is over: no entry is left in it, and no waiter waiting (a safety net: see startFlight). */
// Stryker disable BlockStatement: see startFlight
function releaseAll(tickets: ReadonlyMap<Entry, WritableTicket>): void {
  for (const [entry, ticket] of tickets) {
    flightEnded(entry, ticket)
    ticket.finish()
  }
}
// Stryker restore BlockStatement

/**
 * The entry's share of the flight is over: its outcome is set, its waiters go on, and the entry
 * leaves the flight at once, though the flight may go on retrying others. A reader that came
 * later and joined would get this answer however old it had grown meanwhile, past its TTL; a
 * waiter would wait for the others' retries, which it does not need.
 */
function conclude(entry: Entry, ticket: WritableTicket, outcome: Outcome): void {
  ticket.outcome = outcome
  ticket.retryingAfter = undefined // settled: no longer being retried (a later wait must not name an old failure)
  flightEnded(entry, ticket)
  ticket.finish()
}

function settleFailure(entry: Entry, ticket: WritableTicket, error: StoreError, at: number): void {
  failed(entry, ticket.generation, error, at)
  conclude(entry, ticket, { ok: false, error })
}

async function fly(store: Store, items: readonly FlightItem[], tickets: Map<Entry, WritableTicket>, sequence: number, context: FlightContext, deadline: FlightDeadline): Promise<void> {
  const { log } = context
  const options: FetchOptions = { signal: deadline.signal, requestTimeoutMs: context.timeoutMs, limit: context.limit, logger: log }
  const startedAt = Date.now()
  // What an attempt's answers say about each other's stages is checked once they are all in.
  const answered: Array<{ readonly entry: Entry; readonly previous: Fetched | undefined; readonly value: Fetched }> = []
  try {
    const toFetch = await revalidate(store, items, options, log, (item, askedAt) => {
      const ticket = tickets.get(item.entry)!
      // Undefined when the entry was invalidated meanwhile: the confirmed value is then an older
      // generation's, and whoever waits on it fetches again.
      // Stryker disable next-line LogicalOperator: resolve takes newer(outcome.value, entry.value), which is the entry's value when the outcome has none; the fallback keeps the outcome a value
      const value = revalidated(item.entry, ticket.generation, sequence, askedAt) ?? item.entry.value!
      conclude(item.entry, ticket, { ok: true, value })
      // Stryker disable next-line ConditionalExpression: debugEnabled only spares building the fields; log.debug filters by level itself
      if (log.debugEnabled) log.debug('revalidated: the cached version still holds its stage', fields(store, item, 'DescribeSecret', startedAt, 1))
    })
    const schedules = learnSchedules(store, toFetch, options, log)
    // Handled at once: if the fetch below throws (a broken answer), nothing awaits it (an unhandled rejection otherwise).
    schedules.catch(() => undefined)
    await fetchWithRetries(store, toFetch, {
      options,
      retries: context.retries,
      deadline: deadline.at,
      background: context.background,
      settle(item, result, { attempts, sequence, askedAt, answeredAt }) {
        const ticket = tickets.get(item.entry)!
        if (result.ok) answered.push(settleValue(item, ticket, sequence, askedAt, result.value, result))
        else if (item.policy.optional && isNotFound(result.error.code, item.entry.request.kind)) {
          answered.push(settleValue(item, ticket, sequence, askedAt, new Absence(result.error), {}))
          // Said at debug: a misspelled name and a value not created yet read alike (AppConfig's especially).
          log.debug('not found; the optional key serves undefined or its default', { ...fields(store, item, result.error.operation, startedAt, attempts), code: result.error.code })
        } else if (context.background && result.error.code === OWN_DEADLINE) settleAtOwnDeadline(store, item, ticket, result.error, log, attempts, startedAt)
        else settleFailed(store, item, ticket, result.error, log, attempts, startedAt, answeredAt)
        if (result.ok && log.debugEnabled) log.debug('fetched', fields(store, item, undefined, startedAt, attempts))
      },
      settled() {
        for (const { entry, previous, value } of answered.splice(0)) keepStagesInStep(entry, previous, value, log)
      },
      retrying(item, error) {
        tickets.get(item.entry)!.retryingAfter = error
      },
    })
    await schedules
  } finally {
    deadline.release()
  }
}

function settleValue(
  item: FlightItem,
  ticket: WritableTicket,
  sequence: number,
  askedAt: number,
  raw: RawValue,
  version: { readonly versionId?: string; readonly arn?: string; readonly versionStages?: readonly string[]; readonly confirmedAt?: number },
): { entry: Entry; previous: Fetched | undefined; value: Fetched } {
  const { entry } = item
  const previous = entry.value
  const answer = { raw, versionId: version.versionId, arn: version.arn, generation: ticket.generation, sequence }
  // Validated when its attempt asked (attempts.ts AttemptMoment: an answer read after a freeze is
  // as old as its question), one moment for all its keys, so that keys fetched together expire
  // together and are fetched together again (one batch, not one per millisecond that ticked while
  // they settled). A kept answer (confirmedAt) is as fresh as AWS's last word on it, never fresher.
  const validatedAt = Math.min(askedAt, version.confirmedAt ?? Number.POSITIVE_INFINITY)
  // Its arrival, on the fetches' own count: a fetch started after it read AWS after this answer did.
  const value = fetched(entry, { ...answer, stages: version.versionStages }, validatedAt, nextSequence())
  conclude(entry, ticket, { ok: true, value })
  return { entry, previous, value }
}

/**
 * A background flight (a prefetch, a refresh ahead) that ran out of its own lifetime got no
 * answer: its request was aborted, typically because Lambda froze the environment while it was in
 * flight and the thaw fired its deadline first. AWS did not fail, so it is not recorded as the
 * entry's failure: no back-off serves an expired value on its account, and whoever needs the
 * value next fetches it. (An invocation that runs out of time is recorded: see settleFailed.)
 */
function settleAtOwnDeadline(store: Store, item: FlightItem, ticket: WritableTicket, error: StoreError, log: PackageLog, attempts: number, startedAt: number): void {
  // Stryker disable next-line ObjectLiteral: an outcome without `ok` reads as none, and resolve treats none as unanswered too (a joiner fetches for itself)
  conclude(item.entry, ticket, { ok: false, error })
  log.debug('background fetch ended at its deadline, unanswered', { ...fields(store, item, error.operation, startedAt, attempts), code: error.code })
}

function settleFailed(store: Store, item: FlightItem, ticket: WritableTicket, error: StoreError, log: PackageLog, attempts: number, startedAt: number, answeredAt: number): void {
  const { entry, policy } = item
  settleFailure(entry, ticket, error, answeredAt)
  const fieldsOf = { ...fields(store, item, error.operation, startedAt, attempts), code: error.code }
  const fresh = freshValue(entry, policy, answeredAt)
  if (fresh !== undefined) {
    // A refresh ahead: nothing is served stale yet, but unless a later try succeeds this value
    // expires then (and the key fails, if the error is not transient). At most once per 5 s (aheadFrom).
    log.warn('refresh ahead failed; the cached value is still fresh', { ...fieldsOf, freshForSeconds: Math.round((expiryOf(entry, fresh, policy) - answeredAt) / 1000) })
  } else if (error.retryable && mayServeStale(entry, entry.value, policy, answeredAt)) {
    const ageSeconds = Math.round((answeredAt - entry.value.validatedAt) / 1000)
    log.warn('refresh failed; serving the last good value', { ...fieldsOf, ageSeconds, maxStaleSeconds: Math.round(policy.maxStaleMs / 1000) })
  } else {
    // Debug only: a failure that matters reaches the caller as a SecretsError, and a prefetch
    // failure is retried by the first invocation (a fleet would log thousands of such lines).
    log.debug('fetch failed', fieldsOf)
  }
}

/** Log fields of one key's fetch; the operation is the failure's own, else the request's read. */
function fields(store: Store, item: FlightItem, operation: string | undefined, startedAt: number, attempts: number) {
  return { key: item.key, store: store.name, resource: item.entry.request.name, operation: operation ?? operationOf(item.entry.request), reason: item.reason, durationMs: Date.now() - startedAt, attempt: attempts }
}
