/**
 * SSM's naming rules through the real SDK client against the local AWS server: a single-level
 * parameter read with or without its leading slash, with batching on and off.
 */
import { clearCache, parameter, secrets } from '../../lib/index.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { clientOptions, contextHandler } from './helpers.js'

let server: AwsServer

beforeAll(async () => {
  server = await startAwsServer({ seed: { parameters: { 'created-bare': 'bare-value-Kp', '/created-slashed': 'slashed-value-Wq' } } })
})

afterAll(async () => {
  await server.close()
})

beforeEach(() => {
  clearCache()
  server.resetCalls()
})

describe('a single-level name is one parameter with and without its leading slash', () => {
  test.each([
    [true, 'GetParameters', 1],
    [false, 'GetParameter', 2],
  ] as const)('batch: %s (%s x %s)', async (batch, operation, calls) => {
    const mw = secrets({
      context: { bare: parameter('/created-bare'), slashed: parameter('created-slashed') },
      clientOptions: clientOptions(server.endpoint),
      batch,
      logLevel: 'none',
    })
    const context = await contextHandler(mw).run()
    expect([context.bare, context.slashed]).toEqual(['bare-value-Kp', 'slashed-value-Wq'])
    expect(server.count(operation)).toBe(calls)
    expect(server.count()).toBe(calls)
  })
})
