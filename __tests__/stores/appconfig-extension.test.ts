/**
 * The AppConfig extension store over real HTTP: against the local server's AppConfig interface
 * (values, versions, names and ids, AppConfig's errors), and against canned servers for what
 * only the real extension or a misbehaving one does (content types, version labels, statuses,
 * start-up, slow answers, the connection bound).
 */
import { ConfigError } from '../../lib/errors.js'
import { ExtensionConfigError } from '../../lib/env-vars.js'
import { startExtensionServer, type ExtensionServer } from '../../lib/extension-server/server.js'
import { appConfigExtensionStore } from '../../lib/stores/appconfig-extension.js'
import type { FetchOptions, Logger, Store, StoreRequest, StoreResult } from '../../lib/store.js'
import { memoryStore, type MemoryStore } from '../../lib/testing/memory-store.js'
import { failed as failure, ok as value } from '../support/store-results.js'
import { cannedServer, freePort, type CannedServer } from './extension-servers.js'

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const SETTINGS = '{"currency":"EUR","limit":10}'

function fetchOptions(overrides: Partial<FetchOptions> = {}): FetchOptions {
  return { signal: new AbortController().signal, requestTimeoutMs: 2000, limit: (task) => task(), logger: silent, ...overrides }
}

async function one(store: Store, request: StoreRequest, options?: Partial<FetchOptions>): Promise<StoreResult> {
  const [result] = await store.fetch([request], fetchOptions(options))
  return result!
}

const configuration = (name: string): StoreRequest => ({ kind: 'appConfig', name })

async function startStandIn(backend: MemoryStore, pollIntervalSeconds = 0): Promise<ExtensionServer> {
  return startExtensionServer({
    backend: { secretsManager: backend, ssm: backend, appConfig: backend },
    port: 0,
    token: 't',
    logger: silent,
    env: {},
    appConfig: { port: 0, pollIntervalSeconds },
  })
}

