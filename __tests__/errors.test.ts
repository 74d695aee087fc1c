/** errors.ts: ConfigError, SecretsError (every failure listed), hints per AWS error, retryable codes. */
import { inspect } from 'node:util'
import { clearCache } from '../lib/index.js'
import { ConfigError, type KeyFailure, SecretsError } from '../lib/errors.js'
import { hintFor } from '../lib/hints.js'

beforeEach(() => {
  clearCache()
})

const failure = (overrides: Partial<KeyFailure>): KeyFailure => ({
  key: 'db',
  target: 'context',
  store: 'secretsManager',
  name: 'prod/db',
  code: 'AccessDeniedException',
  message: 'User is not authorized to perform secretsmanager:GetSecretValue',
  hint: hintFor('AccessDeniedException', 'secretsManager', 'prod/db', 'GetSecretValue'),
  retryable: false,
  ...overrides,
})

describe('ConfigError', () => {
  test('names the option and the problem', () => {
    const error = new ConfigError('context.db.ttl', 'must be a number')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ConfigError')
    expect(error.option).toBe('context.db.ttl')
    expect(error.message).toBe("middy-secrets: option 'context.db.ttl' must be a number")
    expect(String(error)).toBe("ConfigError: middy-secrets: option 'context.db.ttl' must be a number")
  })
})

describe('SecretsError', () => {
  test('the message lists every failure with key, store, name, code, message and hint', () => {
    const failures = [
      failure({}),
      failure({ key: 'API_KEY', target: 'env', store: 'ssm', name: '/prod/api', code: 'ParameterNotFound', message: 'not found', hint: hintFor('ParameterNotFound', 'ssm', '/prod/api', undefined) }),
      failure({ key: 'flags', code: 'ThrottlingException', message: 'Rate exceeded', hint: '', retryable: true }),
    ]
    const error = new SecretsError(failures)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('SecretsError')
    expect(error.failures).toBe(failures)
    const lines = error.message.split('\n')
    expect(lines).toEqual([
      'middy-secrets: 3 keys could not be resolved:',
      `  - context.db (secretsManager 'prod/db'): AccessDeniedException: User is not authorized to perform secretsmanager:GetSecretValue -> ${failures[0]!.hint}`,
      `  - env.API_KEY (ssm '/prod/api'): ParameterNotFound: not found -> check the parameter name '/prod/api' and the region`,
      "  - context.flags (secretsManager 'prod/db'): ThrottlingException: Rate exceeded",
    ])
  })

  test('singular for one key', () => {
    expect(new SecretsError([failure({})]).message.split('\n')[0]).toBe('middy-secrets: 1 key could not be resolved:')
  })

  test('String() and inspect() show the listing', () => {
    const error = new SecretsError([failure({}), failure({ key: 'other', name: 'prod/other' })])
    expect(String(error)).toContain("context.other (secretsManager 'prod/other')")
    expect(inspect(error)).toContain("context.db (secretsManager 'prod/db')")
    expect(JSON.parse(JSON.stringify(error.failures))).toHaveLength(2)
  })
})

