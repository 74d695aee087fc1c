/**
 * What to do about a failure, and the one builder of the KeyFailure a user sees. A hint is
 * chosen by the AWS error name and the role of the store that answered (never guessed from the
 * spelling of the name: a secret may well be called `/prod/db`).
 */
import { classify } from './classify.js'
import type { KeyFailure, Target } from './errors.js'
import { redacted } from './redact.js'
import type { StoreError } from './store.js'

/** Which service a store stands for: the one behind secret(), parameter(s)(), appConfig(), item(s)(). */
export type StoreRole = 'secretsManager' | 'ssm' | 'appConfig' | 'dynamodb'

/** The IAM service prefix and default read action of each role. */
const IAM: Readonly<Record<StoreRole, { readonly prefix: string; readonly action: string }>> = {
  secretsManager: { prefix: 'secretsmanager', action: 'GetSecretValue' },
  ssm: { prefix: 'ssm', action: 'GetParameters' },
  appConfig: { prefix: 'appconfig', action: 'GetLatestConfiguration' },
  dynamodb: { prefix: 'dynamodb', action: 'GetItem' },
}

/** The SDK client package each role needs when the SDK transport serves it. */
const SDK_PACKAGE: Readonly<Record<StoreRole, string>> = {
  secretsManager: '@aws-sdk/client-secrets-manager',
  ssm: '@aws-sdk/client-ssm',
  appConfig: '@aws-sdk/client-appconfigdata',
  dynamodb: '@aws-sdk/client-dynamodb',
}

export interface FailedKey {
  readonly key: string
  readonly target: Target
  readonly role: StoreRole
  readonly name: string
}

export function keyFailure(failed: FailedKey, storeName: string, error: StoreError): KeyFailure {
  return {
    key: failed.key,
    target: failed.target,
    store: storeName,
    name: failed.name,
    code: error.code,
    message: redacted(error.message),
    hint: hintFor(error.code, failed.role, failed.name, error.operation, error.message),
    retryable: error.retryable,
  }
}

/**
 * Reads that go together: the package uses both, so granting only the one that was denied leads to
 * the next denial (AppConfig's two calls), or to a batch refused each time and read one by one (SSM,
 * DynamoDB: 1 + N calls for every N keys).
 */
const PAIRED: Readonly<Partial<Record<StoreRole, readonly string[]>>> = {
  ssm: ['GetParameters', 'GetParameter'],
  appConfig: ['StartConfigurationSession', 'GetLatestConfiguration'],
  dynamodb: ['BatchGetItem', 'GetItem'],
}

function actionsFor(role: StoreRole, action: string): string {
  const paired = PAIRED[role]
  const { prefix } = IAM[role]
  if (paired?.includes(action)) return paired.map((a) => `${prefix}:${a}`).join(' and ')
  return `${prefix}:${action}`
}

