/**
 * Both transports against the AWS stand-in (Secrets Manager and SSM over AWS JSON 1.1): the lean
 * one must answer exactly what the SDK one answers, values, shapes and failures alike.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo as NetAddress, Socket as NetSocket } from 'node:net'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { httpsTransport } from '../../lib/transport/https.js'
import { sdkTransport } from '../../lib/transport/sdk.js'
import type { AwsService, Transport } from '../../lib/transport/transport.js'
import { SERVER_TLS } from '../support/tls.js'
import { CREDENTIALS, failure, localConfig, options, output } from './support.js'

const BINARY = new Uint8Array([0, 1, 2, 250, 255])
const SECRET_TEXT = '{"username":"u","password":"hunter2-secret"}'

let server: AwsServer

beforeAll(async () => {
  server = await startAwsServer({
    seed: {
      secrets: { 'prod/db': SECRET_TEXT, 'prod/bin': BINARY, 'prod/api': 'k1' },
      parameters: { '/app/plain': 'hello', '/app/secure': { value: 's3cret', type: 'SecureString' }, '/app/nested/deep': 'deep' },
    },
  })
  server.model.setRotation('prod/db', { enabled: true, everyDays: 30 })
  server.model.rotate('prod/db', SECRET_TEXT)
})

afterAll(() => server.close())

beforeEach(() => {
  server.clearFaults()
  server.setLatency(0)
})

type Kind = 'https' | 'sdk'
const transports = new Map<string, Transport>()

function transport(kind: Kind, service: AwsService): Transport {
  const key = `${kind}:${service}`
  let made = transports.get(key)
  if (!made) {
    made =
      kind === 'https'
        ? httpsTransport(localConfig(service, server.endpoint))
        : sdkTransport(service, { clientOptions: { endpoint: server.endpoint, region: 'eu-west-1', credentials: CREDENTIALS } })
    transports.set(key, made)
  }
  return made
}

/** The same call on both transports: [https, sdk]. */
async function both(service: AwsService, operation: string, input: Record<string, unknown>, timeoutMs = 2000) {
  return Promise.all((['https', 'sdk'] as const).map((kind) => transport(kind, service).call<Record<string, unknown>>(operation, input, options({ timeoutMs }))))
}

describe('values and shapes: the lean transport answers what the SDK answers', () => {
  test.each([
    ['secretsmanager', 'GetSecretValue', { SecretId: 'prod/db' }],
    ['secretsmanager', 'GetSecretValue', { SecretId: 'prod/db', VersionStage: 'AWSPREVIOUS' }],
    ['secretsmanager', 'GetSecretValue', { SecretId: 'prod/bin' }],
    ['secretsmanager', 'BatchGetSecretValue', { SecretIdList: ['prod/db', 'prod/bin', 'prod/api', 'missing'] }],
    ['secretsmanager', 'DescribeSecret', { SecretId: 'prod/db' }],
    ['ssm', 'GetParameter', { Name: '/app/secure', WithDecryption: true }],
    ['ssm', 'GetParameters', { Names: ['/app/plain', '/app/secure', '/missing'], WithDecryption: false }],
    ['ssm', 'GetParametersByPath', { Path: '/app', Recursive: true, WithDecryption: true }],
  ] as const)('%s %s %j', async (service, operation, input) => {
    const [lean, sdk] = await both(service, operation, input)
    expect(output(lean)).toStrictEqual(output(sdk))
  })

  test('timestamps are Dates and blobs Uint8Arrays, as AWS stored them', async () => {
    const bin = output(await transport('https', 'secretsmanager').call<{ SecretBinary: Uint8Array; CreatedDate: Date }>('GetSecretValue', { SecretId: 'prod/bin' }, options()))
    expect(bin.SecretBinary).toBeInstanceOf(Uint8Array)
    expect(Array.from(bin.SecretBinary)).toEqual(Array.from(BINARY))
    expect(bin.CreatedDate.getTime()).toBe(server.model.getSecretValue('prod/bin').createdDate.getTime())

    const described = output(await transport('https', 'secretsmanager').call<{ NextRotationDate: Date; LastRotatedDate: Date }>('DescribeSecret', { SecretId: 'prod/db' }, options()))
    expect(described.NextRotationDate).toBeInstanceOf(Date)
    expect(described.LastRotatedDate).toBeInstanceOf(Date)

    const parameter = output(await transport('https', 'ssm').call<{ Parameter: { LastModifiedDate: Date } }>('GetParameter', { Name: '/app/plain' }, options()))
    expect(parameter.Parameter.LastModifiedDate).toBeInstanceOf(Date)
  })
})

