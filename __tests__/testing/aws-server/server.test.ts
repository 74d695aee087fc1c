/** aws-server/server.ts (and call-log.ts): routing, the server's clock (Date header, signature time window), the call log, the socket it binds and what close() ends. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'node:https'
import { inspect } from 'node:util'
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager'
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { run } from '../../support/run-command.js'
import { SERVER_TLS, TEST_CA_FILE } from '../../support/tls.js'
import { credentials, failure, smClient, startSeededServer, useSeededServer } from './harness.js'

const aws = useSeededServer()

describe('routing', () => {
  test('an unknown X-Amz-Target is UnknownOperationException', async () => {
    const response = await fetch(aws.server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.DeleteEverything' },
      body: '{}',
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException')
    expect(await response.json()).toEqual({ __type: 'com.amazon.coral.service#UnknownOperationException' })
    expect(aws.server.calls.at(-1)?.operation).toBe('Unknown')
  })
})

describe('call log', () => {
  test('records operation, names, status and throttling; count and resetCalls', async () => {
    await aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    await failure(aws.sm.send(new GetSecretValueCommand({ SecretId: 'nope' })))
    await aws.ssm.send(new GetParametersCommand({ Names: ['/app/plain', '/app/list'] }))
    expect(aws.server.calls).toEqual([
      expect.objectContaining({ operation: 'GetSecretValue', names: ['prod/db'], status: 200, throttled: false }),
      expect.objectContaining({ operation: 'GetSecretValue', names: ['nope'], status: 400 }),
      expect.objectContaining({ operation: 'GetParameters', names: ['/app/plain', '/app/list'], status: 200 }),
    ])
    expect(typeof aws.server.calls[0]?.at).toBe('number')
    expect(aws.server.count()).toBe(3)
    expect(aws.server.count('GetSecretValue')).toBe(2)
    aws.server.resetCalls()
    expect(aws.server.count()).toBe(0)
  })

  test('binds 127.0.0.1 on a random port', () => {
    expect(aws.server.endpoint).toBe(`http://127.0.0.1:${aws.server.port}`)
    expect(aws.server.port).toBeGreaterThan(0)
  })
})

describe("the server's clock", () => {
  const MINUTE = 60_000
  const AMZ_DATE = /^\d{8}T\d{6}Z$/

  /** `20261202T042700Z` -> ms since the epoch. */
  function fromAmzDate(text: string): number {
    expect(text).toMatch(AMZ_DATE)
    return Date.parse(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 11)}:${text.slice(11, 13)}:${text.slice(13, 15)}Z`)
  }

  test('every answer carries a Date header (RFC 7231) from the server clock, offset included', async () => {
    aws.server.setClockOffset(20 * MINUTE)
    const response = await fetch(aws.server.endpoint, { method: 'POST', headers: { 'x-amz-target': 'secretsmanager.Nothing' }, body: '{}' })
    const date = response.headers.get('date') ?? ''
    expect(date).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/)
    expect(Math.abs(Date.parse(date) - (Date.now() + 20 * MINUTE))).toBeLessThan(5_000)
  })

  test('20 minutes ahead: the first call is refused as expired (no value in the error), the SDK corrects its clock from Date, the second call succeeds', async () => {
    aws.server.setClockOffset(20 * MINUTE)
    const client = smClient(aws.server)
    const refused = await failure(client.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(refused.name).toBe('InvalidSignatureException')
    expect(refused.$metadata?.httpStatusCode).toBe(400)
    const [, signed, earliest, now] = /^Signature expired: (\S+) is now earlier than (\S+) \((\S+) - 5 min\.\)$/.exec(refused.message) ?? []
    expect(fromAmzDate(earliest!)).toBe(fromAmzDate(now!) - 5 * MINUTE)
    expect(Math.abs(fromAmzDate(now!) - (Date.now() + 20 * MINUTE))).toBeLessThan(5_000)
    expect(Math.abs(fromAmzDate(signed!) - Date.now())).toBeLessThan(5_000)
    for (const text of [String(refused), inspect(refused, { depth: 10, showHidden: true }), JSON.stringify(refused)]) expect(text).not.toContain('password')
    expect(aws.server.calls.at(-1)).toMatchObject({ operation: 'GetSecretValue', names: ['prod/db'], status: 400, throttled: false })

    expect(Math.abs((client.config.systemClockOffset ?? 0) - 20 * MINUTE)).toBeLessThan(5_000)
    const out = await client.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    client.destroy()
    expect(out.SecretString).toBe('{"username":"u","password":"p"}')
    expect(aws.server.count('GetSecretValue')).toBe(2)
  })

  test('20 minutes behind: a request from the future is refused as not yet current', async () => {
    aws.server.setClockOffset(-20 * MINUTE)
    const client = smClient(aws.server)
    const refused = await failure(client.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    client.destroy()
    expect(refused.name).toBe('InvalidSignatureException')
    const [, signed, latest, now] = /^Signature not yet current: (\S+) is still later than (\S+) \((\S+) \+ 5 min\.\)$/.exec(refused.message) ?? []
    expect(fromAmzDate(latest!)).toBe(fromAmzDate(now!) + 5 * MINUTE)
    expect(fromAmzDate(signed!)).toBeGreaterThan(fromAmzDate(latest!))
  })

  test('within 5 minutes the signature is accepted', async () => {
    aws.server.setClockOffset(4 * MINUTE)
    const client = new SSMClient({ endpoint: aws.server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1, systemClockOffset: 0 })
    const out = await client.send(new GetParametersCommand({ Names: ['/app/plain'] }))
    client.destroy()
    expect(out.Parameters?.[0]?.Value).toBe('hello')
  })
})

describe('close', () => {
  test('ends a pending delay at once: the request is neither answered nor carried out', async () => {
    const own = await startSeededServer()
    own.fault({ kind: 'delay', delayMs: 60_000, times: 1 })
    const client = smClient(own)
    const pending = failure(client.send(new PutSecretValueCommand({ SecretId: 'prod/api', SecretString: 'k2' })))
    while (own.count() === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const closing = Date.now()
    await own.close()
    const error = await pending
    client.destroy()
    expect(Date.now() - closing).toBeLessThan(5_000)
    expect(error.$metadata?.httpStatusCode).toBeUndefined()
    expect(own.calls).toEqual([expect.objectContaining({ operation: 'PutSecretValue', status: 0, fault: 'delay' })])
    expect(own.model.getSecretValue('prod/api').secretString).toBe('k1')
  })
})

describe('tls', () => {
  test('serves HTTPS on 127.0.0.1 with the given certificate; close() ends a kept-alive TLS connection', async () => {
    const own = await startSeededServer({ tls: SERVER_TLS })
    expect(own.endpoint).toBe(`https://127.0.0.1:${own.port}`)
    const agent = new Agent({ keepAlive: true, ca: readFileSync(TEST_CA_FILE) })
    const answer = await new Promise<{ status?: number; type: unknown; encrypted: boolean }>((resolve, reject) => {
      const req = request(own.endpoint, { method: 'POST', agent, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.DeleteEverything' } }, (res) => {
        const encrypted = 'encrypted' in res.socket // a TLSSocket (the socket goes back to the agent at the end)
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['x-amzn-errortype'], encrypted }))
      })
      req.on('error', reject)
      req.end('{}')
    })
    expect(answer).toEqual({ status: 400, type: 'UnknownOperationException', encrypted: true })
    expect(own.calls.at(-1)?.operation).toBe('Unknown')
    const closing = Date.now()
    await own.close() // the agent still holds the connection open
    expect(Date.now() - closing).toBeLessThan(2_000)
    agent.destroy()
  })
})

// Found by a review of concurrent invocations: each request waiting out the latency listens on the
// server's closing signal, and Node 20 warned past 10 of them. Node's warnings reach a child process only.
test('more than 10 requests waiting out the latency at once: no leak warning, in a real process', async () => {
  const script = `
    import { startAwsServer } from './dist/testing.js'
    const warnings = []
    process.on('warning', (w) => warnings.push(w.name))
    const names = Array.from({ length: 12 }, (_, i) => 's' + i)
    const server = await startAwsServer({ seed: { secrets: Object.fromEntries(names.map((n) => [n, 'v'])) }, latencyMs: 100 })
    const answers = await Promise.all(names.map((name) => fetch(server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body: JSON.stringify({ SecretId: name }),
    }).then((r) => r.status)))
    await server.close()
    setTimeout(() => console.log(JSON.stringify({ answers, warnings })), 20)
  `
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], fileURLToPath(new URL('../../..', import.meta.url)))
  expect(stderr).toBe('')
  const { answers, warnings } = JSON.parse(stdout) as { answers: number[]; warnings: string[] }
  expect(answers).toHaveLength(12)
  expect(warnings).toEqual([])
})
