/**
 * The local AWS-protocol server, exercised with the real AWS SDK v3 clients: every operation's
 * wire shape, AWS's version-stage and paging rules, each fault kind as the SDK surfaces it,
 * quota throttling and the call log.
 */
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  SSMClient,
  type Parameter,
} from '@aws-sdk/client-ssm'
import { awsQuotas, startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' }
const BINARY = new Uint8Array([0, 1, 2, 250, 255])

/** The NodeHttpHandler options these tests use (the SDK takes them as `requestHandler`). */
interface HandlerOptions {
  requestTimeout?: number
  throwOnRequestTimeout?: boolean
  logger?: { debug(...args: unknown[]): void; info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void }
}

let server: AwsServer
let sm: SecretsManagerClient
let ssm: SSMClient

function smClient(requestHandler?: HandlerOptions): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler })
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; $fault?: string; code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  const many: Record<string, string> = {}
  for (let i = 1; i <= 25; i += 1) many[`/many/p${String(i).padStart(2, '0')}`] = `v${i}`
  server = await startAwsServer({
    seed: {
      secrets: { 'prod/db': '{"username":"u","password":"p"}', 'prod/bin': BINARY, 'prod/api': 'k1' },
      parameters: {
        ...many,
        '/app/plain': 'hello',
        '/app/list': { value: 'a,b', type: 'StringList' },
        '/app/secure': { value: 's3cret', type: 'SecureString' },
        '/app/nested/deep': 'deep',
      },
    },
  })
  sm = smClient()
  ssm = new SSMClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 })
})

afterAll(async () => {
  sm.destroy()
  ssm.destroy()
  await server.close()
})

beforeEach(() => {
  server.clearFaults()
  server.setQuotas(false)
  server.setLatency(0)
  server.resetCalls()
})

