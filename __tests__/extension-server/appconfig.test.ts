/**
 * The local server's AppConfig extension interface, called as AWS documents the extension (curl
 * on localhost:2772, no token): the configuration's bytes with its Content-Type and
 * Configuration-Version, flags, AppConfig's errors, the poll-interval cache and the variables.
 */
import { startExtensionServer, type ExtensionServer } from '../../lib/extension-server/server.js'
import type { ExtensionServerOptions } from '../../lib/extension-server/settings.js'
import type { Logger, Store, StoreResult } from '../../lib/store.js'
import { appConfigStore } from '../../lib/stores/appconfig.js'
import { appConfigExtensionStore } from '../../lib/stores/appconfig-extension.js'
import { startAwsServer } from '../../lib/testing/aws-server.js'
import { memoryStore, type MemoryStore } from '../../lib/testing/memory-store.js'
import { cannedServer, curl, freePort } from '../stores/extension-servers.js'

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const SETTINGS = '{"currency":"EUR"}'
const FLAGS = '{"beta":{"enabled":true,"cohort":"staff"},"dark-mode":{"enabled":false}}'

let server: ExtensionServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(backend: Store, appConfig: ExtensionServerOptions['appConfig'] = { port: 0 }, options: Partial<ExtensionServerOptions> = {}): Promise<ExtensionServer> {
  server = await startExtensionServer({ backend: { secretsManager: backend, ssm: backend, appConfig: backend }, port: 0, token: 't', logger: silent, env: {}, appConfig, ...options })
  return server
}

function seeded(): MemoryStore {
  return memoryStore({
    appConfig: {
      'shop/prod/settings': SETTINGS,
      'shop/prod/flags': FLAGS,
      'shop/prod/banner': { content: 'Sale!', contentType: 'text/plain' },
      'shop/prod/model': { content: new Uint8Array([0, 159, 146, 150]), contentType: 'application/octet-stream' },
    },
  })
}

const path = (application: string, environment: string, profile: string): string => `/applications/${application}/environments/${environment}/configurations/${profile}`

