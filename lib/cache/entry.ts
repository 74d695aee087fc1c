/**
 * One cache entry and everything that may happen to it. This module is the entry's only
 * writer: everyone else reads it through the read-only `Entry` type and changes it through the
 * named transitions below. Expiry is not stored: it is derived on read from what was fetched and
 * the reading key's policy (as the AWS Secrets Manager Agent's cache does), so two keys with
 * different TTLs can share one entry, and a transition can never forget to update a deadline.
 *
 * Generations: `invalidate` (refresh(), refreshOn, a rotation of another stage) bumps the entry's
 * generation. A fetch records the generation it was started for, and only a value of the current
 * generation is fresh, so a fetch that started before an invalidation can never pass for a
 * fresh one, however late it lands. An invalidation takes a new number from a count kept for
 * the whole process, and the number is remembered by cache key: an entry starts at its key's last
 * invalidation. So a value read through an entry the cache evicted (or cleared) meanwhile compares
 * with the entry that replaced it, or with its key's record: a refresh() of that key since makes
 * it older, and nothing else does.
 */
import { shared } from '../shared-state.js'
import type { Store, StoreData, StoreError, StoreRequest } from '../store.js'
import type { Policy } from './policy.js'

/**
 * A value that does not exist (an optional key's not-found answer), kept like a value for its TTL
 * so that, say, an AWSPREVIOUS that no version holds yet is not asked for on every invocation.
 * One class for every copy of the package in the process, as the cache that holds its instances
 * is (shared-state.ts): the other copy's `instanceof Absence` must recognise them.
 */
export const Absence = shared(
  'Absence',
  () =>
    class Absence {
      constructor(readonly error: StoreError) {}
    },
)
export type Absence = InstanceType<typeof Absence>

export type RawValue = StoreData | Absence

/** One successful fetch (or its revalidation), never changed once made. */
export interface Fetched {
  readonly raw: RawValue
  readonly versionId: string | undefined
  /** The ARN the store answered with: the secret's identity for rotation coupling. */
  readonly arn: string | undefined
  /** The staging labels the store said this version holds (secrets), when it said. */
  readonly stages?: readonly string[]
  /** The entry generation the fetch was started for. */
  readonly generation: number
  /** When the value was fetched or last revalidated (ms epoch): freshness counts from here. */
  readonly validatedAt: number
  /** Module-wide start order of the fetch that got it (see `nextSequence`). */
  readonly sequence: number
  /**
   * Since when this entry has held this version, certainly: the sequence taken when the first
   * answer of it (an earlier fetch of the same version, or this one) arrived. AWS read it at some
   * moment between that fetch's start (its `sequence`) and its arrival, and fetches overlap: only
   * a fetch started after this arrival read AWS after it.
   */
  readonly heldSince: number
}

/** Why an entry is due: shown in debug logs. */
export type DueReason = 'cold' | 'expired' | 'refresh' | 'rotation' | 'refreshOn' | 'ahead'

/** The last failure since the last success, for back-off and error reports. Never a value. */
export interface Failure {
  readonly error: StoreError
  readonly at: number
  readonly generation: number
}

export interface Entry {
  readonly key: string
  readonly store: Store
  readonly request: StoreRequest
  readonly value: Fetched | undefined
  readonly generation: number
  /** What the last invalidation was for (a due entry whose value is of an older generation). */
  readonly invalidatedBy: DueReason
  readonly failure: Failure | undefined
  /** From DescribeSecret: the next rotation (ms epoch; Infinity: none scheduled), or unknown. */
  readonly nextRotationAt: number | undefined
  /** DescribeSecret failed for good (e.g. not allowed): the TTL alone decides. */
  readonly rotationUnavailable: boolean
  /** The fetch under way for this entry (single flight). */
  readonly flight: PendingFetch | undefined
  /** Dropped from the cache: holders must look the key up again. */
  readonly evicted: boolean
  /** Read since the eviction sweep last passed it (CLOCK, an LRU approximation). */
  readonly referenced: boolean
  /** The last new AWSCURRENT version seen through this entry (AWSCURRENT entries only). */
  readonly sighting: Sighting | undefined
}

