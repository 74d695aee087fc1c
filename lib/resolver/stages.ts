/**
 * The staging labels of one secret move together: an invocation never pairs a new AWSCURRENT
 * with the pre-rotation AWSPREVIOUS, or the other way round. Whatever fetch learns that a stage
 * moved invalidates (synchronously, before anyone reads the new value) the cached stages that
 * disagree, and whoever needs them fetches them again (./resolve.ts goes round once more).
 *
 * Two sources of knowledge: a new AWSCURRENT version (the version that held it is now
 * AWSPREVIOUS: a sighting), and the VersionStages every GetSecretValue answers with (this version
 * holds these stages now). Where two answers disagree, the one from the fetch started later wins.
 * "The same secret" is decided by identity (the store object, and the ARN the store answered
 * with), not by the spelling of the declaration: one key may name it by ARN, another by name.
 */
import { cache } from '../cache/cache.js'
import { Absence, type Entry, type Fetched, invalidate, nextSequence, rotationSeen, type Sighting } from '../cache/entry.js'
import type { PackageLog } from '../log.js'
import type { StoreRequest } from '../store.js'

const AWSCURRENT = 'AWSCURRENT'

/** The request's staging label, if it reads a secret by stage (not by version id). */
function stageOf(request: StoreRequest): string | undefined {
  return request.kind === 'secret' && request.versionId === undefined ? (request.versionStage ?? AWSCURRENT) : undefined
}

/** Does the request read a secret's stage other than AWSCURRENT (the only reads that can pair apart)? */
export function readsOtherStage(request: StoreRequest): boolean {
  const stage = stageOf(request)
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: an optimisation only: the stages check finds nothing apart in a plan without another stage (outOfStepInView pairs an AWSCURRENT with another stage only)
  return stage !== undefined && stage !== AWSCURRENT
}

/** The names a secret is known by: as declared, its ARN, the ARN without suffix, the name in the ARN. */
function identities(entry: Entry): string[] {
  const arn = entry.value?.arn
  return arn === undefined ? [entry.request.name] : [entry.request.name, ...namesOf(arn)]
}

/** Are two entries of one store (cache.secretPeers) the same secret? */
function sameSecret(a: Entry, b: Entry): boolean {
  // Stryker disable next-line OptionalChaining: b is the entry that just answered, so it has a value; a may be a peer still being fetched
  if (a.value?.arn !== undefined && b.value?.arn !== undefined) return a.value.arn === b.value.arn
  const ids = new Set(identities(a))
  return identities(b).some((id) => ids.has(id))
}

/**
 * The other cached entries of the same secret read by stage: other stages, and the same stage
 * under another cache key (declared by ARN here, by name there).
 */
function siblings(entry: Entry): Entry[] {
  return cache.secretPeers(entry).filter((other) => stageOf(other.request) !== undefined && sameSecret(other, entry))
}

/** Does a value of another stage agree with a sighting of a new AWSCURRENT? */
function agrees(value: Fetched, sighting: Sighting): boolean {
  // Stryker disable next-line EqualityOperator: seenAt is a sequence number of its own, never a fetch's, so > and >= agree
  if (value.sequence > sighting.seenAt) return true // fetched after the new version was seen
  if (value.sequence !== sighting.startedAt) return false // fetched before: maybe pre-rotation
  // Fetched together with the new AWSCURRENT: it agrees if it is the version that held
  // AWSCURRENT before (the new AWSPREVIOUS), or if nothing was known before (a first fetch).
  return sighting.previousVersionId === undefined || value.versionId === sighting.previousVersionId
}

/**
 * Does what `newer` says (version X holds stages S) contradict `older`, a value of stage T?
 * Yes if T moved to X (T in S, older is another version), or away from it (older is X, T not in S).
 */
function contradicts(newer: Fetched, older: Fetched, olderStage: string): boolean {
  if (newer.stages === undefined || newer.versionId === undefined || older.versionId === undefined) return false
  const holds = newer.stages.includes(olderStage)
  return older.versionId === newer.versionId ? !holds : holds
}

/** Do two answers of one attempt contradict each other's stages (each is the other's `older`)? */
function disagree(a: Fetched, aStage: string, b: Fetched, bStage: string): boolean {
  return contradicts(a, b, bStage) || contradicts(b, a, aStage)
}

/** `held`, the entry's value, is out of step: the entry is due again (the value is kept for stale-if-error only). */
function outOfStep(entry: Entry, held: Fetched): void {
  if (held.generation === entry.generation) invalidate(entry, 'rotation') // else it is due again already
}

/**
 * A secret read by stage answered `value` (`previous` was the entry's value before). Brings the
 * cached stages of the secret into step with what it says, and itself with what they say.
 */
