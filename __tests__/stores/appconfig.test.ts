/**
 * stores/appconfig.ts against the AWS stand-in over real HTTP, on both transports: sessions,
 * tokens, poll intervals, unchanged configurations, expired tokens on the stand-in's clock,
 * errors. Time moves with Date.now (the stand-in's clock follows it), timers stay real.
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { appConfig, clearCache, secrets } from '../../lib/index.js'
import { isTextualContentType } from '../../lib/stores/appconfig-content.js'
import { appConfigStore } from '../../lib/stores/appconfig.js'
import type { Logger, Store, StoreRequest, StoreResult } from '../../lib/store.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server/index.js'
import { isTextualContentType as memoryIsTextual } from '../../lib/testing/memory-reads.js'
import { memoryStore } from '../../lib/testing/index.js'
import { failed, fetchOptions, ok } from '../support/store-results.js'

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-key-test' }
const FLAGS = '{"beta":true,"token":"flag-value-Q4v"}'
const BYTES = new Uint8Array([0, 1, 254, 255])
const HOUR_MS = 3_600_000
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

let server: AwsServer
let offsetMs = 0
const realNow = Date.now.bind(Date)

beforeAll(async () => {
  server = await startAwsServer()
})

afterAll(() => server.close())

beforeEach(() => {
  clearCache()
  server.clearFaults()
  server.setLatency(0)
  server.setClockOffset(0)
  server.resetCalls()
  offsetMs = 0
  // The machine's clock jumps; the stand-in reads the same Date.now, so its clock jumps with it.
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs)
})

afterEach(() => {
  jest.restoreAllMocks()
})

const advance = (ms: number): void => void (offsetMs += ms)

let profiles = 0
/** A configuration of its own for one test: `shop/prod/<profile>`. */
function deployNew(content: string | Uint8Array, options: { contentType?: string; versionLabel?: string } = {}): StoreRequest {
  const profile = `p${++profiles}`
  server.model.appConfig.deploy('shop', 'prod', profile, content, options)
  return { kind: 'appConfig', name: `shop/prod/${profile}`, application: 'shop', environment: 'prod', profile, minPollIntervalSeconds: 15 }
}

function redeploy(request: StoreRequest, content: string | Uint8Array, options: { contentType?: string; versionLabel?: string } = {}): void {
  server.model.appConfig.deploy('shop', 'prod', request.profile!, content, options)
}

const calls = (): Array<[string, number]> => server.calls.map((c) => [c.operation, c.status])

