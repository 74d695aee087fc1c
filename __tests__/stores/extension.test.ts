/**
 * The extension store over real HTTP: against the local extension server (every selector,
 * tokens, unknown names), and against small canned servers for what only a misbehaving or
 * starting extension does (status codes, slow answers, connection refused, the connection bound).
 */
import { ConfigError } from '../../lib/errors.js'
import { ExtensionConfigError } from '../../lib/env-vars.js'
import { packageLog } from '../../lib/log.js'
import { startExtensionServer, type ExtensionServer } from '../../lib/extension-server/server.js'
import { extensionStore } from '../../lib/stores/extension.js'
import type { FetchOptions, Logger, StoreFailure, StoreRequest, StoreResult, StoreValue } from '../../lib/store.js'
import { memoryStore, type MemoryStore } from '../../lib/testing/memory-store.js'
import { cannedServer, freePort, type CannedServer } from './extension-servers.js'

const TOKEN = 'test-session-token'
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }

function fetchOptions(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return { signal: new AbortController().signal, requestTimeoutMs: 2000, limit: (task) => task(), logger: silent, ...overrides }
}

function value(result: StoreResult | undefined): StoreValue {
  if (!result?.ok) throw new Error(`expected a value, got ${JSON.stringify(result)}`)
  return result
}

function failure(result: StoreResult | undefined): StoreFailure['error'] {
  if (!result || result.ok) throw new Error('expected a failure')
  return result.error
}

async function one(store: ReturnType<typeof extensionStore>, request: StoreRequest, options?: Partial<FetchOptions>): Promise<StoreResult> {
  const [result] = await store.fetch([request], fetchOptions(options))
  return result!
}

