/**
 * The local extension server against a client written to AWS's documented request format: a
 * plain `fetch` GET on localhost with the X-Aws-Parameters-Secrets-Token header taken from
 * AWS_SESSION_TOKEN, as the Node.js sample in AWS's Lambda docs does. Then its SSRF checks,
 * its cache, its connection bound and its environment variables.
 */
import { ExtensionConfigError, readExtensionSettings } from '../lib/env-vars.js'
import { createResponseCache } from '../lib/extension-server/cache.js'
import { startExtensionServer, type ExtensionServer } from '../lib/extension-server/server.js'
import type { FetchOptions, Logger, Store, StoreRequest, StoreResult } from '../lib/store.js'
import { extensionStore } from '../lib/stores/extension.js'
import { secretsManagerStore } from '../lib/stores/secrets-manager.js'
import { ssmStore } from '../lib/stores/ssm.js'
import { startAwsServer } from '../lib/testing/aws-server.js'
import { memoryStore, type MemoryStore } from '../lib/testing/memory-store.js'

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const TOKEN = 'laptop-session-token'

/** What AWS's sample does: the port from the variable, the token from AWS_SESSION_TOKEN. */
async function getSecretLikeTheAwsSample(env: Record<string, string | undefined>, secretName: string): Promise<Response> {
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773'
  const url = `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretName)}`
  return fetch(url, { headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' } })
}

async function getParameterLikeTheAwsSample(env: Record<string, string | undefined>, query: string): Promise<Response> {
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773'
  return fetch(`http://localhost:${port}/systemsmanager/parameters/get?${query}`, {
    headers: { 'X-Aws-Parameters-Secrets-Token': env.AWS_SESSION_TOKEN ?? '' },
  })
}

async function start(backend: Store, options: Partial<Parameters<typeof startExtensionServer>[0]> = {}): Promise<ExtensionServer> {
  return startExtensionServer({ backend: { secretsManager: backend, ssm: backend }, port: 0, token: TOKEN, logger: silent, env: {}, ...options })
}

describe('the local server, called as AWS documents the extension', () => {
  let backend: MemoryStore
  let server: ExtensionServer
  let env: Record<string, string | undefined>

  beforeAll(async () => {
    backend = memoryStore({
      secrets: { 'MyTestSecret': '{"username":"admin","password":"hunter2"}', 'bin/secret': new Uint8Array([104, 105]) },
      parameters: { '/MyParameter': 'plain', '/MySecure': { value: 'decrypted', type: 'SecureString' } },
    })
    backend.setParameter('/MyParameter', 'second', { labels: ['prod'] })
    // The server takes its token and port from the same variables the function sees.
    env = { AWS_SESSION_TOKEN: TOKEN }
    server = await startExtensionServer({ backend: { secretsManager: backend, ssm: backend }, port: 0, logger: silent, env })
    env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = String(server.port)
  })

  afterAll(() => server.close())

  it('listens on 127.0.0.1 only', () => {
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
  })

  it('answers GET /secretsmanager/get with the GetSecretValue JSON', async () => {
    const response = await getSecretLikeTheAwsSample(env, 'MyTestSecret')
    expect(response.status).toBe(200)
    const body = (await response.json()) as Record<string, unknown>
    expect(JSON.parse(body.SecretString as string)).toEqual({ username: 'admin', password: 'hunter2' })
    expect(body).toMatchObject({ Name: 'MyTestSecret', VersionStages: ['AWSCURRENT'] })
    expect(body.ARN).toMatch(/^arn:aws:secretsmanager:/)
    expect(body.VersionId).toEqual(expect.any(String))
  })

  it('answers SecretBinary as base64', async () => {
    const body = (await (await getSecretLikeTheAwsSample(env, 'bin/secret')).json()) as Record<string, unknown>
    expect(body.SecretBinary).toBe(Buffer.from('hi').toString('base64'))
    expect(body.SecretString).toBeUndefined()
  })

  it('takes versionStage and versionId', async () => {
    const firstVersion = backend.model.getSecretValue('MyTestSecret').versionId
    backend.rotate('MyTestSecret', '{"username":"admin","password":"rotated"}')
    server.clearCache()
    const port = server.port
    const headers = { 'X-Aws-Parameters-Secrets-Token': TOKEN }
    const previous = await (await fetch(`http://localhost:${port}/secretsmanager/get?secretId=MyTestSecret&versionStage=AWSPREVIOUS`, { headers })).json()
    expect(previous).toMatchObject({ VersionId: firstVersion, VersionStages: ['AWSPREVIOUS'] })
    const byId = await (await fetch(`http://localhost:${port}/secretsmanager/get?secretId=MyTestSecret&versionId=${firstVersion}`, { headers })).json()
    expect(JSON.parse((byId as { SecretString: string }).SecretString).password).toBe('hunter2')
  })

  it('answers GET /systemsmanager/parameters/get with the GetParameter JSON', async () => {
    const response = await getParameterLikeTheAwsSample(env, 'name=%2FMyParameter')
    expect(response.status).toBe(200)
    const body = (await response.json()) as { Parameter: Record<string, unknown> }
    expect(body.Parameter).toMatchObject({ Name: '/MyParameter', Value: 'second', Version: 2, Selector: null })
    expect(body.Parameter.ARN).toMatch(/^arn:aws:ssm:.*:parameter\/MyParameter$/)
  })

  it('takes version and label, as query parameters or as a name:selector suffix', async () => {
    const byVersion = (await (await getParameterLikeTheAwsSample(env, 'name=%2FMyParameter&version=1')).json()) as { Parameter: Record<string, unknown> }
    expect(byVersion.Parameter).toMatchObject({ Value: 'plain', Version: 1, Selector: ':1' })
    const byLabel = (await (await getParameterLikeTheAwsSample(env, 'name=%2FMyParameter&label=prod')).json()) as { Parameter: Record<string, unknown> }
    expect(byLabel.Parameter).toMatchObject({ Value: 'second', Version: 2, Selector: ':prod' })
    const bySuffix = (await (await getParameterLikeTheAwsSample(env, 'name=%2FMyParameter%3A1')).json()) as { Parameter: Record<string, unknown> }
    expect(bySuffix.Parameter).toMatchObject({ Name: '/MyParameter', Value: 'plain', Version: 1 })
  })

  it('decrypts a SecureString only with withDecryption=true, as the extension does', async () => {
    const decrypted = (await (await getParameterLikeTheAwsSample(env, 'name=%2FMySecure&withDecryption=true')).json()) as { Parameter: { Value: string } }
    expect(decrypted.Parameter.Value).toBe('decrypted')
    const encrypted = (await (await getParameterLikeTheAwsSample(env, 'name=%2FMySecure')).json()) as { Parameter: { Value: string } }
    expect(encrypted.Parameter.Value).not.toBe('decrypted')
  })

  it('answers AWS errors in the AWS JSON shape', async () => {
    const missing = await getSecretLikeTheAwsSample(env, 'NoSuchSecret')
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ __type: 'ResourceNotFoundException' })
    const noParameter = await getParameterLikeTheAwsSample(env, 'name=%2FNoSuch')
    expect(noParameter.status).toBe(400)
    expect(await noParameter.json()).toMatchObject({ __type: 'ParameterNotFound' })
    const both = await getParameterLikeTheAwsSample(env, 'name=%2FMyParameter&version=1&label=prod')
    expect(both.status).toBe(400)
    expect(await both.json()).toMatchObject({ __type: 'ValidationException' })
    const noId = await fetch(`${server.url}/secretsmanager/get`, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } })
    expect(noId.status).toBe(400)
    expect(await noId.json()).toMatchObject({ __type: 'InvalidParameterException' })
  })

  it('answers 400 to a query parameter it does not know, as AWS\'s agent does, instead of ignoring a typo', async () => {
    const typo = await fetch(`${server.url}/secretsmanager/get?secretId=MyTestSecret&versionstage=AWSPREVIOUS`, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } })
    expect(typo.status).toBe(400)
    expect(typo.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await typo.text()).toBe('unknown parameter: versionstage')
    const parameterTypo = await getParameterLikeTheAwsSample(env, 'name=%2FMySecure&withdecryption=true')
    expect(parameterTypo.status).toBe(400)
    expect(await parameterTypo.text()).toBe('unknown parameter: withdecryption')
    const known = await getParameterLikeTheAwsSample(env, 'name=%2FMyParameter&version=1&withDecryption=false')
    expect(known.status).toBe(200)
  })

  it('requires the token header: 401 without it, 403 with a wrong one', async () => {
    const without = await fetch(`${server.url}/secretsmanager/get?secretId=MyTestSecret`)
    expect(without.status).toBe(401)
    const wrong = await getSecretLikeTheAwsSample({ ...env, AWS_SESSION_TOKEN: 'guess' }, 'MyTestSecret')
    expect(wrong.status).toBe(403)
    expect(await wrong.text()).not.toContain('hunter2')
  })

  it('refuses forwarded requests, other methods and other paths', async () => {
    const headers = { 'X-Aws-Parameters-Secrets-Token': TOKEN }
    const forwarded = await fetch(`${server.url}/secretsmanager/get?secretId=MyTestSecret`, { headers: { ...headers, 'X-Forwarded-For': '10.0.0.1' } })
    expect(forwarded.status).toBe(400)
    const post = await fetch(`${server.url}/secretsmanager/get?secretId=MyTestSecret`, { method: 'POST', headers })
    expect(post.status).toBe(405)
    const other = await fetch(`${server.url}/latest/meta-data/`, { headers })
    expect(other.status).toBe(404)
  })
})

