/**
 * Resolution: which declared keys are due, one grouped fetch per store (the store batches),
 * single flight through the shared cache, the package's one retry layer (p-retry, full
 * jitter, retryable errors only, never past the deadline), rotation-aware revalidation, and
 * stale-if-error. The warm path, where every value is fresh, returns without a promise.
 */
import { cache, type Entry } from './cache.js'
import { hintFor, isThrottlingCode, type KeyFailure, SecretsError } from './errors.js'
import type { Binding, Settings } from './options.js'
import type { FetchOptions, SecretDescription, Store, StoreError, StoreFailure, StoreResult, StoreValue } from './store.js'
import { sleep } from './sleep.js'
import { toStoreError } from './stores/aws-error.js'

/** After a failed refresh that served a stale value, wait this long before asking AWS again. */
const STALE_RETRY_MS = 5_000
/** While a rotation is overdue (its date passed), recheck at least this often. */
const OVERDUE_ROTATION_RECHECK_MS = 60_000
/**
 * Full-jitter backoff: sleep a random time up to min(cap, base * 2^attempt). Throttling gets a
 * longer cap: under a quota, fewer and later attempts land as many calls with fewer rejections.
 */
const BACKOFF_BASE_MS = 50
const BACKOFF_CAP_MS = 2_000
const THROTTLED_BACKOFF_CAP_MS = 5_000

/** A middleware's declared keys with their stores and cache keys, computed once. */
export interface Plan {
  readonly bindings: readonly Binding[]
  readonly stores: readonly Store[]
  readonly keys: readonly string[]
  readonly settings: Settings
  readonly limit: FetchOptions['limit']
  /** The cache entry each key used last: the warm path reads it without a cache lookup. */
  readonly held: Array<Entry | undefined>
}

/** Is this entry fresh for this binding at `now`? The whole warm path is this test. */
function isFresh(entry: Entry | undefined, binding: Binding, now: number): entry is Entry {
  return entry !== undefined && entry.hasValue && now < entry.expiresAt && now - entry.fetchedAt < binding.ttlMs
}

/** May this entry's value still serve after a transient failure? */
function mayServeStale(entry: Entry, binding: Binding, now: number): boolean {
  return entry.hasValue && binding.maxStaleMs > 0 && now < entry.fetchedAt + binding.ttlMs + binding.maxStaleMs && now < entry.staleUntil
}

/** What the resolver needs of a Lambda context: how much time is left. */
export interface LambdaClock {
  getRemainingTimeInMillis?: () => number
}

/**
 * The entries for every binding, in `plan.held`: synchronously (undefined) when all are fresh,
 * else a promise. `deadline` is an epoch ms after which nothing more is awaited, or the
 * invocation's context: its remaining time (minus the safety margin) is only read when
 * something has to be fetched.
 */
export function resolvePlan(plan: Plan, now: number, deadline: number | LambdaClock | undefined): undefined | Promise<void> {
  const { bindings, held } = plan
  let due: number[] | undefined
  for (let i = 0; i < bindings.length; i++) {
    let entry = held[i]
    if (entry === undefined || entry.evicted) entry = held[i] = cache.get(plan.keys[i]!)
    if (!isFresh(entry, bindings[i]!, now)) (due ??= []).push(i)
  }
  if (due === undefined) return undefined
  const until = typeof deadline === 'number' ? deadline : lambdaDeadline(deadline, now, plan.settings.deadlineMarginMs)
  return resolveDue(plan, held as Entry[], due, now, until).then(() => undefined)
}

/** The Lambda deadline minus the margin; no deadline without a context that knows it. */
function lambdaDeadline(context: LambdaClock | undefined, now: number, marginMs: number): number {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.NaN
  return Number.isFinite(remaining) ? now + remaining - marginMs : Number.POSITIVE_INFINITY
}

