/**
 * The middleware: `before` resolves every declared key (a few field reads when all are fresh) and
 * injects them; `onError` invalidates what `refreshOn` names; `retrying(handler)` runs an
 * idempotent handler once more with fresh values; `refresh(keys)` fetches now. Fetching starts
 * when `secrets()` is called, in the Lambda init phase, unless `prefetch: false`.
 */
import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { cache } from './cache/cache.js'
import { type DueReason, invalidate, latestGeneration } from './cache/entry.js'
import type { InjectedContext, KeyDeclaration } from './declare.js'
import { ConfigError, SecretsError } from './errors.js'
import { inject } from './inject.js'
import { createLimit } from './limit.js'
import { normalize } from './options/normalize.js'
import type { SecretsOptions } from './options/types.js'
import { keyList, namesIn, register, undeclaredKeys } from './registry.js'
import { BACKGROUND_LIFETIME_MS, invocationDeadline } from './resolver/deadline.js'
import { buildPlan, entryOf, type Plan } from './resolver/plan.js'
import { allFresh, resolve } from './resolver/resolve.js'
import { defaultStore } from './stores/defaults.js'

type AnyHandler<TEvent, TResult, TContext> = (event: TEvent, context: TContext, options: { signal: AbortSignal }) => Promise<TResult> | TResult

/** What `secrets()` returns: a Middy middleware object with a few extras. */
/** `TKey`: the names declared in `context` and `env`, which `refresh()` takes (a typo does not compile). */
export interface SecretsMiddleware<TInjected, TKey extends string = string> extends MiddlewareObj<unknown, unknown, Error, Context & TInjected> {
  /** Settles when the prefetch started by `secrets()` has finished (it never rejects). */
  readonly ready: Promise<void>
  /**
   * Wraps an idempotent handler: when it throws and `refreshOn` asks for a refresh, the keys
   * are fetched anew, injected, and the handler runs once more (never more than once).
   */
  retrying<TEvent, TResult>(handler: AnyHandler<TEvent, TResult, Context & TInjected>): AnyHandler<TEvent, TResult, Context & TInjected>
  /** Fetches these keys (all when omitted) now, bypassing their TTL; the next injection sees them. */
  refresh(keys?: TKey | readonly TKey[]): Promise<void>
}

/** The key names a declaration map gives. */
type DeclaredKey<C, E> = Extract<keyof C | keyof E, string>

export function secrets<
  const C extends Record<string, KeyDeclaration> = Record<never, never>,
  const E extends Record<string, KeyDeclaration> = Record<never, never>,
