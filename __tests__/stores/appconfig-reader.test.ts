/**
 * stores/appconfig-reader.ts: its sessions, one per configuration, each keeping its last
 * configuration (what an "unchanged" answer serves), are bounded by the cache's maxEntries, least
 * recently read dropped first; a dropped one is started again when read, and answers the whole
 * configuration. On both transports, against the AWS stand-in; memory measured on the heap.
 */
import { cache } from '../../lib/cache/cache.js'
import { clearCache, getAppConfig } from '../../lib/index.js'
import { appConfigStore } from '../../lib/stores/appconfig.js'
import type { Store, StoreRequest } from '../../lib/store.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server/index.js'
import { fetchOptions, ok, silentLogger } from '../support/store-results.js'
import { heapAfterGc } from '../support/gc.js'

const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' }
const PROFILES = 120
const SIZE = 200_000 // 120 configurations: 24 MB, against 1 MB for the 5 the cache holds
let server: AwsServer

beforeAll(async () => {
  const big = JSON.stringify({ blob: 'x'.repeat(SIZE) })
  server = await startAwsServer({ seed: { appConfig: Object.fromEntries(Array.from({ length: PROFILES }, (_, i) => [`big/prod/tenant${i}`, big])) } })
})
afterAll(() => server.close())
afterEach(() => cache.resize(1000))

describe.each(['sdk', 'https'] as const)('over the %s transport', (transport) => {
  test(`${PROFILES} configurations read with maxEntries 5: about 5 kept, not all`, async () => {
    clearCache()
    cache.resize(5)
    const options = { transport, clientOptions: { endpoint: server.endpoint, region: 'us-east-1', credentials: CREDENTIALS }, logger: silentLogger, maxEntries: 5 }
    await getAppConfig('big', 'prod', 'tenant0', options) // the store and its code loaded
    const before = await heapAfterGc()
    for (let i = 1; i < PROFILES; i++) await getAppConfig('big', 'prod', `tenant${i}`, options)
    expect(cache.size).toBeLessThanOrEqual(5)
    const grownMb = ((await heapAfterGc()) - before) / 1e6
    expect(grownMb).toBeLessThan(8) // 25 MB when every session kept its configuration
  })

  describe('at most as many sessions as the cache holds entries', () => {
    let store: Store
    let profiles = 0
    const deployNew = (content: string): StoreRequest => {
      const profile = `p${++profiles}`
      server.model.appConfig.deploy('shop', 'prod', profile, content)
      return { kind: 'appConfig', name: `shop/prod/${profile}`, application: 'shop', environment: 'prod', profile, minPollIntervalSeconds: 15 }
    }
    const read = async (request: StoreRequest): Promise<unknown> => ok((await store.fetch([request], fetchOptions()))[0]).value
    const started = (): number => server.count('StartConfigurationSession')

    beforeEach(() => {
      cache.resize(2)
      store = appConfigStore({ transport, clientOptions: { endpoint: server.endpoint, region: 'eu-west-1', credentials: CREDENTIALS } })
      server.resetCalls()
    })

    test('the least recently read session goes first; a session read again is kept', async () => {
      const [a, b, c] = [deployNew('a'), deployNew('b'), deployNew('c')]
      await read(a)
      await read(b)
      await read(a) // too early to poll: answered from the session, which counts as read
      expect(started()).toBe(2)
      await read(c) // drops b's session, not a's
      expect(started()).toBe(3)
      expect(await read(a)).toBe('a')
      expect(started()).toBe(3)
      expect(await read(b)).toBe('b') // a session again
      expect(started()).toBe(4)
    })

    test('a dropped session, started again, answers the whole configuration (never the empty "unchanged")', async () => {
      const [a, b, c] = [deployNew('{"v":1}'), deployNew('b'), deployNew('c')]
      expect(await read(a)).toBe('{"v":1}')
      await read(b)
      await read(c) // a's session dropped
      expect(await read(a)).toBe('{"v":1}') // unchanged, yet its content: a new session's first answer
      server.model.appConfig.deploy('shop', 'prod', a.profile!, '{"v":2}')
      await read(b)
      await read(c)
      expect(await read(a)).toBe('{"v":2}') // a new session reads what is deployed now (a kept one would wait its poll interval)
      expect(server.calls.filter((call) => call.operation === 'GetLatestConfiguration').every((call) => call.status === 200)).toBe(true)
    })
  })
})
