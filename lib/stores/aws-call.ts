/**
 * One AWS call as every SDK store makes it: within the shared concurrency bound, with a
 * per-request timeout and the deadline's abort signal, errors turned into StoreErrors.
 * The SDK clients are created with maxAttempts 1: the resolver's retry layer is the only one.
 */
import type { FetchOptions, StoreError } from '../store.js'
import type { ClientOptions } from '../options/types.js'
import { toStoreError } from './aws-error.js'

export type CallResult<T> = { readonly ok: true; readonly output: T } | { readonly ok: false; readonly error: StoreError }

export function awsCall<T>(operation: string, options: FetchOptions, send: (abortSignal: AbortSignal) => Promise<T>): Promise<CallResult<T>> {
  return options.limit(async () => {
    if (options.signal.aborted) return { ok: false, error: toStoreError(undefined, operation, { timedOut: false, deadline: true }) }
    const timeout = options.requestTimeoutMs > 0 ? AbortSignal.timeout(options.requestTimeoutMs) : undefined
    const signal = timeout ? AbortSignal.any([options.signal, timeout]) : options.signal
    try {
      return { ok: true, output: await send(signal) }
    } catch (error) {
      const abort = { timedOut: timeout?.aborted ?? false, deadline: options.signal.aborted }
      return { ok: false, error: toStoreError(error, operation, abort.timedOut || abort.deadline ? abort : undefined) }
    }
  })
}

/** The client options the package applies: the user's, with the SDK's own retries off. */
export function clientConfig(clientOptions: ClientOptions | undefined): Record<string, unknown> {
  return { ...clientOptions, maxAttempts: 1 }
}

/** Splits a list into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