describe('the AppConfig interface, called as AWS documents it', () => {
  let backend: MemoryStore
  let url: string

  beforeEach(async () => {
    backend = seeded()
    url = (await start(backend)).appConfig!.url
  })

  it('listens on its own port on 127.0.0.1, beside the Parameters and Secrets interface', () => {
    expect(server!.appConfig!.url).toBe(`http://127.0.0.1:${server!.appConfig!.port}`)
    expect(server!.appConfig!.port).not.toBe(server!.port)
    expect(server!.settings.appConfig).toEqual({ port: server!.appConfig!.port, pollIntervalSeconds: 45, pollTimeoutMs: 3000, maxConnections: 3 })
  })

  it('answers the configuration itself, with Content-Type and Configuration-Version, and no token asked', async () => {
    const answer = await curl(`${url}${path('shop', 'prod', 'settings')}`)
    expect(answer.status).toBe(200)
    expect(answer.text()).toBe(SETTINGS)
    expect(answer.headers['content-type']).toBe('application/json')
    expect(answer.headers['configuration-version']).toBe('1')
    expect(answer.headers['content-length']).toBe(String(SETTINGS.length))
  })

  it('answers binary content byte for byte', async () => {
    const answer = await curl(`${url}${path('shop', 'prod', 'model')}`)
    expect([...answer.body]).toEqual([0, 159, 146, 150])
    expect(answer.headers['content-type']).toBe('application/octet-stream')
  })

  it('infers text/plain for text that is not JSON when the backend does not say', async () => {
    expect((await curl(`${url}${path('shop', 'prod', 'banner')}`)).headers['content-type']).toBe('text/plain')
  })

  it('finds the resources by id as by name, and decodes URL-encoded names', async () => {
    const { application, environment, profile } = backend.model.appConfig.deploy('team/shop', 'prod env', 'settings', '{"v":2}')
    expect((await curl(`${url}${path(application.id, environment.id, profile.id)}`)).text()).toBe('{"v":2}')
    expect((await curl(`${url}${path('team%2Fshop', 'prod%20env', 'settings')}`)).text()).toBe('{"v":2}')
  })

  it('picks one flag, or several, out of a feature flag configuration', async () => {
    const one = await curl(`${url}${path('shop', 'prod', 'flags')}?flag=beta`)
    expect(one.status).toBe(200)
    expect(JSON.parse(one.text())).toEqual({ enabled: true, cohort: 'staff' })
    expect(one.headers['content-type']).toBe('application/json')
    const two = await curl(`${url}${path('shop', 'prod', 'flags')}?flag=beta&flag=dark-mode`)
    expect(JSON.parse(two.text())).toEqual({ beta: { enabled: true, cohort: 'staff' }, 'dark-mode': { enabled: false } })
  })

  it('refuses a flag the configuration lacks, and flags out of something that is not a JSON object', async () => {
    const missing = await curl(`${url}${path('shop', 'prod', 'flags')}?flag=nope`)
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.text())).toMatchObject({ __type: 'ResourceNotFoundException' })
    const notFlags = await curl(`${url}${path('shop', 'prod', 'banner')}?flag=x`)
    expect(notFlags.status).toBe(400)
    expect(JSON.parse(notFlags.text())).toMatchObject({ __type: 'BadRequestException' })
    expect(notFlags.text()).not.toContain('Sale!')
  })

  it('answers AppConfig errors in the AWS JSON shape with AppConfigData statuses', async () => {
    for (const target of [path('nope', 'prod', 'settings'), path('shop', 'nope', 'settings'), path('shop', 'prod', 'nope')]) {
      const answer = await curl(`${url}${target}`)
      expect(answer.status).toBe(404)
      expect(JSON.parse(answer.text())).toMatchObject({ __type: 'ResourceNotFoundException' })
    }
    backend.fail('shop/prod/settings', 'ThrottlingException')
    expect((await curl(`${url}${path('shop', 'prod', 'settings')}`)).status).toBe(429)
    backend.fail('shop/prod/settings', 'InternalServerException')
    expect((await curl(`${url}${path('shop', 'prod', 'settings')}`)).status).toBe(500)
  })

  it('answers only GET, and only on the configurations path', async () => {
    expect((await curl(`${url}${path('shop', 'prod', 'settings')}`, {}, 'POST')).status).toBe(405)
    expect((await curl(`${url}/applications/shop/environments/prod`)).status).toBe(404)
    expect((await curl(`${url}/secretsmanager/get?secretId=x`)).status).toBe(404)
    expect((await curl(`${url}${path('%E0%A4%A', 'prod', 'settings')}`)).status).toBe(404)
  })
})