describe('hintFor', () => {
  // The read was allowed, the key was not: "Access to KMS is not allowed" (Secrets Manager), or
  // "... not authorized to perform: kms:Decrypt ..." (SSM).
  test('an AccessDenied about KMS names kms:Decrypt and the key policy, not the read permission', () => {
    const sm = hintFor('AccessDeniedException', 'secretsManager', 'prod/db', 'GetSecretValue', 'Access to KMS is not allowed')
    const ssm = hintFor('AccessDeniedException', 'ssm', '/prod/key', 'GetParameters', 'User: arn:aws:sts::111122223333:assumed-role/fn/fn is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:111122223333:key/1234abcd')
    for (const hint of [sm, ssm]) {
      expect(hint).toContain('kms:Decrypt')
      expect(hint).toContain('key policy')
      expect(hint).not.toMatch(/secretsmanager:GetSecretValue|ssm:GetParameters/)
    }
  })

  // What a function in a VPC with no endpoint and no NAT meets: no answer until the deadline.
  test('DeadlineExceeded of a key still being retried: the hint of what it was retried after, not the network path', () => {
    const after = (code: string) => hintFor('DeadlineExceeded', 'secretsManager', 'prod/db', 'GetSecretValue', `stopped before the Lambda deadline, retrying after ${code}`)
    expect(after('ThrottlingException')).toBe('the invocation was about to time out while the key was retried after ThrottlingException: AWS throttled the calls after retries; raise ttl, keep batching on, or raise the account quota')
    expect(after('InternalServiceError')).toMatch(/retried after InternalServiceError: AWS failed after retries/)
    expect(after('InternalServiceError')).not.toMatch(/VPC/)
    // Only the package's own suffix counts: the same words inside another message do not.
    expect(hintFor('DeadlineExceeded', 'secretsManager', 'prod/db', 'GetSecretValue', 'x, retrying after ThrottlingException, then stopped')).toMatch(/VPC endpoints/)
    // A code with no hint of its own (a custom store's) leaves the network path's.
    expect(after('SomethingElse')).toMatch(/^no answer came from AWS .*VPC endpoints/)
  })

  test('DeadlineExceeded names the network path to AWS before a longer timeout', () => {
    expect(hintFor('DeadlineExceeded', 'secretsManager', 'prod/db', 'GetSecretValue')).toMatch(/VPC endpoints or a NAT gateway.*raise the function timeout/)
  })

  test('AccessDenied on Secrets Manager names secretsmanager:GetSecretValue and the secret', () => {
    expect(hintFor('AccessDeniedException', 'secretsManager', 'arn:aws:secretsmanager:us-east-1:1:secret:db', undefined)).toBe(
      'the execution role needs secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:1:secret:db (and kms:Decrypt on its KMS key if it is a customer managed key)',
    )
    expect(hintFor('AccessDenied', 'secretsManager', 'db', 'BatchGetSecretValue')).toContain('secretsmanager:BatchGetSecretValue on db')
  })

  test('AccessDenied on SSM names ssm:GetParameters, or the operation that failed', () => {
    expect(hintFor('AccessDeniedException', 'ssm', '/prod/flags', undefined)).toContain('ssm:GetParameters and ssm:GetParameter on /prod/flags')
    expect(hintFor('AccessDeniedException', 'ssm', '/prod', 'GetParametersByPath')).toContain('ssm:GetParametersByPath on /prod')
    expect(hintFor('AccessDeniedException', 'ssm', '/prod/flags', undefined)).not.toContain('secretsmanager')
  })

  // Granting only the one denied leaves the other denied next (AppConfig), or a batch refused on
  // every refresh and read one by one (SSM, DynamoDB: 1 + N calls).
  test.each([
    ['ssm', 'GetParameter', 'ssm:GetParameters and ssm:GetParameter'],
    ['ssm', 'GetParameters', 'ssm:GetParameters and ssm:GetParameter'],
    ['appConfig', 'StartConfigurationSession', 'appconfig:StartConfigurationSession and appconfig:GetLatestConfiguration'],
    ['appConfig', 'GetLatestConfiguration', 'appconfig:StartConfigurationSession and appconfig:GetLatestConfiguration'],
    ['dynamodb', 'GetItem', 'dynamodb:BatchGetItem and dynamodb:GetItem'],
    ['dynamodb', 'Query', 'dynamodb:Query'],
  ] as const)('AccessDenied on %s %s names the reads that go together: %s', (role, operation, actions) => {
    expect(hintFor('AccessDeniedException', role, 'x', operation)).toBe(`the execution role needs ${actions} on x (and kms:Decrypt on its KMS key if it is a customer managed key)`)
  })

  // A typo in the region or an endpoint, or a VPC without DNS or a route: "AWS failed" sent the
  // operator to AWS's status page, and said it would pass by itself.
  test.each([
    ['GetSecretValue failed: ENOTFOUND', "host name did not resolve: check the region"],
    ['GetSecretValue failed: EAI_AGAIN', "host name did not resolve: check the region"],
    ['GetParameters failed: ECONNREFUSED', 'nothing accepted the connection at the AWS endpoint'],
    ['GetItem failed: EHOSTUNREACH', 'needs a VPC endpoint for the service or a NAT gateway'],
  ])('NetworkingError "%s": the hint says where to look', (message, hint) => {
    expect(hintFor('NetworkingError', 'secretsManager', 'db', undefined, message)).toContain(hint)
  })

  test("NetworkingError of a reset, or of the extension's connection: the hint of a transient failure", () => {
    const transient = hintFor('NetworkingError', 'secretsManager', 'db', undefined, 'GetSecretValue failed: ECONNRESET')
    expect(hintFor('NetworkingError', 'secretsManager', 'db', undefined, 'the connection to the extension on localhost:2773 failed (ECONNREFUSED)')).toBe(transient)
    expect(transient).not.toContain('endpoint')
  })

  // An empty hint left the operator with AWS's words alone.
  test('a DynamoDB key that does not match the schema, an unknown access key, expired session credentials: each says what to check', () => {
    expect(hintFor('ValidationException', 'dynamodb', 'config', 'GetItem', 'The provided key element does not match the schema')).toContain("check keyAttribute and sortKeyAttribute (names and types) against the table")
    expect(hintFor('UnrecognizedClientException', 'secretsManager', 'db', 'GetSecretValue')).toMatch(/^AWS does not know the access key/)
    expect(hintFor('InvalidClientTokenId', 'ssm', '/p', 'GetParameters')).toMatch(/^AWS does not know the access key/)
    expect(hintFor('ExpiredTokenException', 'secretsManager', 'db', 'GetSecretValue')).toMatch(/^the session credentials have expired/)
    // Another service's ValidationException keeps the hint of a permanent failure.
    expect(hintFor('ValidationException', 'ssm', '/p', 'GetParameters')).not.toContain('keyAttribute')
  })

  // An account quota cannot be raised for it: the table's capacity is what ran out.
  test("DynamoDB's ProvisionedThroughputExceededException names the table's capacity, not the account quota", () => {
    const hint = hintFor('ProvisionedThroughputExceededException', 'dynamodb', 'config', 'BatchGetItem')
    expect(hint).toBe("table 'config' is over its read capacity after retries: raise its provisioned reads or switch it to on-demand, or raise ttl")
    expect(hintFor('ThrottlingException', 'dynamodb', 'config', 'BatchGetItem')).toContain('account quota')
  })

  test.each(['DecryptionFailure', 'KMSAccessDeniedException', 'InvalidKeyId'])('%s names kms:Decrypt', (code) => {
    expect(hintFor(code, 'secretsManager', 'db', undefined)).toBe("the execution role needs kms:Decrypt on the KMS key that encrypts 'db', and the key must be enabled")
  })

  test('not found, by store', () => {
    expect(hintFor('ResourceNotFoundException', 'secretsManager', 'prod/db', undefined)).toBe("check the secret name or ARN 'prod/db', its version selector and the region")
    // A parameter path declared as a plain string (an @middy/ssm fetchData entry copied as it is) is read as a secret.
    expect(hintFor('ResourceNotFoundException', 'secretsManager', '/prod/stripe', undefined)).toBe(
      "check the secret name or ARN '/prod/stripe', its version selector and the region; if it is an SSM parameter, declare it with parameter('/prod/stripe')",
    )
    expect(hintFor('ParameterNotFound', 'ssm', '/p', undefined)).toBe("check the parameter name '/p' and the region")
    expect(hintFor('ParameterVersionNotFound', 'ssm', '/p', undefined)).toBe("check the version or label selector of '/p'")
    expect(hintFor('ParameterVersionLabelNotFound', 'ssm', '/p', undefined)).toBe("check the version or label selector of '/p'")
  })

  test('package codes and others', () => {
    expect(hintFor('InvalidRequestException', 'secretsManager', 'db', undefined)).toContain('scheduled for deletion')
    expect(hintFor('DeadlineExceeded', 'secretsManager', 'db', undefined)).toContain('function timeout')
    expect(hintFor('TimeoutError', 'ssm', '/p', undefined)).toContain('requestTimeoutMs')
    expect(hintFor('TransformError', 'secretsManager', 'db', undefined)).toBe("check the transform/field declared for 'db' against the stored value's format")
    expect(hintFor('ExtensionUnavailable', 'secretsManager', 'db', undefined)).toContain('Lambda Extension layer')
    expect(hintFor('ThrottlingException', 'secretsManager', 'db', undefined)).toContain('throttled')
    expect(hintFor('InternalServiceError', 'secretsManager', 'db', undefined)).toBe('AWS failed after retries; the next invocation will try again')
    expect(hintFor('SomethingElse', 'secretsManager', 'db', undefined)).toBe('')
  })
})
