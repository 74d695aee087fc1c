/** Helpers for tests that call a Store directly: FetchOptions, and unwrapping its results. */
import type { FetchOptions, Logger, StoreError, StoreResult, StoreValue } from '../../lib/store.js'

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

export function fetchOptions(logger: Logger = silentLogger): FetchOptions {
  return { signal: new AbortController().signal, requestTimeoutMs: 1000, limit: (t) => t(), logger }
}

export function ok(result: StoreResult | undefined): StoreValue {
  if (!result?.ok) throw new Error(`expected a value, got ${JSON.stringify(result)}`)
  return result
}

export function failed(result: StoreResult | undefined): StoreError {
  if (!result || result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`)
  return result.error
}

/** Runs a middleware's `before` phase on a context (what middy does before the handler). */
export async function runBefore(mw: object, context: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const before = (mw as { before: (request: unknown) => unknown }).before
  await before({ event: {}, context, response: undefined, error: undefined, internal: {} })
  return context
}