/** A fetch that found a new AWSCURRENT version: what the other stages must now agree with. */
export interface Sighting {
  /** The new AWSCURRENT version. */
  readonly versionId: string
  /** The version that held AWSCURRENT before: the new AWSPREVIOUS. */
  readonly previousVersionId: string | undefined
  /** The sequence of the fetch that saw it. */
  readonly startedAt: number
  /** The sequence when it was seen: any fetch started before may hold pre-rotation stages. */
  readonly seenAt: number
}

/** A fetch under way for an entry, as the resolver made it; here only its generation matters. */
export interface PendingFetch {
  readonly generation: number
  /** The module-wide sequence of the fetch. */
  readonly sequence: number
}

type Writable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Entry writes and fetches, counted for the whole process: every copy of the package (ESM,
 * CommonJS) writes the one shared cache's entries (../shared-state.ts).
 */
const counters = shared('entry.counters', () => ({ changes: 0, sequence: 0 }))
/**
 * Generations (see the file's comment): the latest number taken, and each key's last
 * invalidation, for the latest INVALIDATIONS_KEPT keys; `floor` is the highest number forgotten.
 */
const generations = shared('entry.generations', () => ({ latest: 0, floor: 0, byKey: new Map<string, number>() }))
const INVALIDATIONS_KEPT = 1_000

/** The latest generation taken by any invalidation: an entry whose generation is above it was invalidated after this was read. */
export function latestGeneration(): number {
  return generations.latest
}

/** The generation an entry of this key created now starts at: its last invalidation's (at most `floor` if forgotten). */
export function keyGeneration(key: string): number {
  return generations.byKey.get(key) ?? generations.floor
}

/** Every write to any entry goes through here, and counts: see entryChanges(). */
function writable(entry: Entry): Writable<Entry> {
  // Stryker disable next-line AssignmentOperator: counting down is a change of the count too, and never repeats a value
  counters.changes += 1
  return entry as Writable<Entry>
}

/**
 * How many writes entries have had, all entries together. What was decided from entries (every
 * value of a plan fresh until some time) holds while this count stands still.
 */
export function entryChanges(): number {
  return counters.changes
}

/** After a failed refresh (one that served a stale value, or a refresh ahead), wait this long before asking AWS again. */
export const STALE_RETRY_MS = 5_000
/** While a rotation is overdue (its date passed), recheck at least this often. */
export const OVERDUE_ROTATION_RECHECK_MS = 60_000

/** A process-wide counter that orders fetches and rotation sightings without reading the clock. */
export function nextSequence(): number {
  counters.sequence += 1
  return counters.sequence
}

export function createEntry(key: string, store: Store, request: StoreRequest): Entry {
  return {
    key,
    store,
    request,
    value: undefined,
    generation: keyGeneration(key),
    // Stryker disable next-line StringLiteral: read only after invalidate() sets it (dueReason: a value of an older generation)
    invalidatedBy: 'cold',
    failure: undefined,
    nextRotationAt: undefined,
    rotationUnavailable: false,
    flight: undefined,
    evicted: false,
    referenced: false,
    sighting: undefined,
  }
}

// ---- read predicates ----------------------------------------------------------------------

/**
 * Never past the next rotation; while a rotation is overdue, recheck every minute. For a key with
 * rotation awareness (`aware`), a schedule nobody has learned yet is rechecked every minute too:
 * a key without awareness filled the entry (another middleware, load(), a prefetch it joined), or
 * DescribeSecret failed for a while. Its next fetch is rotation-aware, and asks DescribeSecret.
 */
export function rotationCap(entry: Entry, validatedAt: number, aware: boolean): number {
  const next = entry.nextRotationAt
  if (next === undefined) return aware && scheduleLearnable(entry) ? validatedAt + OVERDUE_ROTATION_RECHECK_MS : Number.POSITIVE_INFINITY
  return next <= validatedAt ? validatedAt + OVERDUE_ROTATION_RECHECK_MS : next
}

/**
 * Can DescribeSecret tell this entry's schedule (a secret read by stage, a store that describes,
 * not refused for good)? A version read by its id never changes: no rotation concerns it.
 */
function scheduleLearnable(entry: Entry): boolean {
  return readByStage(entry) && entry.store.describe !== undefined && !entry.rotationUnavailable
}

/** A secret read by stage (AWSCURRENT, AWSPREVIOUS...), the only value a rotation can move: not one version by its id. */
export function readByStage(entry: Entry): boolean {
  return entry.request.kind === 'secret' && entry.request.versionId === undefined
}

