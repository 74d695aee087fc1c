/** aws-server/server.ts: routing, the call log and the socket it binds. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm'
import type { AwsServer } from '../../../lib/testing/aws-server/index.js'
import { failure, smClient, ssmClient, startSeededServer } from './harness.js'

let server: AwsServer
let sm: SecretsManagerClient
let ssm: SSMClient

beforeAll(async () => {
  server = await startSeededServer()
  sm = smClient(server)
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

describe('routing', () => {
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
