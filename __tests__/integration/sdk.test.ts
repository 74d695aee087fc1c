/**
 * The middleware end to end against the local AWS JSON 1.1 server over real HTTP, on both
 * transports (every test runs once per transport, forced with the `transport` option): the lean
 * HTTPS transport (aws4-signed requests over node:http) and the real AWS SDK v3 clients (the
 * package creates them, maxAttempts 1). Every selector round-trips, and the API calls are exactly
 * as few as issue 3 promises (batching, fallback, single flight, prefetch), with AWS error names
 * read from the wire. Last, which transport `'auto'` chooses, and a forced one that cannot serve.
 */
import { jest } from '@jest/globals'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SSMClient } from '@aws-sdk/client-ssm'
import middy from '@middy/core'
import { clearCache, ConfigError, parameter, parameters, secret, secrets, secretsManagerStore, SecretsError, ssmStore } from '../../lib/index.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import {
  awsOptions,
  captureLogger,
  clientOptions,
  contextHandler,
  errorTexts,
  expectNoLeak,
  lambdaContext,
  rejection,
  TRANSPORTS,
  transportsChosen,
} from './helpers.js'

const BINARY = new Uint8Array([0, 1, 2, 250, 255])
const DB_V1 = '{"username":"app","password":"pw-db-v1-Q7x"}'
const DB_V2 = '{"username":"app","password":"pw-db-v2-Z9k"}'
const API = '{"key":"api-key-value-4Rt","other":"x"}'
const SECURE = 'secure-plain-value-8Hn'
const many = (i: number): string => `value-of-many-${String(i).padStart(2, '0')}`
const param = (i: number): string => `param-value-${String(i).padStart(2, '0')}`

/** Every value the tests store: none may appear in a log line or an error. */
const VALUES = [DB_V1, DB_V2, 'pw-db-v1-Q7x', 'pw-db-v2-Z9k', API, 'api-key-value-4Rt', SECURE, 'plain-v1-Tq', 'plain-v2-Wm', 'binary-text-Hh']

/**
 * Watches the SDK clients' send (the same module instances the package imports) while `run`
 * runs: how many commands the Secrets Manager and SSM clients sent.
 */
async function sdkSends(run: () => Promise<void>): Promise<[number, number]> {
  const sends = [jest.spyOn(SecretsManagerClient.prototype, 'send'), jest.spyOn(SSMClient.prototype, 'send')]
  try {
    await run()
    return [sends[0]!.mock.calls.length, sends[1]!.mock.calls.length]
  } finally {
    sends.forEach((send) => send.mockRestore())
  }
}