describe('failures: the same StoreError codes on both transports', () => {
  test.each([
    ['an unknown secret', 'ResourceNotFoundException', 400, undefined],
    ['throttling', 'ThrottlingException', 400, { kind: 'error', code: 'ThrottlingException' }],
    ['a denial', 'AccessDeniedException', 400, { kind: 'error', code: 'AccessDeniedException' }],
    ['a 500 with an AWS error body', 'InternalServiceError', 500, { kind: 'error', code: 'InternalServiceError' }],
    ['a 503 with an HTML page', 'HttpError503', 503, { kind: 'status', status: 503, body: '<html>hunter2-secret</html>' }],
    ['a 502 with no body', 'HttpError502', 502, { kind: 'status', status: 502 }],
    ['a 200 cut in half', 'MalformedResponse', 200, { kind: 'malformed' }],
  ] as const)('%s -> %s', async (_what, code, status, fault) => {
    if (fault) server.fault({ ...fault, operation: 'GetSecretValue', times: 2 })
    const input = { SecretId: fault ? 'prod/db' : 'no/such/secret' }
    const [lean, sdk] = (await both('secretsmanager', 'GetSecretValue', input)).map(failure)
    expect(lean.code).toBe(code)
    expect(sdk.code).toBe(code)
    expect(lean.httpStatus).toBe(status)
    // Each request has its own id; everything else is the same, message included.
    expect(lean).toStrictEqual({ ...sdk, requestId: lean.requestId })
    expect(lean.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(lean.operation).toBe('GetSecretValue')
    // Never the body: neither the value (a 200 cut in half) nor a page that quotes it.
    expect(JSON.stringify(lean)).not.toContain('hunter2')
  })

  test('AWS messages are kept (they name the resource, never the value)', async () => {
    server.fault({ kind: 'error', code: 'AccessDeniedException', operation: 'GetParameter', times: 2 })
    const [lean, sdk] = (await both('ssm', 'GetParameter', { Name: '/app/plain' })).map(failure)
    expect(lean.message).toContain('is not authorized to perform: ssm:GetParameter')
    expect(lean.message).toBe(sdk.message)
    expect(lean.retryable).toBe(false)
  })

  test('throttling and 5xx are retryable, a missing secret is not', async () => {
    server.fault({ kind: 'error', code: 'ThrottlingException', operation: 'GetSecretValue', times: 1 })
    expect(failure(await transport('https', 'secretsmanager').call('GetSecretValue', { SecretId: 'prod/db' }, options())).retryable).toBe(true)
    server.fault({ kind: 'status', status: 503, operation: 'GetSecretValue', times: 1 })
    expect(failure(await transport('https', 'secretsmanager').call('GetSecretValue', { SecretId: 'prod/db' }, options())).retryable).toBe(true)
    expect(failure(await transport('https', 'secretsmanager').call('GetSecretValue', { SecretId: 'nope' }, options())).retryable).toBe(false)
  })

  test('a connection reset in the middle of the body -> NetworkingError on both', async () => {
    server.fault({ kind: 'reset', operation: 'GetSecretValue', times: 2 })
    const [lean, sdk] = (await both('secretsmanager', 'GetSecretValue', { SecretId: 'prod/db' })).map(failure)
    expect(lean.code).toBe('NetworkingError')
    expect(sdk.code).toBe('NetworkingError')
    expect(lean.retryable).toBe(true)
    expect(JSON.stringify(lean)).not.toContain('hunter2')
  })

  test('nothing listening -> NetworkingError ECONNREFUSED', async () => {
    const closed = await startAwsServer()
    const endpoint = closed.endpoint
    await closed.close()
    const error = failure(await httpsTransport(localConfig('ssm', endpoint)).call('GetParameter', { Name: '/x' }, options()))
    expect(error).toMatchObject({ code: 'NetworkingError', message: 'GetParameter failed: ECONNREFUSED', retryable: true })
  })

  // The SDK transport's side of these is in isolation.test.ts, in a process of its own: under
  // jest, Node's error comes from another realm than the SDK's code, which then wraps it in an
  // Error that keeps only its text ("AWS SDK error wrapper for ..."), code lost.
  describe('over TLS, as AWS is reached: a refused TLS connection is a TlsError, final (another attempt meets the same certificate)', () => {
    const call = (endpoint: string) => httpsTransport(localConfig('secretsmanager', endpoint)).call('GetSecretValue', { SecretId: 'prod/db' }, options())

    test('a certificate this process does not trust (the test CA is not in NODE_EXTRA_CA_CERTS)', async () => {
      const tls = await startAwsServer({ seed: { secrets: { 'prod/db': SECRET_TEXT } }, tls: SERVER_TLS })
      try {
        expect(tls.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
        expect(failure(await call(tls.endpoint))).toStrictEqual({
          code: 'TlsError',
          message: 'GetSecretValue failed: the TLS connection was refused (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
          retryable: false,
          operation: 'GetSecretValue',
        })
        expect(tls.calls).toHaveLength(0) // refused before any request was sent
      } finally {
        await tls.close()
      }
    })

    test('an https:// endpoint that speaks plain HTTP: EPROTO', async () => {
      const error = failure(await call(server.endpoint.replace(/^http:/, 'https:')))
      expect(error).toMatchObject({ code: 'TlsError', message: 'GetSecretValue failed: the TLS connection was refused (EPROTO)', retryable: false })
    })
  })

  test('a request slower than timeoutMs -> TimeoutError on both, in about timeoutMs', async () => {
    server.setLatency(1500)
    const started = Date.now()
    const [lean, sdk] = (await both('secretsmanager', 'GetSecretValue', { SecretId: 'prod/db' }, 150)).map(failure)
    expect(Date.now() - started).toBeLessThan(1200)
    expect(lean).toStrictEqual(sdk)
    expect(lean).toMatchObject({ code: 'TimeoutError', retryable: true, operation: 'GetSecretValue' })
  })

  test('the deadline aborting mid-request -> DeadlineExceeded on both, at once', async () => {
    server.setLatency(1500)
    const deadline = new AbortController()
    setTimeout(() => deadline.abort(), 100)
    const started = Date.now()
    const results = await Promise.all(
      (['https', 'sdk'] as const).map((kind) => transport(kind, 'secretsmanager').call('GetSecretValue', { SecretId: 'prod/db' }, options({ signal: deadline.signal, timeoutMs: 0 }))),
    )
    expect(Date.now() - started).toBeLessThan(1200)
    const [lean, sdk] = results.map(failure)
    expect(lean).toStrictEqual(sdk)
    expect(lean.code).toBe('DeadlineExceeded')
  })

  test('a deadline already past -> DeadlineExceeded without a request', async () => {
    const calls = server.calls.length
    const deadline = new AbortController()
    deadline.abort()
    const error = failure(await transport('https', 'ssm').call('GetParameter', { Name: '/app/plain' }, options({ signal: deadline.signal })))
    expect(error.code).toBe('DeadlineExceeded')
    expect(server.calls.length).toBe(calls)
  })
})

test('an answer that is not HTTP (HPE_...), on a reused keep-alive socket, is an answer: not sent again as over a dead socket (found by review)', async () => {
  let requests = 0
  const sockets = new Set<NetSocket>()
  const server: HttpServer = createHttpServer((req, res) => {
    requests += 1
    req.resume()
    req.on('end', () => {
      if (requests === 1) res.end('{"Parameter":{"Name":"/p"}}')
      else req.socket.end('HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 2\r\n\r\n{}') // a proxy that does not speak HTTP as AWS does
    })
  })
  server.on('connection', (s: NetSocket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const transport = httpsTransport(localConfig('ssm', `http://127.0.0.1:${(server.address() as NetAddress).port}`))
    output(await transport.call('GetParameter', { Name: '/p' }, options())) // leaves a keep-alive socket in the pool
    const error = failure(await transport.call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'MalformedResponse', retryable: true })
    expect(requests).toBe(2) // one request per call, as the SDK transport sends
  } finally {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})