interface Work {
  readonly entry: Entry
  /** The key that decides TTL and rotation for the request (a rotation-aware one wins). */
  binding: Binding
  readonly store: Store
  /** A stale value exists: fail over to it at once instead of retrying. */
  readonly canServeStale: boolean
}

/**
 * Fetches the due keys, grouped per store, and waits for them (or the deadline). A key that
 * another caller was already fetching (the prefetch, another middleware) is awaited, and if
 * that fetch failed it is tried once more here (`retryShared`).
 */
async function resolveDue(plan: Plan, entries: Entry[], due: number[], now: number, deadline: number, retryShared = true): Promise<Entry[]> {
  const waits: Array<Promise<void>> = []
  const shared: number[] = []
  const work = new Map<Store, Work[]>()
  const scheduled = new Map<Entry, Work>() // two keys of one secret (e.g. two fields) share one request
  for (const i of due) {
    const binding = plan.bindings[i]!
    const store = plan.stores[i]!
    const entry = cache.entry(plan.keys[i]!, store, binding.request)
    entries[i] = entry
    if (entry.inflight) {
      waits.push(entry.inflight)
      shared.push(i)
      continue
    }
    if (now < entry.retryAt && mayServeStale(entry, binding, now)) continue // backing off after a failure
    const twin = scheduled.get(entry)
    if (twin) {
      if (binding.rotation && !twin.binding.rotation) twin.binding = binding
      continue
    }
    const item: Work = { entry, binding, store, canServeStale: mayServeStale(entry, binding, now) }
    scheduled.set(entry, item)
    const group = work.get(store)
    if (group) group.push(item)
    else work.set(store, [item])
  }

  const controller = new AbortController()
  const remaining = deadline - Date.now()
  const timer = Number.isFinite(remaining) ? setTimeout(() => controller.abort(), Math.max(0, remaining)) : undefined
  const deadlineReached = new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }))
  try {
    const rotated = new Set<string>()
    for (const [store, items] of work) waits.push(startGroup(store, items, plan, controller.signal, deadline, rotated))
    await Promise.race([Promise.all(waits), deadlineReached])
    // Another caller may already be retrying a shared key that failed: wait for that attempt.
    const newer = shared.map((i) => entries[i]!.inflight).filter((p): p is Promise<void> => p !== undefined)
    if (newer.length > 0) await Promise.race([Promise.all(newer), deadlineReached])
    const failedShared = shared.filter((i) => !entries[i]!.inflight && !usable(entries[i]!, plan.bindings[i]!, Date.now()))
    if (retryShared && failedShared.length > 0 && !controller.signal.aborted) {
      await resolveDue(plan, entries, failedShared, Date.now(), deadline, false).catch(() => undefined) // failures surface below
    }
    if (rotated.size > 0) await refreshOtherStages(plan, entries, rotated, now, deadline)
  } finally {
    if (timer) clearTimeout(timer)
  }
  const failures = collectFailures(plan, entries, due, controller.signal.aborted)
  if (failures.length > 0) throw new SecretsError(failures)
  return entries
}

/** Starts one store's fetch and registers it as in flight on every entry (single flight). */
function startGroup(store: Store, items: Work[], plan: Plan, deadlineSignal: AbortSignal, deadline: number, rotated: Set<string>): Promise<void> {
  const run = runGroup(store, items, plan, deadlineSignal, deadline, rotated).catch((error: unknown) => {
    // A store that throws (instead of answering failures) must not leave keys hanging.
    const storeError = toStoreError(error, 'fetch')
    for (const item of items) settleFailure(item, storeError, plan.settings)
  })
  const done = run.finally(() => {
    for (const item of items) if (item.entry.inflight === done) item.entry.inflight = undefined
  })
  for (const item of items) item.entry.inflight = done
  return done
}

