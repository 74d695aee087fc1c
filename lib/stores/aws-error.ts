/**
 * Turning whatever an AWS SDK call threw into a StoreError: the AWS error name, its message,
 * and whether it is worth retrying. Only names and messages are kept: an SDK error object
 * also carries the raw response, which the package never passes on.
 */
import { isRetryableCode } from '../errors.js'
import type { StoreError, StoreFailure } from '../store.js'

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET'])

interface ErrorShape {
  name?: unknown
  code?: unknown
  message?: unknown
  $metadata?: { httpStatusCode?: number; requestId?: string }
  $fault?: unknown
  $retryable?: unknown
  cause?: unknown
}

/** What an SDK call threw -> StoreError. `abort` tells our own timeout from the deadline. */
export function toStoreError(thrown: unknown, operation: string, abort?: { timedOut: boolean; deadline: boolean }): StoreError {
  const e = (thrown ?? {}) as ErrorShape
  const name = typeof e.name === 'string' ? e.name : 'Error'
  const message = typeof e.message === 'string' ? e.message : ''
  const httpStatus = e.$metadata?.httpStatusCode
  const requestId = e.$metadata?.requestId
  if (abort?.deadline) return { code: 'DeadlineExceeded', message: 'stopped before the Lambda deadline', retryable: true, operation }
  if (abort?.timedOut || name === 'AbortError' || name === 'TimeoutError') {
    return { code: 'TimeoutError', message: `${operation} did not answer in time`, retryable: true, operation }
  }
  const networkCode = networkErrorCode(e)
  if (networkCode) return { code: 'NetworkingError', message: `${operation} failed: ${networkCode}`, retryable: true, operation }
  if (name === 'SyntaxError' || message.includes('Deserialization error') || (name === 'Unknown' && httpStatus !== undefined)) {
    // A body that could not be parsed: a garbled 200, or a 5xx page from a load balancer. The
    // parser's message may quote the body (which can hold a value), so it is never passed on.
    const status = httpStatus ?? 0
    return {
      code: status >= 500 ? `HttpError${status}` : 'MalformedResponse',
      message: `${operation} answered HTTP ${status || '?'} with a body that could not be parsed`,
      retryable: true,
      httpStatus,
      requestId,
      operation,
    }
  }
  return { code: name, message: message || name, retryable: isRetryableCode(name, httpStatus), httpStatus, requestId, operation }
}

export function toStoreFailure(thrown: unknown, operation: string, abort?: { timedOut: boolean; deadline: boolean }): StoreFailure {
  return { ok: false, error: toStoreError(thrown, operation, abort) }
}

function networkErrorCode(e: ErrorShape): string | undefined {
  for (let current: ErrorShape | undefined = e, depth = 0; current && depth < 4; current = current.cause as ErrorShape | undefined, depth++) {
    if (typeof current.code === 'string' && NETWORK_CODES.has(current.code)) return current.code
    const text = typeof current.message === 'string' ? current.message : ''
    if (current.name === 'SocketError' || /socket hang up|\baborted\b|ECONNRESET|other side closed/.test(text)) return 'connection closed'
  }
  return undefined
}
