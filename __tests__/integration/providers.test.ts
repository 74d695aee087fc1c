/**
 * AppConfig and DynamoDB through the middleware, over real HTTP against the stand-in, on both
 * transports: what issue 12 promises end to end (the store-level details are in
 * __tests__/stores/appconfig*.test.ts and dynamodb*.test.ts).
 */
import { jest } from '@jest/globals'
import { appConfig, clearCache, item, items, secrets } from '../../lib/index.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/index.js'
import { runBefore } from '../support/store-results.js'
import { awsOptions, TRANSPORTS } from './helpers.js'

describe.each(TRANSPORTS)('over the %s transport', (transport) => {
  let server: AwsServer
  let now = Date.now()

  beforeAll(async () => {
    const limits = Array.from({ length: 150 }, (_, i) => ({ id: `k${i}`, value: `v${i}` }))
    server = await startAwsServer({
      seed: {
        appConfig: { 'shop/prod/flags': '{"newCheckout":false}' },
        dynamodb: {
          config: { partitionKey: 'id', items: [{ id: 'limits', value: '{"max":5}' }, ...limits] },
          tenants: { partitionKey: 'id', sortKey: 'sk', items: [{ id: 't1', sk: 'a', value: 1 }, { id: 't1', sk: 'b', value: 2 }] },
        },
      },
      dynamodbPageSize: 1,
    })
  })
  afterAll(() => server.close())
  beforeEach(() => {
    clearCache()
    server.resetCalls()
    now = Date.now()
    jest.spyOn(Date, 'now').mockImplementation(() => now)
  })
  afterEach(() => jest.restoreAllMocks())

  test('AppConfig: no poll before the interval, an unchanged configuration costs one call and no transform, a change arrives', async () => {
    const mw = secrets({ context: { flags: appConfig('shop', 'prod', 'flags', { transform: 'json', ttl: 15 }) }, ...awsOptions(server.endpoint, transport), prefetch: false, logLevel: 'none', jitter: 0, refreshAhead: 0 })
    const first = (await runBefore(mw)).flags
    expect(first).toEqual({ newCheckout: false })
    expect([server.count('StartConfigurationSession'), server.count('GetLatestConfiguration')]).toEqual([1, 1])
    now += 16_000 // the TTL and AppConfig's minimum poll interval (15 s) have passed
    const second = (await runBefore(mw)).flags
    expect(second).toBe(first) // unchanged: the same object, not parsed again
    expect(server.count('GetLatestConfiguration')).toBe(2)
    server.model.appConfig.deploy('shop', 'prod', 'flags', '{"newCheckout":true}')
    now += 5_000 // not yet: neither the TTL nor the poll interval
    expect((await runBefore(mw)).flags).toBe(first)
    expect(server.count('GetLatestConfiguration')).toBe(2)
    now += 11_000
    expect((await runBefore(mw)).flags).toEqual({ newCheckout: true })
    expect(server.count('StartConfigurationSession')).toBe(1)
  })

  test('AppConfig: a key with a short ttl sees a deployment at its own interval, though a key with a long one read the configuration first', async () => {
    const profile = `shared-${transport}`
    server.model.appConfig.deploy('shop', 'prod', profile, '{"v":1}')
    const options = { ...awsOptions(server.endpoint, transport), prefetch: false, logLevel: 'none', jitter: 0, refreshAhead: 0 } as const
    const slow = secrets({ context: { flags: appConfig('shop', 'prod', profile, { ttl: 600 }) }, ...options })
    const fast = secrets({ context: { flags: appConfig('shop', 'prod', profile, { ttl: 30 }) }, ...options })
    expect((await runBefore(slow)).flags).toBe('{"v":1}')
    expect((await runBefore(fast)).flags).toBe('{"v":1}')
    server.model.appConfig.deploy('shop', 'prod', profile, '{"v":2}')
    now += 60_000 // twice the short ttl, a tenth of the long one
    expect((await runBefore(fast)).flags).toBe('{"v":2}')
    expect((await runBefore(slow)).flags).toBe('{"v":1}')
    // Two configurations whose names, joined by '/', are one string: each key gets its own.
    server.model.appConfig.deploy('team/shop', 'prod', profile, '{"who":"team/shop"}')
    server.model.appConfig.deploy('team', 'shop/prod', profile, '{"who":"team"}')
    const both = secrets({ context: { a: appConfig('team/shop', 'prod', profile), b: appConfig('team', 'shop/prod', profile) }, ...options })
    expect(await runBefore(both)).toMatchObject({ a: '{"who":"team/shop"}', b: '{"who":"team"}' })
  })

  /** Lets a background refresh (refresh ahead) run to its end over loopback. */
  const untilCalls = async (operation: 'GetLatestConfiguration', count: number): Promise<void> => {
    for (let i = 0; i < 200 && server.count(operation) < count; i += 1) await new Promise((r) => setTimeout(r, 5))
  }

  test('AppConfig with refresh ahead: the poll interval lets the background refresh ask AWS, so a change arrives within the TTL', async () => {
    const profile = `ahead-${transport}`
    server.model.appConfig.deploy('shop', 'prod', profile, '{"newCheckout":false}')
    const mw = secrets({ context: { flags: appConfig('shop', 'prod', profile, { transform: 'json', ttl: 30 }) }, ...awsOptions(server.endpoint, transport), prefetch: false, logLevel: 'none', jitter: 0 })
    expect(await runBefore(mw)).toEqual({ flags: { newCheckout: false } })
    server.model.appConfig.deploy('shop', 'prod', profile, '{"newCheckout":true}')
    now += 28_000 // the last 10% of the TTL: served as it is, refreshed in the background
    expect(await runBefore(mw)).toEqual({ flags: { newCheckout: false } })
    await untilCalls('GetLatestConfiguration', 2)
    expect(server.count('GetLatestConfiguration')).toBe(2) // was 1: the session held the poll back until 30 s and renewed the old value to 58 s
    await new Promise((r) => setTimeout(r, 20))
    now += 1_000
    expect(await runBefore(mw)).toEqual({ flags: { newCheckout: true } })
  })

  test('AppConfig: an ask before AWS allows a poll is answered from the session without renewing the value', async () => {
    // ttl 16: refresh ahead asks at 14.4 s, AppConfig allows a poll from 15 s (its minimum).
    const profile = `early-${transport}`
    server.model.appConfig.deploy('shop', 'prod', profile, '{"newCheckout":false}')
    const mw = secrets({ context: { flags: appConfig('shop', 'prod', profile, { transform: 'json', ttl: 16 }) }, ...awsOptions(server.endpoint, transport), prefetch: false, logLevel: 'none', jitter: 0 })
    expect(await runBefore(mw)).toEqual({ flags: { newCheckout: false } })
    server.model.appConfig.deploy('shop', 'prod', profile, '{"newCheckout":true}')
    now += 14_500
    expect(await runBefore(mw)).toEqual({ flags: { newCheckout: false } })
    await new Promise((r) => setTimeout(r, 30))
    expect(server.count('GetLatestConfiguration')).toBe(1) // too early for AWS: the session answered
    now += 2_000 // 16.5 s: past the TTL counted from AWS's answer (was 30.5 s: counted from the session's)
    expect(await runBefore(mw)).toEqual({ flags: { newCheckout: true } })
    expect(server.count('GetLatestConfiguration')).toBe(2)
  })

  test('DynamoDB: 150 item() keys in 2 BatchGetItem calls; items() reads every page of a partition', async () => {
    const context = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, item('config', `k${i}`)]))
    const values = await runBefore(secrets({ context: { ...context, limits: item('config', 'limits', { transform: 'json' }), tenant: items('tenants', 't1') }, ...awsOptions(server.endpoint, transport), prefetch: false, logLevel: 'none' }))
    expect(values.k149).toBe('v149')
    expect(values.limits).toEqual({ max: 5 })
    expect(values.tenant).toEqual({ a: 1, b: 2 })
    expect(server.count('BatchGetItem')).toBe(2)
    expect(server.count('Query')).toBeGreaterThanOrEqual(2) // one item per page
  })

  test('an optional item that is missing is undefined; a denied one fails the invocation', async () => {
    const options = { ...awsOptions(server.endpoint, transport), prefetch: false, logLevel: 'none' as const }
    expect(await runBefore(secrets({ context: { missing: item('config', 'nope', { optional: true }) }, ...options }))).toEqual({ missing: undefined })
    // A table that does not exist is a set-up error, not an absent item: no default hides it.
    const noTable = await runBefore(secrets({ context: { t: item('confg', 'limits', { optional: true, default: 'x' }) }, ...options })).catch((e: unknown) => e)
    expect((noTable as { failures: Array<{ code: string }> }).failures.map((f) => f.code)).toEqual(['ResourceNotFoundException'])
    server.fault({ operation: 'GetItem', kind: 'error', code: 'AccessDeniedException' })
    const error = await runBefore(secrets({ context: { denied: item('config', 'limits', { optional: true }) }, ...options })).catch((e: unknown) => e)
    expect((error as { failures: Array<{ code: string; hint: string }> }).failures[0]).toMatchObject({ code: 'AccessDeniedException', hint: expect.stringContaining('dynamodb:GetItem') })
    server.clearFaults()
  })
})