async function runGroup(store: Store, items: Work[], plan: Plan, deadlineSignal: AbortSignal, deadline: number, rotated: Set<string>): Promise<void> {
  const { settings } = plan
  const options: FetchOptions = {
    signal: deadlineSignal,
    requestTimeoutMs: settings.requestTimeoutMs[items[0]!.binding.role],
    limit: plan.limit,
    logger: settings.logger,
  }
  const toFetch = await revalidate(store, items, options)
  const schedules = learnSchedules(store, toFetch, options)

  let pending = toFetch
  let lastErrors = new Map<Work, StoreError>()
  let nextDelay = 0

  /** One round trip for what is still pending; keeps the retryable failures pending. */
  async function attempt(): Promise<void> {
    const results = await store.fetch(pending.map((w) => w.binding.request), options)
    const again: Work[] = []
    lastErrors = new Map()
    pending.forEach((item, index) => {
      const result: StoreResult = results[index] ?? missingResult(store)
      if (result.ok) settleValue(item, result, settings, rotated)
      else if (result.error.retryable && !item.canServeStale && !deadlineSignal.aborted) {
        again.push(item)
        lastErrors.set(item, result.error)
      } else settleFailure(item, result.error, settings)
    })
    pending = again
  }

  /** Full jitter: a random delay up to min(cap, base * 2^n), and only if it ends before the deadline. */
  function mayRetry(failedAttempts: number): boolean {
    const throttled = [...lastErrors.values()].some((e) => isThrottlingCode(e.code))
    nextDelay = Math.random() * Math.min(throttled ? THROTTLED_BACKOFF_CAP_MS : BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** failedAttempts)
    return Date.now() + nextDelay < deadline - 1 && !deadlineSignal.aborted
  }

  if (pending.length > 0) await attempt()
  // The first attempt runs without p-retry, so a cold start that succeeds never loads it.
  if (pending.length > 0 && settings.retries > 0 && mayRetry(1)) {
    const { default: pRetry } = await import('p-retry')
    try {
      await pRetry(
        async () => {
          await sleep(nextDelay, deadlineSignal)
          await attempt()
          if (pending.length > 0) throw new RetryableFailure()
        },
        {
          retries: settings.retries - 1,
          minTimeout: 0, // the delay is ours (full jitter, bounded by the deadline), slept above
          maxTimeout: 0,
          randomize: false,
          shouldRetry: ({ attemptNumber }) => mayRetry(attemptNumber + 1),
        },
      )
    } catch (error) {
      if (!(error instanceof RetryableFailure)) throw error
    }
  }
  for (const item of pending) settleFailure(item, lastErrors.get(item)!, settings)
  await schedules
}

class RetryableFailure extends Error {}

function missingResult(store: Store): StoreFailure {
  return { ok: false, error: { code: 'StoreContractError', message: `store '${store.name}' returned fewer results than requests`, retryable: false } }
}

/**
 * Rotation-aware keys that hold a value and ask for a stage: one DescribeSecret tells whether
 * the cached version still holds the stage (then no GetSecretValue is needed) and when the
 * next rotation is due. Returns the work that still needs a fetch.
 */
async function revalidate(store: Store, items: Work[], options: FetchOptions): Promise<Work[]> {
  const candidates = items.filter((w) => w.binding.rotation && !w.entry.rotationUnavailable && w.entry.hasValue && w.entry.versionId && w.binding.request.versionStage)
  if (candidates.length === 0 || !store.describe) return items
  const byName = await describeByName(store, candidates, options)
  const now = Date.now()
  return items.filter((item) => {
    if (!candidates.includes(item)) return true
    const description = byName.get(item.binding.request.name)
    if (!description || 'ok' in description) {
      noteDescribeFailure(item, description, options)
      return true // fetch instead
    }
    applySchedule(item.entry, description, now)
    const stages = description.versionIdsToStages[item.entry.versionId!]
    if (!stages?.includes(item.binding.request.versionStage!)) return true // the stage moved: fetch
    item.entry.fetchedAt = now
    item.entry.expiresAt = expiry(item.entry, item.binding, now)
    item.entry.staleUntil = item.entry.expiresAt + item.binding.maxStaleMs
    item.entry.lastError = undefined
    return false
  })
}