describe('extensionStore against the local extension server', () => {
  let backend: MemoryStore
  let server: ExtensionServer
  let store: ReturnType<typeof extensionStore>
  let firstDbVersion: string

  beforeAll(async () => {
    backend = memoryStore({
      secrets: { 'prod/db': '{"password":"p1"}', 'prod/cert': new Uint8Array([0, 1, 2, 250, 255]) },
      parameters: { '/prod/url': 'https://example.test', '/prod/key': { value: 'k-plain', type: 'SecureString' } },
    })
    firstDbVersion = backend.model.getSecretValue('prod/db').versionId
    backend.rotate('prod/db', '{"password":"p2"}')
    backend.setParameter('/prod/url', 'https://v2.example.test', { labels: ['live'] })
    server = await startExtensionServer({ backend: { secretsManager: backend, ssm: backend }, port: 0, token: TOKEN, logger: silent, env: {} })
    store = extensionStore({ port: server.port, env: { AWS_SESSION_TOKEN: TOKEN } })
  })

  afterAll(() => server.close())

  it('reads AWSCURRENT by default, with version id, stages and ARN', async () => {
    const result = value(await one(store, { kind: 'secret', name: 'prod/db' }))
    expect(result.value).toBe('{"password":"p2"}')
    expect(result.versionStages).toEqual(['AWSCURRENT'])
    expect(result.versionId).toEqual(expect.any(String))
    expect(result.arn).toMatch(/^arn:aws:secretsmanager:.*:secret:prod\/db-/)
  })

  it('reads versionStage AWSPREVIOUS', async () => {
    const result = value(await one(store, { kind: 'secret', name: 'prod/db', versionStage: 'AWSPREVIOUS' }))
    expect(result.value).toBe('{"password":"p1"}')
    expect(result.versionStages).toEqual(['AWSPREVIOUS'])
  })

  it('reads a versionId', async () => {
    const result = value(await one(store, { kind: 'secret', name: 'prod/db', versionId: firstDbVersion }))
    expect(result.value).toBe('{"password":"p1"}')
    expect(result.versionId).toBe(firstDbVersion)
  })

  it('reads a secret by ARN', async () => {
    const arn = backend.model.getSecretValue('prod/db').arn
    expect(value(await one(store, { kind: 'secret', name: arn })).value).toBe('{"password":"p2"}')
  })

  it('decodes SecretBinary to bytes', async () => {
    const result = value(await one(store, { kind: 'secret', name: 'prod/cert' }))
    expect(result.value).toBeInstanceOf(Uint8Array)
    expect([...(result.value as Uint8Array)]).toEqual([0, 1, 2, 250, 255])
  })

  it('reads the latest parameter version, a version number and a label', async () => {
    const latest = value(await one(store, { kind: 'parameter', name: '/prod/url' }))
    expect(latest).toMatchObject({ value: 'https://v2.example.test', versionId: '2' })
    const first = value(await one(store, { kind: 'parameter', name: '/prod/url', version: 1 }))
    expect(first).toMatchObject({ value: 'https://example.test', versionId: '1' })
    const labelled = value(await one(store, { kind: 'parameter', name: '/prod/url', label: 'live' }))
    expect(labelled).toMatchObject({ value: 'https://v2.example.test', versionId: '2' })
  })

  it('decrypts a SecureString unless decrypt is false', async () => {
    expect(value(await one(store, { kind: 'parameter', name: '/prod/key' })).value).toBe('k-plain')
    expect(value(await one(store, { kind: 'parameter', name: '/prod/key', decrypt: true })).value).toBe('k-plain')
    const encrypted = value(await one(store, { kind: 'parameter', name: '/prod/key', decrypt: false }))
    expect(encrypted.value).not.toBe('k-plain')
    expect(encrypted.versionId).toBe('1')
  })

  it('answers one result per request, in order, failures included', async () => {
    const results = await store.fetch(
      [
        { kind: 'secret', name: 'prod/db' },
        { kind: 'secret', name: 'missing/secret' },
        { kind: 'parameter', name: '/prod/url', version: 1 },
        { kind: 'parameter', name: '/missing' },
      ],
      fetchOptions(),
    )
    expect(results.map((r) => r.ok)).toEqual([true, false, true, false])
    expect(value(results[2]).value).toBe('https://example.test')
  })

  it('maps an unknown secret to ResourceNotFoundException, an unknown parameter to ParameterNotFound', async () => {
    const secret = failure(await one(store, { kind: 'secret', name: 'missing/secret' }))
    expect(secret).toMatchObject({ code: 'ResourceNotFoundException', retryable: false, httpStatus: 400, operation: 'GetSecretValue' })
    const parameter = failure(await one(store, { kind: 'parameter', name: '/missing' }))
    expect(parameter).toMatchObject({ code: 'ParameterNotFound', retryable: false, operation: 'GetParameter' })
    const version = failure(await one(store, { kind: 'parameter', name: '/prod/url', version: 9 }))
    expect(version.code).toBe('ParameterVersionNotFound')
    const stage = failure(await one(store, { kind: 'secret', name: 'prod/db', versionStage: 'NOPE' }))
    expect(stage.code).toBe('ResourceNotFoundException')
  })

  it('passes backend errors through with their retryability', async () => {
    backend.fail('prod/db', 'ThrottlingException')
    const throttled = failure(await one(store, { kind: 'secret', name: 'prod/db', versionStage: 'AWSPENDING' }))
    expect(throttled).toMatchObject({ code: 'ThrottlingException', retryable: true })
    backend.fail('prod/db', 'AccessDeniedException')
    const denied = failure(await one(store, { kind: 'secret', name: 'prod/db', versionStage: 'AWSPENDING' }))
    expect(denied).toMatchObject({ code: 'AccessDeniedException', retryable: false })
  })

  it('fails every request without a token, before any HTTP call', async () => {
    const noToken = extensionStore({ port: server.port, env: {} })
    backend.resetCalls()
    const error = failure(await one(noToken, { kind: 'secret', name: 'prod/db' }))
    expect(error.code).toBe('ExtensionTokenRejected')
    expect(error.retryable).toBe(false)
    expect(error.message).toContain('AWS_SESSION_TOKEN')
    expect(backend.calls).toHaveLength(0)
  })

  it('reports a token the server rejects', async () => {
    const wrong = extensionStore({ port: server.port, token: 'not-the-token', env: {} })
    const error = failure(await one(wrong, { kind: 'secret', name: 'prod/db' }))
    expect(error).toMatchObject({ code: 'ExtensionTokenRejected', retryable: false, httpStatus: 403 })
    expect(error.message).toContain('AWS_SESSION_TOKEN')
  })

  it('refuses parameter paths, pointing to the SDK ssm store', async () => {
    const error = failure(await one(store, { kind: 'parameters', name: '/prod', recursive: true }))
    expect(error).toMatchObject({ code: 'ExtensionUnsupported', retryable: false, operation: 'GetParametersByPath' })
    expect(error.message).toContain('ssmStore()')
  })

  it('refuses AppConfig requests, pointing to the AppConfig extension store, and DynamoDB ones', async () => {
    backend.resetCalls()
    const appConfig = failure(await one(store, { kind: 'appConfig', name: 'shop/prod/settings' }))
    expect(appConfig).toMatchObject({ code: 'ExtensionUnsupported', retryable: false, operation: 'GetLatestConfiguration' })
    expect(appConfig.message).toContain('appConfigExtensionStore()')
    const item = failure(await one(store, { kind: 'item', name: 'table', key: { attribute: 'pk', value: 'k' } }))
    expect(item).toMatchObject({ code: 'ExtensionUnsupported', operation: 'GetItem' })
    expect(backend.calls).toHaveLength(0)
  })

  it('never puts a value in an error', async () => {
    const results = await store.fetch(
      [
        { kind: 'secret', name: 'prod/db', versionStage: 'NOPE' },
        { kind: 'parameter', name: '/prod/key', version: 7 },
      ],
      fetchOptions(),
    )
    const text = JSON.stringify(results)
    for (const secretValue of ['p1', 'p2', 'k-plain']) expect(text).not.toContain(secretValue)
  })
})