/** Is this key rotation-aware for this value? Not for an absent secret: nothing rotates. */
function rotationAwareFor(policy: Policy, value: Fetched): boolean {
  return policy.rotation && !(value.raw instanceof Absence)
}

/** When a value stops being fresh for a key with this policy. */
export function expiryOf(entry: Entry, value: Fetched, policy: Policy): number {
  return Math.min(value.validatedAt + policy.freshMs, rotationCap(entry, value.validatedAt, rotationAwareFor(policy, value)))
}

/** The value if it is fresh for this policy now: the whole warm path is this test. */
export function freshValue(entry: Entry, policy: Policy, now: number): Fetched | undefined {
  const value = entry.value
  if (value === undefined || value.generation !== entry.generation) return undefined
  // Validated after now: the wall clock was set back since, and the value's age is unknown.
  return value.validatedAt <= now && now < expiryOf(entry, value, policy) ? value : undefined
}

/**
 * Is this fresh value in the last part of its life (policy.aheadMs on), where it is refreshed in
 * the background while it serves? Not while a fetch of it is under way; see aheadFrom for when.
 */
export function dueAhead(entry: Entry, value: Fetched, policy: Policy, now: number): boolean {
  return now >= aheadFrom(entry, value, policy) && entry.flight === undefined
}

/** Until when this fresh value serves with nothing to do: its expiry, or where refresh ahead may begin. */
export function quietUntil(entry: Entry, value: Fetched, policy: Policy): number {
  return Math.min(expiryOf(entry, value, policy), aheadFrom(entry, value, policy))
}

/**
 * Where the last part of the value's life, refreshed ahead, begins (Infinity: never). Its life
 * ends with its TTL, or earlier with a recheck of its rotation (one overdue, or a schedule not
 * learned yet: the same share of the minute), and then too the recheck is made in the background;
 * but never ahead of a rotation date: refreshing before the rotation would fetch the same
 * version. After a refresh of this value that failed, not before STALE_RETRY_MS, as
 * stale-if-error waits: under throttling, one call per key every 5 s, not one per invocation.
 */
function aheadFrom(entry: Entry, value: Fetched, policy: Policy): number {
  if (policy.aheadMs === Number.POSITIVE_INFINITY) return policy.aheadMs // off (refreshAhead 0, or a TTL that never ends)
  const { validatedAt } = value
  const cap = rotationCap(entry, validatedAt, rotationAwareFor(policy, value))
  let from = validatedAt + policy.aheadMs
  if (validatedAt + policy.freshMs > cap) {
    if (cap === entry.nextRotationAt) return Number.POSITIVE_INFINITY // a rotation date comes first
    from = validatedAt + (cap - validatedAt) * (policy.aheadMs / policy.freshMs) // a recheck: the same share of it
  }
  // A failure recorded since this value came: fetching or revalidating a value of the current
  // generation clears it, and only a value of the current generation is fresh (the one asked about).
  const failure = entry.failure
  return failure !== undefined ? Math.max(from, failure.at + STALE_RETRY_MS) : from
}

/** May this value still serve after a transient failure (stale-if-error, within maxStale)? */
export function mayServeStale(entry: Entry, value: Fetched | undefined, policy: Policy, now: number): value is Fetched {
  return value !== undefined && policy.maxStaleMs > 0 && now < expiryOf(entry, value, policy) + policy.maxStaleMs
}

/**
 * The value's last refresh failed, for a transient reason, after the value expired (this
 * generation's): AWS is failing for it. One while it was fresh (a refresh ahead) served nothing
 * stale, and the expired value is asked for anew.
 */
export function failingSinceExpiry(entry: Entry, policy: Policy, now: number): boolean {
  const failure = entry.failure
  if (failure === undefined || entry.value === undefined) return false
  return failure.generation === entry.generation && failure.error.retryable && failure.at <= now && failure.at >= expiryOf(entry, entry.value, policy)
}

/** A failed refresh served stale a moment ago: keep serving it without asking AWS again yet. */
export function backingOff(entry: Entry, policy: Policy, now: number): boolean {
  return failingSinceExpiry(entry, policy, now) && now < entry.failure!.at + STALE_RETRY_MS
}

/** Why this entry is due for a key that found no fresh value. */
export function dueReason(entry: Entry): DueReason {
  if (entry.value === undefined) return 'cold'
  return entry.value.generation === entry.generation ? 'expired' : entry.invalidatedBy
}

