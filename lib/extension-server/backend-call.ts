/**
 * One backend call of the local server, bounded by a timeout and by the server's life: a store
 * that ignores its signal still cannot hold a client past either. Never throws.
 */
import type { Logger, Store, StoreRequest, StoreResult } from '../store.js'

export interface BackendCallContext {
  readonly logger: Logger
  /** Aborted when the server closes: backend calls in flight stop. */
  readonly closing: AbortSignal
}

/** `timeoutMs` 0 = none. */
export async function callStore(store: Store, request: StoreRequest, timeoutMs: number, context: BackendCallContext): Promise<StoreResult> {
  const controller = new AbortController()
  let timedOut = false
  const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined
  const onClosing = (): void => controller.abort()
  context.closing.addEventListener('abort', onClosing, { once: true })
  const stopped = new Promise<undefined>((resolve) => controller.signal.addEventListener('abort', () => resolve(undefined), { once: true }))
  try {
    const call = store.fetch([request], { signal: controller.signal, requestTimeoutMs: timeoutMs, limit: (task) => task(), logger: context.logger })
    const results = await Promise.race([call, stopped])
    if (timedOut) return { ok: false, error: { code: 'TimeoutError', message: `the backend did not answer within ${timeoutMs} ms`, retryable: true, httpStatus: 504 } }
    return results?.[0] ?? { ok: false, error: { code: 'InternalFailure', message: 'the backend store answered nothing', retryable: true, httpStatus: 500 } }
  } catch {
    return { ok: false, error: { code: 'InternalFailure', message: `the backend store ${store.name} failed`, retryable: true, httpStatus: 500 } }
  } finally {
    clearTimeout(timer)
    context.closing.removeEventListener('abort', onClosing)
  }
}