describe('appConfigExtensionStore against the local AppConfig interface', () => {
  let backend: MemoryStore
  let server: ExtensionServer
  let store: Store

  beforeAll(async () => {
    backend = memoryStore({
      appConfig: {
        'shop/prod/settings': SETTINGS,
        'shop/prod/banner': { content: 'Sale until Sunday', contentType: 'text/plain' },
        'shop/prod/model': { content: new Uint8Array([0, 1, 2, 250, 255]), contentType: 'application/octet-stream' },
      },
    })
    server = await startStandIn(backend)
    store = appConfigExtensionStore({ port: server.appConfig!.port, env: {} })
  })

  afterAll(() => server.close())

  it('reads a JSON configuration as text, with its version number as the version id', async () => {
    expect(value(await one(store, configuration('shop/prod/settings')))).toEqual({ ok: true, value: SETTINGS, versionId: '1' })
  })

  it('reads a text configuration as text and a binary one as bytes', async () => {
    expect(value(await one(store, configuration('shop/prod/banner'))).value).toBe('Sale until Sunday')
    const model = value(await one(store, configuration('shop/prod/model'))).value
    expect(model).toBeInstanceOf(Uint8Array)
    expect([...(model as Uint8Array)]).toEqual([0, 1, 2, 250, 255])
  })

  it('sees a new deployment with its new version (the interface polls on every request here)', async () => {
    backend.setConfiguration('shop', 'prod', 'flags', '{"beta":false}')
    backend.setConfiguration('shop', 'prod', 'flags', '{"beta":true}')
    expect(value(await one(store, configuration('shop/prod/flags')))).toMatchObject({ value: '{"beta":true}', versionId: '2' })
  })

  it('names the resources by the request fields (ids or names, slashes included) as well as by name', async () => {
    const deployed = backend.model.appConfig.deploy('team/shop', 'prod', 'settings', '{"a":1}')
    const byIds = { kind: 'appConfig', name: 'x', application: deployed.application.id, environment: deployed.environment.id, profile: deployed.profile.id } as const
    expect(value(await one(store, byIds)).value).toBe('{"a":1}')
    const byNames = { kind: 'appConfig', name: 'team/shop/prod/settings', application: 'team/shop', environment: 'prod', profile: 'settings' } as const
    expect(value(await one(store, byNames)).value).toBe('{"a":1}')
  })

  it('answers one result per request, in order, failures included', async () => {
    const results = await store.fetch([configuration('shop/prod/banner'), configuration('shop/none/settings'), { kind: 'secret', name: 's' }, configuration('shop/prod/settings')], fetchOptions())
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true])
    expect(value(results[3]).value).toBe(SETTINGS)
  })

  it('maps an unknown application, environment or profile to ResourceNotFoundException (404, final), as the SDK store does', async () => {
    for (const name of ['nope/prod/settings', 'shop/nope/settings', 'shop/prod/nope']) {
      const error = failure(await one(store, configuration(name)))
      expect(error).toMatchObject({ code: 'ResourceNotFoundException', httpStatus: 404, retryable: false, operation: 'GetLatestConfiguration' })
    }
  })

  it('passes AppConfig errors through with their retryability', async () => {
    backend.fail('shop/prod/settings', 'ThrottlingException')
    expect(failure(await one(store, configuration('shop/prod/settings')))).toMatchObject({ code: 'ThrottlingException', httpStatus: 429, retryable: true })
    backend.fail('shop/prod/settings', 'InternalServerException')
    expect(failure(await one(store, configuration('shop/prod/settings')))).toMatchObject({ code: 'InternalServerException', httpStatus: 500, retryable: true })
    backend.fail('shop/prod/settings', 'BadRequestException')
    expect(failure(await one(store, configuration('shop/prod/settings')))).toMatchObject({ code: 'BadRequestException', httpStatus: 400, retryable: false })
  })

  it('refuses other kinds without an HTTP call, pointing to the right stores', async () => {
    backend.resetCalls()
    const kinds: StoreRequest[] = [
      { kind: 'secret', name: 'prod/db' },
      { kind: 'parameter', name: '/p' },
      { kind: 'parameters', name: '/p' },
      { kind: 'item', name: 'table', key: { attribute: 'pk', value: 'k' } },
    ]
    const results = await store.fetch(kinds, fetchOptions())
    expect(results.map((r) => failure(r).code)).toEqual(['ExtensionUnsupported', 'ExtensionUnsupported', 'ExtensionUnsupported', 'ExtensionUnsupported'])
    expect(results.map((r) => failure(r).operation)).toEqual(['GetSecretValue', 'GetParameter', 'GetParametersByPath', 'GetItem'])
    expect(failure(results[0]).message).toContain('extensionStore()')
    expect(backend.calls).toHaveLength(0)
  })

  it('refuses a name that is not application/environment/profile without an HTTP call', async () => {
    backend.resetCalls()
    expect(failure(await one(store, configuration('shop/prod')))).toMatchObject({ code: 'BadRequestException', retryable: false })
    expect(failure(await one(store, configuration('shop//settings')))).toMatchObject({ code: 'BadRequestException' })
    expect(backend.calls).toHaveLength(0)
  })

  it('never puts a value in an error', async () => {
    backend.fail('shop/prod/settings', 'AccessDeniedException')
    backend.fail('shop/prod/banner', 'InternalServerException')
    const results = await store.fetch([configuration('shop/prod/settings'), configuration('shop/prod/banner'), configuration('shop/prod/nope')], fetchOptions())
    const text = JSON.stringify(results.map(failure))
    expect(text).not.toContain('currency')
    expect(text).not.toContain('Sale until')
  })
})

