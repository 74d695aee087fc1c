/**
 * aws-server/sts.ts through the real SDK: AssumeRole as `fromTemporaryCredentials` of
 * `@aws-sdk/credential-providers` calls it (its STS client, over the query protocol), the
 * access key and role recorded on every call, the session token an issued key needs, STS's
 * errors, and the `roles` option that limits what a role's credentials may read.
 */
import { BatchGetSecretValueCommand, DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers'
import type { AwsCredentialIdentity } from '@aws-sdk/types'
import type { AwsServer, AwsServerOptions } from '../../../lib/testing/aws-server/index.js'
import { credentials, failure, smClient, startSeededServer } from './harness.js'

const READER = 'arn:aws:iam::123456789012:role/secrets-reader'
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/path/other'
/** The function's own (long-term) key, in another account. */
const FUNCTION_KEY = { accessKeyId: 'AKIAFUNCTIONKEY00001', secretAccessKey: 'function-secret-key' }

let server: AwsServer

/** A credentials provider that assumes `roleArn` on the stand-in, signing AssumeRole with the function's key. */
function assume(roleArn: string, params: { RoleSessionName?: string; DurationSeconds?: number } = {}, master: AwsCredentialIdentity = FUNCTION_KEY) {
  return fromTemporaryCredentials({ params: { RoleArn: roleArn, ...params }, masterCredentials: master, clientConfig: { region: 'us-east-1', endpoint: server.endpoint, maxAttempts: 1 } })
}

function smWith(credentialsOrProvider: SecretsManagerClient['config']['credentials'] | AwsCredentialIdentity): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: credentialsOrProvider, maxAttempts: 1 })
}

async function withServer(options: AwsServerOptions, run: () => Promise<void>): Promise<void> {
  const previous = server
  server = await startSeededServer(options)
  try {
    await run()
  } finally {
    await server.close()
    server = previous
  }
}

beforeAll(async () => {
  server = await startSeededServer()
})

afterAll(async () => {
  await server.close()
})

beforeEach(() => {
  server.clearFaults()
  server.setQuotas(false)
  server.setClockOffset(0)
  server.resetCalls()
})

