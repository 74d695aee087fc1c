/** stores/aws-error.ts: what an SDK call threw -> StoreError, set-up problems with codes of their own. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpRequest } from '@smithy/core/protocols'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { hintFor } from '../../lib/hints.js'
import { toStoreError } from '../../lib/stores/aws-error.js'

describe('set-up problems get a code of their own and a hint that says what to set', () => {
  test('no credentials: CredentialsMissing', () => {
    const thrown = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })
    const error = toStoreError(thrown, 'GetSecretValue')
    expect(error).toMatchObject({ code: 'CredentialsMissing', retryable: false, operation: 'GetSecretValue' })
    expect(hintFor(error.code, 'secretsManager', 'db', error.operation)).toContain('AWS_ACCESS_KEY_ID')
  })

  test('no region: RegionMissing', () => {
    const error = toStoreError(new Error('Region is missing'), 'GetParameters')
    expect(error).toMatchObject({ code: 'RegionMissing', retryable: false })
    expect(hintFor(error.code, 'ssm', '/p', error.operation)).toContain('AWS_REGION')
  })

  test('an SDK client package that is not installed: SdkNotInstalled, naming the package', () => {
    const thrown = Object.assign(new Error("Cannot find package '@aws-sdk/client-ssm' imported from /var/task/index.mjs"), { code: 'ERR_MODULE_NOT_FOUND' })
    const error = toStoreError(thrown, 'fetch')
    expect(error).toMatchObject({ code: 'SdkNotInstalled', message: '@aws-sdk/client-ssm is not installed', retryable: false })
    expect(hintFor(error.code, 'ssm', '/p', undefined)).toContain('npm install @aws-sdk/client-ssm')
    expect(hintFor(error.code, 'secretsManager', 'db', undefined)).toContain('npm install @aws-sdk/client-secrets-manager')
    // Another missing module is not the SDK: reported as it is.
    expect(toStoreError(Object.assign(new Error("Cannot find package 'left-pad'"), { code: 'ERR_MODULE_NOT_FOUND' }), 'fetch').code).toBe('Error')
  })
})

describe('a failed connection in what the SDK threw: found in the error or up to three causes down', () => {
  /** `error` wrapped `depth` times in an outer Error's cause. */
  const wrapped = (error: object, depth: number): object => (depth === 0 ? error : wrapped(Object.assign(new Error('outer'), { cause: error }), depth - 1))

  test('an errno three causes down is found; four down, the error is reported as it is', () => {
    const reset = Object.assign(new Error('read ECONN'), { code: 'ECONNREFUSED' })
    expect(toStoreError(wrapped(reset, 3), 'GetSecretValue')).toMatchObject({ code: 'NetworkingError', message: 'GetSecretValue failed: ECONNREFUSED', retryable: true })
    expect(toStoreError(wrapped(reset, 4), 'GetSecretValue')).toMatchObject({ code: 'Error', message: 'outer', retryable: false })
  })

  test('a cause chain that loops ends', () => {
    const a = new Error('a') as Error & { cause?: unknown }
    a.cause = Object.assign(new Error('b'), { cause: a })
    expect(toStoreError(a, 'GetParameters')).toMatchObject({ code: 'Error', message: 'a' })
  })

  test("undici's SocketError, and a closed socket told by its message, are a connection closed", () => {
    expect(toStoreError(Object.assign(new Error(''), { name: 'SocketError' }), 'GetSecretValue')).toMatchObject({ code: 'NetworkingError', message: 'GetSecretValue failed: connection closed' })
    expect(toStoreError(new Error('socket hang up'), 'GetSecretValue')).toMatchObject({ code: 'NetworkingError', message: 'GetSecretValue failed: connection closed' })
  })

  test("AWS's answer is never read for a closed socket's words; a body cut off after the status still is", () => {
    // A service exception ($fault) quotes the names the caller gave: 'aborted' here is a secret's name.
    const denied = Object.assign(new Error('User: fn is not authorized to perform: secretsmanager:GetSecretValue on resource: jobs/aborted-orders'), {
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    })
    expect(toStoreError(denied, 'GetSecretValue')).toMatchObject({ code: 'AccessDeniedException', retryable: false, httpStatus: 400 })
    // The SDK adds $metadata (not $fault) to a body that broke off while it was read: the network.
    const cut = Object.assign(new Error('aborted\n  Deserialization error: to see the raw response...'), { $metadata: { httpStatusCode: 200 } })
    expect(toStoreError(cut, 'GetSecretValue')).toMatchObject({ code: 'NetworkingError', retryable: true })
  })

  test('a message that is not text is not read', () => {
    const thrown = { name: 'Weird', message: { toString: () => 'socket hang up' } }
    expect(toStoreError(thrown, 'GetSecretValue')).toMatchObject({ code: 'Weird' })
  })
})

describe("the SDK's own timeouts, over a real socket (found by review: a request timeout read as a connection failure)", () => {
  let server: Server
  let port: number
  beforeAll(async () => {
    server = createServer(() => {
      /* never answers */
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  test("the SDK handler's own request timeout (a client's requestHandler with throwOnRequestTimeout: code ETIMEDOUT, no socket call) stays a TimeoutError, not a connection failure", async () => {
    const handler = new NodeHttpHandler({ requestTimeout: 200, throwOnRequestTimeout: true })
    const request = new HttpRequest({ protocol: 'http:', hostname: '127.0.0.1', port, method: 'POST', path: '/', headers: { host: `127.0.0.1:${port}` }, body: '{}' })
    const thrown = await handler.handle(request).then(
      () => undefined,
      (error: unknown) => error,
    )
    handler.destroy()
    expect(thrown).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' }) // what the SDK throws
    expect(toStoreError(thrown, 'GetSecretValue')).toMatchObject({ code: 'TimeoutError', message: 'GetSecretValue did not answer in time' })
  })
})