/** First fetch of a rotation-aware key: learn its rotation schedule alongside the value. */
async function learnSchedules(store: Store, items: Work[], options: FetchOptions): Promise<void> {
  const unknown = items.filter((w) => w.binding.rotation && !w.entry.rotationUnavailable && w.entry.nextRotationAt === undefined)
  if (unknown.length === 0 || !store.describe) return
  const byName = await describeByName(store, unknown, options)
  const now = Date.now()
  for (const item of unknown) {
    const description = byName.get(item.binding.request.name)
    if (!description || 'ok' in description) {
      noteDescribeFailure(item, description, options)
      continue
    }
    applySchedule(item.entry, description, now)
    if (item.entry.hasValue) item.entry.expiresAt = Math.min(item.entry.expiresAt, rotationCap(item.entry, now))
  }
}

/** One DescribeSecret per secret name among the items (the store may batch them). */
async function describeByName(store: Store, items: Work[], options: FetchOptions): Promise<Map<string, SecretDescription | StoreFailure | undefined>> {
  const names = [...new Set(items.map((w) => w.binding.request.name))]
  const descriptions = (await store.describe?.(names, options)) ?? []
  return new Map(names.map((name, i) => [name, descriptions[i]]))
}

/**
 * A DescribeSecret that failed for good (typically a role without secretsmanager:DescribeSecret):
 * rotation awareness is off for this entry, said once, and the TTL alone decides.
 */
function noteDescribeFailure(item: Work, failure: StoreFailure | undefined, options: FetchOptions): void {
  if (failure && failure.error.retryable) return // try again at the next expiry
  item.entry.rotationUnavailable = true
  const reason = failure ? `${failure.error.code}: ${failure.error.message}` : 'no answer'
  options.logger.warn(
    `middy-secrets: rotation awareness is off for ${item.store.name} '${item.binding.request.name}': DescribeSecret failed (${reason}); grant secretsmanager:DescribeSecret on it, the TTL decides meanwhile`,
  )
}

function applySchedule(entry: Entry, description: SecretDescription, now: number): void {
  entry.nextRotationAt = description.rotationEnabled && description.nextRotationDate ? description.nextRotationDate.getTime() : Number.POSITIVE_INFINITY
  if (entry.nextRotationAt <= now) entry.nextRotationAt = now // overdue: rotationCap rechecks soon
}

/** Never past the next rotation; while overdue, recheck every minute. */
function rotationCap(entry: Entry, now: number): number {
  const next = entry.nextRotationAt ?? Number.POSITIVE_INFINITY
  return next <= now ? now + OVERDUE_ROTATION_RECHECK_MS : next
}

/**
 * Where this execution environment sits in the jitter window: drawn once per module instance,
 * so environments started together expire at different times, while all the keys of one
 * environment (fetched in one batch) still expire together and refresh in one batch. A draw per
 * key would split every batch (measured in bench:fleet: 4x the refresh calls).
 */
const ENVIRONMENT_SPREAD = Math.random()

/** Expiry with jitter: up to `jitter` of the TTL earlier, the same fraction for every key here. */
function expiry(entry: Entry, binding: Binding, now: number): number {
  const ttl = binding.ttlMs
  // A known schedule caps the expiry whichever key fetched the entry.
  const capped = binding.rotation || entry.nextRotationAt !== undefined
  if (!Number.isFinite(ttl)) return capped ? rotationCap(entry, now) : Number.POSITIVE_INFINITY
  const spread = ttl * binding.jitter * ENVIRONMENT_SPREAD
  const byTtl = now + ttl - spread
  return capped ? Math.min(byTtl, rotationCap(entry, now)) : byTtl
}