describe.each(TRANSPORTS)('over the %s transport', (transport) => {
  let server: AwsServer
  let db1Version: string
  /** A new object each time (as a handler module would write it): default stores are shared by content. */
  const aws = (): ReturnType<typeof awsOptions> => awsOptions(server.endpoint, transport)

  beforeAll(async () => {
    const secretsSeed: Record<string, string | Uint8Array> = {
      'rt/db': DB_V1,
      'rt/api': API,
      'rt/bin': BINARY,
      'rt/bintext': new TextEncoder().encode('binary-text-Hh'),
    }
    for (let i = 0; i < 50; i += 1) secretsSeed[`many/s${String(i).padStart(2, '0')}`] = many(i)
    const parametersSeed: Record<string, string | { value: string; type: 'SecureString' }> = {
      '/rt/plain': 'plain-v1-Tq',
      '/rt/secure': { value: SECURE, type: 'SecureString' },
    }
    for (let i = 1; i <= 25; i += 1) parametersSeed[`/many/p${String(i).padStart(2, '0')}`] = param(i)
    for (let i = 1; i <= 12; i += 1) parametersSeed[`/tree/a${String(i).padStart(2, '0')}`] = `tree-${i}`
    for (let i = 1; i <= 13; i += 1) parametersSeed[`/tree/sub/b${String(i).padStart(2, '0')}`] = `sub-${i}`
    server = await startAwsServer({ seed: { secrets: secretsSeed, parameters: parametersSeed } })
    db1Version = server.model.getSecretValue('rt/db').versionId
    server.model.rotate('rt/db', DB_V2) // AWSCURRENT -> v2, AWSPREVIOUS -> v1
    server.model.putParameter('/rt/plain', 'plain-v2-Wm') // version 2
    server.model.labelParameterVersion('/rt/plain', ['stable'], 1)
  })

  afterAll(async () => {
    await server.close()
  })

  beforeEach(() => {
    clearCache()
    server.clearFaults()
    server.resetCalls()
  })

  afterEach(() => {
    delete process.env.API_KEY
    delete process.env.PLAIN
  })

  // Found while testing clearCache(): the SDK marks the static credentials it is given ($source), and
  // the options, changed under the package, keyed a new default store for every later middleware.
  test(`clientOptions are never written into, so a middleware made after the first call shares its store and cache entry (${transport})`, async () => {
    const options = aws()
    const before = JSON.stringify(options)
    expect((await contextHandler(secrets({ context: { api: secret('rt/api') }, ...options, prefetch: false })).run()).api).toBe(API)
    expect(JSON.stringify(options)).toBe(before)
    expect((await contextHandler(secrets({ context: { api: secret('rt/api') }, ...options, prefetch: false })).run()).api).toBe(API)
    expect(server.count('GetSecretValue')).toBe(1)
  })

  test(`the stores talk over the ${transport} transport`, async () => {
    const log = captureLogger()
    const sends = await sdkSends(async () => {
      // clientOptions of their own (customUserAgent changes no answer): a new store, which says its transport.
      const options = { ...aws(), clientOptions: { ...clientOptions(server.endpoint), customUserAgent: `which-${transport}` } }
      const mw = secrets({ context: { api: secret('rt/api'), p: parameter('/rt/plain') }, ...options, logger: log.logger, logLevel: 'debug', prefetch: false })
      const context = await contextHandler(mw).run()
      expect([context.api, context.p]).toEqual([API, 'plain-v2-Wm'])
    })
    expect(server.count()).toBe(2)
    expect(sends).toEqual(transport === 'sdk' ? [1, 1] : [0, 0])
    const reason = transport === 'sdk' ? 'the sdk transport was asked for' : undefined
    expect(transportsChosen(log)).toEqual([
      { awsService: 'secretsmanager', transport, reason },
      { awsService: 'ssm', transport, reason },
    ])
  })

  describe('every selector round-trips', () => {
    test('secrets: AWSCURRENT, AWSPREVIOUS, versionId, SecretBinary, binary text, JSON, a JSON field into env', async () => {
      const log = captureLogger()
      const mw = secrets({
        context: {
          db: secret<{ username: string; password: string }>('rt/db', { transform: 'json' }),
          dbPrevious: secret('rt/db', { transform: 'json', versionStage: 'AWSPREVIOUS' }),
          dbById: secret('rt/db', { versionId: db1Version }),
          raw: secret('rt/db'),
          bin: secret('rt/bin'),
          binText: secret('rt/bintext', { transform: 'binary' }),
        },
        env: { API_KEY: secret('rt/api', { field: 'key' }) },
        ...aws(),
        logger: log.logger,
        logLevel: 'debug',
      })
      const handler = middy()
        .use(mw)
        .handler(async (_event: unknown, context) => ({
          username: context.db.username,
          password: context.db.password,
          previous: context.dbPrevious,
          byId: context.dbById,
          raw: context.raw,
          bin: context.bin,
          binText: context.binText,
          apiKey: process.env.API_KEY,
        }))
      const out = await handler({}, lambdaContext() as never)
      expect(out.username).toBe('app')
      expect(out.password).toBe('pw-db-v2-Z9k')
      expect(out.previous).toEqual(JSON.parse(DB_V1))
      expect(out.byId).toBe(DB_V1)
      expect(out.raw).toBe(DB_V2)
      expect(out.bin).toBeInstanceOf(Uint8Array)
      expect(Array.from(out.bin as Uint8Array)).toEqual(Array.from(BINARY))
      expect(out.binText).toBe('binary-text-Hh')
      expect(out.apiKey).toBe('api-key-value-4Rt')
      // AWSCURRENT keys ('rt/db' once for db and raw: one cache entry), 'rt/bin', 'rt/bintext', 'rt/api'
      // go in one batch; AWSPREVIOUS and the versionId use GetSecretValue. Then 'rt/db' and its
      // AWSPREVIOUS once more, each by GetSecretValue: two versions first seen by one fetch prove
      // no pair (README, Rotation).
      expect(server.count('BatchGetSecretValue')).toBe(1)
      expect(server.count('GetSecretValue')).toBe(4)
      expect(server.calls.find((c) => c.operation === 'BatchGetSecretValue')!.names).toHaveLength(4)
      expectNoLeak(log.lines, VALUES)
    })

    test('parameters: latest, version, label, SecureString decrypted and not, a path over several pages', async () => {
      const log = captureLogger()
      const mw = secrets({
        context: {
          latest: parameter('/rt/plain'),
          v1: parameter('/rt/plain', { version: 1 }),
          stable: parameter('/rt/plain', { label: 'stable' }),
          secure: parameter('/rt/secure'),
          cipher: parameter('/rt/secure', { decrypt: false }),
          tree: parameters('/tree', { recursive: true }),
          top: parameters('/tree'),
        },
        env: { PLAIN: parameter('/rt/plain', { version: 2 }) },
        ...aws(),
        logger: log.logger,
        logLevel: 'debug',
      })
      const context = await contextHandler(mw).run()
      expect(context.latest).toBe('plain-v2-Wm')
      expect(context.v1).toBe('plain-v1-Tq')
      expect(context.stable).toBe('plain-v1-Tq')
      expect(context.secure).toBe(SECURE)
      expect(typeof context.cipher).toBe('string')
      expect(context.cipher).not.toBe(SECURE)
      expect(process.env.PLAIN).toBe('plain-v2-Wm')

      const tree = context.tree as Record<string, string>
      expect(Object.keys(tree)).toHaveLength(25)
      expect(tree.a01).toBe('tree-1')
      expect(tree['sub/b13']).toBe('sub-13')
      const top = context.top as Record<string, string>
      expect(Object.keys(top).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `a${String(i + 1).padStart(2, '0')}`))

      // Path pages hold 10: 25 recursive -> 3 pages, 12 direct -> 2 pages.
      expect(server.count('GetParametersByPath')).toBe(5)
      // One GetParameters per decrypt flag: {latest, v1, stable, secure, PLAIN} and {cipher}.
      expect(server.count('GetParameters')).toBe(2)
      expect(server.count('GetParameter')).toBe(0)
      expectNoLeak(log.lines, VALUES)
    })

    // GetParameters answers `/rt/plain:1` as Name '/rt/plain', Selector ':1': the batch must match it
    // (it was ParameterNotFound, the default store being batched). One request with { version: 1 }.
    test('a version or label written into the name, as GetParameter(s) and @middy/ssm take it, in a batch', async () => {
      const mw = secrets({
        context: { v1: parameter('/rt/plain:1'), stable: parameter('/rt/plain:stable'), latest: parameter('/rt/plain'), byOption: parameter('/rt/plain', { version: 1 }) },
        ...aws(),
        logLevel: 'none',
      })
      const context = await contextHandler(mw).run()
      expect(context).toMatchObject({ v1: 'plain-v1-Tq', stable: 'plain-v1-Tq', latest: 'plain-v2-Wm', byOption: 'plain-v1-Tq' })
      expect(server.count('GetParameters')).toBe(1)
      expect(server.calls.find((c) => c.operation === 'GetParameters')!.names).toHaveLength(3) // ':1' once
    })
  })

  describe('names and ARNs', () => {
    test('full and partial ARNs work in a batch, and a partial ARN never takes the value of a longer name (prod/db vs prod/db-ro)', async () => {
      server.model.createSecret('arn/db', 'value-of-arn-db')
      server.model.createSecret('arn/db-ro', 'value-of-arn-db-ro')
      const arn = server.model.getSecretValue('arn/db').arn
      const partial = arn.slice(0, -7)
      // The longer name first, so that its value comes first in the batch answer.
      const mw = secrets({
        context: { ro: secret('arn/db-ro'), byPartialArn: secret(partial), byArn: secret(arn) },
        ...aws(),
        logLevel: 'none',
        prefetch: false,
      })
      const context = await contextHandler(mw).run()
      expect(context.ro).toBe('value-of-arn-db-ro')
      expect(context.byPartialArn).toBe('value-of-arn-db')
      expect(context.byArn).toBe('value-of-arn-db')
      expect(server.count('BatchGetSecretValue')).toBe(1)
    })

    test('a full ARN alone goes through GetSecretValue', async () => {
      const arn = server.model.getSecretValue('rt/api').arn
      const mw = secrets({ context: { api: secret(arn) }, ...aws(), logLevel: 'none', prefetch: false })
      expect((await contextHandler(mw).run()).api).toBe(API)
      expect(server.calls.map((c) => [c.operation, c.names])).toEqual([['GetSecretValue', [arn]]])
    })
  })

  describe('call counts', () => {
    const manyKeys = (n: number): Record<string, ReturnType<typeof secret>> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, secret(`many/s${String(i).padStart(2, '0')}`)]))

    test('50 secrets: exactly 3 BatchGetSecretValue calls, no GetSecretValue; the warm invocation makes none', async () => {
      const mw = secrets({ context: manyKeys(50), ...aws(), logLevel: 'none' })
      const h = contextHandler(mw)
      const context = await h.run()
      for (let i = 0; i < 50; i += 1) expect(context[`s${i}`]).toBe(many(i))
      expect(server.count('BatchGetSecretValue')).toBe(3)
      expect(server.count('GetSecretValue')).toBe(0)
      expect(server.count()).toBe(3)
      await h.run()
      expect(server.count()).toBe(3)
    })

    test('two handlers with equal clientOptions written inline twice share one entry and one fetch', async () => {
      clearCache()
      const first = secrets({ context: { db: secret('rt/api') }, ...aws(), logLevel: 'none', prefetch: false })
      const second = secrets({ context: { api: secret('rt/api') }, ...aws(), logLevel: 'none', prefetch: false })
      const [a, b] = await Promise.all([contextHandler(first).run(), contextHandler(second).run()])
      expect([a.db, b.api]).toEqual([API, API])
      expect(server.count('GetSecretValue')).toBe(1)
    })

    test('1 secret: exactly 1 GetSecretValue', async () => {
      const mw = secrets({ context: { one: secret('rt/api') }, ...aws(), logLevel: 'none' })
      expect((await contextHandler(mw).run()).one).toBe(API)
      expect(server.count('GetSecretValue')).toBe(1)
      expect(server.count()).toBe(1)
    })

    test('25 parameters: exactly 3 GetParameters calls', async () => {
      const context = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i + 1}`, parameter(`/many/p${String(i + 1).padStart(2, '0')}`)]))
      const mw = secrets({ context, ...aws(), logLevel: 'none' })
      const seen = await contextHandler(mw).run()
      for (let i = 1; i <= 25; i += 1) expect(seen[`p${i}`]).toBe(param(i))
      expect(server.count('GetParameters')).toBe(3)
      expect(server.count()).toBe(3)
    })

    test('a denied batch falls back to GetSecretValue, and the store remembers it (logged once)', async () => {
      server.fault({ operation: 'BatchGetSecretValue', kind: 'error', code: 'AccessDeniedException' })
      const log = captureLogger()
      const store = secretsManagerStore(aws())
      const mw = secrets({ context: manyKeys(3), stores: { secretsManager: store }, logger: log.logger, prefetch: false })
      const h = contextHandler(mw)
      const context = await h.run()
      expect([context.s0, context.s1, context.s2]).toEqual([many(0), many(1), many(2)])
      expect(server.count('BatchGetSecretValue')).toBe(1)
      expect(server.count('GetSecretValue')).toBe(3)

      // The next cold fetch on that store goes straight to GetSecretValue.
      clearCache()
      server.resetCalls()
      const other = secrets({ context: { a: secret('many/s10'), b: secret('many/s11') }, stores: { secretsManager: store }, logger: log.logger, prefetch: false })
      const again = await contextHandler(other).run()
      expect([again.a, again.b]).toEqual([many(10), many(11)])
      expect(server.count('BatchGetSecretValue')).toBe(0)
      expect(server.count('GetSecretValue')).toBe(2)

      const fallbackLines = log.lines.filter((l) => l.includes('BatchGetSecretValue'))
      expect(fallbackLines).toHaveLength(1)
      expect(fallbackLines[0]).toMatch(/^warn /)
      expect(fallbackLines[0]).toContain('not allowed')
    })

    test('a throttled batch falls back to GetSecretValue', async () => {
      server.fault({ operation: 'BatchGetSecretValue', kind: 'error', code: 'ThrottlingException', times: 1 })
      const log = captureLogger()
      const store = secretsManagerStore(aws())
      const mw = secrets({ context: manyKeys(4), stores: { secretsManager: store }, logger: log.logger, prefetch: false })
      const context = await contextHandler(mw).run()
      expect([context.s0, context.s1, context.s2, context.s3]).toEqual([many(0), many(1), many(2), many(3)])
      expect(server.count('BatchGetSecretValue')).toBe(1)
      expect(server.count('GetSecretValue')).toBe(4)
      expect(log.at('warn').filter((l) => l.includes('throttled'))).toHaveLength(1)
    })

    test('a per-secret error inside a batch fails exactly that key; the others are cached', async () => {
      server.fault({ operation: 'BatchGetSecretValue', kind: 'error', code: 'DecryptionFailure', name: 'many/s02', perEntry: true, times: 1 })
      const log = captureLogger()
      const mw = secrets({ context: manyKeys(5), ...aws(), logger: log.logger, prefetch: false })
      const h = contextHandler(mw)
      const error = await rejection(h.run())
      expect(error).toBeInstanceOf(SecretsError)
      expect(error.failures).toHaveLength(1)
      expect(error.failures[0]).toMatchObject({ key: 's2', target: 'context', store: 'secretsManager', name: 'many/s02', code: 'DecryptionFailure', retryable: false })
      expect(error.failures[0]!.hint).toContain('kms:Decrypt')
      expect(h.ran).toBe(0)
      expect(server.count('BatchGetSecretValue')).toBe(1)
      expect(server.count('GetSecretValue')).toBe(0) // not retried, not a failed batch

      server.resetCalls()
      const context = await h.run()
      expect([context.s0, context.s1, context.s2, context.s3, context.s4]).toEqual([0, 1, 2, 3, 4].map(many))
      // Only the failed key is fetched again (alone: a GetSecretValue).
      expect(server.count()).toBe(1)
      expect(server.count('GetSecretValue')).toBe(1)
      expect(server.calls[0]!.names).toEqual(['many/s02'])
    })

    test('two middlewares declaring the same secret make one fetch (prefetch and first invocations together)', async () => {
      const options = aws()
      const first = secrets({ context: { db: secret('rt/db', { transform: 'json' }) }, ...options, logLevel: 'none' })
      const second = secrets({ env: { API_KEY: secret('rt/db', { field: 'password' }) }, ...options, logLevel: 'none' })
      const [a, b] = await Promise.all([
        contextHandler(first).run(),
        middy()
          .use(second)
          .handler(async () => process.env.API_KEY)({}, lambdaContext() as never),
      ])
      expect((a.db as { password: string }).password).toBe('pw-db-v2-Z9k')
      expect(b).toBe('pw-db-v2-Z9k')
      expect(server.count('GetSecretValue')).toBe(1)
      expect(server.count()).toBe(1)
    })

    test('two middlewares without prefetch, invoked concurrently: one fetch', async () => {
      const options = aws()
      const one = contextHandler(secrets({ context: { x: secret('rt/api') }, ...options, prefetch: false, logLevel: 'none' }))
      const two = contextHandler(secrets({ context: { y: secret('rt/api') }, ...options, prefetch: false, logLevel: 'none' }))
      expect(server.count()).toBe(0)
      const [a, b] = await Promise.all([one.run(), two.run()])
      expect(a.x).toBe(API)
      expect(b.y).toBe(API)
      expect(server.count()).toBe(1)
    })

    test('prefetch: the calls happen when secrets() is called, before the first invocation', async () => {
      const mw = secrets({ context: { db: secret('rt/db'), api: secret('rt/api'), p: parameter('/rt/plain') }, ...aws(), logLevel: 'none' })
      await mw.ready
      const before = server.count()
      expect(server.count('BatchGetSecretValue')).toBe(1)
      expect(server.count('GetParameters')).toBe(1)
      expect(before).toBe(2)
      const context = await contextHandler(mw).run()
      expect(context.api).toBe(API)
      expect(context.p).toBe('plain-v2-Wm')
      expect(server.count()).toBe(before) // the first invocation made no call of its own
    })

    test('prefetch: the first invocation awaits a prefetch still in flight (no second call)', async () => {
      server.setLatency(100)
      try {
        const mw = secrets({ context: { api: secret('rt/api') }, ...aws(), logLevel: 'none' })
        const context = await contextHandler(mw).run()
        expect(context.api).toBe(API)
        expect(server.count()).toBe(1)
      } finally {
        server.setLatency(0)
      }
    })

    test('prefetch: a failed prefetch is retried by the first invocation, never an unhandled rejection', async () => {
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'AccessDeniedException', times: 1 })
      const unhandled = jest.fn()
      process.on('unhandledRejection', unhandled)
      try {
        const mw = secrets({ context: { api: secret('rt/api') }, ...aws(), logLevel: 'none' })
        await mw.ready
        expect(server.count('GetSecretValue')).toBe(1)
        const context = await contextHandler(mw).run()
        expect(context.api).toBe(API)
        expect(server.count('GetSecretValue')).toBe(2)
        await new Promise((resolve) => setImmediate(resolve))
        expect(unhandled).not.toHaveBeenCalled()
      } finally {
        process.off('unhandledRejection', unhandled)
      }
    })

    test('batch: false uses only GetSecretValue (and GetParameter)', async () => {
      const mw = secrets({
        context: { ...manyKeys(5), p1: parameter('/many/p01'), p2: parameter('/many/p02') },
        ...aws(),
        batch: false,
        logLevel: 'none',
      })
      const context = await contextHandler(mw).run()
      expect(context.s4).toBe(many(4))
      expect(context.p2).toBe(param(2))
      expect(server.count('GetSecretValue')).toBe(5)
      expect(server.count('BatchGetSecretValue')).toBe(0)
      expect(server.count('GetParameter')).toBe(2)
      expect(server.count('GetParameters')).toBe(0)
    })

    test('ssmStore and secretsManagerStore given explicitly behave the same', async () => {
      const options = aws()
      const mw = secrets({
        context: { a: secret('rt/api'), b: secret('rt/db'), p: parameter('/rt/secure') },
        stores: { secretsManager: secretsManagerStore(options), ssm: ssmStore(options) },
        logLevel: 'none',
      })
      const context = await contextHandler(mw).run()
      expect([context.a, context.b, context.p]).toEqual([API, DB_V2, SECURE])
      expect(server.count('BatchGetSecretValue')).toBe(1)
      expect(server.count('GetParameters')).toBe(1)
    })
  })

  describe('errors with AWS names from the wire', () => {
    test.each([
      ['batched (GetParameters InvalidParameters)', true, 'GetParameters'],
      ['single calls (GetParameter)', false, 'GetParameter'],
    ])('a SecretsError lists both failed keys with their AWS error names and hints: %s', async (_label, batch, ssmOperation) => {
      const log = captureLogger()
      const mw = secrets({
        context: { db: secret('rt/db'), gone: secret('missing/secret') },
        env: { FLAG: parameter('/missing/param'), PLAIN: parameter('/rt/plain') },
        ...aws(),
        logger: log.logger,
        logLevel: 'debug',
        batch,
        prefetch: false,
      })
      const h = contextHandler(mw)
      const error = await rejection(h.run())
      expect(error).toBeInstanceOf(SecretsError)
      expect(h.ran).toBe(0)
      expect(process.env.PLAIN).toBeUndefined() // all or nothing
      const byKey = Object.fromEntries(error.failures.map((f) => [f.key, f]))
      expect(Object.keys(byKey).sort()).toEqual(['FLAG', 'gone'])
      expect(byKey.gone).toMatchObject({ target: 'context', store: 'secretsManager', name: 'missing/secret', code: 'ResourceNotFoundException', retryable: false })
      expect(byKey.gone!.hint).toContain("check the secret name or ARN 'missing/secret'")
      expect(byKey.FLAG).toMatchObject({ target: 'env', store: 'ssm', name: '/missing/param', code: 'ParameterNotFound', retryable: false })
      expect(byKey.FLAG!.hint).toContain("check the parameter name '/missing/param'")
      expect(error.message).toContain('2 keys could not be resolved')
      expect(error.message).toContain('context.gone')
      expect(error.message).toContain('env.FLAG')
      // Not retried: each failing request went out once.
      expect(server.calls.filter((c) => c.names.includes('missing/secret'))).toHaveLength(1)
      expect(server.calls.filter((c) => c.operation === ssmOperation && c.names.some((n) => n === '/missing/param'))).toHaveLength(1)
      expectNoLeak([...errorTexts(error), ...log.lines], VALUES)
    })

    test('AccessDenied names the IAM action that is missing', async () => {
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'AccessDeniedException', name: 'rt/api' })
      const mw = secrets({ env: { API_KEY: secret('rt/api', { field: 'key' }) }, ...aws(), logLevel: 'none', prefetch: false })
      const error = await rejection(contextHandler(mw).run())
      expect(error.failures).toHaveLength(1)
      expect(error.failures[0]).toMatchObject({ key: 'API_KEY', code: 'AccessDeniedException' })
      expect(error.failures[0]!.hint).toContain('secretsmanager:GetSecretValue on rt/api')
      expectNoLeak(errorTexts(error), VALUES)
    })
  })
})

describe("which transport 'auto' chooses, said once at debug", () => {
  let server: AwsServer

  beforeAll(async () => {
    server = await startAwsServer({ seed: { secrets: { 'choice/api': API }, parameters: { '/choice/plain': 'plain-v1-Tq' } } })
  })

  afterAll(async () => {
    await server.close()
  })

  beforeEach(() => {
    clearCache()
    server.resetCalls()
  })

  /** clientOptions of their own per test (customUserAgent changes no answer): new stores, which choose anew. */
  const own = (label: string, extra: Record<string, unknown> = {}) => ({ ...clientOptions(server.endpoint), customUserAgent: `choice-${label}`, ...extra })
  const declared = { api: secret('choice/api'), p: parameter('/choice/plain') }
  const provider = async () => ({ accessKeyId: 'x', secretAccessKey: 'x' })

  test('static credentials, a region and an endpoint: the lean https transport, said once per service', async () => {
    const log = captureLogger()
    const mw = secrets({ context: declared, clientOptions: own('static'), transport: 'auto', logger: log.logger, logLevel: 'debug', prefetch: false, ttl: 0 })
    const h = contextHandler(mw)
    const sends = await sdkSends(async () => {
      for (let i = 0; i < 3; i += 1) expect(await h.run()).toMatchObject({ api: API, p: 'plain-v1-Tq' })
      await mw.refresh()
    })
    expect(sends).toEqual([0, 0])
    expect(server.count()).toBe(8) // 3 invocations and a refresh, 2 calls each: said on the first only
    expect(transportsChosen(log)).toEqual([
      { awsService: 'secretsmanager', transport: 'https', reason: undefined },
      { awsService: 'ssm', transport: 'https', reason: undefined },
    ])
    expect(log.lines.filter((l) => l.includes('transport chosen')).every((l) => l.startsWith('debug '))).toBe(true)
  })

  test('the default is auto: the same choice without the option', async () => {
    const log = captureLogger()
    const mw = secrets({ context: { api: declared.api }, clientOptions: own('default'), logger: log.logger, logLevel: 'debug', prefetch: false })
    expect((await contextHandler(mw).run()).api).toBe(API)
    expect(transportsChosen(log)).toEqual([{ awsService: 'secretsmanager', transport: 'https', reason: undefined }])
  })

  test('a credentials provider function: the SDK, with the reason', async () => {
    const log = captureLogger()
    const mw = secrets({ context: declared, clientOptions: own('provider', { credentials: provider }), logger: log.logger, logLevel: 'debug', prefetch: false })
    const sends = await sdkSends(async () => {
      expect(await contextHandler(mw).run()).toMatchObject({ api: API, p: 'plain-v1-Tq' })
    })
    expect(sends).toEqual([1, 1])
    const reason = 'clientOptions.credentials is a provider function'
    expect(transportsChosen(log)).toEqual([
      { awsService: 'secretsmanager', transport: 'sdk', reason },
      { awsService: 'ssm', transport: 'sdk', reason },
    ])
  })

  test('AWS_PROFILE set: the SDK, with the reason', async () => {
    const log = captureLogger()
    process.env.AWS_PROFILE = 'middy-secrets-test-profile'
    try {
      const mw = secrets({ context: { api: declared.api }, clientOptions: own('profile'), logger: log.logger, logLevel: 'debug', prefetch: false })
      const sends = await sdkSends(async () => {
        expect((await contextHandler(mw).run()).api).toBe(API)
      })
      expect(sends).toEqual([1, 0])
    } finally {
      delete process.env.AWS_PROFILE
    }
    expect(transportsChosen(log)).toEqual([{ awsService: 'secretsmanager', transport: 'sdk', reason: expect.stringContaining('AWS_PROFILE is set') }])
  })

  test("transport: 'https' with a credentials provider function: a ConfigError from secrets(), naming transport and why", () => {
    let thrown: unknown
    try {
      secrets({ context: declared, clientOptions: own('forced', { credentials: provider }), transport: 'https', logLevel: 'none' })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as ConfigError).option).toBe('transport')
    expect((thrown as ConfigError).message).toContain('clientOptions.credentials is a provider function')
    expect(server.count()).toBe(0) // thrown before any prefetch
  })
})