/** The newer of two values for one entry: a later generation wins, then a later fetch. */
export function newer(a: Fetched | undefined, b: Fetched | undefined): Fetched | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  // Stryker disable next-line EqualityOperator: the generations differ here, so > and >= agree
  if (a.generation !== b.generation) return a.generation > b.generation ? a : b
  return a.sequence >= b.sequence ? a : b
}

// ---- transitions --------------------------------------------------------------------------

/**
 * A fetch answered a value. Kept unless a newer one landed meanwhile; fresh only if current.
 * `arrived`: the sequence taken when the answer arrived (by default its fetch's own, as if AWS
 * answered at once).
 */
export function fetched(entry: Entry, value: Omit<Fetched, 'validatedAt' | 'heldSince'>, now: number, arrived = value.sequence): Fetched {
  const before = entry.value
  const sameVersion =
    before !== undefined &&
    // The same version, or still none (an absence): held since the first fetch that saw it.
    ((before.versionId !== undefined && before.versionId === value.versionId) || (before.raw instanceof Absence && value.raw instanceof Absence)) &&
    // Stryker disable next-line EqualityOperator,ConditionalExpression: two fetches never share a sequence (one per attempt), so <= and < agree;
    // and an answer older than the cached value is neither kept nor served (newer() prefers the cached one), so its heldSince is never read
    before.sequence <= value.sequence
  const made: Fetched = { ...value, validatedAt: now, heldSince: sameVersion ? before.heldSince : arrived }
  const e = writable(entry)
  if (newer(entry.value, made) === made) e.value = made
  if (made.generation === entry.generation) e.failure = undefined
  return made
}

/** DescribeSecret confirmed that the cached version still holds its stage. */
export function revalidated(entry: Entry, generation: number, sequence: number, now: number): Fetched | undefined {
  const value = entry.value
  if (value === undefined || generation !== entry.generation) return undefined
  const made: Fetched = { ...value, generation, sequence, validatedAt: now }
  const e = writable(entry)
  e.value = made
  e.failure = undefined
  return made
}

/** A fetch failed. Recorded for the current generation only; the value stays for stale-if-error. */
export function failed(entry: Entry, generation: number, error: StoreError, now: number): void {
  if (generation === entry.generation) writable(entry).failure = { error, at: now, generation }
}

/** DescribeSecret told when the next rotation is (Infinity: none scheduled). */
export function scheduleLearned(entry: Entry, nextRotationAt: number): void {
  writable(entry).nextRotationAt = nextRotationAt
}

/** DescribeSecret failed for good: rotation awareness is off for this entry. */
export function rotationUnavailable(entry: Entry): void {
  writable(entry).rotationUnavailable = true
}

/** A new AWSCURRENT version was seen through this entry. */
export function rotationSeen(entry: Entry, sighting: Sighting): void {
  writable(entry).sighting = sighting
}

/** Due now, whatever its age: the next reader fetches, and no earlier fetch counts as fresh. */
export function invalidate(entry: Entry, reason: DueReason): void {
  const e = writable(entry)
  generations.latest += 1
  e.generation = generations.latest
  e.invalidatedBy = reason
  const { byKey } = generations
  byKey.delete(entry.key) // the latest last: the oldest record is the first forgotten
  byKey.set(entry.key, e.generation)
  if (byKey.size > INVALIDATIONS_KEPT) {
    const [oldest, generation] = byKey.entries().next().value!
    byKey.delete(oldest)
    generations.floor = Math.max(generations.floor, generation)
  }
}

export function flightStarted(entry: Entry, flight: PendingFetch): void {
  writable(entry).flight = flight
}

export function flightEnded(entry: Entry, flight: PendingFetch): void {
  if (entry.flight === flight) writable(entry).flight = undefined
}

/** Read by a key: the eviction sweep passes it over once. */
export function touched(entry: Entry): void {
  // Stryker disable next-line ConditionalExpression: the test only spares the warm path a write
  if (!entry.referenced) writable(entry).referenced = true
}

/** The eviction sweep passed it over: it must be read again to be spared again. */
export function sparedOnce(entry: Entry): void {
  writable(entry).referenced = false
}

export function evicted(entry: Entry): void {
  writable(entry).evicted = true
}
