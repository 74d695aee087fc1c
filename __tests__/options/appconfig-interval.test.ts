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

test('a refresh ahead of an AppConfig key polls AppConfig, whatever the latency of the last poll (up to the 1 s margin)', async () => {
  let polls = 0
  let interval = 0 // what the package asks for; AppConfig answers it as NextPollIntervalInSeconds
  const appConfigData: Connection = {
    async call<T>(operation: string, input: Readonly<Record<string, unknown>>) {
      if (operation === 'StartConfigurationSession') {
        interval = input.RequiredMinimumPollIntervalInSeconds as number
        return { ok: true, output: { InitialConfigurationToken: 't0' } as T }
      }
      polls += 1
      jest.setSystemTime(Date.now() + LATENCY_MS) // AppConfig takes 50 ms to answer
      const output = { Configuration: polls === 1 ? new TextEncoder().encode('{"beta":true}') : new Uint8Array(0), ContentType: 'application/json', NextPollConfigurationToken: `t${polls}`, NextPollIntervalInSeconds: interval, VersionLabel: '1' }
      return { ok: true, output: output as T }
    },
  }
  const reader = appConfigReader(appConfigData)
  let fetches = 0
  const store: Store = { name: 'appConfig', fetch: (requests, options) => ((fetches += 1), reader.fetch(requests, options)) }
  const mw = secrets({ context: { flags: appConfig('shop', 'prod', 'flags') }, ttl: 300, jitter: 0, refreshAhead: 0.1, stores: { appConfig: store }, prefetch: false, logger: quiet })
  const h = middy(async (_event: unknown, context: Context) => (context as unknown as Record<string, unknown>).flags)
  h.use(mw as never)
  const invoke = async (): Promise<unknown> => {
    const p = h({}, {} as never) as Promise<unknown>
    await jest.advanceTimersByTimeAsync(0)
    return p
  }
  expect(await invoke()).toBe('{"beta":true}')
  expect([fetches, polls, interval]).toEqual([1, 1, 269]) // 270 s (the earliest refresh ahead) less the 1 s margin
  for (const at of [270_010, 270_020, 270_030, 270_040]) {
    jest.setSystemTime(T0 + at) // the last 10% of the TTL: refreshed ahead
    expect(await invoke()).toBe('{"beta":true}')
    await jest.advanceTimersByTimeAsync(0)
  }
  // Every fetch the package made reached AppConfig (a background refresh that polls nothing refreshes nothing).
  expect(fetches).toBe(polls)
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
    let deployed = '{"beta":false}'
    let version = 1
    let interval = 0
    let polls = 0
    const appConfigData: Connection = {
      async call<T>(operation: string, input: Readonly<Record<string, unknown>>) {
        if (operation === 'StartConfigurationSession') {
          interval = input.RequiredMinimumPollIntervalInSeconds as number
          return { ok: true, output: { InitialConfigurationToken: 't0' } as T }
        }
        polls += 1
        const output = { Configuration: new TextEncoder().encode(deployed), ContentType: 'application/json', NextPollConfigurationToken: `t${polls}`, NextPollIntervalInSeconds: interval, VersionLabel: String(version) }
        return { ok: true, output: output as T }
      },
    }
    const mw = secrets({ context: { flags: appConfig('shop', 'prod', 'flags') }, ...options, stores: { appConfig: appConfigReader(appConfigData) }, prefetch: false, logger: quiet })
    const h = middy(async (_event: unknown, context: Context) => (context as unknown as Record<string, unknown>).flags)
    h.use(mw as never)
    const invoke = async (): Promise<unknown> => {
      const p = h({}, {} as never) as Promise<unknown>
      await jest.advanceTimersByTimeAsync(0)
      return p
    }
    expect(await invoke()).toBe('{"beta":false}')
    expect(interval).toBe(15)
    deployed = '{"beta":true}'
    version = 2
    jest.setSystemTime(T0 + 60_000)
    expect(await invoke()).toBe('{"beta":true}')
    expect(polls).toBe(2)
  })
})
