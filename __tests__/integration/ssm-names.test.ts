/**
 * SSM's naming rules through the real SDK client against the local AWS server: a single-level
 * parameter read with or without its leading slash, with batching on and off, and a parameter
 * named `__proto__` under a path.
 */
import { clearCache, parameter, secrets, ssmStore } from '../../lib/index.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { fetchOptions, ok } from '../support/store-results.js'
import { clientOptions, contextHandler } from './helpers.js'

let server: AwsServer

beforeAll(async () => {
  server = await startAwsServer({
    seed: { parameters: { 'created-bare': 'bare-value-Kp', '/created-slashed': 'slashed-value-Wq', '/app/__proto__': 'v', '/app/other': 'w' } },
  })
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

test('parameters(path) through GetParametersByPath: `/app/__proto__` arrives as an own key', async () => {
  const [r] = await ssmStore({ clientOptions: clientOptions(server.endpoint) }).fetch([{ kind: 'parameters', name: '/app' }], fetchOptions())
  const value = ok(r).value as Record<string, string>
  expect(Object.keys(value)).toEqual(['__proto__', 'other'])
  expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('v')
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  expect(server.count('GetParametersByPath')).toBe(1)
})
