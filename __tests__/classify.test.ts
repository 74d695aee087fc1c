/** classify.ts: the one place that decides what a failure means. */
import { classify, isNotFound, isRetryable, isThrottling, storeError } from '../lib/classify.js'

describe('classify', () => {
  test.each([
    ['ThrottlingException', 'throttle'],
    ['TooManyRequestsException', 'throttle'],
    ['ProvisionedThroughputExceededException', 'throttle'],
    ['InternalServiceError', 'transient'],
    ['InternalServerException', 'transient'],
    ['ServiceUnavailable', 'transient'],
    ['TimeoutError', 'transient'],
    ['NetworkingError', 'transient'],
    ['DeadlineExceeded', 'transient'],
    ['MalformedResponse', 'transient'],
    ['HttpError503', 'transient'],
    ['RequestTimeTooSkewed', 'clockSkew'],
    ['RequestExpired', 'clockSkew'],
    ['RequestInTheFuture', 'clockSkew'],
    ['ExtensionUnavailable', 'down'],
    ['AccessDeniedException', 'permanent'],
    ['ResourceNotFoundException', 'permanent'],
    ['CredentialsMissing', 'permanent'],
    ['SdkNotInstalled', 'permanent'],
  ])('%s is %s', (code, kind) => {
    expect(classify(code)).toBe(kind)
  })

  test('a signature error is a clock problem only when its message says so', () => {
    const expired = 'Signature expired: 20261202T041200Z is now earlier than 20261202T042200Z (20261202T042700Z - 5 min.)'
    expect(classify('InvalidSignatureException', 400, expired)).toBe('clockSkew')
    expect(classify('InvalidSignatureException', 400, 'Signature not yet current: 20261202T050000Z is still later than 20261202T043200Z (20261202T042700Z + 5 min.)')).toBe('clockSkew')
    expect(classify('SignatureDoesNotMatch', 403, 'Signature expired')).toBe('clockSkew')
    expect(classify('InvalidSignatureException', 400, 'The request signature we calculated does not match the signature you provided.')).toBe('permanent')
    expect(classify('SignatureDoesNotMatch', 403)).toBe('permanent')
  })

  test('an unknown code with a 5xx status the SDK retries (500, 502, 503, 504) is transient; other 5xx and 4xx are permanent', () => {
    for (const status of [500, 502, 503, 504]) {
      expect(classify('Unknown', status)).toBe('transient')
      expect(classify(`HttpError${status}`)).toBe('transient')
    }
    for (const status of [501, 505, 400]) {
      expect(classify('Unknown', status)).toBe('permanent')
      expect(classify(`HttpError${status}`)).toBe('permanent')
    }
    expect(classify('Unknown')).toBe('permanent')
  })

  // The SDK's standard retry strategy (@smithy service-error-classification): the same failures
  // are retried, with the same kind of backoff, on both transports and through the extension.
  test.each(['BandwidthLimitExceeded', 'EC2ThrottledException', 'LimitExceededException', 'PriorRequestNotComplete', 'RequestThrottledException', 'TransactionInProgressException'])(
    "%s is throttling, as the SDK's retry strategy says",
    (code) => {
      expect(classify(code, 400)).toBe('throttle')
      expect(isThrottling(code)).toBe(true)
    },
  )

  test('an HTTP 429 is throttling whatever the error is called', () => {
    expect(classify('SomethingNew', 429)).toBe('throttle')
    expect(isThrottling('SomethingNew', 429)).toBe(true)
    expect(isThrottling('SomethingNew', 400)).toBe(false)
  })

  test('retryable is everything but permanent; storeError sets it', () => {
    expect(isRetryable({ code: 'ExtensionUnavailable', message: '' })).toBe(true)
    expect(isRetryable({ code: 'AccessDeniedException', message: '' })).toBe(false)
    expect(storeError({ code: 'ThrottlingException', message: 'Rate exceeded', operation: 'GetSecretValue' })).toEqual({
      code: 'ThrottlingException',
      message: 'Rate exceeded',
      operation: 'GetSecretValue',
      retryable: true,
    })
    expect(storeError({ code: 'ParameterNotFound', message: '' }).retryable).toBe(false)
    expect(isThrottling('ThrottlingException')).toBe(true)
    expect(isThrottling('InternalServiceError')).toBe(false)
  })
})

describe('isRetryable / isThrottling by code and status', () => {
  test.each([
    'ThrottlingException',
    'TooManyRequestsException',
    'ThrottledException',
    'RequestLimitExceeded',
    'InternalServiceError',
    'InternalServerError',
    'ServiceUnavailable',
    'RequestTimeout',
    'TimeoutError',
    'NetworkingError',
    'ExtensionUnavailable',
  ])('%s is retryable', (code) => {
    expect(isRetryable({ code, message: '' })).toBe(true)
  })

  test.each(['AccessDeniedException', 'ResourceNotFoundException', 'DecryptionFailure', 'ParameterNotFound', 'InvalidRequestException', 'TransformError'])(
    '%s is not retryable',
    (code) => {
      expect(isRetryable({ code, message: '' })).toBe(false)
      expect(isRetryable({ code, httpStatus: 400, message: '' })).toBe(false)
    },
  )

  test('any 5xx is retryable, 4xx is not', () => {
    expect(isRetryable({ code: 'Unknown', httpStatus: 500, message: '' })).toBe(true)
    expect(isRetryable({ code: 'Unknown', httpStatus: 503, message: '' })).toBe(true)
    expect(isRetryable({ code: 'Unknown', httpStatus: 499, message: '' })).toBe(false)
    expect(isRetryable({ code: 'Unknown', message: '' })).toBe(false)
  })

  test('throttling is a subset of retryable', () => {
    expect(isThrottling('ThrottlingException')).toBe(true)
    expect(isThrottling('Throttling')).toBe(true)
    expect(isThrottling('InternalServiceError')).toBe(false)
    expect(isThrottling('AccessDeniedException')).toBe(false)
  })
})

test('not found: the value is absent, except DynamoDB ResourceNotFoundException (a missing table)', () => {
  expect(isNotFound('ResourceNotFoundException', 'secret')).toBe(true)
  expect(isNotFound('ResourceNotFoundException', 'appConfig')).toBe(true)
  expect(isNotFound('ParameterNotFound', 'parameter')).toBe(true)
  expect(isNotFound('ItemNotFound', 'item')).toBe(true)
  expect(isNotFound('AttributeNotFound', 'items')).toBe(true)
  expect(isNotFound('ResourceNotFoundException', 'item')).toBe(false)
  expect(isNotFound('ResourceNotFoundException', 'items')).toBe(false)
  expect(isNotFound('AccessDeniedException', 'secret')).toBe(false)
})