>(options: SecretsOptions<C, E>): SecretsMiddleware<InjectedContext<C>, DeclaredKey<C, E>> {
  const settings = normalize(options as SecretsOptions<Record<string, KeyDeclaration>, Record<string, KeyDeclaration>>)
  cache.ensureCapacity(settings.maxEntries)
  const plan = buildPlan(settings, (role) => settings.stores[role] ?? defaultStore(role, settings), createLimit(settings.concurrency))
  const everyKey = plan.slots.map((_, i) => i)
  // Per invocation (by its context): whether retrying() already refreshed its keys, and the error
  // refreshOn already judged (any thrown value, a string too), so the error phase does neither again.
  const refreshedContexts = new WeakSet<object>()
  const judgedErrors = new WeakMap<object, unknown>()
  // The invocation's request.internal by its context: retrying() sees only the handler's arguments.
  const internals = new WeakMap<object, Record<string, unknown>>()
  // The latest invalidation when the invocation began, by its context: a refresh its failure asks
  // for leaves alone an entry invalidated since (by another failed invocation: that fetch serves it).
  const begunAt = new WeakMap<object, number>()

  // Named for middy's plugin hooks (beforeMiddleware/afterMiddleware get the function's name; the build keeps these names).
  function middySecretsBefore(request: Request): void | Promise<void> {
    const context = request.context as unknown as Record<string, unknown>
    const internal = request.internal as Record<string, unknown> | undefined
    // Stryker disable next-line ConditionalExpression: without refreshOn nothing reads these maps; the test only spares the work
    if (settings.refreshOn) {
      refreshedContexts.delete(context) // a context may be reused by the next invocation
      judgedErrors.delete(context)
      begunAt.set(context, latestGeneration())
      // Stryker disable next-line ConditionalExpression: setting undefined reads back as the delete does
      if (internal) internals.set(context, internal)
      else internals.delete(context)
    }
    const now = Date.now()
    const into = settings.internal ? internal : undefined
    if (allFresh(plan, now)) return inject(plan, undefined, context, undefined, into)
    return resolve(plan, everyKey, { deadline: invocationDeadline(request.context, now, settings.deadlineMarginMs), background: false }).then(({ view, failures }) =>
      inject(plan, view, context, failures, into),
    )
  }

  function middySecretsOnError(request: Request): void {
    if (!settings.refreshOn || refreshedContexts.has(request.context)) return
    if (judgedErrors.has(request.context) && judgedErrors.get(request.context) === request.error) return
    const keys = judge(request.error, request)
    if (keys) invalidateKeys(plan, keys, 'refreshOn', undefined, begunAt.get(request.context))
  }

  /** The keys refreshOn names for this failure; a refreshOn that throws is logged and names none. */
  function judge(error: unknown, request: Request): number[] | undefined {
    judgedErrors.set(request.context, error)
    try {
      return decide(plan, error, request)
    } catch (refreshOnError) {
      settings.log.warn('refreshOn threw; nothing is refreshed and the handler error stands', { error: refreshOnError instanceof Error ? refreshOnError.name : typeof refreshOnError })
      if (error instanceof Error && error.cause === undefined) Object.defineProperty(error, 'cause', { value: refreshOnError, configurable: true, writable: true })
      return undefined
    }
  }

  function retrying<TEvent, TResult, TContext extends Context>(handler: AnyHandler<TEvent, TResult, TContext>): AnyHandler<TEvent, TResult, TContext> {
    if (!settings.refreshOn) throw new ConfigError('refreshOn', 'is needed by retrying(handler): it decides which failures refresh which keys')
    return async (event, context, handlerOptions) => {
      try {
        return await handler(event, context, handlerOptions)
      } catch (error) {
        if (refreshedContexts.has(context)) throw error
        const internal = internals.get(context)
        const keys = judge(error, { event, context, response: null, error: error as Error, internal: internal ?? {} })
        // Aborted (middy's timeoutEarlyInMillis): the invocation has been answered; a second run would outlive it.
        if (!keys || handlerOptions?.signal?.aborted) throw error
        refreshedContexts.add(context)
        settings.log.info('the handler failed; refreshing and running it once more', { keys: keys.map((i) => plan.slots[i]!.binding.key) })
        invalidateKeys(plan, keys, 'refreshOn', undefined, begunAt.get(context))
        const now = Date.now()
        const { view, failures } = await resolve(plan, everyKey, { deadline: invocationDeadline(context, now, settings.deadlineMarginMs), background: false })
        if (handlerOptions?.signal?.aborted) throw error
        try {
          inject(plan, view, context as unknown as Record<string, unknown>, failures, settings.internal ? internal : undefined)
        } catch (refreshFailure) {
          // The refresh failed: its SecretsError (all inject throws) says why, and keeps the handler's own failure as its cause.
          ;(refreshFailure as SecretsError).cause = error
          throw refreshFailure
        }
        return await handler(event, context, handlerOptions)
      }
    }
  }

  const refresh = (keys?: string | readonly string[]): Promise<void> => refreshKeys(plan, keys)
  const ready = settings.prefetch ? prefetch(plan, everyKey) : Promise.resolve()
  const middleware = { name: 'middy-secrets', before: middySecretsBefore, onError: middySecretsOnError, ready, retrying, refresh } as SecretsMiddleware<InjectedContext<C>, DeclaredKey<C, E>>
  register(plan, settings.bindings.map((b) => b.key), refreshKeys)
  return middleware
}

