/**
 * Rotation awareness. With `rotation: true` a secret's schedule is learned with DescribeSecret
 * (a value never outlives the next rotation date), and an expired value is revalidated with one
 * DescribeSecret (does the cached version still hold its stage?) before any GetSecretValue.
 *
 * Always on, whatever the option: when a fetch finds a new AWSCURRENT version, the other stages
 * of the same secret (AWSPREVIOUS...) are invalidated at once, so no invocation can pair the new
 * AWSCURRENT with the pre-rotation AWSPREVIOUS: whoever needs them fetches them again. "The same secret" is decided by
 * identity (the store object, and the ARN the store answered with), not by the spelling of the
 * declaration: one key may name it by ARN and another by name.
 */
import { type Entry, readByStage, rotationUnavailable, scheduleLearned } from '../cache/entry.js'
import type { Policy } from '../cache/policy.js'
import { isNotFound } from '../classify.js'
import { toStoreError } from '../stores/aws-error.js'
import type { PackageLog } from '../log.js'
import { ABANDONED, abandonedError, unlessAbandoned } from '../abandon.js'
import { questionMoment } from './attempts.js'
import type { FetchOptions, SecretDescription, Store, StoreFailure } from '../store.js'

export interface RotationItem {
  readonly entry: Entry
  readonly policy: Policy
}

// ---- DescribeSecret -----------------------------------------------------------------------

type Description = SecretDescription | StoreFailure

/** DescribeSecret for each distinct name; a store that throws answers failures instead. */
async function describeSafely(store: Store, names: readonly string[], options: FetchOptions): Promise<Map<string, Description | undefined>> {
  // Stryker disable next-line ArrayDeclaration: assigned below on either path
  let answers: ReadonlyArray<Description | undefined> = []
  try {
    // Stryker disable next-line OptionalChaining: only called for a store with describe()
    const described = await unlessAbandoned(async () => (await store.describe?.(names, options)) ?? [], options.signal)
    // Given up at the flight's deadline (a store that never answers): as the fetch's keys are (attempts.ts).
    // Stryker disable next-line BooleanLiteral,StringLiteral: a failed description is told by 'ok' in it, whatever its value (as below); a retryable one is never shown (noteDescribeFailure), so neither is its operation
    answers = described === ABANDONED ? names.map(() => ({ ok: false, error: abandonedError('DescribeSecret') })) : described
  } catch (error) {
    // Stryker disable next-line BooleanLiteral,StringLiteral: a failed description is told by 'ok' in it and judged by its code and retryability; its operation is never shown
    const failure: StoreFailure = { ok: false, error: toStoreError(error, 'DescribeSecret') }
    answers = names.map(() => failure)
  }
  return new Map(names.map((name, i) => [name, answers[i]]))
}

/**
 * A key whose value a rotation can move. Not a version read by its id: it never changes, so it
 * learns no schedule (a date learned once and never again would pass, and the value would then
 * be fetched every minute as if a rotation were overdue) and only its TTL decides.
 */
function rotationAware(item: RotationItem): boolean {
  return item.policy.rotation && readByStage(item.entry) && !item.entry.rotationUnavailable
}

/**
 * Rotation-aware keys holding a value of a staged version: one DescribeSecret tells whether the
 * cached version still holds its stage (then `onStillValid`, no fetch) and when the next rotation
 * is due. Returns the items that still need a fetch.
 */
export async function revalidate<T extends RotationItem>(store: Store, items: readonly T[], options: FetchOptions, log: PackageLog, onStillValid: (item: T, askedAt: number) => void): Promise<readonly T[]> {
  const candidates = items.filter((item) => rotationAware(item) && item.entry.value?.versionId !== undefined && item.entry.request.versionStage !== undefined)
  if (store.describe === undefined) return items
  // Stryker disable next-line ConditionalExpression: describing no names asks AWS nothing; the check spares the await and the store's set-up
  if (candidates.length === 0) return items
  const asked = Date.now()
  const byName = await describeSafely(store, [...new Set(candidates.map((item) => item.entry.request.name))], options)
  const askedAt = questionMoment(asked, Date.now()) // a confirmation is as old as its question
  return items.filter((item) => {
    if (!candidates.includes(item)) return true
    const description = byName.get(item.entry.request.name)
    if (description === undefined || 'ok' in description) {
      noteDescribeFailure(item.entry, description, log)
      return true // fetch instead
    }
    learn(item.entry, description)
    const stages = description.versionIdsToStages[item.entry.value!.versionId!]
    if (!stages?.includes(item.entry.request.versionStage!)) return true // the stage moved: fetch
    onStillValid(item, askedAt)
    return false
  })
}

/** First fetch of a rotation-aware key: learn its schedule alongside the value. Never rejects. */
export async function learnSchedules(store: Store, items: readonly RotationItem[], options: FetchOptions, log: PackageLog): Promise<void> {
  const unknown = items.filter((item) => rotationAware(item) && item.entry.nextRotationAt === undefined)
  if (store.describe === undefined) return
  // Stryker disable next-line ConditionalExpression: describing no names asks AWS nothing; the check spares the await and the store's set-up
  if (unknown.length === 0) return
  const byName = await describeSafely(store, [...new Set(unknown.map((item) => item.entry.request.name))], options)
  for (const item of unknown) {
    const description = byName.get(item.entry.request.name)
    if (description === undefined || 'ok' in description) noteDescribeFailure(item.entry, description, log)
    else learn(item.entry, description)
  }
}

/**
 * The date as AWS gives it. An overdue one (at or before a value's fetch) is rechecked every
 * minute: rotationCap judges it against each value's own validatedAt. (Clamping it to the time
 * the description landed made a value fetched just before that expire at once.)
 */
function learn(entry: Entry, description: SecretDescription): void {
  scheduleLearned(entry, description.rotationEnabled && description.nextRotationDate ? description.nextRotationDate.getTime() : Number.POSITIVE_INFINITY)
}

/**
 * A DescribeSecret that failed for good (typically a role without secretsmanager:DescribeSecret):
 * rotation awareness is off for this entry, said once, and the TTL alone decides. Not for a
 * failure that may pass (retryable), nor for a secret that does not exist (an optional key's):
 * once created, it is described at its first fetch.
 */
function noteDescribeFailure(entry: Entry, failure: StoreFailure | undefined, log: PackageLog): void {
  if ((failure && (failure.error.retryable || isNotFound(failure.error.code, entry.request.kind))) || entry.rotationUnavailable) return // try again at the next fetch
  rotationUnavailable(entry)
  log.warn('rotation awareness is off for this secret: DescribeSecret failed; grant secretsmanager:DescribeSecret on it, the TTL decides meanwhile', {
    store: entry.store.name,
    resource: entry.request.name,
    operation: 'DescribeSecret',
    code: failure?.error.code ?? 'NoAnswer',
  })
}
