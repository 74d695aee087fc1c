/**
 * The failures both extension stores answer with when there is no HTTP answer to read: nothing
 * listening (after the start-up wait), a broken connection, a timeout, an answer too large, the
 * deadline. Messages name hosts, ports and variables, never a value.
 */
import { operationOf, type StoreError, type StoreFailure, type StoreRequest } from '../store.js'
import { where, type ExtensionAnswer, type ExtensionEndpoint } from './extension-http.js'

export function fail(request: StoreRequest, error: Omit<StoreError, 'operation'>): StoreFailure {
  return { ok: false, error: { ...error, operation: operationOf(request) } }
}

export interface Unreachable {
  /** What to check when nothing listens, e.g. which layer to add and which variable to align. */
  readonly hint: string
  readonly startupTimeoutMs: number
}

/** Every answer but an HTTP response, as a failure. */
export function transportFailure(
  answer: Exclude<ExtensionAnswer, { kind: 'response' }>,
  request: StoreRequest,
  endpoint: ExtensionEndpoint,
  unreachable: Unreachable,
): StoreFailure {
  const at = where(endpoint)
  switch (answer.kind) {
    case 'refused':
      return fail(request, {
        code: 'ExtensionUnavailable',
        message: `nothing listens on ${at}${endpoint.ready ? '' : ` (waited ${unreachable.startupTimeoutMs} ms for the extension to start)`}; ${unreachable.hint}`,
        retryable: true,
      })
    case 'network':
      return fail(request, { code: 'NetworkingError', message: `the connection to the extension on ${at} failed (${answer.errno})`, retryable: true })
    case 'tooLarge':
      return fail(request, { code: 'ExtensionResponseTooLarge', message: `the extension on ${at} answered more than ${answer.limit} bytes for '${request.name}'`, retryable: false })
    case 'timeout':
      return fail(request, { code: 'TimeoutError', message: `the extension on ${at} did not answer within requestTimeoutMs`, retryable: true })
    case 'aborted':
      return deadline(request)
  }
}

export function deadline(request: StoreRequest): StoreFailure {
  // As the SDK stores answer it; the resolver never retries past the deadline anyway.
  return fail(request, { code: 'DeadlineExceeded', message: 'stopped before the Lambda deadline', retryable: true })
}

/** A store must not throw; a bug or a throwing `limit` still becomes one failed entry. */
export function unexpected(request: StoreRequest, error: unknown): StoreFailure {
  const what = error instanceof Error ? error.name : typeof error
  return fail(request, { code: 'ExtensionClientError', message: `unexpected ${what} while calling the extension`, retryable: false })
}