/**
 * Starts fetching every key now; failures are left for the first invocation to retry. Its
 * lifetime is bounded and nothing it waits on keeps the process alive.
 */
function prefetch(plan: Plan, indexes: readonly number[]): Promise<void> {
  return resolve(plan, indexes, { deadline: Date.now() + BACKGROUND_LIFETIME_MS, background: true }).then(
    ({ failures }) => {
      if (failures.length > 0) plan.settings.log.debug('prefetch incomplete; the first invocation retries', { keys: failures.map((f) => f.key), code: failures[0]!.code })
    },
    () => undefined, // resolve() answers failures, it does not throw; never reject `ready`
  )
}

/** The middlewares whose refreshOn has named a key they do not declare: warned once. */
const warnedUndeclared = new WeakSet<Plan>()

/** Slot indexes that `refreshOn` names for this failure, or undefined. */
function decide(plan: Plan, error: unknown, request: Request): number[] | undefined {
  // Stryker disable next-line OptionalChaining: only called with a refreshOn (onError and retrying() check it first)
  const decision = plan.settings.refreshOn?.(error, request)
  if (decision === true) return plan.slots.map((_, i) => i)
  if (!decision) return undefined // an empty list names no key: undefined below
  const names = namesIn(decision)
  if (names === undefined) {
    plan.settings.log.warn('refreshOn answered neither true, a key nor a list of keys; nothing is refreshed', { answer: typeof decision })
    return undefined
  }
  const indexes = plan.slots.flatMap((s, i) => (names.includes(s.binding.key) ? [i] : []))
  if (indexes.length < names.length && !warnedUndeclared.has(plan)) {
    // The names are counted, never shown: a refreshOn that returns request.context.apiKey where it
    // meant 'apiKey' answers with a secret value. Once per middleware: it is a configuration bug.
    warnedUndeclared.add(plan)
    const undeclared = names.filter((n) => !plan.slots.some((s) => s.binding.key === n)).length
    plan.settings.log.warn('refreshOn named keys that are not declared', { undeclared, declared: plan.slots.map((s) => s.binding.key) })
  }
  return indexes.length > 0 ? indexes : undefined
}

/**
 * The next resolution of these keys fetches them, and no fetch started before counts. Each entry
 * once (two keys may share one), and none in `done`: entries already invalidated by this refresh
 * (another middleware's share of a package-level refresh()). `since`: the latest generation when
 * the failed invocation began (refreshOn, retrying()); an entry invalidated after it is left
 * alone: the fetch that invalidation asked for is newer than the value that failed, and a second
 * invalidation would outdate it (under concurrent failures, one AWS call per failure).
 */
function invalidateKeys(plan: Plan, indexes: readonly number[], reason: DueReason, done = new Set<object>(), since = Number.POSITIVE_INFINITY): void {
  for (const i of indexes) {
    const entry = entryOf(plan.slots[i]!)
    if (done.has(entry) || entry.generation > since) continue
    done.add(entry)
    invalidate(entry, reason)
  }
}

/**
 * `invalidated`: shared by the middlewares of one package-level refresh(). An entry two of them
 * declare is invalidated once: a second invalidation would outdate the fetch the first started,
 * and each middleware would ask AWS again (one call per middleware for one secret).
 */
async function refreshKeys(plan: Plan, keys: string | readonly string[] | undefined, invalidated?: Set<object>): Promise<void> {
  const names = keyList(keys)
  const mistake = names && undeclaredKeys(names, plan.slots.map((s) => s.binding.key), 'this middleware')
  if (mistake) throw mistake
  const indexes = plan.slots.flatMap((s, i) => (names === undefined || names.includes(s.binding.key) ? [i] : []))
  invalidateKeys(plan, indexes, 'refresh', invalidated)
  const { failures } = await resolve(plan, indexes, { deadline: Date.now() + BACKGROUND_LIFETIME_MS, background: false })
  if (failures.length > 0) throw new SecretsError(failures)
}
