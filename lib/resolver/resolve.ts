/**
 * Resolution: the values an invocation (or refresh(), or the prefetch) gets for its keys.
 *
 * The warm path (`allFresh`) is one comparison while no entry has been written since it last
 * looked (plan.ts knownFresh), else a loop over the slots: one freshness test per entry, no
 * promise, no allocation. Otherwise `resolve` runs rounds into a view of its own (never a
 * structure shared with overlapping invocations): each round decides per key (./due.ts) whether
 * it is fresh, may serve stale, joins a fetch under way or needs one; starts one flight per store
 * and request timeout for what is needed; waits for the flights or its deadline; then takes each
 * key's outcome. A key whose fetch it only joined, and that failed, goes round once more (a fetch
 * of its own, or the one another waiter of that fetch started meanwhile). A
 * key whose value was invalidated meanwhile (refresh(), or a rotation seen by someone's fetch)
 * goes round again, so an invocation never mixes values from before and after a refresh or
 * rotation.
 */
import { dueAhead, type Entry, type Fetched, freshValue, invalidate, keyGeneration, mayServeStale, newer, quietUntil, touched } from '../cache/entry.js'
import { mergePolicies } from '../cache/policy.js'
import type { KeyFailure } from '../errors.js'
import { keyFailure } from '../hints.js'
import type { Store, StoreError } from '../store.js'
import { OWN_DEADLINE, withEarlierFailure } from './attempts.js'
import { beforeDeadline, DEADLINE } from './deadline.js'
import { refreshAhead } from './ahead.js'
import { stepFor } from './due.js'
import { heldSinceEarlier, outOfStepInView, readsOtherStage, type StagedValue } from './stages.js'
import { type FlightItem, startFlight, type Ticket, ticketOf, waitUntil } from './flight.js'
import { cachedEntryOf, entryOf, knownFresh, type Plan, rememberFresh, type Slot } from './plan.js'

/** A key waiting on a fetch: the entry the fetch is for, and its ticket. */
interface Wait {
  readonly entry: Entry
  readonly ticket: Ticket
}

/** Rounds per resolution: a joined fetch that failed, a refresh seen meanwhile, stages fetched apart. */
const MAX_ROUNDS = 4

export interface Resolution {
  /** The value of each slot that resolved, by slot index. */
  readonly view: ReadonlyArray<Fetched | undefined>
  /** Every key that could not be resolved, in declaration order. */
  readonly failures: readonly KeyFailure[]
}

/**
 * Are all of the plan's values fresh now? Marks their entries as read (for eviction: the sweep's
 * clearing of a mark is an entry write, so the next look is a full one and marks again), and
 * starts the background refresh of those in the last part of their TTL (./ahead.ts). When none is
 * due ahead, it remembers until when all stay fresh and none is due: until then, and while no
 * entry is written, the answer is known without looking (plan.ts knownFresh).
 */
export function allFresh(plan: Plan, now: number): boolean {
  // Stryker disable next-line ConditionalExpression: never taking the shortcut looks at every entry, which answers the same (the property in plan.test.ts compares the two)
  if (knownFresh(plan, now)) return true
  const { slots } = plan
  let ahead: number[] | undefined
  let until = Number.POSITIVE_INFINITY
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!
    const { policy } = slot.binding
    const entry = cachedEntryOf(slot)
    const value = entry === undefined ? undefined : freshValue(entry, policy, now)
    if (value === undefined) return false
    // Stryker disable next-line ConditionalExpression: writing the same entry again changes nothing; the test spares the warm path a write
    if (slot.entry !== entry) slot.entry = entry
    touched(entry!)
    if (dueAhead(entry!, value, policy, now)) (ahead ??= []).push(i)
    else until = Math.min(until, quietUntil(entry!, value, policy))
  }
  // Fresh one by one, but maybe not together: a stage refetched alone (a refresh ahead,
  // refresh('prev')) may belong to another rotation than the AWSCURRENT beside it. resolve() reads again.
  if (readsOtherStages(plan) && outOfStepInView(stagedIn(plan, everySlot(plan), plan.slots.map((slot) => slot.entry!.value))).length > 0) return false
  if (ahead !== undefined) refreshAhead(plan, ahead, now)
  else rememberFresh(plan, now, until)
  return true
}