describe.each(['sdk', 'https'] as const)('over the %s transport', (transport) => {
  const makeStore = (): Store => appConfigStore({ transport, clientOptions: { endpoint: server.endpoint, region: 'eu-west-1', credentials: CREDENTIALS } })
  const read = async (store: Store, request: StoreRequest, logger?: Logger): Promise<StoreResult> => (await store.fetch([request], fetchOptions(logger)))[0]!

  test('the first read: one session, one poll; JSON as text, the Version-Label as versionId', async () => {
    const store = makeStore()
    expect(store.name).toBe('appConfig')
    const request = deployNew(FLAGS, { versionLabel: 'v1' })
    expect(ok(await read(store, request))).toEqual({ ok: true, value: FLAGS, versionId: 'v1' })
    expect(calls()).toEqual([
      ['StartConfigurationSession', 201],
      ['GetLatestConfiguration', 200],
    ])
  })

  test('text for a textual content type, bytes otherwise; no label, no versionId', async () => {
    const store = makeStore()
    const yaml = ok(await read(store, deployNew('a: 1', { contentType: 'application/x-yaml' })))
    const plain = ok(await read(store, deployNew('hello', { contentType: 'text/plain; charset=utf-8' })))
    const blob = ok(await read(store, deployNew(BYTES, { contentType: 'application/octet-stream' })))
    expect([yaml.value, plain.value]).toEqual(['a: 1', 'hello'])
    expect(blob.value).toBeInstanceOf(Uint8Array)
    expect([...(blob.value as Uint8Array)]).toEqual([...BYTES])
    expect(blob.versionId).toBeUndefined()
  })

  test('a poll before the minimum interval never reaches the stand-in: the previous value answers', async () => {
    const store = makeStore()
    const request = deployNew(FLAGS)
    const polledAt = Date.now()
    const first = ok(await read(store, request))
    redeploy(request, '{"beta":false}')
    advance(14_000)
    server.resetCalls()
    const kept = ok(await read(store, request))
    expect(server.calls).toEqual([])
    expect(kept.value).toBe(first.value)
    // Marked with AWS's last word on it: the cache counts its age from there, not from now.
    expect(kept.confirmedAt).toBeGreaterThanOrEqual(polledAt)
    expect(kept.confirmedAt).toBeLessThan(polledAt + 14_000)
    expect({ ...kept, confirmedAt: undefined }).toEqual({ ...first, confirmedAt: undefined })
  })

  test('an unchanged configuration costs one GetLatestConfiguration and answers the same object', async () => {
    const store = makeStore()
    const request = deployNew(BYTES, { contentType: 'application/octet-stream' })
    const first = await read(store, request)
    advance(15_000)
    server.resetCalls()
    const second = await read(store, request)
    expect(second).toBe(first)
    expect(ok(second).value).toBe(ok(first).value)
    expect(calls()).toEqual([['GetLatestConfiguration', 200]])
  })

  test('a changed configuration: the new value and label, with the session kept', async () => {
    const store = makeStore()
    const request = deployNew(FLAGS, { versionLabel: 'v1' })
    await read(store, request)
    redeploy(request, '{"beta":false}', { versionLabel: 'v2' })
    advance(15_000)
    server.resetCalls()
    expect(ok(await read(store, request))).toEqual({ ok: true, value: '{"beta":false}', versionId: 'v2' })
    expect(calls()).toEqual([['GetLatestConfiguration', 200]])
  })

  test('an empty configuration deployed as a new version (its own label) replaces the previous one on the next poll', async () => {
    const store = makeStore()
    const request = deployNew(FLAGS, { versionLabel: 'v1' })
    await read(store, request)
    redeploy(request, '', { versionLabel: 'v2' })
    advance(15_000)
    server.resetCalls()
    const emptied = ok(await read(store, request))
    expect(emptied).toEqual({ ok: true, value: '', versionId: 'v2' })
    expect(calls()).toEqual([['GetLatestConfiguration', 200]])
    // Unchanged since (empty, with no label): the empty configuration answers, the same object.
    advance(15_000)
    expect(await read(store, request)).toBe(emptied)
  })

    test('the interval is the one AWS answers: 40 s asked, no poll at 39 s, a poll at 40 s', async () => {
    const store = makeStore()
    const request = { ...deployNew(FLAGS), minPollIntervalSeconds: 39.2 } // sent as 40
    await read(store, request)
    server.resetCalls()
    advance(39_000)
    await read(store, request)
    expect(server.calls).toEqual([])
    advance(1_000)
    await read(store, request)
    expect(calls()).toEqual([['GetLatestConfiguration', 200]])
  })

  test('an interval outside 15..86400 is clamped into it (the stand-in refuses 14 and 86401)', async () => {
    const store = makeStore()
    expect(ok(await read(store, { ...deployNew(FLAGS), minPollIntervalSeconds: 1 })).value).toBe(FLAGS)
    expect(ok(await read(store, { ...deployNew(FLAGS), minPollIntervalSeconds: 100_000 })).value).toBe(FLAGS)
    expect(server.calls.every((c) => c.status < 300)).toBe(true)
  })

  test('a token the stand-in finds expired (its clock past 24 hours) starts a new session once, in the same fetch', async () => {
    const store = makeStore()
    const request = deployNew(FLAGS)
    const first = await read(store, request)
    // Locally the token is still young enough to try (under 24 h less the 60 s margin); the
    // stand-in's clock runs 2 minutes ahead (within SigV4's 5 minutes), past the token's 24 hours.
    advance(24 * HOUR_MS - 90_000)
    server.setClockOffset(120_000)
    server.resetCalls()
    const again = await read(store, request)
    expect(calls()).toEqual([
      ['GetLatestConfiguration', 400],
      ['StartConfigurationSession', 201],
      ['GetLatestConfiguration', 200],
    ])
    expect(again).toBe(first) // a new session answers the whole configuration: unchanged, it is the same value
  })

  test('a token near the end of its 24 hours is not sent: a new session starts first', async () => {
    const store = makeStore()
    const request = deployNew(FLAGS)
    await read(store, request)
    advance(24 * HOUR_MS - 30_000)
    server.resetCalls()
    expect(ok(await read(store, request)).value).toBe(FLAGS)
    expect(calls()).toEqual([
      ['StartConfigurationSession', 201],
      ['GetLatestConfiguration', 200],
    ])
  })

  test('a new session whose token is refused too is not restarted again: the failure answers', async () => {
    const store = makeStore()
    const request = deployNew(FLAGS)
    await read(store, request)
    advance(15_000)
    server.fault({ operation: 'GetLatestConfiguration', kind: 'error', code: 'BadRequestException', times: 2 })
    server.resetCalls()
    const refused = failed(await read(store, request))
    expect(refused).toMatchObject({ code: 'BadRequestException', retryable: false, operation: 'GetLatestConfiguration' })
    expect(calls()).toEqual([
      ['GetLatestConfiguration', 400],
      ['StartConfigurationSession', 201],
      ['GetLatestConfiguration', 400],
    ])
    server.resetCalls()
    expect(ok(await read(store, request)).value).toBe(FLAGS)
    expect(calls().map(([operation]) => operation)).toEqual(['StartConfigurationSession', 'GetLatestConfiguration'])
  })

  test("a new session's own token refused: no second session in that fetch", async () => {
    const store = makeStore()
    const request = deployNew(FLAGS)
    server.fault({ operation: 'GetLatestConfiguration', kind: 'error', code: 'BadRequestException', times: 1 })
    expect(failed(await read(store, request)).code).toBe('BadRequestException')
    expect(calls()).toEqual([
      ['StartConfigurationSession', 201],
      ['GetLatestConfiguration', 400],
    ])
  })

  test('a new session answers what is deployed, even empty, never the previous value', async () => {
    const store = makeStore()
    const request = deployNew(FLAGS)
    await read(store, request)
    redeploy(request, '')
    advance(15_000)
    server.fault({ operation: 'GetLatestConfiguration', kind: 'error', code: 'BadRequestException', times: 1 })
    expect(ok(await read(store, request)).value).toBe('')
  })

  describe('the clock set back past the last poll (as NTP may do): the next read polls, whatever the interval', () => {
    const CLOCK_STEP_MS = 120_000 // within SigV4's 5 minutes

    test('AppConfig refuses the token as too early (on its own clock): a new session answers, in the same read', async () => {
      const store = makeStore()
      const request = deployNew(FLAGS, { versionLabel: 'v1' })
      await read(store, request)
      redeploy(request, '{"beta":false}', { versionLabel: 'v2' })
      advance(-CLOCK_STEP_MS)
      server.setClockOffset(CLOCK_STEP_MS) // AppConfig's clock did not move
      server.resetCalls()
      // Polled, so not marked with an earlier confirmation (the "too early" answer's confirmedAt, now in the future).
      expect(ok(await read(store, request))).toEqual({ ok: true, value: '{"beta":false}', versionId: 'v2' })
      expect(calls()).toEqual([
        ['GetLatestConfiguration', 400],
        ['StartConfigurationSession', 201],
        ['GetLatestConfiguration', 200],
      ])
      // The new session's interval counts on the clock as it now is: no poll before it.
      server.resetCalls()
      advance(14_000)
      expect(ok(await read(store, request)).confirmedAt).toBeLessThanOrEqual(Date.now())
      expect(server.calls).toEqual([])
    })

    test('the interval has passed on AppConfig\'s clock: the token serves, the session is kept', async () => {
      const store = makeStore()
      const request = deployNew(FLAGS, { versionLabel: 'v1' })
      await read(store, request)
      redeploy(request, '{"beta":false}', { versionLabel: 'v2' })
      advance(15_000 - CLOCK_STEP_MS) // 15 s later, on a clock set back 2 minutes
      server.setClockOffset(CLOCK_STEP_MS)
      server.resetCalls()
      expect(ok(await read(store, request))).toEqual({ ok: true, value: '{"beta":false}', versionId: 'v2' })
      expect(calls()).toEqual([['GetLatestConfiguration', 200]])
    })

    test('through the middleware, a deployment is seen at once, not laundered into a fresh value until the clock catches up', async () => {
      const request = deployNew('{"beta":false}', { versionLabel: 'v1' })
      const flags = appConfig('shop', 'prod', request.profile!)
      const mw = secrets({ context: { flags }, ttl: 30, jitter: 0, refreshAhead: 0, stores: { appConfig: makeStore() }, prefetch: false, logger: quiet })
      const handler = middy(async (_event: unknown, context: Context) => (context as unknown as Record<string, unknown>).flags)
      handler.use(mw as never)
      const invoke = (): Promise<unknown> => handler({}, {} as never) as Promise<unknown>
      expect(await invoke()).toBe('{"beta":false}')
      redeploy(request, '{"beta":true}', { versionLabel: 'v2' })
      advance(-CLOCK_STEP_MS)
      server.setClockOffset(CLOCK_STEP_MS)
      server.resetCalls()
      // Before the fix: the session answered "too early" with the last poll's time, in the future; the
      // cache took the invocation's time instead, and served the old value as fresh, TTL after TTL.
      const seen: unknown[] = []
      for (let step = 0; step < 12; step++) {
        seen.push(await invoke())
        advance(5_000)
      }
      expect(seen).toEqual(Array(12).fill('{"beta":true}'))
      expect(server.count('GetLatestConfiguration')).toBeGreaterThan(0)
    })
  })

    test('two reads of one configuration at once: one session, one poll, one value', async () => {
    const store = makeStore()
    const request = deployNew(FLAGS)
    server.setLatency(30)
    const [a, b] = await Promise.all([read(store, request), read(store, request)])
    const [c, d] = await store.fetch([request, request], fetchOptions())
    expect(calls()).toEqual([
      ['StartConfigurationSession', 201],
      ['GetLatestConfiguration', 200],
    ])
    expect(b).toEqual({ ...a, confirmedAt: expect.any(Number) }) // the second read was too early to poll
    expect([c, d]).toEqual([b, b])
  })

  test('several configurations in one fetch: a session each, answered in order', async () => {
    const store = makeStore()
    const one = deployNew('1')
    const two = deployNew('2')
    const results = await store.fetch([two, one], fetchOptions())
    expect(results.map((r) => ok(r).value)).toEqual(['2', '1'])
    expect(server.count('StartConfigurationSession')).toBe(2)
  })

  test('a request by name only, and one that names no configuration (no call)', async () => {
    const store = makeStore()
    const { name } = deployNew(FLAGS)
    expect(ok(await read(store, { kind: 'appConfig', name })).value).toBe(FLAGS)
    server.resetCalls()
    expect(failed(await read(store, { kind: 'appConfig', name: 'shop/prod' }))).toMatchObject({ code: 'BadRequestException', retryable: false })
    expect(server.calls).toEqual([])
  })

  describe('errors', () => {
    test('an unknown profile: ResourceNotFoundException, not retryable', async () => {
      const store = makeStore()
      const error = failed(await read(store, { kind: 'appConfig', name: 'shop/prod/nope' }))
      expect(error).toMatchObject({ code: 'ResourceNotFoundException', retryable: false, httpStatus: 404, operation: 'StartConfigurationSession' })
    })

    test.each([
      ['ThrottlingException', 429],
      ['InternalServerException', 500],
    ])('%s: retryable', async (code, httpStatus) => {
      const store = makeStore()
      server.fault({ operation: 'StartConfigurationSession', kind: 'error', code, times: 1 })
      const error = failed(await read(store, deployNew(FLAGS)))
      expect(error).toMatchObject({ code, retryable: true, httpStatus, operation: 'StartConfigurationSession' })
    })

    test('the first poll of a session fails: no half session, the next read starts a new one', async () => {
      const store = makeStore()
      const request = deployNew(FLAGS)
      server.fault({ operation: 'GetLatestConfiguration', kind: 'error', code: 'ThrottlingException', times: 1 })
      expect(failed(await read(store, request))).toMatchObject({ code: 'ThrottlingException', retryable: true, operation: 'GetLatestConfiguration' })
      expect(ok(await read(store, request)).value).toBe(FLAGS)
      expect(calls()).toEqual([
        ['StartConfigurationSession', 201],
        ['GetLatestConfiguration', 429],
        ['StartConfigurationSession', 201],
        ['GetLatestConfiguration', 200],
      ])
    })

    test('a later poll fails: the session and its token are kept', async () => {
      const store = makeStore()
      const request = deployNew(FLAGS)
      await read(store, request)
      advance(15_000)
      server.fault({ operation: 'GetLatestConfiguration', kind: 'error', code: 'InternalServerException', times: 1 })
      server.resetCalls()
      expect(failed(await read(store, request)).retryable).toBe(true)
      expect(ok(await read(store, request)).value).toBe(FLAGS)
      expect(calls()).toEqual([
        ['GetLatestConfiguration', 500],
        ['GetLatestConfiguration', 200],
      ])
    })

    test('log lines name the configuration and codes, never its content', async () => {
      const lines: string[] = []
      const keep = (...args: unknown[]): void => void lines.push(JSON.stringify(args))
      const logger: Logger = { debug: keep, info: keep, warn: keep, error: keep }
      const store = makeStore()
      const request = deployNew(FLAGS)
      await read(store, request, logger)
      advance(15_000)
      server.fault({ operation: 'GetLatestConfiguration', kind: 'error', code: 'BadRequestException', times: 1 })
      await read(store, request, logger)
      expect(lines.join('\n')).toContain(request.name)
      expect(lines.join('\n')).toContain('BadRequestException')
      expect(lines.join('\n')).not.toContain('flag-value-Q4v')
    })
  })
})

test('text or bytes: the same content types as the memory store', async () => {
  const types = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'text/csv', 'application/x-yaml', 'application/yaml', 'application/xml', 'application/toml',
    'application/vnd.api+json', 'application/problem+xml', 'application/octet-stream', 'image/png', 'application/zip', 'APPLICATION/JSON', 'application/jsonx', '']
  expect(types.map(isTextualContentType)).toEqual(types.map(memoryIsTextual))
  expect(types.filter(isTextualContentType)).toHaveLength(11)
  // And the values agree: the store over the stand-in, the memory store over the same model.
  const request = deployNew(BYTES, { contentType: 'application/octet-stream' })
  const memory = memoryStore({}, { model: server.model })
  const store = appConfigStore({ transport: 'https', clientOptions: { endpoint: server.endpoint, region: 'eu-west-1', credentials: CREDENTIALS } })
  const [fromMemory] = await memory.fetch([request], fetchOptions())
  const [fromAws] = await store.fetch([request], fetchOptions())
  expect(ok(fromAws).value).toEqual(ok(fromMemory).value)
})