export function keepStagesInStep(entry: Entry, previous: Fetched | undefined, value: Fetched, log: PackageLog): void {
  const stage = stageOf(entry.request)
  if (stage === undefined || entry.value !== value) return // not read by stage, or a newer value is already there
  // Looked up once: nothing below adds or drops a cached entry, or changes a value's ARN.
  const others = siblings(entry)
  if (stage === AWSCURRENT) sight(entry, others, previous, value, log)
  for (const other of others) {
    const otherStage = stageOf(other.request)!
    const theirs = other.value
    if (theirs === undefined) continue // being fetched: checked when its own answer settles
    if (theirs.sequence < value.sequence && contradicts(value, theirs, otherStage)) outOfStep(other, theirs)
    else if (theirs.sequence > value.sequence && contradicts(theirs, value, stage)) outOfStep(entry, value)
    else if (theirs.sequence === value.sequence && disagree(value, stage, theirs, otherStage)) {
      // One attempt, two AWS calls (a batch and a GetSecretValue): a rotation came between them.
      outOfStep(entry, value)
      outOfStep(other, theirs)
    }
    const sighting = other.sighting
    if (sighting !== undefined && stage !== AWSCURRENT && !agrees(value, sighting)) outOfStep(entry, value)
  }
}

/**
 * An AWSCURRENT version not seen before (not the version of any cached AWSCURRENT of this
 * secret): a rotation may have happened. Record the sighting; the other stages fetched before it
 * are out of step unless they agree with it, and so are other declarations of AWSCURRENT.
 */
function sight(entry: Entry, others: readonly Entry[], previous: Fetched | undefined, value: Fetched, log: PackageLog): void {
  if (value.versionId === undefined) return
  const known = [previous, ...others.filter((other) => stageOf(other.request) === AWSCURRENT).map((other) => other.value)]
    .filter((v): v is Fetched => v !== undefined && v.versionId !== undefined)
    .sort((a, b) => b.sequence - a.sequence)
  if (known.some((v) => v.versionId === value.versionId) || (known[0] !== undefined && known[0].sequence > value.sequence)) return
  const sighting: Sighting = { versionId: value.versionId, previousVersionId: known[0]?.versionId, startedAt: value.sequence, seenAt: nextSequence() }
  rotationSeen(entry, sighting)
  if (known.length > 0) log.debug('new AWSCURRENT version; the other stages of this secret are due again', { store: entry.store.name, resource: entry.request.name })
  for (const other of others) {
    if (other.value === undefined) continue // being fetched: checked when its own answer settles
    if (!agrees(other.value, sighting)) outOfStep(other, other.value) // another declaration of AWSCURRENT too: it holds an older version
  }
}

/** One key of an invocation's view that reads a secret by stage. */
export interface StagedValue {
  readonly index: number
  /** The store it was read from: the same name in two stores is two secrets. */
  readonly store: object
  readonly request: StoreRequest
  readonly value: Fetched
  /** The last new AWSCURRENT seen through the key's entry (AWSCURRENT keys). */
  readonly sighting: Sighting | undefined
}

/**
 * The view's staged values by secret: by the ARN the store answered with, and by the name for a
 * value that has none. An absence (an optional AWSPREVIOUS before the first rotation) carries no
 * ARN: it joins the secret whose ARN its name names, in the same store, so that it is paired
 * with that secret's AWSCURRENT like any other stage.
 */
function groupBySecret(staged: readonly StagedValue[]): Map<string, StagedValue[]> {
  const bySecret = new Map<string, StagedValue[]>()
  const add = (id: string, one: StagedValue): void => void bySecret.set(id, [...(bySecret.get(id) ?? []), one])
  // Stryker disable next-line ArrayDeclaration: a stray first element has no store of a value, so no absence ever joins it
  const known: Array<{ store: object; arn: string }> = []
  for (const one of staged) {
    const arn = one.value.arn
    if (arn === undefined) continue
    add(arn, one)
    known.push({ store: one.store, arn })
  }
  for (const one of staged) {
    if (one.value.arn !== undefined) continue
    const secret = known.find((k) => k.store === one.store && namesOf(k.arn).includes(one.request.name))
    add(secret?.arn ?? one.request.name, one)
  }
  return bySecret
}

/** What a secret's ARN lets a declaration call it: the ARN, without its random suffix, and the name in it. */
function namesOf(arn: string): string[] {
  const withoutSuffix = arn.replace(/-[A-Za-z0-9]{6}$/, '')
  return [arn, withoutSuffix, withoutSuffix.slice(withoutSuffix.indexOf(':secret:') + ':secret:'.length)]
}

/**
 * After AWSCURRENT moved to C's version (a sighting), the previous version is AWSPREVIOUS until
 * the next rotation: another stage read after the sighting that still holds it proves that no
 * rotation came between, so the two belong together.
 */
function provenBySighting(current: StagedValue, other: StagedValue): boolean {
  const sighting = current.sighting
  return (
    sighting !== undefined &&
    sighting.versionId === current.value.versionId &&
    other.value.versionId !== undefined &&
    other.value.versionId === sighting.previousVersionId &&
    // Started after the sighting was made (after the answer that saw the new version arrived): AWS read it later.
    other.value.sequence > sighting.seenAt
  )
}