describe('the local server cache', () => {
  async function twice(server: ExtensionServer, path: string): Promise<void> {
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${server.url}${path}`, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } })
      expect(response.status).toBe(200)
    }
  }

  it('serves a repeated request from the cache by default', async () => {
    const backend = memoryStore({ secrets: { s: 'v' }, parameters: { '/p': 'v' } })
    const server = await start(backend)
    try {
      await twice(server, '/secretsmanager/get?secretId=s')
      await twice(server, '/systemsmanager/parameters/get?name=%2Fp')
      expect(backend.count('GetSecretValue')).toBe(1)
      expect(backend.count('GetParameter')).toBe(1)
      expect(server.settings).toMatchObject({ cacheEnabled: true, cacheSize: 1000, secretsTtl: 300, ssmTtl: 300, maxConnections: 3, logLevel: 'info' })
    } finally {
      await server.close()
    }
  })

  it("reads the backend, not the cache, for refreshNow=true (the agent's query parameter: true, 1, false or 0, any case), and refuses another value", async () => {
    const backend = memoryStore({ secrets: { s: 'v1' } })
    const server = await start(backend)
    const get = (query: string) => fetch(`${server.url}/secretsmanager/get?secretId=s${query}`, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } })
    try {
      await get('')
      backend.setSecret('s', 'v2')
      expect(await (await get('&refreshNow=false')).json()).toMatchObject({ SecretString: 'v1' })
      expect(await (await get('&refreshNow=0')).json()).toMatchObject({ SecretString: 'v1' })
      expect(await (await get('&refreshNow=TRUE')).json()).toMatchObject({ SecretString: 'v2' })
      expect(await (await get('')).json()).toMatchObject({ SecretString: 'v2' }) // what it read is cached
      backend.setSecret('s', 'v3')
      expect(await (await get('&refreshNow=1')).json()).toMatchObject({ SecretString: 'v3' })
      const invalid = await get('&refreshNow=yes')
      expect([invalid.status, await invalid.text()]).toEqual([400, 'invalid refreshNow value'])
    } finally {
      await server.close()
    }
  })

  it('does not cache with PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false or CACHE_SIZE=0', async () => {
    for (const env of [{ PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false' }, { PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '0' }]) {
      const backend = memoryStore({ secrets: { s: 'v' } })
      const server = await start(backend, { env })
      try {
        await twice(server, '/secretsmanager/get?secretId=s')
        expect(backend.count('GetSecretValue')).toBe(2)
      } finally {
        await server.close()
      }
    }
  })

  it('keeps one TTL per service: SECRETS_MANAGER_TTL=0 still caches parameters', async () => {
    const backend = memoryStore({ secrets: { s: 'v' }, parameters: { '/p': 'v' } })
    const server = await start(backend, { env: { SECRETS_MANAGER_TTL: '0' } })
    try {
      await twice(server, '/secretsmanager/get?secretId=s')
      await twice(server, '/systemsmanager/parameters/get?name=%2Fp')
      expect(backend.count('GetSecretValue')).toBe(2)
      expect(backend.count('GetParameter')).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('keeps each selector apart, and does not cache errors', async () => {
    const backend = memoryStore({ secrets: { s: 'v' } })
    const server = await start(backend)
    try {
      await twice(server, '/secretsmanager/get?secretId=s')
      await twice(server, '/secretsmanager/get?secretId=s&versionStage=AWSCURRENT')
      expect(backend.count('GetSecretValue')).toBe(2)
      const headers = { 'X-Aws-Parameters-Secrets-Token': TOKEN }
      await fetch(`${server.url}/secretsmanager/get?secretId=none`, { headers })
      await fetch(`${server.url}/secretsmanager/get?secretId=none`, { headers })
      expect(backend.count('GetSecretValue')).toBe(4)
    } finally {
      await server.close()
    }
  })

  it('evicts the least recently used entry beyond the size bound', () => {
    const cache = createResponseCache({ enabled: true, size: 2, secretsTtl: 300, ssmTtl: 300 })
    const request = (name: string): StoreRequest => ({ kind: 'secret', name })
    const stored = { ok: true as const, value: 'x' }
    cache.set(request('a'), stored)
    cache.set(request('b'), stored)
    cache.get(request('a'))
    cache.set(request('c'), stored)
    expect(cache.size).toBe(2)
    expect(cache.get(request('a'))).toBeDefined()
    expect(cache.get(request('b'))).toBeUndefined()
    expect(cache.get(request('c'))).toBeDefined()
  })

  it('expires entries after their service TTL', () => {
    let now = 0
    const cache = createResponseCache({ enabled: true, size: 10, secretsTtl: 10, ssmTtl: 300, now: () => now })
    const secret: StoreRequest = { kind: 'secret', name: 's' }
    const parameter: StoreRequest = { kind: 'parameter', name: '/p' }
    cache.set(secret, { ok: true, value: 'x' })
    cache.set(parameter, { ok: true, value: 'y' })
    now = 9_999
    expect(cache.get(secret)).toBeDefined()
    now = 10_000
    expect(cache.get(secret)).toBeUndefined()
    expect(cache.get(parameter)).toBeDefined()
  })
})

describe('the local server backend calls', () => {
  /** A store that counts how many of its calls overlap. */
  function countingStore(inner: Store, delayMs: number): Store & { peak: number } {
    let inFlight = 0
    const counter = {
      name: 'counting',
      peak: 0,
      async fetch(requests: readonly StoreRequest[], options: FetchOptions): Promise<StoreResult[]> {
        inFlight += 1
        counter.peak = Math.max(counter.peak, inFlight)
        await new Promise((resolve) => setTimeout(resolve, delayMs))
        inFlight -= 1
        return inner.fetch(requests, options)
      },
    }
    return counter
  }

  it('keeps at most PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS backend calls at once', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `s${i}`)
    const backend = countingStore(memoryStore({ secrets: Object.fromEntries(names.map((n) => [n, 'v'])) }), 40)
    const server = await start(backend, { env: { PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: '2' } })
    try {
      const headers = { 'X-Aws-Parameters-Secrets-Token': TOKEN }
      const statuses = await Promise.all(names.map(async (n) => (await fetch(`${server.url}/secretsmanager/get?secretId=${n}`, { headers })).status))
      expect(statuses).toEqual(names.map(() => 200))
      expect(backend.peak).toBe(2)
    } finally {
      await server.close()
    }
  })

  it('answers 504 TimeoutError past SECRETS_MANAGER_TIMEOUT_MILLIS', async () => {
    const backend = memoryStore({ secrets: { slow: 'v' } }, { latencyMs: 500 })
    const server = await start(backend, { env: { SECRETS_MANAGER_TIMEOUT_MILLIS: '50' } })
    try {
      const response = await fetch(`${server.url}/secretsmanager/get?secretId=slow`, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } })
      expect(response.status).toBe(504)
      expect(await response.json()).toMatchObject({ __type: 'TimeoutError' })
    } finally {
      await server.close()
    }
  })

  it('never logs a value, even at debug', async () => {
    const lines: string[] = []
    const capture: Logger = {
      debug: (...args) => void lines.push(args.join(' ')),
      info: (...args) => void lines.push(args.join(' ')),
      warn: (...args) => void lines.push(args.join(' ')),
      error: (...args) => void lines.push(args.join(' ')),
    }
    const backend = memoryStore({ secrets: { s: 'VALUE-123' }, parameters: { '/p': { value: 'VALUE-456', type: 'SecureString' } } })
    const server = await start(backend, { logger: capture, logLevel: 'debug' })
    try {
      const headers = { 'X-Aws-Parameters-Secrets-Token': TOKEN }
      for (const path of ['/secretsmanager/get?secretId=s', '/secretsmanager/get?secretId=s', '/systemsmanager/parameters/get?name=%2Fp&withDecryption=true', '/secretsmanager/get?secretId=nope']) {
        await fetch(`${server.url}${path}`, { headers })
      }
      await fetch(`${server.url}/secretsmanager/get?secretId=s`)
    } finally {
      await server.close()
    }
    expect(lines.length).toBeGreaterThan(3)
    expect(lines.join('\n')).not.toMatch(/VALUE-|laptop-session-token/)
  })

  it('logs nothing with PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL=none', async () => {
    const lines: string[] = []
    const capture: Logger = { debug: () => void lines.push('d'), info: () => void lines.push('i'), warn: () => void lines.push('w'), error: () => void lines.push('e') }
    const server = await start(memoryStore(), { logger: capture, env: { PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'NONE' } })
    await fetch(`${server.url}/secretsmanager/get?secretId=nope`, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } })
    await server.close()
    expect(lines).toEqual([])
  })
})

describe('the local server configuration', () => {
  it.each([
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE', '1001', 'from 0 to 1000'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE', '-1', 'from 0 to 1000'],
    ['SECRETS_MANAGER_TTL', '301', 'from 0 to 300'],
    ['SSM_PARAMETER_STORE_TTL', '3600', 'from 0 to 300'],
    ['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', '0', 'from 1 to 65535'],
    ['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', '65536', 'from 1 to 65535'],
    ['PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS', '0', '>= 1'],
    ['SECRETS_MANAGER_TIMEOUT_MILLIS', '1.5', 'from 0 to 2147483647'],
    ['SSM_PARAMETER_STORE_TIMEOUT_MILLIS', 'soon', 'from 0 to 2147483647'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED', 'yes', 'true or false'],
    ['PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL', 'verbose', 'debug, info, warn, error, none'],
  ])('rejects %s=%s (allowed: %s)', (variable, raw, allowed) => {
    let thrown: unknown
    try {
      readExtensionSettings({ [variable]: raw })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ExtensionConfigError)
    const error = thrown as ExtensionConfigError
    expect(error.option).toBe(variable)
    expect(error.message).toContain(variable)
    expect(error.message).toContain(`'${raw}'`)
    expect(error.message).toContain(allowed)
  })

  it('uses AWS defaults when nothing is set', () => {
    expect(readExtensionSettings({})).toEqual({
      port: 2773,
      cacheEnabled: true,
      cacheSize: 1000,
      maxConnections: 3,
      logLevel: 'info',
      secretsTtl: 300,
      ssmTtl: 300,
      secretsTimeoutMs: 0,
      ssmTimeoutMs: 0,
    })
  })

  it('accepts the bounds of each range', () => {
    expect(
      readExtensionSettings({
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '65535',
        PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '0',
        SECRETS_MANAGER_TTL: '0',
        SSM_PARAMETER_STORE_TTL: '300',
        PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'FALSE',
        PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'Debug',
      }),
    ).toMatchObject({ port: 65535, cacheSize: 0, secretsTtl: 0, ssmTtl: 300, cacheEnabled: false, logLevel: 'debug' })
  })

  it('rejects an out-of-range environment when the server starts', async () => {
    await expect(start(memoryStore(), { env: { SECRETS_MANAGER_TTL: '301' } })).rejects.toThrow(/SECRETS_MANAGER_TTL.*'301'.*from 0 to 300/)
  })

  it('rejects out-of-range options, naming the option', async () => {
    await expect(start(memoryStore(), { cacheSize: 5000 })).rejects.toThrow(/'cacheSize' is '5000'.*from 0 to 1000/)
    await expect(start(memoryStore(), { ssmTtl: -1 })).rejects.toThrow(/'ssmTtl'/)
  })

  it('lets an option override its variable', async () => {
    const server = await start(memoryStore(), { cacheSize: 10, env: { PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '20', SSM_PARAMETER_STORE_TTL: '60' } })
    expect(server.settings).toMatchObject({ cacheSize: 10, ssmTtl: 60 })
    await server.close()
  })

  it('binds the loopback interface only, and needs a token', async () => {
    await expect(start(memoryStore(), { host: '0.0.0.0' })).rejects.toThrow(/'host'/)
    await expect(start(memoryStore(), { token: undefined, env: {} })).rejects.toThrow(/'token' is required/)
  })

  it('says when the port is taken', async () => {
    const first = await start(memoryStore())
    try {
      await expect(start(memoryStore(), { port: first.port })).rejects.toThrow(new RegExp(`port ${first.port} on 127.0.0.1 is in use`))
    } finally {
      await first.close()
    }
  })
})

describe('the local server backed by the SDK stores (serve --aws)', () => {
  it('chains extension store -> local extension -> AWS SDK -> AWS-protocol server', async () => {
    const aws = await startAwsServer({ seed: { secrets: { 'prod/db': 'from-aws' }, parameters: { '/prod/key': { value: 'k', type: 'SecureString' } } } })
    const clientOptions = { endpoint: aws.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }
    const server = await startExtensionServer({
      backend: { secretsManager: secretsManagerStore({ clientOptions }), ssm: ssmStore({ clientOptions }) },
      port: 0,
      token: TOKEN,
      logger: silent,
      env: {},
    })
    try {
      const store = extensionStore({ port: server.port, token: TOKEN, env: {} })
      const options: FetchOptions = { signal: new AbortController().signal, requestTimeoutMs: 2000, limit: (task) => task(), logger: silent }
      const results = await store.fetch(
        [
          { kind: 'secret', name: 'prod/db' },
          { kind: 'parameter', name: '/prod/key' },
          { kind: 'secret', name: 'prod/none' },
        ],
        options,
      )
      expect(results[0]).toMatchObject({ ok: true, value: 'from-aws', versionStages: ['AWSCURRENT'] })
      expect(results[1]).toMatchObject({ ok: true, value: 'k', versionId: '1' })
      expect(results[2]).toMatchObject({ ok: false, error: { code: 'ResourceNotFoundException', retryable: false } })
      await store.fetch([{ kind: 'secret', name: 'prod/db' }], options)
      // prod/db and prod/none once each: the second read of prod/db came from the extension's cache.
      expect(aws.count('GetSecretValue')).toBe(2)
    } finally {
      await server.close()
      await aws.close()
    }
  })
})

// `serve --aws`: an AWS signature error quotes the canonical request, x-amz-security-token and
// all. The local server passes AWS's message on, as the extension does, but never that.
test('a backend failure quoting the session token: logged and answered without it', async () => {
  const TOKEN_IN_MESSAGE = 'IQoJb3JpZ2luX2VjEXAMPLE-SESSION-TOKEN-REDACT'
  const message =
    'The request signature we calculated does not match the signature you provided.\n\nThe Canonical String for this request should have been\n' +
    `'GET\n/\n\nhost:secretsmanager.eu-west-1.amazonaws.com\nx-amz-date:20261203T000000Z\nx-amz-security-token:${TOKEN_IN_MESSAGE}\n'`
  const backend: Store = {
    name: 'aws',
    async fetch(requests) {
      return requests.map(() => ({ ok: false as const, error: { code: 'InvalidSignatureException', message, retryable: false, operation: 'GetSecretValue' } }))
    },
  }
  const logged: string[] = []
  const record = (m: unknown, ...rest: unknown[]): void => void logged.push([m, ...rest].map(String).join(' '))
  const server = await startExtensionServer({ backend: { secretsManager: backend, ssm: backend }, port: 0, token: 'tkn', logger: { debug: record, info: record, warn: record, error: record }, env: {} })
  try {
    const res = await fetch(`${server.url}/secretsmanager/get?secretId=prod%2Fdb`, { headers: { 'X-Aws-Parameters-Secrets-Token': 'tkn' } })
    const body = await res.text()
    expect(body).toContain('InvalidSignatureException')
    expect(logged.join('\n')).toContain('InvalidSignatureException')
    expect(`${body}\n${logged.join('\n')}`).not.toContain(TOKEN_IN_MESSAGE)
  } finally {
    await server.close()
  }
})
