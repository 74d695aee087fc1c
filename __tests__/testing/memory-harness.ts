/** Shared by the memory store's suites: fetch options, one request at a time, and reading a result. */
import type { FetchOptions, Logger, SecretDescription, StoreError, StoreFailure, StoreRequest, StoreResult, StoreValue } from '../../lib/store.js'
import type { MemoryStore } from '../../lib/testing/index.js'

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }

export function fetchOptions(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return { signal: new AbortController().signal, requestTimeoutMs: 1000, limit: (t) => t(), logger: silent, ...overrides }
}

export function ok(result: StoreResult | undefined): StoreValue {
  if (!result?.ok) throw new Error(`expected a value, got ${JSON.stringify(result)}`)
  return result
}

export function failed(result: StoreResult | SecretDescription | undefined): StoreError {
  if (!result || !('ok' in result) || result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`)
  return (result as StoreFailure).error
}

export async function one(store: MemoryStore, request: StoreRequest, options?: Partial<FetchOptions>): Promise<StoreResult> {
  const [result] = await store.fetch([request], fetchOptions(options))
  return result!
}