/**
 * Were two values certainly held at one moment? Each entry has held its version from a read that
 * AWS answered by `heldSince` (its arrival) to a read it made after `sequence` (its fetch's
 * start), and every moment between. Fetches overlap and an attempt's answers are separate AWS
 * calls (a batch and a GetSecretValue), read at moments in no known order: two spans certainly
 * meet only if each began (arrived) before the other's last read started. Two versions first seen
 * by one attempt (a cold start, both stages after a rotation) prove nothing until read again.
 */
function heldTogether(a: Fetched, b: Fetched): boolean {
  // A store that answers without version ids (a custom one) gives nothing to tell a rotation by:
  // one attempt's answers are taken as one moment.
  if (!versioned(a) || !versioned(b)) return a.sequence === b.sequence
  return a.heldSince < b.sequence && b.heldSince < a.sequence
}

/** Does the value name its version (an absence is one too: no version), so that a span can be told? */
function versioned(value: Fetched): boolean {
  return value.versionId !== undefined || value.raw instanceof Absence
}

/**
 * Of a pair not held together, the values to read again: one whose last read started before the
 * other's first answer arrived. Read again, its span reaches past the other's beginning. (Two
 * versions first seen by one attempt: both.)
 */
function toReadAgain(c: StagedValue, o: StagedValue): StagedValue[] {
  // A sighting of C's version names O's as the one before: O read again after it is proof (provenBySighting).
  const sighting = c.sighting
  if (sighting !== undefined && sighting.versionId === c.value.versionId && o.value.versionId !== undefined && o.value.versionId === sighting.previousVersionId) return [o]
  return [...(o.value.heldSince >= c.value.sequence ? [c] : []), ...(c.value.heldSince >= o.value.sequence ? [o] : [])]
}

/**
 * `value` as held since an earlier read of the same version by this resolution (`earlier`), when
 * that goes further back than its entry remembers (evicted and fetched anew since): both reads
 * saw the version hold its stage, so it held it in between.
 */
export function heldSinceEarlier(earlier: Fetched | undefined, value: Fetched): Fetched {
  if (earlier === undefined || earlier.heldSince >= value.heldSince || !sameVersion(earlier, value)) return value
  return { ...value, heldSince: earlier.heldSince }
}

/** One version (as entry.ts fetched() tells it): the same version id, or still none (an absence). */
function sameVersion(a: Fetched, b: Fetched): boolean {
  return a.versionId !== undefined ? a.versionId === b.versionId : a.raw instanceof Absence && b.raw instanceof Absence
}

/**
 * The keys of one invocation's view whose stages of one secret may not belong to one rotation:
 * an AWSCURRENT and another stage that were not held at one moment as far as the fetches know
 * (and no sighting proves them together), or where one answer contradicts the other's stages.
 * Of each such pair the value to read again is named (the older one; both when one attempt first
 * saw both versions, or its answers contradict each other): read again, the pair is provable.
 */
export function outOfStepInView(staged: readonly StagedValue[]): number[] {
  // Only an AWSCURRENT beside another stage makes a pair: a view of AWSCURRENT keys alone (most
  // views) has none, and skips the grouping.
  // Stryker disable next-line ConditionalExpression,MethodExpression,EqualityOperator,ArrowFunction: a shortcut, so every mutant of it is equivalent: the loops below find no pair in a view without both an AWSCURRENT and another stage
  if (staged.every((one) => stageOf(one.request) === AWSCURRENT)) return []
  const bySecret = groupBySecret(staged)
  const out: number[] = []
  const name = (index: number): void => {
    if (!out.includes(index)) out.push(index)
  }
  for (const group of bySecret.values()) {
    const current = group.filter((g) => stageOf(g.request) === AWSCURRENT)
    const others = group.filter((g) => stageOf(g.request) !== AWSCURRENT)
    for (const c of current) {
      for (const o of others) {
        const otherStage = stageOf(o.request)!
        if (o.value.sequence === c.value.sequence) {
          // Answered by one attempt, contradicting each other's stages: both go again.
          if (disagree(c.value, AWSCURRENT, o.value, otherStage)) {
            name(c.index)
            name(o.index)
            continue
          }
        } else {
          // Stryker disable next-line EqualityOperator: equal sequences (one attempt) were settled above, so < and <= agree
          const [older, newer] = o.value.sequence < c.value.sequence ? [o, c] : [c, o]
          if (contradicts(newer.value, older.value, stageOf(older.request)!)) {
            name(older.index)
            continue
          }
        }
        if (!heldTogether(o.value, c.value) && !provenBySighting(c, o)) for (const again of toReadAgain(c, o)) name(again.index)
      }
    }
  }
  return out
}