describe('Secrets Manager', () => {
  test('GetSecretValue answers the AWSCURRENT version with its metadata', async () => {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    expect(out.SecretString).toBe('{"username":"u","password":"p"}')
    expect(out.Name).toBe('prod/db')
    expect(out.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod\/db-.{6}$/)
    expect(out.VersionStages).toEqual(['AWSCURRENT'])
    expect(out.CreatedDate).toBeInstanceOf(Date)
    expect(out.$metadata.requestId).toBeTruthy()
  })

  test('SecretBinary travels as base64 both ways', async () => {
    const seeded = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/bin' }))
    expect(seeded.SecretString).toBeUndefined()
    expect(Array.from(seeded.SecretBinary ?? [])).toEqual(Array.from(BINARY))

    await sm.send(new PutSecretValueCommand({ SecretId: 'prod/bin', SecretBinary: new Uint8Array([9, 8, 7]) }))
    const updated = await sm.send(new GetSecretValueCommand({ SecretId: 'prod/bin' }))
    expect(Array.from(updated.SecretBinary ?? [])).toEqual([9, 8, 7])
  })

  test('a secret is found by full ARN and by ARN without the random suffix', async () => {
    const { ARN } = await sm.send(new DescribeSecretCommand({ SecretId: 'prod/api' }))
    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: ARN }))
    const byPartialArn = await sm.send(new GetSecretValueCommand({ SecretId: ARN!.slice(0, -7) }))
    expect(byArn.Name).toBe('prod/api')
    expect(byPartialArn.Name).toBe('prod/api')
  })

  test('PutSecretValue moves AWSCURRENT and hands AWSPREVIOUS to the old version', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'rot/one', SecretString: 'old' }))
    const before = await sm.send(new GetSecretValueCommand({ SecretId: 'rot/one' }))
    const put = await sm.send(new PutSecretValueCommand({ SecretId: 'rot/one', SecretString: 'new' }))
    expect(put.VersionStages).toEqual(['AWSCURRENT'])

    const current = await sm.send(new GetSecretValueCommand({ SecretId: 'rot/one' }))
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: 'rot/one', VersionStage: 'AWSPREVIOUS' }))
    expect(current.SecretString).toBe('new')
    expect(previous.SecretString).toBe('old')
    expect(previous.VersionId).toBe(before.VersionId)

    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'rot/one' }))
    expect(described.VersionIdsToStages).toEqual({ [before.VersionId!]: ['AWSPREVIOUS'], [put.VersionId!]: ['AWSCURRENT'] })
  })

  test('PutSecretValue with a retried ClientRequestToken is idempotent, with another value a conflict', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'idem/one', SecretString: 'v0' }))
    const token = '11111111-2222-4333-8444-555555555555'
    const first = await sm.send(new PutSecretValueCommand({ SecretId: 'idem/one', SecretString: 'v1', ClientRequestToken: token }))
    const retry = await sm.send(new PutSecretValueCommand({ SecretId: 'idem/one', SecretString: 'v1', ClientRequestToken: token }))
    expect(first.VersionId).toBe(token)
    expect(retry.VersionId).toBe(token)
    const conflict = await failure(sm.send(new PutSecretValueCommand({ SecretId: 'idem/one', SecretString: 'v2', ClientRequestToken: token })))
    expect(conflict.name).toBe('ResourceExistsException')
  })

  test('UpdateSecretVersionStage and ListSecretVersionIds follow the stages', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'stage/one', SecretString: 'a' }))
    const first = await sm.send(new GetSecretValueCommand({ SecretId: 'stage/one' }))
    const second = await sm.send(new PutSecretValueCommand({ SecretId: 'stage/one', SecretString: 'b', VersionStages: ['AWSPENDING'] }))
    await sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: 'stage/one', VersionStage: 'AWSCURRENT', MoveToVersionId: second.VersionId, RemoveFromVersionId: first.VersionId }),
    )
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'stage/one' }))).SecretString).toBe('b')

    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'stage/one' }))
    const stages = Object.fromEntries((listed.Versions ?? []).map((v) => [v.VersionId, v.VersionStages]))
    expect(stages[first.VersionId!]).toEqual(['AWSPREVIOUS'])
    expect(stages[second.VersionId!]).toEqual(expect.arrayContaining(['AWSPENDING', 'AWSCURRENT']))
    expect(listed.Versions?.[0]?.CreatedDate).toBeInstanceOf(Date)
  })

  test('CreateSecret answers ARN and version; a second one is ResourceExistsException', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'new/one', SecretString: 'x' }))
    expect(created.ARN).toContain(':secret:new/one-')
    expect(created.VersionId).toBeTruthy()
    const again = await failure(sm.send(new CreateSecretCommand({ Name: 'new/one', SecretString: 'x' })))
    expect(again.name).toBe('ResourceExistsException')
    expect(again.$metadata?.httpStatusCode).toBe(400)
  })

  test('DescribeSecret reports rotation as epoch-second dates the SDK turns into Dates', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'rot/described', SecretString: 'v1' }))
    server.model.setRotation('rot/described', { enabled: true, everyDays: 7 })
    server.model.rotate('rot/described', 'v2')
    const out = await sm.send(new DescribeSecretCommand({ SecretId: 'rot/described' }))
    expect(out.RotationEnabled).toBe(true)
    expect(out.RotationRules).toEqual({ AutomaticallyAfterDays: 7 })
    expect(out.LastRotatedDate).toBeInstanceOf(Date)
    expect(out.NextRotationDate!.getTime()).toBeGreaterThan(out.LastRotatedDate!.getTime())
  })

  test('an unknown secret is ResourceNotFoundException, HTTP 400, with AWS message', async () => {
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'nope' })))
    expect(error.name).toBe('ResourceNotFoundException')
    expect(error.message).toBe("Secrets Manager can't find the specified secret.")
    expect(error.$metadata?.httpStatusCode).toBe(400)
    expect(error.$fault).toBe('client')
  })

  test('BatchGetSecretValue succeeds with a missing secret listed in Errors', async () => {
    const out = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/db', 'missing/one', 'prod/api'] }))
    expect(out.SecretValues?.map((v) => v.Name)).toEqual(['prod/db', 'prod/api'])
    expect(out.Errors).toEqual([{ SecretId: 'missing/one', ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }])
  })

  test('BatchGetSecretValue takes at most 20 ids', async () => {
    const ids = Array.from({ length: 21 }, (_, i) => `s${i}`)
    const error = await failure(sm.send(new BatchGetSecretValueCommand({ SecretIdList: ids })))
    expect(error.name).toBe('ValidationException')
  })

  test('BatchGetSecretValue with a name filter pages with MaxResults and NextToken', async () => {
    for (let i = 0; i < 25; i += 1) server.model.createSecret(`batch/s${String(i).padStart(2, '0')}`, `v${i}`)
    const names: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const out = await sm.send(new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: ['batch/'] }], MaxResults: 10, NextToken: token }))
      names.push(...(out.SecretValues ?? []).map((v) => v.Name!))
      token = out.NextToken
      pages += 1
    } while (token)
    expect(pages).toBe(3)
    expect(names).toHaveLength(25)
  })

  test('a perEntry fault puts one secret of a batch in Errors', async () => {
    server.fault({ kind: 'error', code: 'AccessDeniedException', name: 'prod/api', perEntry: true })
    const out = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/db', 'prod/api'] }))
    expect(out.SecretValues?.map((v) => v.Name)).toEqual(['prod/db'])
    expect(out.Errors?.[0]).toMatchObject({ SecretId: 'prod/api', ErrorCode: 'AccessDeniedException' })
    expect(out.Errors?.[0]?.Message).toContain('secretsmanager:BatchGetSecretValue')
  })
})