/** Plans that declare a stage of a secret other than AWSCURRENT: the only ones whose stages can be apart. */
const pairing = new WeakMap<Plan, boolean>()

function readsOtherStages(plan: Plan): boolean {
  let reads = pairing.get(plan)
  // Stryker disable next-line ConditionalExpression: computing it again each time gives the same answer
  if (reads === undefined) {
    reads = plan.slots.some(({ binding }) => readsOtherStage(binding.request))
    pairing.set(plan, reads)
  }
  return reads
}

const everySlot = (plan: Plan): number[] => plan.slots.map((_, i) => i)

export interface ResolveOptions {
  /** Epoch ms after which nothing more is awaited. */
  readonly deadline: number
  /** Nobody waits on the result (prefetch): the work does not keep the process alive. */
  readonly background: boolean
}

const deadlineError: StoreError = { code: 'DeadlineExceeded', message: 'no answer before the Lambda deadline (minus the safety margin)', retryable: true }
/** DeadlineExceeded for a key whose wait ended at the deadline, naming what its fetch was retrying after. */
const deadlineFor = (ticket: Ticket | undefined): StoreError => withEarlierFailure(deadlineError, ticket?.retryingAfter)
const stagesChanging: StoreError = { code: 'StagesChanging', message: "the secret's staging labels moved while this invocation read them", retryable: true }

export async function resolve(plan: Plan, indexes: readonly number[], options: ResolveOptions): Promise<Resolution> {
  // Stryker disable next-line ArrayDeclaration: sized only to spare the array growing; new Array() holds the same
  const view: Array<Fetched | undefined> = new Array(plan.slots.length)
  const failures = new Map<number, StoreError>()
  const fetchedHere = new Set<number>() // keys this resolution started a fetch for
  const seen = new Map<number, Fetched>() // the stages it read, for the stages check
  const cutShort = new Set<number>() // keys whose joined fetch ended at its starter's deadline
  const askedAgain = new Set<number>() // keys that went round again after a joined fetch failed: once only
  const unanswered = (i: number, error: StoreError, atDeadline: boolean, entry?: Entry): void => settleUnanswered(plan, i, error, atDeadline, view, failures, entry)
  let pending = indexes

  for (let round = 0; pending.length > 0; round++) {
    const lastRound = round + 1 >= MAX_ROUNDS
    const waits = startRound(plan, pending, view, fetchedHere, cutShort, unanswered, options)
    // Stryker disable next-line ConditionalExpression: with nothing to wait for, the wait answers at once too; the test spares it a timer
    const answered = waits.size === 0 || (await beforeDeadline(Promise.all(new Set([...waits.values()].map((w) => w.ticket.done))), options.deadline, !options.background)) !== DEADLINE
    const again: number[] = []
    const now = Date.now()
    // Each key's entry is the one its fetch was for, even if the cache evicted it meanwhile: it
    // holds what the fetch answered, or the last good value to serve if the fetch failed.
    for (const [i, { entry, ticket }] of waits) {
      const slot = plan.slots[i]!
      const outcome = ticket.outcome
      const fresh = freshValue(entry, slot.binding.policy, now)
      if (fresh !== undefined) view[i] = fresh
      else if (outcome?.ok) view[i] = newer(outcome.value, entry.value)
      // Joined, and it failed: one fetch of our own. (With no outcome the deadline came, and what
      // goes to `again` then settles as DeadlineExceeded below.) A fetch that ended at the deadline
      // of the invocation that started it says nothing of AWS: this one may have more time, and
      // asks, whatever back-off that failure began.
      // Once: in a burst, the fetch asked again is one waiter's, and the others join it; a second
      // failure is theirs too (asking again each round made up to four calls for one failure).
      else if (!fetchedHere.has(i) && !askedAgain.has(i) && !lastRound) {
        again.push(i)
        askedAgain.add(i)
        if (outcome?.error.code === OWN_DEADLINE) cutShort.add(i)
      }
      else unanswered(i, outcome?.error ?? deadlineFor(ticket), outcome === undefined, entry)
    }
    if (!lastRound) {
      // Stryker disable next-line ConditionalExpression: a key twice in the next round is one request (its twin joins it); the check spares the duplicate
      for (const i of [...invalidatedMeanwhile(plan, indexes, view, failures), ...stagesApart(plan, indexes, view, seen)]) if (!again.includes(i)) again.push(i)
    }
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: past the deadline another round asks nothing and waits for nothing (startRound, beforeDeadline), so it settles the same keys as DeadlineExceeded; the test spares it
    if (answered && Date.now() < options.deadline) pending = again
    else {
      // From the entry the key waited on, if it did (evicted meanwhile, it still holds the last good value).
      for (const i of again) unanswered(i, deadlineFor(waits.get(i)?.ticket), true, waits.get(i)?.entry)
      pending = []
    }
  }
  // Whatever path each value took (fresh, fetched, stale), the stages of one secret must belong to
  // one rotation: keys still apart (rotations while it read, or no time left) fail, never pair wrongly.
  for (const i of outOfStepInView(stagedIn(plan, indexes, view, seen))) {
    view[i] = undefined
    // Stryker disable next-line ConditionalExpression: a key with a failure has no value in the view, so it is never out of step
    if (!failures.has(i)) failures.set(i, stagesChanging)
  }
  return { view, failures: [...failures].sort(([a], [b]) => a - b).map(([i, error]) => failureOf(plan.slots[i]!, error)) }
}