describe('the AppConfig interface cache (the extension polls every AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS)', () => {
  const settingsPath = path('shop', 'prod', 'settings')

  it('serves its copy within the poll interval, and polls again once it has passed', async () => {
    const backend = seeded()
    const { url } = (await start(backend, { port: 0, pollIntervalSeconds: 1 })).appConfig!
    expect((await curl(`${url}${settingsPath}`)).text()).toBe(SETTINGS)
    backend.setConfiguration('shop', 'prod', 'settings', '{"currency":"USD"}')
    const cached = await curl(`${url}${settingsPath}`)
    expect(cached.text()).toBe(SETTINGS)
    expect(cached.headers['configuration-version']).toBe('1')
    expect(backend.count('GetLatestConfiguration')).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 1050))
    const polled = await curl(`${url}${settingsPath}`)
    expect(polled.text()).toBe('{"currency":"USD"}')
    expect(polled.headers['configuration-version']).toBe('2')
    expect(backend.count('GetLatestConfiguration')).toBe(2)
  })

  it('polls on every request with a poll interval of 0, and clearCache() starts afresh', async () => {
    const backend = seeded()
    const { url } = (await start(backend, { port: 0, pollIntervalSeconds: 0 })).appConfig!
    await curl(`${url}${settingsPath}`)
    await curl(`${url}${settingsPath}`)
    expect(backend.count('GetLatestConfiguration')).toBe(2)
    await server!.close()
    const cachedServer = await start(backend)
    backend.resetCalls()
    await curl(`${cachedServer.appConfig!.url}${settingsPath}`)
    cachedServer.clearCache()
    await curl(`${cachedServer.appConfig!.url}${settingsPath}`)
    expect(backend.count('GetLatestConfiguration')).toBe(2)
  })

  it('keeps serving its copy when a poll fails or times out, as the extension does', async () => {
    const backend = seeded()
    const { url } = (await start(backend, { port: 0, pollIntervalSeconds: 1, pollTimeoutMs: 100 })).appConfig!
    expect((await curl(`${url}${settingsPath}`)).text()).toBe(SETTINGS)
    backend.setConfiguration('shop', 'prod', 'settings', '{"currency":"USD"}')
    await new Promise((resolve) => setTimeout(resolve, 1050))
    backend.fail('shop/prod/settings', 'InternalServerException')
    const afterFailure = await curl(`${url}${settingsPath}`)
    expect(afterFailure.status).toBe(200)
    expect(afterFailure.text()).toBe(SETTINGS)
    await new Promise((resolve) => setTimeout(resolve, 1050))
    backend.setLatency(500)
    const afterTimeout = await curl(`${url}${settingsPath}`)
    expect(afterTimeout.status).toBe(200)
    expect(afterTimeout.text()).toBe(SETTINGS)
  })

  it('answers a failure with nothing cached as is, and does not keep it', async () => {
    const backend = seeded()
    const { url } = (await start(backend)).appConfig!
    backend.fail('shop/prod/settings', 'InternalServerException')
    expect((await curl(`${url}${settingsPath}`)).status).toBe(500)
    expect((await curl(`${url}${settingsPath}`)).status).toBe(200)
  })

  it('answers 504 TimeoutError when the first poll takes longer than AWS_APPCONFIG_EXTENSION_POLL_TIMEOUT_MILLIS', async () => {
    const backend = memoryStore({ appConfig: { 'shop/prod/settings': SETTINGS } }, { latencyMs: 500 })
    const { url } = (await start(backend, true, { env: { AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(await freePort()), AWS_APPCONFIG_EXTENSION_POLL_TIMEOUT_MILLIS: '50' } })).appConfig!
    const answer = await curl(`${url}${settingsPath}`)
    expect(answer.status).toBe(504)
    expect(JSON.parse(answer.text())).toMatchObject({ __type: 'TimeoutError' })
  })

  it('polls once for requests that arrive together', async () => {
    const backend = memoryStore({ appConfig: { 'shop/prod/settings': SETTINGS } }, { latencyMs: 50 })
    const { url } = (await start(backend)).appConfig!
    const answers = await Promise.all(Array.from({ length: 5 }, () => curl(`${url}${settingsPath}`)))
    expect(answers.map((a) => a.text())).toEqual(answers.map(() => SETTINGS))
    expect(backend.count('GetLatestConfiguration')).toBe(1)
  })
})

