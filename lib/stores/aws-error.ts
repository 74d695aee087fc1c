/**
 * Turning whatever an AWS SDK call threw into a StoreError: the AWS error name, its message,
 * and whether it is worth retrying. Only names and messages are kept: an SDK error object
 * also carries the raw response, which the package never passes on.
 */
import { shownErrorCode, storeError } from '../classify.js'
import type { StoreError, StoreFailure } from '../store.js'
import { connectionCodeOf, connectionFailure } from '../transport/socket-errors.js'

interface ErrorShape {
  name?: unknown
  code?: unknown
  syscall?: unknown
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
  if (abort?.deadline) return storeError({ code: 'DeadlineExceeded', message: 'stopped before the Lambda deadline', operation })
  if (abort?.timedOut || name === 'AbortError' || (name === 'TimeoutError' && !renamedSocketError(e))) {
    return storeError({ code: 'TimeoutError', message: `${operation} did not answer in time`, operation })
  }
  const setup = setupProblem(e, name, message)
  if (setup) return storeError({ ...setup, operation })
  const connectionCode = connectionErrorCode(e)
  if (connectionCode) return storeError({ ...connectionFailure(connectionCode, operation), operation })
  if (name === 'SyntaxError' || message.includes('Deserialization error') || (name === 'Unknown' && httpStatus !== undefined)) {
    // A body that could not be parsed: a garbled 200, or a 5xx page from a load balancer. The
    // parser's message may quote the body (which can hold a value), so it is never passed on.
    const status = httpStatus ?? 0
    return storeError({
      code: status >= 500 ? `HttpError${status}` : 'MalformedResponse',
      message: `${operation} answered HTTP ${status || '?'} with a body that could not be parsed`,
      httpStatus,
      requestId,
      operation,
    })
  }
  const code = shownErrorCode(name)
  return storeError({ code, message: message || code, httpStatus, requestId, operation })
}

/**
 * What is wrong with the set-up rather than with AWS: no credentials, no region, an SDK client
 * package that is not installed. Each gets a code of its own, so its hint can say what to set.
 */
function setupProblem(e: ErrorShape, name: string, message: string): { code: string; message: string } | undefined {
  if (name === 'CredentialsProviderError') return { code: 'CredentialsMissing', message: 'the AWS SDK found no credentials' }
  if (/^Region is missing/i.test(message)) return { code: 'RegionMissing', message: 'the AWS SDK has no region to call' }
  if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') {
    const missing = /@aws-sdk\/[a-z0-9-]+/.exec(message)?.[0]
    if (missing) return { code: 'SdkNotInstalled', message: `${missing} is not installed` }
  }
  return undefined
}

/**
 * The SDK's Node handler renames a reset, a broken pipe and a socket's ETIMEDOUT 'TimeoutError',
 * keeping the code (and the socket call): that is the connection's failure, as the lean transport
 * names it, not a request that ran out of time. Its own request timeout is a TimeoutError too,
 * with code ETIMEDOUT and no socket call: that one stays a timeout.
 */
function renamedSocketError(e: ErrorShape): boolean {
  return e.code === 'ECONNRESET' || e.code === 'EPIPE' || (e.code === 'ETIMEDOUT' && typeof e.syscall === 'string')
}

export function toStoreFailure(thrown: unknown, operation: string, abort?: { timedOut: boolean; deadline: boolean }): StoreFailure {
  return { ok: false, error: toStoreError(thrown, operation, abort) }
}

/**
 * The connection's failure behind an error, if any: an errno, or the words Node and undici use for
 * a connection that closed. Never for AWS's own answer (`$fault`, on every service exception the
 * SDK throws): its message quotes the names the caller gave, and a secret named
 * `jobs/aborted-orders` must not turn AccessDenied into a retryable network failure.
 */
function connectionErrorCode(e: ErrorShape): string | undefined {
  if (e.$fault !== undefined) return undefined
  for (let current: ErrorShape | undefined = e, depth = 0; current && depth < 4; current = current.cause as ErrorShape | undefined, depth++) {
    const code = connectionCodeOf(current)
    if (code !== undefined) return code
    const text = typeof current.message === 'string' ? current.message : ''
    if (current.name === 'SocketError' || /socket hang up|\baborted\b|ECONNRESET|other side closed/.test(text)) return 'connection closed'
  }
  return undefined
}
