/**
 * The middleware: `before` resolves every declared key (a few map lookups when all are
 * fresh) and injects them; `onError` invalidates what `refreshOn` names; `retrying(handler)`
 * runs an idempotent handler once more with fresh values. Fetching starts when `secrets()` is
 * called, in the Lambda init phase, unless `prefetch: false`.
 */
import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { cache, cacheKey } from './cache.js'
import type { InjectedContext, KeyDeclaration } from './declare.js'
import { ConfigError } from './errors.js'
import { inject, withTransformFailures } from './inject.js'
import { createLimit } from './limit.js'
import { normalize, type SecretsOptions, type Settings } from './options.js'
import { type Plan, resolvePlan } from './resolve.js'
import { defaultStore } from './stores/defaults.js'
import { keyList, register } from './registry.js'


type AnyHandler<TEvent, TResult, TContext> = (event: TEvent, context: TContext, options: { signal: AbortSignal }) => Promise<TResult> | TResult

/** What `secrets()` returns: a Middy middleware object with a few extras. */
export interface SecretsMiddleware<TInjected> extends MiddlewareObj<unknown, unknown, Error, Context & TInjected> {
  /** Settles when the prefetch started by `secrets()` has finished (it never rejects). */
  readonly ready: Promise<void>
  /**
   * Wraps an idempotent handler: when it throws and `refreshOn` asks for a refresh, the keys
   * are fetched anew, injected, and the handler runs once more (never more than once).
   */
  retrying<TEvent, TResult>(handler: AnyHandler<TEvent, TResult, Context & TInjected>): AnyHandler<TEvent, TResult, Context & TInjected>
  /** Fetches these keys (all when omitted) now, bypassing their TTL; the next injection sees them. */
  refresh(keys?: string | readonly string[]): Promise<void>
}

export function secrets<
  const C extends Record<string, KeyDeclaration> = Record<never, never>,
  const E extends Record<string, KeyDeclaration> = Record<never, never>,
>(options: SecretsOptions<C, E>): SecretsMiddleware<InjectedContext<C>> {
  const settings = normalize(options as SecretsOptions<Record<string, KeyDeclaration>, Record<string, KeyDeclaration>>)
  cache.ensureCapacity(settings.maxEntries)
  const plan = buildPlan(settings)
  // Per invocation: the context whose keys retrying() already refreshed, and the errors
  // refreshOn already judged, so the error phase does not do either again.
  const refreshedContexts = new WeakSet<object>()
  const judgedErrors = new WeakSet<object>()

  const refresh = (keys?: string | readonly string[]): Promise<void> => refreshKeys(plan, keys)

  const ready = settings.prefetch ? prefetch(plan) : Promise.resolve()

  function before(request: Request): void | Promise<void> {
    if (settings.refreshOn) refreshedContexts.delete(request.context) // a context may be reused by the next invocation
    const context = request.context as unknown as Record<string, unknown>
    const pending = resolvePlan(plan, Date.now(), request.context)
    if (pending === undefined) return inject(plan, plan.held, context)
    return pending.then(
      () => inject(plan, plan.held, context),
      (error: unknown) => {
        throw withTransformFailures(plan, error)
      },
    )
  }

  function onError(request: Request): void {
    if (!settings.refreshOn || refreshedContexts.has(request.context)) return
    if (isObject(request.error) && judgedErrors.has(request.error)) return
    const keys = decide(plan, request.error, request)
    if (keys) expireKeys(plan, keys)
  }

  function retrying<TEvent, TResult, TContext extends Context>(handler: AnyHandler<TEvent, TResult, TContext>): AnyHandler<TEvent, TResult, TContext> {
    if (!settings.refreshOn) throw new ConfigError('refreshOn', 'is needed by retrying(handler): it decides which failures refresh which keys')
    return async (event, context, handlerOptions) => {
      try {
        return await handler(event, context, handlerOptions)
      } catch (error) {
        const request: Request = { event, context, response: null, error: error as Error, internal: {} }
        if (refreshedContexts.has(context)) throw error
        const keys = decide(plan, error, request)
        if (isObject(error)) judgedErrors.add(error)
        if (!keys) throw error
        refreshedContexts.add(context)
        settings.logger.info(`middy-secrets: the handler failed; refreshing ${keys.map((i) => plan.bindings[i]!.key).join(', ')} and running it once more`)
        expireKeys(plan, keys)
        await resolvePlan(plan, Date.now(), context)
        inject(plan, plan.held, context as unknown as Record<string, unknown>)
        return await handler(event, context, handlerOptions)
      }
    }
  }

  const middleware = { name: 'middy-secrets', before, onError, ready, retrying, refresh } as SecretsMiddleware<InjectedContext<C>>
  register(middleware, settings.bindings.map((b) => b.key))
  return middleware
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function'
}

function buildPlan(settings: Settings): Plan {
  const stores = settings.bindings.map((b) => settings.stores[b.role] ?? defaultStore(b.role, settings.clientOptions, settings.batch))
  return {
    bindings: settings.bindings,
    stores,
    keys: settings.bindings.map((b, i) => cacheKey(stores[i]!, b.request)),
    settings,
    limit: createLimit(settings.concurrency),
    held: new Array(settings.bindings.length).fill(undefined),
  }
}

/** Starts fetching every key now; failures are left for the first invocation to retry. */
function prefetch(plan: Plan): Promise<void> {
  // No deadline of its own: the first invocation may be waiting on these very requests (and
  // races them against its own deadline); retries and request timeouts bound the prefetch.
  const pending = resolvePlan(plan, Date.now(), Number.POSITIVE_INFINITY)
  if (pending === undefined) return Promise.resolve()
  return pending.then(
    () => undefined,
    (error: unknown) => plan.settings.logger.debug(`middy-secrets: prefetch incomplete, the first invocation retries: ${(error as Error).message}`),
  )
}

/** Binding indexes that `refreshOn` names for this failure, or undefined. */
function decide(plan: Plan, error: unknown, request: Request): number[] | undefined {
  const decision = plan.settings.refreshOn?.(error, request)
  if (decision === true) return plan.bindings.map((_, i) => i)
  if (!decision || (Array.isArray(decision) && decision.length === 0)) return undefined
  const names = decision as readonly string[]
  const indexes = plan.bindings.flatMap((b, i) => (names.includes(b.key) ? [i] : []))
  if (indexes.length < names.length) {
    const unknown = names.filter((n) => !plan.bindings.some((b) => b.key === n))
    plan.settings.logger.warn(`middy-secrets: refreshOn named keys that are not declared: ${unknown.join(', ')}`)
  }
  return indexes.length > 0 ? indexes : undefined
}

/** Marks the entries of these keys expired: the next resolution fetches them. */
function expireKeys(plan: Plan, indexes: readonly number[]): void {
  cache.expireKeys(indexes.map((i) => plan.keys[i]!))
}

async function refreshKeys(plan: Plan, keys: string | readonly string[] | undefined): Promise<void> {
  const names = keyList(keys)
  const indexes = plan.bindings.flatMap((b, i) => (names === undefined || names.includes(b.key) ? [i] : []))
  if (indexes.length === 0) return
  expireKeys(plan, indexes)
  const subPlan: Plan = {
    ...plan,
    bindings: indexes.map((i) => plan.bindings[i]!),
    stores: indexes.map((i) => plan.stores[i]!),
    keys: indexes.map((i) => plan.keys[i]!),
    held: indexes.map((i) => plan.held[i]),
  }
  await resolvePlan(subPlan, Date.now(), Number.POSITIVE_INFINITY)
}
