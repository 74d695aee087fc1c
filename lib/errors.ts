/**
 * The two errors users see. Neither ever holds a secret value: they name the key, the store,
 * the secret name and the AWS error, and say what to do.
 */

/** Bad options, thrown by `secrets()` (or a helper) before any handler runs. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  /** The option path that is wrong, e.g. `context.db.ttl`. */
  readonly option: string

  constructor(option: string, problem: string) {
    super(`middy-secrets: option '${option}' ${problem}`)
    this.option = option
  }
}

/** Where a key is injected. */
export type Target = 'context' | 'env'

/** One key that could not be resolved. */
export interface KeyFailure {
  /** The key as declared, e.g. `db` or `API_KEY`. */
  readonly key: string
  readonly target: Target
  /** The store that answered: `secretsManager`, `ssm`, `extension`, `memory`... */
  readonly store: string
  /** The secret or parameter name (or path) that was asked for. */
  readonly name: string
  /** The AWS error name (`AccessDeniedException`) or the package's own (`DeadlineExceeded`, `TransformError`). */
  readonly code: string
  /** The AWS (or package) message. AWS messages name resources, never values. */
  readonly message: string
  /** What to do about it. */
  readonly hint: string
  readonly retryable: boolean
}

/** Run-time failure of one invocation: every key that failed, not only the first. */
export class SecretsError extends Error {
  override readonly name = 'SecretsError'
  readonly failures: readonly KeyFailure[]

  constructor(failures: readonly KeyFailure[]) {
    super(describeFailures(failures))
    this.failures = failures
  }
}

function describeFailures(failures: readonly KeyFailure[]): string {
  const lines = failures.map(
    (f) => `  - ${f.target}.${f.key} (${f.store} '${f.name}'): ${f.code}: ${f.message}${f.hint ? ` -> ${f.hint}` : ''}`,
  )
  const noun = failures.length === 1 ? 'key' : 'keys'
  return `middy-secrets: ${failures.length} ${noun} could not be resolved:\n${lines.join('\n')}`
}

const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ThrottledException',
  'RequestLimitExceeded',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'InternalServiceError',
  'InternalServiceErrorException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'NetworkingError',
  'ExtensionUnavailable',
  'DeadlineExceeded',
  'MalformedResponse',
])

const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ThrottledException',
  'RequestLimitExceeded',
  'Throttling',
])

/** Throttling, 5xx, timeouts and network errors: worth another attempt. */
export function isRetryableCode(code: string, httpStatus?: number): boolean {
  return RETRYABLE_CODES.has(code) || (httpStatus !== undefined && httpStatus >= 500)
}

export function isThrottlingCode(code: string): boolean {
  return THROTTLING_CODES.has(code)
}

/** What to do about a failure, by AWS error name. */
export function hintFor(code: string, store: string, name: string, operation: string | undefined): string {
  const ssm = store === 'ssm' || (operation?.includes('Parameter') ?? false) || name.startsWith('/')
  const iamPrefix = ssm ? 'ssm' : 'secretsmanager'
  const action = operation ?? (ssm ? 'GetParameters' : 'GetSecretValue')
  switch (code) {
    case 'AccessDeniedException':
    case 'AccessDenied':
      return `the execution role needs ${iamPrefix}:${action} on ${name} (and kms:Decrypt on its KMS key if it is a customer managed key)`
    case 'ResourceNotFoundException':
      return `check the secret name or ARN '${name}', its version selector and the region`
    case 'ParameterNotFound':
      return `check the parameter name '${name}' and the region`
    case 'ParameterVersionNotFound':
    case 'ParameterVersionLabelNotFound':
      return `check the version or label selector of '${name}'`
    case 'DecryptionFailure':
    case 'KMSAccessDeniedException':
    case 'InvalidKeyId':
      return `the execution role needs kms:Decrypt on the KMS key that encrypts '${name}', and the key must be enabled`
    case 'InvalidRequestException':
      return `'${name}' may be scheduled for deletion or its version selector may not be valid`
    case 'DeadlineExceeded':
      return 'the invocation was about to time out; raise the function timeout, lower requestTimeoutMs or use a longer ttl'
    case 'TimeoutError':
      return 'the AWS request timed out; check VPC endpoints / NAT for the function, or raise requestTimeoutMs'
    case 'TransformError':
      return `check the transform/field declared for '${name}' against the stored value's format`
    case 'ExtensionTokenRejected':
      return 'the extension rejected the X-Aws-Parameters-Secrets-Token header; it must be the AWS_SESSION_TOKEN of this execution environment'
    case 'ExtensionUnsupported':
      return 'the extension cannot serve this request (e.g. a parameters() path); use the SDK ssm store for it'
    case 'ExtensionRequestFailed':
      return 'the extension gave no reason; set PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL=debug and read its CloudWatch logs (often a missing permission or a wrong name)'
    case 'ExtensionUnavailable':
      return 'add the AWS Parameters and Secrets Lambda Extension layer to the function, or use the SDK stores'
    default:
      if (isThrottlingCode(code)) return 'AWS throttled the calls after retries; raise ttl, keep batching on, or raise the account quota'
      if (isRetryableCode(code)) return 'AWS failed after retries; the next invocation will try again'
      return ''
  }
}