/** One round's decisions: values taken now into the view, flights joined or started. */
function startRound(
  plan: Plan,
  pending: readonly number[],
  view: Array<Fetched | undefined>,
  fetchedHere: Set<number>,
  cutShort: ReadonlySet<number>,
  unanswered: (i: number, error: StoreError, atDeadline: boolean) => void,
  options: ResolveOptions,
): Map<number, Wait> {
  const now = Date.now()
  const waits = new Map<number, Wait>()
  const toFetch = new Map<Store, Map<number, Map<Entry, { item: FlightItem; slots: number[] }>>>()
  let ahead: number[] | undefined
  for (const i of pending) {
    const slot = plan.slots[i]!
    const entry = entryOf(slot)
    const step = stepFor(entry, slot.binding.policy, now, !cutShort.has(i))
    if (step.kind !== 'fetch') touched(entry) // a hit: spared by the next eviction sweep
    // A fresh key in the last part of its TTL is refreshed ahead here too, not only when every key
    // is fresh (allFresh): another key's outage or expiry must not leave it to expire and be waited on.
    if (step.kind === 'fresh' && dueAhead(entry, step.value, slot.binding.policy, now)) (ahead ??= []).push(i)
    if (step.kind === 'fresh' || step.kind === 'stale') view[i] = step.value
    else if (step.kind === 'join') {
      const ticket = ticketOf(entry)!
      waitUntil(ticket, options.deadline) // the fetch goes on as long as this waiter may wait
      waits.set(i, { entry, ticket })
    }
    else if (
      // Stryker disable next-line EqualityOperator: at the deadline's very millisecond a request would be aborted at once
      now >= options.deadline
    )
      unanswered(i, deadlineError, true) // no time left to ask
    else {
      fetchedHere.add(i)
      const byTimeout = toFetch.get(slot.store) ?? new Map<number, Map<Entry, { item: FlightItem; slots: number[] }>>()
      toFetch.set(slot.store, byTimeout)
      const byEntry = byTimeout.get(slot.timeoutMs) ?? new Map<Entry, { item: FlightItem; slots: number[] }>()
      byTimeout.set(slot.timeoutMs, byEntry)
      const twin = byEntry.get(entry) // two keys of one secret (two fields) share one request
      if (twin === undefined) byEntry.set(entry, { item: { entry, policy: slot.binding.policy, key: slot.binding.key, reason: step.reason }, slots: [i] })
      else {
        twin.slots.push(i)
        twin.item = { ...twin.item, policy: mergePolicies(twin.item.policy, slot.binding.policy) }
      }
    }
  }
  const { settings } = plan
  for (const [store, byTimeout] of toFetch) {
    for (const [timeoutMs, byEntry] of byTimeout) {
      const tickets = startFlight(store, [...byEntry.values()].map((w) => w.item), {
        timeoutMs,
        limit: plan.limit,
        retries: settings.retries,
        log: settings.log,
        deadline: options.deadline,
        background: options.background,
      })
      for (const [entry, { slots }] of byEntry) for (const i of slots) waits.set(i, { entry, ticket: tickets.get(entry)! })
    }
  }
  // After this round's fetches: an entry one of them is for (shared with an expired key) is not fetched twice.
  if (ahead !== undefined) refreshAhead(plan, ahead, now)
  return waits
}