describe('the AppConfig interface settings', () => {
  it('keeps at most AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS backend calls at once', async () => {
    const inner = memoryStore({ appConfig: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`app/env/p${i}`, '{}'])) })
    let inFlight = 0
    let peak = 0
    const counting: Store = {
      name: 'counting',
      async fetch(requests, options) {
        inFlight += 1
        peak = Math.max(peak, inFlight)
        await new Promise((resolve) => setTimeout(resolve, 40))
        inFlight -= 1
        return inner.fetch(requests, options)
      },
    }
    const { url } = (await start(counting, true, { env: { AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(await freePort()), AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS: '2' } })).appConfig!
    const statuses = await Promise.all(Array.from({ length: 6 }, async (_, i) => (await curl(`${url}${path('app', 'env', `p${i}`)}`)).status))
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
    expect(peak).toBe(2)
  })

  it('takes its port and poll interval from the AppConfig extension variables when the option is true', async () => {
    const port = await freePort()
    const started = await start(seeded(), true, { env: { AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(port), AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS: '10' } })
    expect(started.appConfig).toMatchObject({ port, url: `http://127.0.0.1:${port}`, settings: { pollIntervalSeconds: 10 } })
  })

  it('uses the content type a backend value carries', async () => {
    const typed: Store = {
      name: 'typed',
      fetch: async (requests) => requests.map((): StoreResult => ({ ok: true, value: 'a: 1', versionId: '4', contentType: 'application/x-yaml' }) as StoreResult),
    }
    const answer = await curl(`${(await start(typed)).appConfig!.url}${path('a', 'b', 'c')}`)
    expect(answer.headers['content-type']).toBe('application/x-yaml')
    expect(answer.headers['configuration-version']).toBe('4')
  })

  it.each([
    [{ AWS_APPCONFIG_EXTENSION_HTTP_PORT: '70000' }, /AWS_APPCONFIG_EXTENSION_HTTP_PORT.*'70000'.*from 1 to 65535/],
    [{ AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS: 'soon' }, /AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS.*'soon'/],
    [{ AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS: '0' }, /AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS.*'0'.*>= 1/],
  ])('rejects %p', async (env, message) => {
    await expect(start(seeded(), true, { env })).rejects.toThrow(message)
  })

  it('needs a backend that answers appConfig requests', async () => {
    const backend = seeded()
    const started = startExtensionServer({ backend: { secretsManager: backend, ssm: backend }, port: 0, token: 't', logger: silent, env: {}, appConfig: true })
    try {
      await expect(started).rejects.toThrow(/'backend' has no appConfig store/)
    } finally {
      await started.then((unexpected) => unexpected.close(), () => undefined)
    }
  })

  it('is not served without the option', async () => {
    const started = await start(seeded(), false)
    expect(started.appConfig).toBeUndefined()
    expect(started.settings.appConfig).toBeUndefined()
  })

  it('says when its port is taken, and frees the other port', async () => {
    const occupied = await cannedServer((_req, res) => res.end())
    const secretsPort = await freePort()
    try {
      await expect(start(seeded(), { port: occupied.port }, { port: secretsPort })).rejects.toThrow(
        `port ${occupied.port} on 127.0.0.1 is in use; choose another with --appconfig-port or AWS_APPCONFIG_EXTENSION_HTTP_PORT`,
      )
      server = undefined
      const again = await startExtensionServer({ backend: { secretsManager: seeded(), ssm: seeded() }, port: secretsPort, token: 't', logger: silent, env: {} })
      await again.close()
    } finally {
      await occupied.close()
    }
  })

  it('closes both ports', async () => {
    const started = await start(seeded())
    await started.close()
    server = undefined
    await expect(curl(`${started.appConfig!.url}${path('shop', 'prod', 'settings')}`)).rejects.toThrow(/ECONNREFUSED/)
    await expect(curl(`${started.url}/secretsmanager/get?secretId=x`)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('never logs a value, even at debug', async () => {
    const lines: string[] = []
    const capture: Logger = {
      debug: (...args) => void lines.push(args.join(' ')),
      info: (...args) => void lines.push(args.join(' ')),
      warn: (...args) => void lines.push(args.join(' ')),
      error: (...args) => void lines.push(args.join(' ')),
    }
    const backend = seeded()
    const { url } = (await start(backend, { port: 0, pollIntervalSeconds: 0 }, { logger: capture, logLevel: 'debug' })).appConfig!
    await curl(`${url}${path('shop', 'prod', 'settings')}`)
    await curl(`${url}${path('shop', 'prod', 'flags')}?flag=beta`)
    await curl(`${url}${path('shop', 'prod', 'nope')}`)
    expect(lines.length).toBeGreaterThan(3)
    expect(lines.join('\n')).not.toMatch(/currency|cohort|staff/)
  })
})

describe('the AppConfig interface backed by the SDK AppConfig store (serve --aws)', () => {
  it('chains the AppConfig extension store -> local interface -> AppConfigData sessions -> AWS-protocol server', async () => {
    const aws = await startAwsServer({ seed: { appConfig: { 'shop/prod/settings': SETTINGS, 'shop/prod/banner': { content: 'Sale!', contentType: 'text/plain', versionLabel: 'v1' } } } })
    try {
      const clientOptions = { endpoint: aws.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }
      const { url, port } = (await start(appConfigStore({ clientOptions }), { port: 0, pollIntervalSeconds: 0 })).appConfig!
      const settings = await curl(`${url}${path('shop', 'prod', 'settings')}`)
      expect({ status: settings.status, text: settings.text() }).toEqual({ status: 200, text: SETTINGS })
      const store = appConfigExtensionStore({ port, env: {} })
      const options = { signal: new AbortController().signal, requestTimeoutMs: 2000, limit: <T>(task: () => Promise<T>) => task(), logger: silent }
      const results = await store.fetch([{ kind: 'appConfig', name: 'shop/prod/banner' }, { kind: 'appConfig', name: 'shop/prod/none' }], options)
      expect(results[0]).toEqual({ ok: true, value: 'Sale!', versionId: 'v1' })
      expect(results[1]).toMatchObject({ ok: false, error: { code: 'ResourceNotFoundException', retryable: false } })
    } finally {
      await server?.close()
      server = undefined
      await aws.close()
    }
  })
})
