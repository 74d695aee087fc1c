/**
 * The SDK transport: the client package is imported on the first call, the client it creates
 * makes one attempt (the resolver retries), a client given by the user is used as it is, outputs
 * lose $metadata, and a missing package is a StoreError that says what to install.
 */
import { SSMClient } from '@aws-sdk/client-ssm'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { httpsTransport } from '../../lib/transport/https.js'
import { sdkTransport } from '../../lib/transport/sdk.js'
import { startStallingServer } from './stalled-loop.js'
import { CREDENTIALS, failure, localConfig, options, output } from './support.js'

let server: AwsServer

beforeAll(async () => {
  server = await startAwsServer({ seed: { parameters: { '/p': 'v' } } })
})
afterAll(() => server.close())
beforeEach(() => {
  server.clearFaults()
  server.resetCalls()
})

const clientOptions = () => ({ endpoint: server.endpoint, region: 'us-east-1', credentials: CREDENTIALS })

test('the client package is imported on the first call, once', async () => {
  let imports = 0
  const transport = sdkTransport('ssm', {
    clientOptions: clientOptions(),
    importSdk: () => {
      imports += 1
      return import('@aws-sdk/client-ssm')
    },
  })
  expect(imports).toBe(0)
  await transport.call('GetParameter', { Name: '/p' }, options())
  await transport.call('GetParameter', { Name: '/p' }, options())
  expect(imports).toBe(1)
})

test('the client it creates makes one attempt: a throttled call is not retried by the SDK', async () => {
  server.fault({ kind: 'error', code: 'ThrottlingException', operation: 'GetParameter', times: 1 })
  const error = failure(await sdkTransport('ssm', { clientOptions: clientOptions() }).call('GetParameter', { Name: '/p' }, options()))
  expect(error).toMatchObject({ code: 'ThrottlingException', retryable: true, httpStatus: 400, operation: 'GetParameter' })
  expect(server.count('GetParameter')).toBe(1)
})

test('outputs have the SDK shape without $metadata', async () => {
  const out = output(await sdkTransport('ssm', { clientOptions: clientOptions() }).call<Record<string, unknown>>('GetParameter', { Name: '/p' }, options()))
  expect(out).not.toHaveProperty('$metadata')
  expect(out).toMatchObject({ Parameter: { Name: '/p', Value: 'v', Type: 'String', Version: 1 } })
  expect((out.Parameter as { LastModifiedDate: unknown }).LastModifiedDate).toBeInstanceOf(Date)
})

test('a client given by the user is used as it is, with the abort signal', async () => {
  const sent: Array<{ command: unknown; signal: AbortSignal }> = []
  const client = {
    send: async (command: unknown, sendOptions: { abortSignal: AbortSignal }) => {
      sent.push({ command, signal: sendOptions.abortSignal })
      return { Parameter: { Name: '/given' }, $metadata: {} }
    },
  }
  const out = output(await sdkTransport('ssm', { client }).call('GetParameter', { Name: '/given' }, options()))
  expect(out).toEqual({ Parameter: { Name: '/given' } })
  expect(sent).toHaveLength(1)
  expect((sent[0]!.command as { input: unknown }).input).toEqual({ Name: '/given' })
  expect(sent[0]!.signal).toBeInstanceOf(AbortSignal)
  expect(server.count()).toBe(0)
})

// Found by review: a stub that never settles (aws-sdk-client-mock's callsFake(() => new Promise(() => {})))
// held the call past its request timeout, and a test without a deadline hung until jest's own timeout.
test('a client that ignores the abort signal is given up a moment after the request timeout (TimeoutError) or the deadline (DeadlineExceeded)', async () => {
  const client = { send: () => new Promise<never>(() => undefined) }
  const timedOut = failure(await sdkTransport('ssm', { client }).call('GetParameter', { Name: '/hangs' }, options({ timeoutMs: 100 })))
  expect(timedOut).toMatchObject({ code: 'TimeoutError', operation: 'GetParameter', retryable: true })

  const deadline = new AbortController()
  setTimeout(() => deadline.abort(), 100)
  const cut = failure(await sdkTransport('ssm', { client }).call('GetParameter', { Name: '/hangs' }, options({ signal: deadline.signal, timeoutMs: 0 })))
  expect(cut).toMatchObject({ code: 'DeadlineExceeded', operation: 'GetParameter' })
})

test('a client that ignores the abort signal but answers within the moment it is given is answered', async () => {
  const answers = { Parameter: { Name: '/late' }, $metadata: {} }
  const late = { send: () => new Promise((resolve) => setTimeout(resolve, 120, answers)) }
  expect(output(await sdkTransport('ssm', { client: late }).call('GetParameter', { Name: '/late' }, options({ timeoutMs: 100 })))).toEqual({ Parameter: { Name: '/late' } })
})

test('a real SSMClient given by the user', async () => {
  const client = new SSMClient(clientOptions())
  const out = output(await sdkTransport('ssm', { client }).call<{ Parameter: { Value: string } }>('GetParameter', { Name: '/p' }, options()))
  expect(out.Parameter.Value).toBe('v')
  client.destroy()
})