function settleValue(item: Work, result: StoreValue, settings: Settings, rotated: Set<string>): void {
  const { entry, binding } = item
  const now = Date.now()
  const request = binding.request
  const stageChanged = entry.hasValue && entry.versionId !== undefined && result.versionId !== undefined && result.versionId !== entry.versionId
  if (stageChanged && request.kind === 'secret' && request.versionStage === 'AWSCURRENT') {
    rotated.add(rotationKey(item.store, request.name))
    settings.logger.info(`middy-secrets: ${item.store.name} '${request.name}' has a new AWSCURRENT version`)
  }
  entry.raw = result.value
  entry.versionId = result.versionId
  entry.hasValue = true
  entry.fetchedAt = now
  entry.expiresAt = expiry(entry, binding, now)
  entry.staleUntil = entry.expiresAt + binding.maxStaleMs
  entry.retryAt = 0
  entry.lastError = undefined
}

function settleFailure(item: Work, error: StoreError, settings: Settings): void {
  const { entry, binding, store } = item
  const now = Date.now()
  entry.lastError = error
  if (error.retryable && mayServeStale(entry, binding, now)) {
    entry.retryAt = now + STALE_RETRY_MS
    const age = Math.round((now - entry.fetchedAt) / 1000)
    settings.logger.warn(
      `middy-secrets: refreshing ${store.name} '${binding.request.name}' failed (${error.code}); serving the value fetched ${age}s ago, for at most ${Math.round(binding.maxStaleMs / 1000)}s past its expiry`,
    )
  } else {
    // Debug only: a failure that matters reaches the caller as a SecretsError, and a prefetch
    // failure is retried by the first invocation (a fleet would log thousands of such lines).
    settings.logger.debug(`middy-secrets: ${store.name} '${binding.request.name}' failed: ${error.code}: ${error.message}`)
  }
}

function rotationKey(store: Store, name: string): string {
  return `${store.name}\u0000${name}`
}

/** After a new AWSCURRENT: expire the other stages of the same secret and refresh the ones this middleware declares. */
async function refreshOtherStages(plan: Plan, entries: Entry[], rotated: Set<string>, roundStart: number, deadline: number): Promise<void> {
  // Entries fetched in this round already saw the new state of the secret; the others are stale.
  const otherStage = (entry: Entry): boolean =>
    entry.request.kind === 'secret' && entry.request.versionStage !== 'AWSCURRENT' && entry.fetchedAt < roundStart && rotated.has(rotationKey(entry.store, entry.request.name))
  cache.expire(otherStage)
  const again = plan.bindings.flatMap((_, i) => (otherStage(entries[i]!) ? [i] : []))
  if (again.length > 0) await resolveDue(plan, entries, again, Date.now(), deadline).catch(() => undefined) // failures surface below
}

/** Can this entry serve now: a value whose last refresh succeeded, or a transient failure within maxStale? */
function usable(entry: Entry, binding: Binding, now: number): boolean {
  if (!entry.hasValue) return false
  if (entry.inflight) return mayServeStale(entry, binding, now) // the refresh outlived the deadline
  if (entry.lastError === undefined) return true
  return entry.lastError.retryable && mayServeStale(entry, binding, now)
}

function collectFailures(plan: Plan, entries: Entry[], due: number[], deadlineReached: boolean): KeyFailure[] {
  const now = Date.now()
  const failures: KeyFailure[] = []
  for (const i of due) {
    const entry = entries[i]!
    const binding = plan.bindings[i]!
    const store = plan.stores[i]!
    if (usable(entry, binding, now)) continue
    const error: StoreError =
      entry.lastError && !(deadlineReached && entry.inflight)
        ? entry.lastError
        : { code: 'DeadlineExceeded', message: 'no answer before the Lambda deadline (minus the safety margin)', retryable: true }
    failures.push({
      key: binding.key,
      target: binding.target,
      store: store.name,
      name: binding.request.name,
      code: error.code,
      message: error.message,
      hint: hintFor(error.code, store.name, binding.request.name, error.operation),
      retryable: error.retryable,
    })
  }
  return failures
}
