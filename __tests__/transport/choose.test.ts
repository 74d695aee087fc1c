/** choose(): the lean transport when it can do what the SDK would, the SDK otherwise, with the reason. */
import { inspect } from 'node:util'
import { ConfigError } from '../../lib/errors.js'
import { choose, type Env } from '../../lib/transport/choose.js'
import { sdkTransport } from '../../lib/transport/sdk.js'
import { CREDENTIALS, options, startCaptureServer } from './support.js'
import type { AwsService } from '../../lib/transport/transport.js'

/** What Lambda sets. */
const LAMBDA: Env = {
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'ASIAENV',
  AWS_SECRET_ACCESS_KEY: 'env-secret',
  AWS_SESSION_TOKEN: 'env-token',
  AWS_LAMBDA_FUNCTION_NAME: 'fn',
}
const STATIC = { accessKeyId: 'AKIDSTATIC', secretAccessKey: 'static-secret' }
const ACCOUNT = '123456789012'
const ACCOUNT_KNOWN = "the account is known (credentials.accountId or AWS_ACCOUNT_ID): DynamoDB's account-based endpoint is the SDK's"

describe('the lean transport serves', () => {
  test.each([
    ['Lambda, no clientOptions', 'secretsmanager', undefined, LAMBDA, 'https://secretsmanager.eu-west-1.amazonaws.com/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['clientOptions.region over AWS_REGION', 'ssm', { region: 'us-west-2' }, LAMBDA, 'https://ssm.us-west-2.amazonaws.com/', 'us-west-2', 'ASIAENV', 'env-token'],
    ['static credentials in clientOptions win over the environment', 'dynamodb', { credentials: STATIC }, LAMBDA, 'https://dynamodb.eu-west-1.amazonaws.com/', 'eu-west-1', 'AKIDSTATIC', undefined],
    ['static credentials and a region with no credentials in the environment', 'ssm', { credentials: { ...STATIC, sessionToken: 't', expiration: new Date() }, region: 'cn-north-1' }, {}, 'https://ssm.cn-north-1.amazonaws.com.cn/', 'cn-north-1', 'AKIDSTATIC', 't'],
    ['no session token', 'ssm', {}, { ...LAMBDA, AWS_SESSION_TOKEN: undefined }, 'https://ssm.eu-west-1.amazonaws.com/', 'eu-west-1', 'ASIAENV', undefined],
    ['AWS_USE_FIPS_ENDPOINT=true', 'ssm', {}, { ...LAMBDA, AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://ssm-fips.eu-west-1.amazonaws.com/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['AWS_USE_DUALSTACK_ENDPOINT=true', 'appconfigdata', {}, { ...LAMBDA, AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'https://appconfigdata.eu-west-1.api.aws/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['clientOptions.useFipsEndpoint false over the variable', 'ssm', { useFipsEndpoint: false }, { ...LAMBDA, AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://ssm.eu-west-1.amazonaws.com/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['clientOptions FIPS and dual-stack', 'dynamodb', { useFipsEndpoint: true, useDualstackEndpoint: true }, LAMBDA, 'https://dynamodb-fips.eu-west-1.api.aws/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['AWS_ENDPOINT_URL_SSM', 'ssm', {}, { ...LAMBDA, AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:4566' }, 'http://127.0.0.1:4566/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['DynamoDB, AWS_ACCOUNT_ID with account endpoints disabled', 'dynamodb', {}, { ...LAMBDA, AWS_ACCOUNT_ID: ACCOUNT, AWS_ACCOUNT_ID_ENDPOINT_MODE: 'disabled' }, 'https://dynamodb.eu-west-1.amazonaws.com/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['DynamoDB, AWS_ACCOUNT_ID beside static credentials without one (the SDK reads it with the environment\'s only)', 'dynamodb', { credentials: STATIC }, { ...LAMBDA, AWS_ACCOUNT_ID: ACCOUNT }, 'https://dynamodb.eu-west-1.amazonaws.com/', 'eu-west-1', 'AKIDSTATIC', undefined],
    ['DynamoDB, an account and a custom endpoint', 'dynamodb', {}, { ...LAMBDA, AWS_ACCOUNT_ID: ACCOUNT, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }, 'http://127.0.0.1:8000/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['DynamoDB, an account and FIPS (no account endpoint there)', 'dynamodb', { useFipsEndpoint: true }, { ...LAMBDA, AWS_ACCOUNT_ID: ACCOUNT }, 'https://dynamodb-fips.eu-west-1.amazonaws.com/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['AWS_ACCOUNT_ID for another service', 'ssm', {}, { ...LAMBDA, AWS_ACCOUNT_ID: ACCOUNT }, 'https://ssm.eu-west-1.amazonaws.com/', 'eu-west-1', 'ASIAENV', 'env-token'],
    ['options it ignores safely, undefined options', 'ssm', { maxAttempts: 3, retryMode: 'adaptive', logger: console, customUserAgent: 'x', requestHandler: undefined }, LAMBDA, 'https://ssm.eu-west-1.amazonaws.com/', 'eu-west-1', 'ASIAENV', 'env-token'],
  ] as const)('%s', (_what, service, clientOptions, env, endpoint, region, accessKeyId, sessionToken) => {
    const choice = choose(service, clientOptions, env)
    if (choice.kind !== 'https') throw new Error(`expected https, got sdk: ${choice.reason}`)
    expect(choice.config).toMatchObject({ service, endpoint, region, systemClockOffset: 0 })
    expect(choice.config.credentials.accessKeyId).toBe(accessKeyId)
    expect(choice.config.credentials.sessionToken).toBe(sessionToken)
  })

  test('the credentials never show when the config is logged or serialised', () => {
    const choice = choose('ssm', {}, LAMBDA)
    if (choice.kind !== 'https') throw new Error('expected https')
    expect(JSON.stringify(choice.config)).not.toContain('env-secret')
    expect(inspect(choice.config, { depth: 5 })).not.toContain('env-secret')
    expect(Object.keys(choice.config)).not.toContain('credentials')
    expect(choice.config.credentials.secretAccessKey).toBe('env-secret')
  })

  test('clientOptions.systemClockOffset is kept', () => {
    const choice = choose('ssm', { systemClockOffset: 120_000 }, LAMBDA)
    expect(choice.kind === 'https' && choice.config.systemClockOffset).toBe(120_000)
  })
})

describe('the SDK serves, and says why', () => {
  test.each([
    ['a credentials provider function', 'ssm', { credentials: async () => STATIC }, LAMBDA, 'clientOptions.credentials is a provider function'],
    ['credentials with an unknown member', 'ssm', { credentials: { ...STATIC, AccessKeyId: 'x' } }, LAMBDA, 'clientOptions.credentials.AccessKeyId is not a static credentials member'],
    ['credentials without a secret', 'ssm', { credentials: { accessKeyId: 'x' } }, LAMBDA, 'clientOptions.credentials lacks accessKeyId or secretAccessKey'],
    ['no credentials in the environment (ECS, IMDS, web identity...)', 'ssm', {}, { AWS_REGION: 'eu-west-1', AWS_WEB_IDENTITY_TOKEN_FILE: '/t' }, 'no credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)'],
    ['AWS_PROFILE', 'ssm', {}, { ...LAMBDA, AWS_PROFILE: 'dev' }, "AWS_PROFILE is set (profiles, SSO and process credentials are the SDK's)"],
    ['AWS_PROFILE even with static credentials', 'ssm', { credentials: STATIC }, { ...LAMBDA, AWS_PROFILE: 'dev' }, "AWS_PROFILE is set (profiles, SSO and process credentials are the SDK's)"],
    ['AWS_CONFIG_FILE', 'ssm', {}, { ...LAMBDA, AWS_CONFIG_FILE: '/c' }, 'AWS_CONFIG_FILE is set (shared config files are read by the SDK only)'],
    ['no region', 'ssm', {}, { ...LAMBDA, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined }, 'no region (clientOptions.region or AWS_REGION)'],
    // The SDK reads AWS_REGION only: served by the lean transport, such a function would fail with RegionMissing once on the SDK.
    ['AWS_DEFAULT_REGION alone', 'ssm', {}, { ...LAMBDA, AWS_REGION: undefined }, 'AWS_DEFAULT_REGION is set but not AWS_REGION, which the SDK reads'],
    ['a region provider', 'ssm', { region: async () => 'eu-west-1' }, LAMBDA, 'clientOptions.region is not a string'],
    ['a region with no known partition', 'ssm', { region: 'us-iso-east-1' }, LAMBDA, "no known partition for region 'us-iso-east-1'"],
    ['a FIPS pseudo-region', 'ssm', { region: 'fips-us-east-1' }, LAMBDA, "no known partition for region 'fips-us-east-1'"],
    ['an unknown clientOptions key', 'ssm', { requestHandler: {} }, LAMBDA, 'clientOptions.requestHandler is an SDK option the https transport does not implement'],
    ['an unknown clientOptions key (tls)', 'ssm', { tls: false }, LAMBDA, 'clientOptions.tls is an SDK option the https transport does not implement'],
    ['AWS_USE_FIPS_ENDPOINT that is not true/false', 'ssm', {}, { ...LAMBDA, AWS_USE_FIPS_ENDPOINT: '1' }, "AWS_USE_FIPS_ENDPOINT is neither 'true' nor 'false'"],
    ['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS that is not true/false', 'ssm', {}, { ...LAMBDA, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'yes' }, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is neither 'true' nor 'false'"],
    ['useDualstackEndpoint as a provider', 'ssm', { useDualstackEndpoint: async () => true }, LAMBDA, 'clientOptions.useDualstackEndpoint is not a boolean'],
    ['a custom endpoint with FIPS', 'ssm', { endpoint: 'http://x/', useFipsEndpoint: true }, LAMBDA, "clientOptions.endpoint together with FIPS or dual-stack (the SDK's rules refuse it)"],
    ['systemClockOffset that is not a number', 'ssm', { systemClockOffset: '5' }, LAMBDA, 'clientOptions.systemClockOffset is not a number'],
    ['DynamoDB, AWS_ACCOUNT_ID with the environment\'s credentials', 'dynamodb', {}, { ...LAMBDA, AWS_ACCOUNT_ID: ACCOUNT }, ACCOUNT_KNOWN],
    ['DynamoDB, credentials.accountId', 'dynamodb', { credentials: { ...STATIC, accountId: ACCOUNT } }, LAMBDA, ACCOUNT_KNOWN],
    ['DynamoDB, AWS_ACCOUNT_ID_ENDPOINT_MODE=required', 'dynamodb', {}, { ...LAMBDA, AWS_ACCOUNT_ID_ENDPOINT_MODE: 'required' }, "AWS_ACCOUNT_ID_ENDPOINT_MODE is neither 'preferred' nor 'disabled' (DynamoDB's account-based endpoints are the SDK's)"],
  ] as const)('%s', (_what, service, clientOptions, env, reason) => {
    expect(choose(service, clientOptions, env)).toEqual({ kind: 'sdk', reason })
  })

  test('an SDK client given by the user', () => {
    expect(choose('ssm', {}, LAMBDA, undefined, { send: async () => ({}) })).toEqual({ kind: 'sdk', reason: 'an SDK client was given' })
  })

  test("forced 'sdk' always gets the SDK", () => {
    expect(choose('ssm', {}, LAMBDA, 'sdk')).toEqual({ kind: 'sdk', reason: 'the sdk transport was asked for' })
  })
})

describe("forced 'https'", () => {
  test('serves when it can', () => {
    expect(choose('secretsmanager', {}, LAMBDA, 'https').kind).toBe('https')
  })

  test.each<[AwsService, Record<string, unknown>, Env, string]>([
    ['ssm', { credentials: async () => STATIC }, LAMBDA, "'https' cannot serve ssm: clientOptions.credentials is a provider function"],
    ['dynamodb', {}, { ...LAMBDA, AWS_PROFILE: 'dev' }, "'https' cannot serve dynamodb: AWS_PROFILE is set"],
    ['appconfigdata', { region: 'us-iso-east-1' }, LAMBDA, "'https' cannot serve appconfigdata: no known partition for region 'us-iso-east-1'"],
  ])('throws a ConfigError naming what it cannot honour: %s', (service, clientOptions, env, message) => {
    let thrown: unknown
    try {
      choose(service, clientOptions, env, 'https')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as Error).message).toContain(message)
  })
})

test("DynamoDB's SDK client: a known account selects its account-based endpoint, where choose() leaves DynamoDB to the SDK", async () => {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb')
  const client = new DynamoDBClient({ region: 'eu-west-1', credentials: { ...STATIC, accountId: ACCOUNT } })
  const resolve = (params: Record<string, unknown>): string => client.config.endpointProvider({ Region: 'eu-west-1', UseFIPS: false, UseDualStack: false, ...params } as never).url.href
  expect(resolve({ AccountId: ACCOUNT, AccountIdEndpointMode: 'preferred' })).toBe(`https://${ACCOUNT}.ddb.eu-west-1.amazonaws.com/`)
  expect(resolve({ AccountId: ACCOUNT, AccountIdEndpointMode: 'disabled' })).toBe('https://dynamodb.eu-west-1.amazonaws.com/')
  expect(resolve({ AccountId: ACCOUNT, AccountIdEndpointMode: 'preferred', UseFIPS: true })).toBe('https://dynamodb-fips.eu-west-1.amazonaws.com/')
  expect(resolve({ AccountIdEndpointMode: 'preferred' })).toBe('https://dynamodb.eu-west-1.amazonaws.com/')
  client.destroy()
})

// Off Lambda (a developer's machine, CI) the SDK reads ~/.aws/config unasked: its region,
// endpoint_url and use_fips_endpoint. With the environment's credentials, the lean transport
// would send elsewhere than the SDK. Lambda has no such file.
describe('a shared config file', () => {
  const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs')
  const { tmpdir } = process.getBuiltinModule('node:os')
  const home = mkdtempSync(`${tmpdir()}/choose-home-`)
  const empty = mkdtempSync(`${tmpdir()}/choose-empty-`)
  mkdirSync(`${home}/.aws`)
  writeFileSync(`${home}/.aws/config`, '[default]\nuse_fips_endpoint = true\n')
  afterAll(() => {
    rmSync(home, { recursive: true, force: true })
    rmSync(empty, { recursive: true, force: true })
  })
  const offLambda = { ...LAMBDA, AWS_LAMBDA_FUNCTION_NAME: undefined }

  test('in the home directory, off Lambda: the SDK serves, and says why', () => {
    expect(choose('ssm', {}, { ...offLambda, HOME: home })).toEqual({ kind: 'sdk', reason: `${home}/.aws/config exists (its region, endpoint and FIPS settings are read by the SDK only)` })
    expect(choose('ssm', {}, { ...offLambda, HOME: undefined, USERPROFILE: `${home}/` }).kind).toBe('sdk')
  })

  // The SDK merges ~/.aws/credentials into the profile: its endpoint_url is read from there too.
  test('~/.aws/credentials alone is one too: the SDK sends to its endpoint_url, and serves', async () => {
    const alone = mkdtempSync(`${tmpdir()}/choose-credentials-`)
    const server = await startCaptureServer()
    const saved = { ...process.env }
    try {
      mkdirSync(`${alone}/.aws`)
      writeFileSync(`${alone}/.aws/credentials`, `[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\nendpoint_url = ${server.endpoint}\n`)
      for (const variable of Object.keys(process.env)) if (variable.startsWith('AWS_')) delete process.env[variable]
      process.env.HOME = alone
      const clientOptions = { region: 'eu-west-1', credentials: CREDENTIALS }
      expect((await sdkTransport('secretsmanager', { clientOptions }).call('GetSecretValue', { SecretId: 'x' }, options())).ok).toBe(true)
      expect(server.requests).toHaveLength(1)
      expect(choose('secretsmanager', clientOptions, { ...offLambda, HOME: alone })).toEqual({
        kind: 'sdk',
        reason: `${alone}/.aws/credentials exists (its region, endpoint and FIPS settings are read by the SDK only)`,
      })
    } finally {
      for (const variable of Object.keys(process.env)) if (!(variable in saved)) delete process.env[variable]
      Object.assign(process.env, saved)
      rmSync(alone, { recursive: true, force: true })
      await server.close()
    }
  })

  test('none in the home directory, or in Lambda: the lean transport serves', () => {
    expect(choose('ssm', {}, { ...offLambda, HOME: empty }).kind).toBe('https')
    expect(choose('ssm', {}, { ...LAMBDA, HOME: home }).kind).toBe('https')
    expect(choose('ssm', {}, { ...offLambda, HOME: undefined }).kind).toBe('https')
  })
})