export function hintFor(code: string, role: StoreRole, name: string, operation: string | undefined, message = ''): string {
  const iam = IAM[role]
  const action = operation ?? iam.action
  switch (code) {
    case 'AccessDeniedException':
    case 'AccessDenied':
      if (/sts:AssumeRole/.test(message)) return "the execution role needs sts:AssumeRole on the role in clientOptions.credentials, and that role's trust policy must allow the execution role"
      // "Access to KMS is not allowed", "... not authorized to perform: kms:Decrypt": the read was allowed, the key was not.
      if (/\bKMS\b|kms:/.test(message)) return `the execution role may read '${name}' but not decrypt it: it needs kms:Decrypt on the KMS key that encrypts it, and the key policy must allow the role (for a key of another account, both)`
      return `the execution role needs ${actionsFor(role, action)} on ${name} (and kms:Decrypt on its KMS key if it is a customer managed key)`
    case 'ResourceNotFoundException':
      if (role === 'appConfig') return `check the application, environment and configuration profile '${name}' (names or ids), that a configuration is deployed there, and the region`
      if (role === 'dynamodb') return `check the table name '${name}' and the region`
      // A plain string in `context` is a secret: an @middy/ssm fetchData entry copied as it is lands here.
      if (name.startsWith('/')) return `check the secret name or ARN '${name}', its version selector and the region; if it is an SSM parameter, declare it with parameter('${name}')`
      return `check the secret name or ARN '${name}', its version selector and the region`
    case 'ItemNotFound':
      return `no item with that key in table '${name}': check the key and the key attribute, or declare the key optional`
    case 'AttributeNotFound':
      return `the item in table '${name}' has no value attribute: check valueAttribute (default 'value')`
    case 'BadRequestException':
      return `AppConfig refused the request for '${name}': check the identifiers and that the key's ttl is at least 15 s (AppConfig's minimum poll interval)`
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
    case 'ValidationException':
      // DynamoDB's answer to a key that does not match the table's key schema (names or types).
      if (role === 'dynamodb') return `the key does not match the key schema of table '${name}': check keyAttribute and sortKeyAttribute (names and types) against the table`
      break
    case 'ProvisionedThroughputExceededException':
      // The table's (or an index's) capacity, not an account quota: batching and ttl help, a quota increase does not.
      if (role === 'dynamodb') return `table '${name}' is over its read capacity after retries: raise its provisioned reads or switch it to on-demand, or raise ttl`
      break
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
      return 'AWS does not know the access key the request was signed with: check the credentials (in Lambda, the execution role provides them; a key copied from elsewhere may be deleted or belong to another partition)'
    case 'ExpiredTokenException':
    case 'ExpiredToken':
      return "the session credentials have expired: in Lambda the runtime refreshes them; elsewhere renew them (aws sso login, a new assume-role), or pass a credentials provider in clientOptions.credentials"
    case 'CredentialsMissing':
      return 'no AWS credentials were found: in Lambda the execution role provides them; elsewhere set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or pass clientOptions.credentials'
    case 'RegionMissing':
      return 'no AWS region is set: in Lambda AWS_REGION is set for you; elsewhere set AWS_REGION or pass clientOptions.region'
    case 'SdkNotInstalled':
      // The message names the package that failed to load, when it says.
      return `install the AWS SDK package next to middy-secrets (npm install ${/@aws-sdk\/[a-z0-9-]+/.exec(message)?.[0] ?? SDK_PACKAGE[role]}); the Lambda Node.js runtime ships it, local runs and tests need it installed`
    case 'StagesChanging':
      return `'${name}' rotated again while this invocation read its stages; the next invocation reads them again`
    case 'DeadlineExceeded': {
      // A key still being retried (attempts.ts, resolve.ts): AWS did answer, and what it answered says more than the deadline.
      const retried = /, retrying after (\w+)$/.exec(message)?.[1]
      const why = retried ? hintFor(retried, role, name, operation) : ''
      if (why) return `the invocation was about to time out while the key was retried after ${retried}: ${why}`
      // What a function in a VPC with no route to AWS meets: its requests hang until the deadline.
      return 'no answer came from AWS before the invocation was about to time out: if none ever comes, check that the function can reach AWS (VPC endpoints or a NAT gateway); if AWS is only slow, raise the function timeout or use a longer ttl'
    }
    case 'NetworkingError': {
      // The errno in the message (socket-errors.ts connectionFailure, both transports) says where to
      // look; a DNS failure or a refused connection is a setting, not AWS, and does not pass by itself.
      if (/\bextension\b/.test(message)) break // the extension's own connection (extension-failures.ts)
      if (/\b(ENOTFOUND|EAI_AGAIN)\b/.test(message)) {
        return "the AWS endpoint's host name did not resolve: check the region (AWS_REGION, clientOptions.region) and any endpoint setting (clientOptions.endpoint, AWS_ENDPOINT_URL*); in a VPC, that the function has DNS"
      }
      if (/\bECONNREFUSED\b/.test(message)) return 'nothing accepted the connection at the AWS endpoint: check any endpoint setting (clientOptions.endpoint, AWS_ENDPOINT_URL*)'
      if (/\b(ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.test(message)) return 'no route to the AWS endpoint: a function in a VPC needs a VPC endpoint for the service or a NAT gateway'
      break
    }
    case 'TlsError':
      return "the endpoint's TLS certificate was refused: check the endpoint (clientOptions.endpoint, AWS_ENDPOINT_URL*); a private CA needs NODE_EXTRA_CA_CERTS set to its PEM file"
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
    case 'ExtensionPathNotFound':
      return 'what listens on the port does not serve the extension\'s paths: check PARAMETERS_SECRETS_EXTENSION_HTTP_PORT (or the port option) and that the AWS Parameters and Secrets Lambda Extension is the one listening there'
    case 'ExtensionUnavailable':
      return 'add the AWS Parameters and Secrets Lambda Extension layer to the function, or use the SDK stores'
  }
  switch (classify(code, undefined, message)) {
    case 'throttle':
      return 'AWS throttled the calls after retries; raise ttl, keep batching on, or raise the account quota'
    case 'clockSkew':
      return "the request's signature time was too far from AWS's clock even after one re-signed retry; check the system clock (NTP) of where this runs"
    case 'transient':
      return 'AWS failed after retries; the next invocation will try again'
    default:
      return ''
  }
}