test('a package that is not installed -> SdkNotInstalled naming it, not retryable; the next call tries again', async () => {
  const missing = '@aws-sdk/client-that-is-not-installed'
  let imports = 0
  const transport = sdkTransport('dynamodb', {
    importSdk: () => {
      imports += 1
      return import(missing)
    },
  })
  const error = failure(await transport.call('GetItem', { TableName: 't', Key: {} }, options()))
  expect(error).toEqual({
    code: 'SdkNotInstalled',
    message: "@aws-sdk/client-dynamodb is not installed: add it to the function's dependencies (npm install @aws-sdk/client-dynamodb); the Lambda Node.js runtime includes it",
    retryable: false,
    operation: 'GetItem',
  })
  await transport.call('GetItem', { TableName: 't', Key: {} }, options())
  expect(imports).toBe(2)
})

// webpack (strictModuleExceptionHandling off, its default) answers every import after a failed one with {}.
test('a client module without its client (a bundler\'s empty stand-in for a missing package) -> SdkNotInstalled, on every call', async () => {
  const transport = sdkTransport('secretsmanager', { importSdk: async () => ({}) })
  for (let call = 0; call < 2; call += 1) {
    const error = failure(await transport.call('GetSecretValue', { SecretId: 's' }, options()))
    expect(error).toMatchObject({ code: 'SdkNotInstalled', retryable: false, operation: 'GetSecretValue' })
    expect(error.message).toMatch(/^@aws-sdk\/client-secrets-manager is not installed/)
  }
})

test('a package that fails to load for another reason -> TransportClientError', async () => {
  const transport = sdkTransport('ssm', { importSdk: () => Promise.reject(new SyntaxError('Unexpected token')) })
  expect(failure(await transport.call('GetParameter', { Name: '/p' }, options()))).toMatchObject({ code: 'TransportClientError', retryable: false })
})

test('an operation the SDK has no command for -> UnsupportedOperation', async () => {
  const error = failure(await sdkTransport('ssm', { clientOptions: clientOptions() }).call('GetEverything', {}, options()))
  expect(error).toMatchObject({ code: 'UnsupportedOperation', retryable: false })
})

test("AWS's answer is AWS's error on both transports, whatever words of a closed socket its message quotes", async () => {
  // AccessDenied quotes the resource: a parameter path holding 'aborted' or 'socket hang up'.
  const name = '/jobs/aborted/socket hang up'
  server.fault({ kind: 'error', code: 'AccessDeniedException', operation: 'GetParameter', times: 2 })
  const sdk = failure(await sdkTransport('ssm', { clientOptions: clientOptions() }).call('GetParameter', { Name: name }, options()))
  const lean = failure(await httpsTransport(localConfig('ssm', server.endpoint)).call('GetParameter', { Name: name }, options()))
  for (const error of [sdk, lean]) expect(error).toMatchObject({ code: 'AccessDeniedException', retryable: false })
})

// After a Lambda freeze the far end has closed the keep-alive socket the SDK's handler reuses.
// The SDK's own retries (off: maxAttempts 1) would send the request again; the transport does, once.
test('a keep-alive socket found dead on reuse: the call is sent once more, and answered', async () => {
  const { createServer } = await import('node:http')
  const requests: number[] = [] // the connection each request came on
  let connections = 0
  const raw = createServer((req, res) => {
    const connection = (req.socket as unknown as { id: number }).id
    requests.push(connection)
    req.resume()
    req.on('end', () => {
      // The first connection's second request: dropped unanswered, as a socket closed during a freeze.
      if (connection === 1 && requests.filter((c) => c === 1).length >= 2) return void req.socket.destroy()
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{"Parameter":{"Name":"/p","Value":"v","Type":"String","Version":1}}')
    })
  })
  raw.on('connection', (socket) => ((socket as unknown as { id: number }).id = connections += 1))
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
  const endpoint = `http://127.0.0.1:${(raw.address() as { port: number }).port}`
  try {
    const transport = sdkTransport('ssm', { clientOptions: { endpoint, region: 'us-east-1', credentials: CREDENTIALS } })
    output(await transport.call('GetParameter', { Name: '/p' }, options()))
    output(await transport.call('GetParameter', { Name: '/p' }, options()))
    expect(requests).toEqual([1, 1, 2])
  } finally {
    raw.closeAllConnections()
    await new Promise((resolve) => raw.close(resolve))
  }
})

// After a Lambda freeze, the timers that came due run before the sockets are read: as the lean
// transport (exchange.test.ts), the SDK's request is aborted only after the waiting I/O is read.
test('an answer that arrived while the event loop stalled past the timeout is read, not discarded by the timeout', async () => {
  const stalling = await startStallingServer(JSON.stringify({ Name: 's', SecretString: 'v-stalled', VersionId: 'v1', VersionStages: ['AWSCURRENT'] }))
  try {
    const transport = sdkTransport('secretsmanager', { clientOptions: { endpoint: `http://127.0.0.1:${stalling.port}`, region: 'us-east-1', credentials: CREDENTIALS } })
    const result = await transport.call<{ SecretString: string }>('GetSecretValue', { SecretId: 's' }, options({ timeoutMs: stalling.timeoutMs }))
    expect(output(result).SecretString).toBe('v-stalled')
  } finally {
    stalling.close()
  }
})