describe('extensionStore at cold start and under load', () => {
  it('retries while the extension is not listening yet, and succeeds once it is', async () => {
    const port = await freePort()
    const backend = memoryStore({ secrets: { late: 'v' } })
    const store = extensionStore({ port, token: TOKEN, startupTimeoutMs: 3000, env: {} })
    const pending = one(store, { kind: 'secret', name: 'late' })
    await new Promise((resolve) => setTimeout(resolve, 250))
    const server = await startExtensionServer({ backend: { secretsManager: backend, ssm: backend }, port, token: TOKEN, logger: silent, env: {} })
    try {
      expect(value(await pending).value).toBe('v')
    } finally {
      await server.close()
    }
  })

  it('says it waits at debug, as every line: one prefix, a message and its fields', async () => {
    const port = await freePort()
    const lines: unknown[][] = []
    const logger = { debug: (...args: unknown[]) => void lines.push(args), info() {}, warn() {}, error() {} }
    const store = extensionStore({ port, token: TOKEN, startupTimeoutMs: 50, env: {} })
    await one(store, { kind: 'secret', name: 'x' }, { logger: packageLog(logger, 'debug') })
    expect(lines[0]).toEqual(['middy-secrets: extension not listening yet; retrying', { host: '127.0.0.1', port, delayMs: 10 }])
  })

  it('gives up after the startup wait with ExtensionUnavailable (retryable)', async () => {
    const port = await freePort()
    const store = extensionStore({ port, token: TOKEN, startupTimeoutMs: 150, env: {} })
    const started = Date.now()
    const error = failure(await one(store, { kind: 'secret', name: 'x' }))
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(error).toMatchObject({ code: 'ExtensionUnavailable', retryable: true })
    expect(error.message).toContain(`127.0.0.1:${port}`)
  })

  it('stops waiting for the extension when the deadline signal aborts', async () => {
    const port = await freePort()
    const store = extensionStore({ port, token: TOKEN, startupTimeoutMs: 10_000, env: {} })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    const error = failure(await one(store, { kind: 'secret', name: 'x' }, { signal: controller.signal }))
    expect(Date.now() - started).toBeLessThan(2000)
    expect(error.code).toBe('DeadlineExceeded')
  })

  it('keeps at most PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS requests in flight', async () => {
    let inFlight = 0
    let peak = 0
    const canned = await cannedServer((req, res) => {
      inFlight += 1
      peak = Math.max(peak, inFlight)
      const name = new URL(req.url ?? '/', 'http://x').searchParams.get('secretId')
      setTimeout(() => {
        inFlight -= 1
        res.end(JSON.stringify({ Name: name, SecretString: `value-of-${name}`, VersionId: 'v1', VersionStages: ['AWSCURRENT'] }))
      }, 40)
    })
    try {
      const store = extensionStore({ port: canned.port, env: { AWS_SESSION_TOKEN: TOKEN, PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: '2' } })
      let limitCalls = 0
      const requests = Array.from({ length: 8 }, (_, i): StoreRequest => ({ kind: 'secret', name: `s${i}` }))
      const results = await store.fetch(requests, fetchOptions({ limit: (task) => ((limitCalls += 1), task()) }))
      expect(results.map((r) => value(r).value)).toEqual(requests.map((r) => `value-of-${r.name}`))
      expect(peak).toBe(2)
      expect(limitCalls).toBe(8)
    } finally {
      await canned.close()
    }
  })

  it('defaults to 3 connections', async () => {
    let inFlight = 0
    let peak = 0
    const canned = await cannedServer((_req, res) => {
      inFlight += 1
      peak = Math.max(peak, inFlight)
      setTimeout(() => ((inFlight -= 1), res.end('{"SecretString":"x"}')), 30)
    })
    try {
      const store = extensionStore({ port: canned.port, token: TOKEN, env: {} })
      await store.fetch(Array.from({ length: 9 }, (_, i): StoreRequest => ({ kind: 'secret', name: `d${i}` })), fetchOptions())
      expect(peak).toBe(3)
    } finally {
      await canned.close()
    }
  })
})