describe('appConfigExtensionStore reading the extension answer', () => {
  type Reply = { status: number; body: string | Buffer; headers?: Record<string, string>; delayMs?: number }
  let reply: Reply
  let seen: Array<{ url?: string; headers: Record<string, unknown> }>
  let canned: CannedServer
  let store: Store

  beforeAll(async () => {
    canned = await cannedServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers })
      const { status, body, headers = {}, delayMs = 0 } = reply
      setTimeout(() => res.writeHead(status, headers).end(body), delayMs)
    })
    store = appConfigExtensionStore({ port: canned.port, env: {} })
  })
  beforeEach(() => {
    seen = []
  })
  afterAll(() => canned.close())

  async function read(next: Reply, request: StoreRequest = configuration('app/env/profile'), options?: Partial<FetchOptions>): Promise<StoreResult> {
    reply = next
    return one(store, request, options)
  }

  it.each([
    ['application/json', 'text'],
    ['application/json; charset=utf-8', 'text'],
    ['text/plain', 'text'],
    ['application/x-yaml', 'text'],
    ['application/vnd.acme.flags+json', 'text'],
    ['application/octet-stream', 'bytes'],
    ['image/png', 'bytes'],
  ])('a 200 with Content-Type %s reads as %s', async (contentType, kind) => {
    const result = value(await read({ status: 200, body: 'a: 1', headers: { 'Content-Type': contentType, 'Configuration-Version': '7' } }))
    expect(kind === 'text' ? result.value : [...(result.value as Uint8Array)]).toEqual(kind === 'text' ? 'a: 1' : [...Buffer.from('a: 1')])
    expect(result.versionId).toBe('7')
  })

  it('reads an answer without a Content-Type as bytes, and one without a version without a version id', async () => {
    const result = value(await read({ status: 200, body: 'x' }))
    expect(result.value).toBeInstanceOf(Uint8Array)
    expect(result).not.toHaveProperty('versionId')
  })

  it('takes the version label, when there is one, as the version id, as AppConfigData reports it', async () => {
    const result = value(await read({ status: 200, body: '{}', headers: { 'Content-Type': 'application/json', 'Configuration-Version': '3', 'Version-Label': 'v1.2' } }))
    expect(result.versionId).toBe('v1.2')
  })

  it('sends a plain GET on the documented path, URL-encoded, without a token header', async () => {
    await read({ status: 200, body: '{}' }, { kind: 'appConfig', name: 'n', application: 'team/shop', environment: 'prod env', profile: 'settings' })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.url).toBe('/applications/team%2Fshop/environments/prod%20env/configurations/settings')
    expect(seen[0]!.headers).not.toHaveProperty('x-aws-parameters-secrets-token')
  })

  it.each([
    [404, '', 'ResourceNotFoundException', false],
    [404, 'Not Found', 'ResourceNotFoundException', false],
    [400, 'bad request', 'BadRequestException', false],
    [403, '', 'AccessDeniedException', false],
    [429, '', 'ThrottlingException', true],
    [500, '', 'InternalServerException', true],
    [502, 'Bad Gateway', 'InternalServerException', true],
    [503, '', 'ServiceUnavailable', true],
    [400, '{"__type":"BadRequestException","message":"Invalid identifier"}', 'BadRequestException', false],
    [400, '{"Code":"AccessDeniedException","Message":"not authorized"}', 'AccessDeniedException', false],
    [500, '{"__type":"InternalServerException"}', 'InternalServerException', true],
    [404, 'ResourceNotFoundException: Application shop could not be found', 'ResourceNotFoundException', false],
    [418, '', 'ExtensionRequestFailed', false],
  ])('HTTP %d %p -> %s (retryable %s)', async (status, body, code, retryable) => {
    const error = failure(await read({ status, body }))
    expect(error).toMatchObject({ code, retryable, httpStatus: status, operation: 'GetLatestConfiguration' })
  })

  it('never quotes a body in an error', async () => {
    const error = failure(await read({ status: 400, body: 'TOP-SECRET-CONTENT leaked' }))
    expect(JSON.stringify(error)).not.toContain('TOP-SECRET')
    expect(failure(await read({ status: 418, body: 'TOP-SECRET' })).message).toContain('AWS_APPCONFIG_EXTENSION_LOG_LEVEL=debug')
  })

  it('times out a slow answer with TimeoutError (retryable)', async () => {
    const error = failure(await read({ status: 200, body: '{}', delayMs: 300 }, undefined, { requestTimeoutMs: 50 }))
    expect(error).toMatchObject({ code: 'TimeoutError', retryable: true })
  })

  it('stops a request in flight when the deadline signal aborts, and makes none once it has', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    expect(failure(await read({ status: 200, body: '{}', delayMs: 300 }, undefined, { signal: controller.signal })).code).toBe('DeadlineExceeded')
    seen = []
    expect(failure(await read({ status: 200, body: '{}' }, undefined, { signal: controller.signal })).code).toBe('DeadlineExceeded')
    expect(seen).toHaveLength(0)
  })

  it('cuts off an answer larger than any configuration (8 MiB), without retrying it', async () => {
    const error = failure(await read({ status: 200, body: Buffer.alloc(9 * 1024 * 1024, 'x'), headers: { 'Content-Type': 'text/plain' } }))
    expect(error).toMatchObject({ code: 'ExtensionResponseTooLarge', retryable: false })
    expect(seen).toHaveLength(1)
  })
})

