/** aws-server/faults.ts: each fault kind as the real SDK surfaces it, and which requests a rule hits. */
import { BatchGetSecretValueCommand, GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm'
import type { AwsServer } from '../../../lib/testing/aws-server/index.js'
import { failure, smClient as clientFor, ssmClient, startSeededServer, type HandlerOptions } from './harness.js'

function smClient(requestHandler?: HandlerOptions): SecretsManagerClient {
  return clientFor(server, requestHandler)
}

let server: AwsServer
let sm: SecretsManagerClient
let ssm: SSMClient

beforeAll(async () => {
  server = await startSeededServer()
  sm = clientFor(server)
  ssm = ssmClient(server)
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
})