describe('SSM Parameter Store', () => {
  test('GetParameter answers a String parameter with its metadata', async () => {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/app/plain' }))
    expect(Parameter).toMatchObject({ Name: '/app/plain', Type: 'String', Value: 'hello', Version: 1, DataType: 'text' })
    expect(Parameter?.ARN).toBe('arn:aws:ssm:us-east-1:123456789012:parameter/app/plain')
    expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date)
  })

  test('a SecureString read without decryption does not answer the value', async () => {
    const hidden = await ssm.send(new GetParameterCommand({ Name: '/app/secure' }))
    const shown = await ssm.send(new GetParameterCommand({ Name: '/app/secure', WithDecryption: true }))
    expect(hidden.Parameter?.Type).toBe('SecureString')
    expect(hidden.Parameter?.Value).not.toBe('s3cret')
    expect(shown.Parameter?.Value).toBe('s3cret')
  })

  test('PutParameter adds versions; GetParameter selects :version and :label', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'one', Type: 'String' }))
    const put = await ssm.send(new PutParameterCommand({ Name: '/sel/p', Value: 'two', Overwrite: true }))
    expect(put.Version).toBe(2)
    const labelled = await ssm.send(new LabelParameterVersionCommand({ Name: '/sel/p', ParameterVersion: 1, Labels: ['stable', 'aws-bad'] }))
    expect(labelled).toMatchObject({ ParameterVersion: 1, InvalidLabels: ['aws-bad'] })

    const byVersion = await ssm.send(new GetParameterCommand({ Name: '/sel/p:1' }))
    const byLabel = await ssm.send(new GetParameterCommand({ Name: '/sel/p:stable' }))
    const latest = await ssm.send(new GetParameterCommand({ Name: '/sel/p' }))
    expect(byVersion.Parameter).toMatchObject({ Value: 'one', Selector: ':1' })
    expect(byLabel.Parameter).toMatchObject({ Value: 'one', Selector: ':stable' })
    expect(latest.Parameter).toMatchObject({ Value: 'two', Version: 2 })
  })

  test('PutParameter without Overwrite on an existing name is ParameterAlreadyExists', async () => {
    const error = await failure(ssm.send(new PutParameterCommand({ Name: '/app/plain', Value: 'x', Type: 'String' })))
    expect(error.name).toBe('ParameterAlreadyExists')
  })

  test('an unknown parameter is ParameterNotFound', async () => {
    const error = await failure(ssm.send(new GetParameterCommand({ Name: '/nope' })))
    expect(error.name).toBe('ParameterNotFound')
    expect(error.$metadata?.httpStatusCode).toBe(400)
  })

  test('GetParameters lists unknown names in InvalidParameters', async () => {
    const out = await ssm.send(new GetParametersCommand({ Names: ['/app/plain', '/nope', '/app/list'] }))
    expect(out.Parameters?.map((p: Parameter) => p.Name)).toEqual(['/app/plain', '/app/list'])
    expect(out.InvalidParameters).toEqual(['/nope'])
  })

  test('GetParameters with more than 10 names is a ValidationException', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `/many/p${String(i + 1).padStart(2, '0')}`)
    const error = await failure(ssm.send(new GetParametersCommand({ Names: names })))
    expect(error.name).toBe('ValidationException')
    expect(error.message).toContain('less than or equal to 10')
  })

  test('GetParametersByPath pages 10 at a time: 25 parameters in 3 pages', async () => {
    const sizes: number[] = []
    let token: string | undefined
    do {
      const out = await ssm.send(new GetParametersByPathCommand({ Path: '/many', NextToken: token }))
      sizes.push(out.Parameters?.length ?? 0)
      token = out.NextToken
    } while (token)
    expect(sizes).toEqual([10, 10, 5])
  })

  test('GetParametersByPath is one level deep unless Recursive', async () => {
    const flat = await ssm.send(new GetParametersByPathCommand({ Path: '/app' }))
    const deep = await ssm.send(new GetParametersByPathCommand({ Path: '/app', Recursive: true }))
    expect(flat.Parameters?.map((p) => p.Name)).not.toContain('/app/nested/deep')
    expect(deep.Parameters?.map((p) => p.Name)).toContain('/app/nested/deep')
  })

  test('GetParametersByPath rejects MaxResults above 10', async () => {
    const error = await failure(ssm.send(new GetParametersByPathCommand({ Path: '/many', MaxResults: 50 })))
    expect(error.name).toBe('ValidationException')
  })
})

