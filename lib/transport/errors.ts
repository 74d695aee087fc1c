/**
 * Every StoreError the lean transport builds, with the codes and messages that
 * lib/stores/aws-error.ts gives the SDK's errors, so a store sees the same failure whichever
 * transport answered. Retryability is decided in one place (`classify`) for all of them.
 * No message here quotes a response body: it may hold a secret value.
 */
import { isRetryable } from '../classify.js'
import type { StoreError } from '../store.js'
import { connectionFailure } from './socket-errors.js'

/** Where a failure happened: filled in on the StoreError when known. */
export interface FailureContext {
  readonly operation: string
  readonly httpStatus?: number
  readonly requestId?: string
}

/**
 * The errors AWS answers when the signing clock is off (the SDK's CLOCK_SKEW_ERROR_CODES, less
 * AccessDeniedException, which is mostly a real denial). The resolver retries them once: the
 * transport has corrected its clock from the answer's Date header by then.
 */
export const CLOCK_SKEW_CODES: ReadonlySet<string> = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
])

export function isClockSkewCode(code: string): boolean {
  return CLOCK_SKEW_CODES.has(code)
}

/**
 * The one place that decides whether a failure is worth another attempt. With the message, as
 * the SDK path's errors are classified: an InvalidSignatureException is a clock skew (retryable,
 * and a stale value may serve) only when its message says so.
 */
function classify(code: string, message: string, httpStatus: number | undefined): boolean {
  return isRetryable({ code, httpStatus, message })
}

/** The one constructor of the transports' StoreErrors. */
export function storeError(code: string, message: string, context: FailureContext): StoreError {
  const retryable = classify(code, message, context.httpStatus)
  const error: { -readonly [K in keyof StoreError]: StoreError[K] } = { code, message, retryable, operation: context.operation }
  if (context.httpStatus !== undefined) error.httpStatus = context.httpStatus
  if (context.requestId !== undefined) error.requestId = context.requestId
  return error
}

/** An error AWS named: its name and its message (AWS messages name resources, never values). */
export function awsError(code: string, message: string | undefined, context: FailureContext): StoreError {
  return storeError(code, message || code, context)
}

export function deadlineExceeded(operation: string): StoreError {
  return storeError('DeadlineExceeded', 'stopped before the Lambda deadline', { operation })
}

export function timedOut(operation: string): StoreError {
  return storeError('TimeoutError', `${operation} did not answer in time`, { operation })
}

/**
 * A reset, a refused connection, a DNS failure, or a refused TLS connection (socket-errors.ts
 * tells them apart): `reason` is the errno (`ECONNRESET`), never data.
 */
export function networkFailure(reason: string, operation: string): StoreError {
  const { code, message } = connectionFailure(reason, operation)
  return storeError(code, message, { operation })
}

/** A body that does not parse, or does not have the shape AWS documents. Never quoted. */
export function malformed(context: FailureContext & { readonly httpStatus: number }): StoreError {
  const status = context.httpStatus
  const code = status >= 500 ? `HttpError${status}` : 'MalformedResponse'
  return storeError(code, `${context.operation} answered HTTP ${status || '?'} with a body that could not be parsed`, context)
}

/** A response larger than the service ever sends. */
export function tooLarge(limit: number, context: FailureContext): StoreError {
  return storeError('MalformedResponse', `${context.operation} answered more than ${limit} bytes; refused`, context)
}

/** The lean transport was asked for an operation it has no encoder for: a bug in the caller. */
export function unsupportedOperation(service: string, operation: string): StoreError {
  return storeError('UnsupportedOperation', `the https transport does not implement ${service} ${operation}; use the sdk transport`, { operation })
}

/** The class name of whatever was thrown (`TypeError`), for messages: never its message, which may quote data. */
export function errorName(thrown: unknown): string {
  const name = (thrown as { name?: unknown } | null)?.name
  return typeof name === 'string' && /^\w+$/.test(name) ? name : typeof thrown
}

/** Signing or sending failed in a way that is not the network: a bug or a bad configuration. */
export function clientFailure(what: string, operation: string): StoreError {
  return storeError('TransportClientError', `unexpected ${what} while calling ${operation}`, { operation })
}