/** Keys whose value in the view was invalidated while this resolution ran: another round. */
function invalidatedMeanwhile(plan: Plan, indexes: readonly number[], view: ReadonlyArray<Fetched | undefined>, failures: ReadonlyMap<number, StoreError>): number[] {
  return indexes.filter((i) => {
    const value = view[i]
    if (value === undefined || failures.has(i)) return false
    // Not created here. An entry evicted or cleared meanwhile: its key's record says whether it was invalidated since.
    const entry = cachedEntryOf(plan.slots[i]!)
    if (entry === undefined) return value.generation < keyGeneration(plan.slots[i]!.key)
    const failedSince = entry.failure !== undefined && entry.failure.generation === entry.generation
    return value.generation < entry.generation && !failedSince
  })
}

/**
 * The view's values of secrets read by stage, for the stages check. `seen`: this resolution's
 * earlier reads, by key, which widen a value's span back where its entry forgot it (eviction).
 */
function stagedIn(plan: Plan, indexes: readonly number[], view: ReadonlyArray<Fetched | undefined>, seen?: Map<number, Fetched>): StagedValue[] {
  const staged: StagedValue[] = []
  for (const i of indexes) {
    const fetched = view[i]
    const request = plan.slots[i]!.binding.request
    // An absence too (an optional AWSPREVIOUS before the first rotation): "no AWSPREVIOUS" is a
    // stage's answer, and beside a newer AWSCURRENT it may be one rotation too old.
    if (fetched !== undefined && request.kind === 'secret' && request.versionId === undefined) {
      const value = heldSinceEarlier(seen?.get(i), fetched)
      seen?.set(i, value)
      staged.push({ index: i, store: plan.slots[i]!.store, request, value, sighting: cachedEntryOf(plan.slots[i]!)?.sighting })
    }
  }
  return staged
}

/**
 * Keys whose stages of one secret may not belong to one rotation (./stages.ts): their entries
 * are invalidated, so the next round reads them again.
 */
function stagesApart(plan: Plan, indexes: readonly number[], view: ReadonlyArray<Fetched | undefined>, seen: Map<number, Fetched>): number[] {
  const apart = outOfStepInView(stagedIn(plan, indexes, view, seen))
  for (const i of apart) {
    const entry = entryOf(plan.slots[i]!)
    // Only a value still of its entry's generation: an entry invalidated since (by an overlapping
    // invocation's check, a sighting) is due already, and its fetch under way is for the new
    // generation. Invalidating again would make that fetch stale too: each overlapping
    // invocation would outdate the other's fetch until the rounds ran out (StagesChanging).
    if (view[i]!.generation === entry.generation) invalidate(entry, 'rotation')
  }
  return apart
}

/**
 * No value came: serve a stale one (from `entry`, the one the fetch was for) if the failure allows
 * it, else record the failure. `atDeadline`: this resolution's own deadline came before an answer
 * (not a fetch that failed), which a stale value served says in a warning.
 */
function settleUnanswered(plan: Plan, i: number, error: StoreError, atDeadline: boolean, view: Array<Fetched | undefined>, failures: Map<number, StoreError>, entry = entryOf(plan.slots[i]!)): void {
  const slot = plan.slots[i]!
  if (error.retryable && mayServeStale(entry, entry.value, slot.binding.policy, Date.now())) {
    view[i] = entry.value
    if (atDeadline) plan.settings.log.warn('no answer before the deadline; serving the last good value', { key: slot.binding.key, store: slot.store.name, resource: slot.binding.request.name })
  } else {
    view[i] = undefined // a value from an earlier round is not this key's answer
    failures.set(i, error)
  }
}

function failureOf(slot: Slot, error: StoreError): KeyFailure {
  const { binding } = slot
  return keyFailure({ key: binding.key, target: binding.target, role: binding.role, name: binding.request.name }, slot.store.name, error)
}