describe('faults', () => {
  test("kind 'error' surfaces as the AWS error name, for the given number of times", async () => {
    server.fault({ kind: 'error', code: 'ThrottlingException', operation: 'GetSecretValue', times: 1 })
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(error.name).toBe('ThrottlingException')
    expect(error.message).toBe('Rate exceeded')
    expect(error.$metadata?.httpStatusCode).toBe(400)
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))).resolves.toBeDefined()
  })

  test('server error codes default to 5xx', async () => {
    server.fault({ kind: 'error', code: 'InternalServiceError', times: 1 })
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(error.name).toBe('InternalServiceError')
    expect(error.$metadata?.httpStatusCode).toBe(500)
    expect(error.$fault).toBe('server')
  })

  test('a fault scoped to a name hits that secret, also when asked by ARN, and no other', async () => {
    server.fault({ kind: 'error', code: 'DecryptionFailure', name: 'prod/db' })
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'prod/api' }))).resolves.toBeDefined()
    const byArn = await failure(sm.send(new GetSecretValueCommand({ SecretId: server.model.secretRecord('prod/db').arn })))
    expect(byArn.name).toBe('DecryptionFailure')
    const inBatch = await failure(sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/api', 'prod/db'] })))
    expect(inBatch.name).toBe('DecryptionFailure')
  })

  test("kind 'status' with an HTML body: the SDK fails to parse it (SyntaxError) but keeps the status", async () => {
    server.fault({ kind: 'status', status: 502, body: '<html><body>502 Bad Gateway</body></html>', times: 1 })
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(error.name).toBe('SyntaxError')
    expect(error.$metadata?.httpStatusCode).toBe(502)
  })

  test("kind 'status' with an empty body: an Unknown server error", async () => {
    server.fault({ kind: 'status', status: 503, times: 1 })
    const error = await failure(ssm.send(new GetParameterCommand({ Name: '/app/plain' })))
    expect(error.name).toBe('Unknown')
    expect(error.$metadata?.httpStatusCode).toBe(503)
    expect(error.$fault).toBe('server')
  })

  test("kind 'reset' surfaces as a network error without an HTTP status", async () => {
    server.fault({ kind: 'reset', times: 1 })
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(error.message).toContain('aborted')
    expect(error.$metadata?.httpStatusCode).toBeUndefined()
    expect(server.calls.at(-1)).toMatchObject({ operation: 'GetSecretValue', fault: 'reset' })
  })

  test("kind 'malformed' surfaces as a deserialization error on a 200", async () => {
    server.fault({ kind: 'malformed', times: 1 })
    const error = await failure(ssm.send(new GetParameterCommand({ Name: '/app/secure', WithDecryption: true })))
    expect(error.name).toBe('SyntaxError')
    expect(error.message).toContain('Deserialization error')
    expect(error.message).not.toContain('s3cret')
    expect(error.$metadata?.httpStatusCode).toBe(200)
  })

  test("kind 'delay' beyond requestTimeout is a TimeoutError (only with throwOnRequestTimeout)", async () => {
    const client = smClient({ requestTimeout: 100, throwOnRequestTimeout: true })
    server.fault({ kind: 'delay', delayMs: 2000, times: 1 })
    const error = await failure(client.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    client.destroy()
    expect(error.name).toBe('TimeoutError')
  })

  test("kind 'delay' beyond requestTimeout alone only warns: the call still succeeds", async () => {
    const warnings: unknown[] = []
    const ignore = (): void => {}
    const client = smClient({ requestTimeout: 50, logger: { debug: ignore, info: ignore, warn: (message) => warnings.push(message), error: ignore } })
    server.fault({ kind: 'delay', delayMs: 300, times: 1 })
    const out = await client.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    client.destroy()
    expect(out.Name).toBe('prod/db')
    expect(warnings).toEqual([expect.stringContaining('requestTimeout')])
  })

  test('an unknown X-Amz-Target is UnknownOperationException', async () => {
    const response = await fetch(server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.DeleteEverything' },
      body: '{}',
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException')
    expect(await response.json()).toEqual({ __type: 'com.amazon.coral.service#UnknownOperationException' })
    expect(server.calls.at(-1)?.operation).toBe('Unknown')
  })
})

