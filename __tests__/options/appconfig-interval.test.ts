/**
 * options/keys.ts firstAskSeconds: AppConfig's poll interval is derived so that a refresh ahead is
 * a real poll. The session may poll again from when the last answer came (appconfig-session.ts
 * notBefore = receivedAt + interval), while a value ages from when its attempt asked: without a
 * margin, with `jitter: 0` and ttl 300 both were 270 s, the refresh ahead started one request's
 * latency before the session might poll and was answered from the session's last answer without
 * a call, and the next invocations started such no-op background flights again (found by review).
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { appConfig, clearCache, secrets, type Store } from '../../lib/index.js'
import { appConfigReader } from '../../lib/stores/appconfig-reader.js'
import type { Connection } from '../../lib/stores/connection.js'

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const LATENCY_MS = 50

beforeEach(() => {
  clearCache()
  jest.useFakeTimers({ now: T0 })
})
afterEach(() => jest.useRealTimers())

/**
 * AppConfigData as the session sees it: records the interval the package asks for and answers it
 * as NextPollIntervalInSeconds; `poll(n)` gives the n-th poll's body (undefined: empty) and label.
 */
function appConfigData(poll: (n: number) => { body?: string; label: string }) {
  const seen = { polls: 0, interval: 0 }
  const connection: Connection = {
    async call<T>(operation: string, input: Readonly<Record<string, unknown>>) {
      if (operation === 'StartConfigurationSession') {
        seen.interval = input.RequiredMinimumPollIntervalInSeconds as number
        return { ok: true, output: { InitialConfigurationToken: 't0' } as T }
      }
      seen.polls += 1
      const { body, label } = poll(seen.polls)
      const Configuration = body === undefined ? new Uint8Array(0) : new TextEncoder().encode(body)
      return { ok: true, output: { Configuration, ContentType: 'application/json', NextPollConfigurationToken: `t${seen.polls}`, NextPollIntervalInSeconds: seen.interval, VersionLabel: label } as T }
    },
  }
  return { connection, seen }
}

/** Invokes a middy handler of the `flags` key, letting the fake timers run what the invocation starts. */
function flagsHandler(mw: object): () => Promise<unknown> {
  const h = middy(async (_event: unknown, context: Context) => (context as unknown as Record<string, unknown>).flags)
  h.use(mw as never)
  return async () => {
    const p = h({}, {} as never) as Promise<unknown>
    await jest.advanceTimersByTimeAsync(0)
    return p
  }
}

test('a refresh ahead of an AppConfig key polls AppConfig, whatever the latency of the last poll (up to the 1 s margin)', async () => {
  const { connection, seen } = appConfigData((n) => {
    jest.setSystemTime(Date.now() + LATENCY_MS) // AppConfig takes 50 ms to answer
    return { body: n === 1 ? '{"beta":true}' : undefined, label: '1' }
  })
  const reader = appConfigReader(connection)
  let fetches = 0
  const store: Store = { name: 'appConfig', fetch: (requests, options) => ((fetches += 1), reader.fetch(requests, options)) }
  const invoke = flagsHandler(secrets({ context: { flags: appConfig('shop', 'prod', 'flags') }, ttl: 300, jitter: 0, refreshAhead: 0.1, stores: { appConfig: store }, prefetch: false, logger: quiet }))
  expect(await invoke()).toBe('{"beta":true}')
  expect([fetches, seen.polls, seen.interval]).toEqual([1, 1, 269]) // 270 s (the earliest refresh ahead) less the 1 s margin
  for (const at of [270_010, 270_020, 270_030, 270_040]) {
    jest.setSystemTime(T0 + at) // the last 10% of the TTL: refreshed ahead
    expect(await invoke()).toBe('{"beta":true}')
    await jest.advanceTimersByTimeAsync(0)
  }
  // Every fetch the package made reached AppConfig (a background refresh that polls nothing refreshes nothing).
  expect(fetches).toBe(seen.polls)
})

/**
 * With the cache off, a key's TTL is 0 (every invocation fetches), so its session's interval is
 * the one TTL 0 gives, AppConfig's floor (15 s): derived from the configured ttl instead (300 s ->
 * 269 s), every invocation was answered from the session's last answer for minutes after a
 * deployment (found by review).
 */
describe.each([
  ['cache: false', { cache: false }, {}],
  ['PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false', {}, { PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false' }],
] as const)('with the cache off (%s)', (_name, options, variables) => {
  const saved = { ...process.env }
  beforeEach(() => Object.assign(process.env, variables))
  afterEach(() => {
    for (const name of Object.keys(variables)) delete process.env[name]
    Object.assign(process.env, saved)
  })

  test("an AppConfig key asks for AppConfig's 15 s interval, and sees a deployment at the next poll", async () => {
    let deployed = { body: '{"beta":false}', label: '1' }
    const { connection, seen } = appConfigData(() => deployed)
    const invoke = flagsHandler(secrets({ context: { flags: appConfig('shop', 'prod', 'flags') }, ...options, stores: { appConfig: appConfigReader(connection) }, prefetch: false, logger: quiet }))
    expect(await invoke()).toBe('{"beta":false}')
    expect(seen.interval).toBe(15)
    deployed = { body: '{"beta":true}', label: '2' }
    jest.setSystemTime(T0 + 60_000)
    expect(await invoke()).toBe('{"beta":true}')
    expect(seen.polls).toBe(2)
  })
})