describe('appConfigExtensionStore at cold start and under load', () => {
  it('retries while the extension is not listening yet, and succeeds once it is', async () => {
    const port = await freePort()
    const store = appConfigExtensionStore({ port, startupTimeoutMs: 3000, env: {} })
    const pending = one(store, configuration('shop/prod/settings'))
    await new Promise((resolve) => setTimeout(resolve, 250))
    const backend = memoryStore({ appConfig: { 'shop/prod/settings': SETTINGS } })
    const server = await startExtensionServer({
      backend: { secretsManager: backend, ssm: backend, appConfig: backend },
      port: 0,
      token: 't',
      logger: silent,
      env: {},
      appConfig: { port },
    })
    try {
      expect(value(await pending).value).toBe(SETTINGS)
    } finally {
      await server.close()
    }
  })

  it('gives up after the start-up wait with ExtensionUnavailable, then fails fast', async () => {
    const port = await freePort()
    const store = appConfigExtensionStore({ port, startupTimeoutMs: 150, env: {} })
    const started = Date.now()
    const error = failure(await one(store, configuration('a/b/c')))
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(error).toMatchObject({ code: 'ExtensionUnavailable', retryable: true, operation: 'GetLatestConfiguration' })
    expect(error.message).toContain(`127.0.0.1:${port}`)
    expect(error.message).toContain('AWS_APPCONFIG_EXTENSION_HTTP_PORT')
    expect(error.message).toContain('waited 150 ms')
    const again = Date.now()
    expect(failure(await one(store, configuration('a/b/c'))).code).toBe('ExtensionUnavailable')
    expect(Date.now() - again).toBeLessThan(100)
  })

  it('does not wait once the extension has answered: refused then means down', async () => {
    const port = await freePort()
    const canned = await cannedServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'), port)
    const store = appConfigExtensionStore({ port, startupTimeoutMs: 5000, env: {} })
    value(await one(store, configuration('a/b/c')))
    await canned.close()
    const started = Date.now()
    const error = failure(await one(store, configuration('a/b/c')))
    expect(Date.now() - started).toBeLessThan(1000)
    expect(error.code).toBe('ExtensionUnavailable')
    expect(error.message).not.toContain('waited')
  })

  async function peakOf(env: Record<string, string>, requests: number): Promise<number> {
    let inFlight = 0
    let peak = 0
    const canned = await cannedServer((_req, res) => {
      inFlight += 1
      peak = Math.max(peak, inFlight)
      setTimeout(() => ((inFlight -= 1), res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}')), 40)
    })
    try {
      const store = appConfigExtensionStore({ port: canned.port, env })
      const results = await store.fetch(Array.from({ length: requests }, (_, i) => configuration(`app/env/p${i}`)), fetchOptions())
      expect(results.every((r) => r.ok)).toBe(true)
      return peak
    } finally {
      await canned.close()
    }
  }

  it('starts a request\'s timeout once it has a connection, not while it waits for one', async () => {
    const canned = await cannedServer((_req, res) => setTimeout(() => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('v'), 80))
    try {
      const store = appConfigExtensionStore({ port: canned.port, maxConnections: 1, env: {} })
      const results = await store.fetch([configuration('a/b/c1'), configuration('a/b/c2'), configuration('a/b/c3')], fetchOptions({ requestTimeoutMs: 150 }))
      expect(results.map((r) => value(r).value)).toEqual(['v', 'v', 'v'])
    } finally {
      await canned.close()
    }
  })

  it('keeps at most AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS requests in flight, 3 by default', async () => {
    expect(await peakOf({ AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS: '2' }, 8)).toBe(2)
    expect(await peakOf({}, 9)).toBe(3)
  })
})

describe('appConfigExtensionStore configuration', () => {
  it('reads its port from AWS_APPCONFIG_EXTENSION_HTTP_PORT, 2772 by default', async () => {
    const canned = await cannedServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('from the variable'))
    try {
      const store = appConfigExtensionStore({ env: { AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(canned.port) } })
      expect(value(await one(store, configuration('a/b/c'))).value).toBe('from the variable')
    } finally {
      await canned.close()
    }
    const byDefault = failure(await one(appConfigExtensionStore({ startupTimeoutMs: 0, env: {} }), configuration('a/b/c')))
    expect(byDefault.message).toContain('127.0.0.1:2772')
  })

  it('rejects an out-of-range variable or option, naming it, the value and the range', () => {
    expect(() => appConfigExtensionStore({ env: { AWS_APPCONFIG_EXTENSION_HTTP_PORT: '70000' } })).toThrow(ExtensionConfigError)
    expect(() => appConfigExtensionStore({ env: { AWS_APPCONFIG_EXTENSION_HTTP_PORT: '70000' } })).toThrow(/AWS_APPCONFIG_EXTENSION_HTTP_PORT.*70000.*from 1 to 65535/)
    expect(() => appConfigExtensionStore({ env: { AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS: '0' } })).toThrow(/AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS.*'0'.*>= 1/)
    expect(() => appConfigExtensionStore({ maxConnections: 0, env: {} })).toThrow(/maxConnections/)
    expect(() => appConfigExtensionStore({ startupTimeoutMs: -1, env: {} })).toThrow(/startupTimeoutMs/)
  })

  it('only talks to the loopback interface', () => {
    expect(() => appConfigExtensionStore({ host: '169.254.169.254', env: {} })).toThrow(ConfigError)
    expect(() => appConfigExtensionStore({ host: '::1', env: {} })).not.toThrow()
  })

  it('is named appConfigExtension unless told otherwise', () => {
    expect(appConfigExtensionStore({ env: {} }).name).toBe('appConfigExtension')
    expect(appConfigExtensionStore({ name: 'flags', env: {} }).name).toBe('flags')
  })
})