describe('quotas', () => {
  test('a 5/s quota throttles a burst of 20 with ThrottlingException and logs it', async () => {
    server.setQuotas({ GetSecretValue: 5 })
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))))
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    // The bucket holds 5 tokens and refills 5/s: at most a few more than 5 get through.
    expect(rejected.length).toBeGreaterThanOrEqual(5)
    expect(results.length - rejected.length).toBeGreaterThanOrEqual(5)
    expect(rejected.every((r) => (r.reason as Error).name === 'ThrottlingException')).toBe(true)
    expect(server.calls.filter((c) => c.throttled)).toHaveLength(rejected.length)
  })

  test("SSM's standard quota is shared by GetParameter, GetParameters and GetParametersByPath", async () => {
    const { quotas, sharedQuotas } = awsQuotas('standard', 1 / 40) // SSM reads: 1/s, shared
    server.setQuotas(quotas, sharedQuotas)
    await ssm.send(new GetParameterCommand({ Name: '/app/plain' }))
    const byPath = await failure(ssm.send(new GetParametersByPathCommand({ Path: '/app' })))
    expect(byPath.name).toBe('ThrottlingException')
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))).resolves.toBeDefined()
  })
})

describe('call log', () => {
  test('records operation, names, status and throttling; count and resetCalls', async () => {
    await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    await failure(sm.send(new GetSecretValueCommand({ SecretId: 'nope' })))
    await ssm.send(new GetParametersCommand({ Names: ['/app/plain', '/app/list'] }))
    expect(server.calls).toEqual([
      expect.objectContaining({ operation: 'GetSecretValue', names: ['prod/db'], status: 200, throttled: false }),
      expect.objectContaining({ operation: 'GetSecretValue', names: ['nope'], status: 400 }),
      expect.objectContaining({ operation: 'GetParameters', names: ['/app/plain', '/app/list'], status: 200 }),
    ])
    expect(typeof server.calls[0]?.at).toBe('number')
    expect(server.count()).toBe(3)
    expect(server.count('GetSecretValue')).toBe(2)
    server.resetCalls()
    expect(server.count()).toBe(0)
  })

  test('binds 127.0.0.1 on a random port', () => {
    expect(server.endpoint).toBe(`http://127.0.0.1:${server.port}`)
    expect(server.port).toBeGreaterThan(0)
  })
})
