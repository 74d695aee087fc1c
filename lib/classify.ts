/**
 * The one place that decides what a failure means: worth another attempt or not, and how to
 * wait before it. Stores, transports, the memory store and the resolver all ask here, so a code
 * cannot be retried in one place and final in another.
 *
 * - throttle: AWS refused for rate; retried with a longer backoff cap, a stale value serves.
 * - transient: 5xx, timeouts, network errors, garbled answers; retried, a stale value serves.
 * - clockSkew: the request's signature time was too far from AWS's clock (typically a request
 *   signed before a Lambda freeze and sent after the thaw); retried once at once, re-signed with
 *   the clock offset taken from the response's Date header.
 * - down: nothing is listening (the extension layer is missing); not retried within the
 *   invocation (it would only burn the deadline), but a stale value serves.
 * - permanent: access denied, not found, bad input, a TLS certificate refused...; surfaces at once.
 */
import type { RequestKind, StoreError } from './store.js'

export type ErrorClass = 'throttle' | 'transient' | 'clockSkew' | 'down' | 'permanent'

/** The SDK's throttling codes (@smithy service-error-classification), and DynamoDB's UnprocessedKeys. */
const THROTTLE = new Set([
  'BandwidthLimitExceeded', 'EC2ThrottledException', 'LimitExceededException', 'PriorRequestNotComplete', 'ProvisionedThroughputExceededException',
  'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'ThrottledException', 'Throttling', 'ThrottlingException',
  'TooManyRequestsException', 'TransactionInProgressException', 'UnprocessedKeys',
])
/** HTTP 429 is throttling whatever the error is called, as the SDK judges it. */
const TOO_MANY_REQUESTS = 429
/** The statuses the SDK retries as transient whatever the code: not 501 (not implemented) or 505. */
const TRANSIENT_STATUS = new Set([500, 502, 503, 504])

const TRANSIENT = new Set([
  'InternalServiceError', 'InternalServiceErrorException', 'InternalServerError', 'InternalServerErrorException', 'InternalServerException', 'InternalFailure',
  'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError',
  'NetworkingError', 'DeadlineExceeded', 'MalformedResponse', 'StagesChanging',
])

/** Always a clock problem. */
const CLOCK_SKEW = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'RequestInTheFuture'])
/** A clock problem only when the message says so (otherwise a wrong key or a bad signature). */
const CLOCK_SKEW_BY_MESSAGE = new Set(['InvalidSignatureException', 'SignatureDoesNotMatch', 'AuthFailure'])
const SKEW_MESSAGE = /signature expired|not yet current|request has expired|time.{0,20}skew|clock/i

const DOWN = new Set(['ExtensionUnavailable'])

export function classify(code: string, httpStatus?: number, message = ''): ErrorClass {
  if (isThrottling(code, httpStatus)) return 'throttle'
  if (CLOCK_SKEW.has(code) || (CLOCK_SKEW_BY_MESSAGE.has(code) && SKEW_MESSAGE.test(message))) return 'clockSkew'
  if (DOWN.has(code)) return 'down'
  if (TRANSIENT.has(code) || TRANSIENT_STATUS.has(httpStatus ?? Number(/^HttpError(\d{3})$/.exec(code)?.[1]))) return 'transient'
  return 'permanent'
}

/** The value does not exist (an optional key is then undefined; see declare.ts `optional`). */
const NOT_FOUND = new Set(['ResourceNotFoundException', 'ParameterNotFound', 'ParameterVersionNotFound', 'ParameterVersionLabelNotFound', 'ItemNotFound', 'AttributeNotFound'])
/** DynamoDB's ResourceNotFoundException is a missing table: the set-up is wrong, not the item absent. */
const TABLE_READS: ReadonlySet<RequestKind> = new Set(['item', 'items'])

export function isNotFound(code: string, kind: RequestKind): boolean {
  if (code === 'ResourceNotFoundException' && TABLE_READS.has(kind)) return false
  return NOT_FOUND.has(code)
}

/** Worth trying again later, and a stale value may serve meanwhile. */
export function isRetryable(error: Pick<StoreError, 'code' | 'httpStatus' | 'message'>): boolean {
  return classify(error.code, error.httpStatus, error.message) !== 'permanent'
}

export function isThrottling(code: string, httpStatus?: number): boolean {
  return THROTTLE.has(code) || httpStatus === TOO_MANY_REQUESTS
}

/** A StoreError with `retryable` decided here. Fields are names and AWS messages, never values. */
/**
 * An AWS error name as the package shows and logs it: AWS's are letters and digits (`_ . -` in a
 * few). A server that answers anything else there (a proxy, a stand-in that echoes what it was
 * sent) could put data, or a newline that forges log lines, in every failure: it reads UnknownError,
 * as the SDK calls an error without a name.
 */
const ERROR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/
export function shownErrorCode(code: string): string {
  return ERROR_NAME.test(code) ? code : 'UnknownError'
}

export function storeError(fields: Omit<StoreError, 'retryable'>): StoreError {
  const error = { ...fields, retryable: false }
  error.retryable = isRetryable(error)
  return error
}