describe('extensionStore error mapping', () => {
  type Reply = { status: number; body: string; delayMs?: number }
  let reply: Reply
  let canned: CannedServer
  let store: ReturnType<typeof extensionStore>

  beforeAll(async () => {
    canned = await cannedServer((_req, res) => {
      const { status, body, delayMs = 0 } = reply
      setTimeout(() => {
        res.statusCode = status
        res.end(body)
      }, delayMs)
    })
    store = extensionStore({ port: canned.port, token: TOKEN, env: {} })
  })

  afterAll(() => canned.close())

  async function errorFor(next: Reply, request: StoreRequest = { kind: 'secret', name: 'n' }, options?: Partial<FetchOptions>) {
    reply = next
    return failure(await one(store, request, options))
  }

  it.each([
    [{ status: 400, body: '{"__type":"ResourceNotFoundException","message":"Secrets Manager can\'t find the specified secret."}' }, 'ResourceNotFoundException', false],
    [{ status: 400, body: '{"__type":"com.amazonaws.secretsmanager#AccessDeniedException","Message":"not authorized"}' }, 'AccessDeniedException', false],
    [{ status: 403, body: '{"__type":"AccessDeniedException","message":"not authorized"}' }, 'AccessDeniedException', false],
    [{ status: 400, body: '{"__type":"ThrottlingException","message":"Rate exceeded"}' }, 'ThrottlingException', true],
    [{ status: 429, body: 'Connection limit exceeded' }, 'ThrottlingException', true],
    [{ status: 401, body: 'Unauthorized' }, 'ExtensionTokenRejected', false],
    [{ status: 403, body: 'Bad Token' }, 'ExtensionTokenRejected', false],
    [{ status: 404, body: 'Not found' }, 'ExtensionPathNotFound', false], // the agent's answer to a path it does not serve
    [{ status: 500, body: '{"__type":"InternalFailure"}' }, 'InternalFailure', true],
    [{ status: 502, body: '' }, 'InternalFailure', true],
    [{ status: 503, body: 'Serving not enabled' }, 'ServiceUnavailable', true],
    [{ status: 504, body: '{"__type":"TimeoutError","message":"Timeout"}' }, 'TimeoutError', true],
    [{ status: 400, body: '400 Bad Request: an unexpected error occurred while executing request' }, 'ExtensionRequestFailed', false],
    // Not an error name (found by a leak review: a server that echoes data there put it, and forged lines, in every failure).
    [{ status: 400, body: '{"__type":"CANARY\\n  - forged line","message":"m"}' }, 'UnknownError', false],
  ])('HTTP %p -> %s (retryable %s)', async (next, code, retryable) => {
    const error = await errorFor(next)
    expect(error.code).toBe(code)
    expect(error.retryable).toBe(retryable)
    expect(error.operation).toBe('GetSecretValue')
  })

  it('a bare 404 is not "not found": only an AWS error named in the body is (an optional key never takes its default on it)', async () => {
    const error = await errorFor({ status: 404, body: '' }, { kind: 'parameter', name: '/p' })
    expect(error).toMatchObject({ code: 'ExtensionPathNotFound', operation: 'GetParameter', retryable: false })
    const named = await errorFor({ status: 400, body: '{"__type":"ParameterNotFound","message":"not found"}' }, { kind: 'parameter', name: '/p' })
    expect(named).toMatchObject({ code: 'ParameterNotFound', operation: 'GetParameter' })
  })

  it('tells where the detail of the generic 400 is', async () => {
    const error = await errorFor({ status: 400, body: '400 Bad Request: an unexpected error occurred while executing request' }, { kind: 'parameter', name: '/p' })
    expect(error.message).toContain('ssm:GetParameter')
    expect(error.message).toContain('PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL=debug')
  })

  it('treats a body that is not JSON as a malformed response, without quoting it', async () => {
    const error = await errorFor({ status: 200, body: '{"SecretString":"SUPER-SECRET-VALUE' })
    expect(error).toMatchObject({ code: 'MalformedResponse', retryable: true })
    expect(JSON.stringify(error)).not.toContain('SUPER-SECRET')
  })

  it('rejects a 200 without a value', async () => {
    expect((await errorFor({ status: 200, body: '{"Name":"n"}' })).code).toBe('MalformedResponse')
    expect((await errorFor({ status: 200, body: '{"Parameter":{"Value":null}}' }, { kind: 'parameter', name: '/p' })).code).toBe('MalformedResponse')
  })

  it('cuts off an answer far larger than any secret, without retrying it', async () => {
    let requests = 0
    const huge = await cannedServer((_req, res) => {
      requests += 1
      res.end(Buffer.alloc(5 * 1024 * 1024, 'x'))
    })
    try {
      const client = extensionStore({ port: huge.port, token: TOKEN, env: {} })
      const error = failure(await one(client, { kind: 'secret', name: 'big' }))
      expect(error).toMatchObject({ code: 'ExtensionResponseTooLarge', retryable: false })
      expect(error.message).toContain(String(4 * 1024 * 1024))
      expect(requests).toBe(1)
    } finally {
      await huge.close()
    }
  })

  it('times out a slow answer with TimeoutError (retryable)', async () => {
    const error = await errorFor({ status: 200, body: '{"SecretString":"late"}', delayMs: 300 }, undefined, { requestTimeoutMs: 50 })
    expect(error).toMatchObject({ code: 'TimeoutError', retryable: true })
  })

  it('stops a request in flight when the deadline signal aborts', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const error = await errorFor({ status: 200, body: '{"SecretString":"late"}', delayMs: 300 }, undefined, { signal: controller.signal })
    expect(error.code).toBe('DeadlineExceeded')
  })

  it('sends the token header and the documented query parameters', async () => {
    const seen: Array<{ url?: string; token?: string | string[] }> = []
    const recorder = await cannedServer((req, res) => {
      seen.push({ url: req.url, token: req.headers['x-aws-parameters-secrets-token'] })
      res.end(req.url?.startsWith('/secretsmanager') ? '{"SecretString":"s"}' : '{"Parameter":{"Value":"p","Version":3}}')
    })
    try {
      const client = extensionStore({ port: recorder.port, env: { AWS_SESSION_TOKEN: 'from-env' } })
      await client.fetch(
        [
          { kind: 'secret', name: 'a/b c', versionStage: 'AWSPREVIOUS' },
          { kind: 'secret', name: 'x', versionId: 'id-1' },
          { kind: 'parameter', name: '/p/q', version: 3 },
          { kind: 'parameter', name: '/p/q', label: 'live', decrypt: false },
        ],
        fetchOptions({ limit: (task) => task() }),
      )
      const urls = seen.map((s) => s.url).sort()
      expect(urls).toEqual(
        [
          '/secretsmanager/get?secretId=a%2Fb+c&versionStage=AWSPREVIOUS',
          '/secretsmanager/get?secretId=x&versionId=id-1',
          '/systemsmanager/parameters/get?name=%2Fp%2Fq&version=3&withDecryption=true',
          '/systemsmanager/parameters/get?name=%2Fp%2Fq&label=live',
        ].sort(),
      )
      expect(seen.every((s) => s.token === 'from-env')).toBe(true)
    } finally {
      await recorder.close()
    }
  })
})

describe('extensionStore configuration', () => {
  it('rejects an out-of-range PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, naming variable, value and range', () => {
    expect(() => extensionStore({ env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '70000' } })).toThrow(ExtensionConfigError)
    expect(() => extensionStore({ env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '70000' } })).toThrow(
      /PARAMETERS_SECRETS_EXTENSION_HTTP_PORT.*70000.*from 1 to 65535/,
    )
    expect(() => extensionStore({ env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: 'http' } })).toThrow(/PARAMETERS_SECRETS_EXTENSION_HTTP_PORT/)
  })

  it('rejects PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS below 1', () => {
    expect(() => extensionStore({ env: { PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: '0' } })).toThrow(
      /PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS.*'0'.*>= 1/,
    )
    expect(() => extensionStore({ maxConnections: 0 })).toThrow(/maxConnections/)
  })

  it('only talks to the loopback interface', () => {
    expect(() => extensionStore({ host: '169.254.169.254' })).toThrow(ConfigError)
    expect(() => extensionStore({ host: 'localhost' })).not.toThrow()
  })

  it('is named extension', () => {
    expect(extensionStore({ env: {} }).name).toBe('extension')
  })
})