describe('AssumeRole', () => {
  test('issues temporary credentials for the role, as fromTemporaryCredentials reads them; the call names the role and the key that signed it', async () => {
    const before = Date.now()
    const issued = await assume(READER, { RoleSessionName: 'reader-session' })()
    expect(issued.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(issued.secretAccessKey).toHaveLength(40)
    expect(issued.sessionToken!.length).toBeGreaterThan(100)
    // DurationSeconds defaults to an hour, as AWS's does.
    expect(issued.expiration!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3_600_000)
    expect(issued.expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 3_600_000)

    const kept = server.issuedCredentials.at(-1)!
    expect(kept).toEqual({
      roleArn: READER,
      roleSessionName: 'reader-session',
      assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/secrets-reader/reader-session',
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
      expiration: issued.expiration,
    })
    expect(server.calls).toEqual([{ operation: 'AssumeRole', names: [READER], accessKeyId: FUNCTION_KEY.accessKeyId, status: 200, at: expect.any(Number), throttled: false }])
  })

  test('each call issues new credentials; DurationSeconds sets the expiration; a role with a path is read', async () => {
    const first = await assume(OTHER_ROLE, { DurationSeconds: 900 })()
    const second = await assume(OTHER_ROLE, { DurationSeconds: 900 })()
    expect(second.accessKeyId).not.toBe(first.accessKeyId)
    expect(second.secretAccessKey).not.toBe(first.secretAccessKey)
    expect(Math.abs(first.expiration!.getTime() - (Date.now() + 900_000))).toBeLessThan(5_000)
    expect(server.issuedCredentials.slice(-2).map((c) => c.assumedRoleArn)).toEqual([
      expect.stringMatching(/^arn:aws:sts::123456789012:assumed-role\/other\/aws-sdk-js-\d+$/),
      expect.stringMatching(/^arn:aws:sts::123456789012:assumed-role\/other\/aws-sdk-js-\d+$/),
    ])
  })

  test.each([
    ['a session name too short', { RoleSessionName: 'x' }, READER, "Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64"],
    ['a session name with a space', { RoleSessionName: 'my session' }, READER, 'Member must satisfy regular expression pattern'],
    ['a duration under 15 minutes', { DurationSeconds: 100 }, READER, "Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"],
    ['an ARN that is not a role', {}, 'arn:aws:iam::123456789012:user/someone', 'arn:aws:iam::123456789012:user/someone is not a valid role ARN'],
    ['an ARN too short', {}, 'arn:aws:iam::1:role', "Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048"],
  ])('%s is a ValidationError (400), and nothing is issued', async (_case, params, roleArn, message) => {
    const issued = server.issuedCredentials.length
    const error = await failure(assume(roleArn, params)())
    expect(error.name).toBe('ValidationError')
    expect(error.$metadata?.httpStatusCode).toBe(400)
    expect(error.message).toContain(message)
    expect(server.issuedCredentials).toHaveLength(issued)
  })

  test('an injected fault names the role (AccessDenied, 403, as a missing trust policy answers); quotas apply (Throttling)', async () => {
    server.fault({ operation: 'AssumeRole', name: READER, kind: 'error', code: 'AccessDenied', message: `User: x is not authorized to perform: sts:AssumeRole on resource: ${READER}` })
    expect((await assume(OTHER_ROLE)()).accessKeyId).toMatch(/^ASIA/) // another role: not hit
    const denied = await failure(assume(READER)())
    expect(denied.name).toBe('AccessDenied')
    expect(denied.$metadata?.httpStatusCode).toBe(403)
    expect(denied.message).toContain(`sts:AssumeRole on resource: ${READER}`)

    server.clearFaults()
    server.setQuotas({ AssumeRole: 0 })
    const throttled = await failure(assume(READER)())
    expect(throttled.name).toBe('Throttling')
    expect(server.calls.at(-1)).toMatchObject({ operation: 'AssumeRole', throttled: true, status: 400 })
  })

  test('a signature outside the server clock\'s window is SignatureDoesNotMatch (403)', async () => {
    server.setClockOffset(20 * 60_000)
    const error = await failure(assume(READER)())
    expect(error.name).toBe('SignatureDoesNotMatch')
    expect(error.$metadata?.httpStatusCode).toBe(403)
    expect(error.message).toMatch(/^Signature expired: /)
  })

  test('an action STS lacks is InvalidAction, in XML, logged as Unknown with the signing key', async () => {
    const response = await fetch(server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=AKIAQUERY/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0' },
      body: 'Action=GetFederationToken&Version=2011-06-15',
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe('text/xml')
    expect(await response.text()).toContain('<Error><Type>Sender</Type><Code>InvalidAction</Code>')
    expect(server.calls).toEqual([expect.objectContaining({ operation: 'Unknown', accessKeyId: 'AKIAQUERY' })])
  })
})

describe('who signed each call', () => {
  test("a static key is recorded as such, an issued one with its role, an unsigned request with neither", async () => {
    const sm = smClient(server)
    const assumed = smWith(assume(READER))
    try {
      await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
      await assumed.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
      await fetch(server.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' }, body: '{"SecretId":"prod/api"}' })
      const key = server.issuedCredentials.at(-1)!.accessKeyId
      expect(server.calls.map(({ operation, names, accessKeyId, role }) => ({ operation, names, accessKeyId, role }))).toEqual([
        { operation: 'GetSecretValue', names: ['prod/db'], accessKeyId: credentials.accessKeyId, role: undefined },
        { operation: 'AssumeRole', names: [READER], accessKeyId: FUNCTION_KEY.accessKeyId, role: undefined },
        { operation: 'GetSecretValue', names: ['prod/db'], accessKeyId: key, role: READER },
        { operation: 'GetSecretValue', names: ['prod/api'], accessKeyId: undefined, role: undefined },
      ])
      expect(Object.keys(server.calls[0]!)).not.toContain('role')
      expect(Object.keys(server.calls[3]!)).not.toContain('accessKeyId')
    } finally {
      sm.destroy()
      assumed.destroy()
    }
  })

  test('an issued key needs its own session token (UnrecognizedClientException; InvalidClientTokenId at STS)', async () => {
    const first = await assume(READER)()
    const second = await assume(READER)()
    const clients: SecretsManagerClient[] = []
    const read = (c: AwsCredentialIdentity): Promise<unknown> => {
      const client = smWith(c)
      clients.push(client)
      return client.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    }
    try {
      for (const wrong of [{ ...first, sessionToken: undefined }, { ...first, sessionToken: second.sessionToken }]) {
        const error = await failure(read(wrong))
        expect(error.name).toBe('UnrecognizedClientException')
        expect(error.message).toBe('The security token included in the request is invalid.')
        expect(server.calls.at(-1)).toMatchObject({ operation: 'GetSecretValue', accessKeyId: first.accessKeyId, role: READER, status: 400 })
      }
      expect(await read(first)).toMatchObject({ Name: 'prod/db' })

      // Role chaining with a key whose token is missing.
      const chained = await failure(assume(OTHER_ROLE, {}, { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey })())
      expect(chained.name).toBe('InvalidClientTokenId')
      expect(chained.$metadata?.httpStatusCode).toBe(403)
      // With its token, an issued key may assume another role.
      expect((await assume(OTHER_ROLE, {}, first)()).accessKeyId).toMatch(/^ASIA/)
      expect(server.calls.at(-1)).toMatchObject({ operation: 'AssumeRole', names: [OTHER_ROLE], accessKeyId: first.accessKeyId, role: READER, status: 200 })
    } finally {
      for (const client of clients) client.destroy()
    }
  })
})

describe('roles: what a role may read', () => {
  const grants: AwsServerOptions = { roles: { [READER]: { secrets: ['prod/db'] } } }

  test("another secret is AccessDeniedException naming the assumed role and the action; the granted one reads by name or ARN", () =>
    withServer(grants, async () => {
      const assumed = smWith(assume(READER, { RoleSessionName: 'xacct' }))
      try {
        const arn = server.model.secretRecord('prod/db').arn
        expect(await assumed.send(new GetSecretValueCommand({ SecretId: arn }))).toMatchObject({ Name: 'prod/db' })
        expect(await assumed.send(new GetSecretValueCommand({ SecretId: arn.slice(0, -7) }))).toMatchObject({ Name: 'prod/db' })
        const denied = await failure(assumed.send(new GetSecretValueCommand({ SecretId: 'prod/api' })))
        expect(denied.name).toBe('AccessDeniedException')
        expect(denied.$metadata?.httpStatusCode).toBe(400)
        expect(denied.message).toBe(
          'User: arn:aws:sts::123456789012:assumed-role/secrets-reader/xacct is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/api because no identity-based policy allows the secretsmanager:GetSecretValue action',
        )
        expect(denied.message).not.toContain('k1') // prod/api's value
        const describe = await failure(assumed.send(new DescribeSecretCommand({ SecretId: 'prod/api' })))
        expect(describe.message).toContain('perform: secretsmanager:DescribeSecret on resource: prod/api')
        expect(server.calls.at(-1)).toMatchObject({ operation: 'DescribeSecret', role: READER, status: 400 })
      } finally {
        assumed.destroy()
      }
    }))

  test('a batch answers the denied secret in Errors and reads the granted one', () =>
    withServer(grants, async () => {
      const assumed = smWith(assume(READER))
      try {
        const out = await assumed.send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/db', 'prod/api'] }))
        expect(out.SecretValues?.map((v) => v.Name)).toEqual(['prod/db'])
        expect(out.Errors).toEqual([{ SecretId: 'prod/api', ErrorCode: 'AccessDeniedException', Message: expect.stringContaining('secretsmanager:GetSecretValue on resource: prod/api') }])
      } finally {
        assumed.destroy()
      }
    }))

  test("the function's own key and a role not listed read everything", () =>
    withServer(grants, async () => {
      const own = smWith(FUNCTION_KEY)
      const other = smWith(assume(OTHER_ROLE))
      try {
        expect(await own.send(new GetSecretValueCommand({ SecretId: 'prod/api' }))).toMatchObject({ SecretString: 'k1' })
        expect(await other.send(new GetSecretValueCommand({ SecretId: 'prod/api' }))).toMatchObject({ SecretString: 'k1' })
        expect(server.calls.filter((c) => c.operation === 'GetSecretValue').map((c) => c.role)).toEqual([undefined, OTHER_ROLE])
      } finally {
        own.destroy()
        other.destroy()
      }
    }))
})
