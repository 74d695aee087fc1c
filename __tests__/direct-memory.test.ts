/**
 * direct.ts keeps the plans of load() and the get functions for reuse (up to 256), and a plan's
 * slots hold the entry each last found and its last transform. The memory the cache may hold is
 * bounded by maxEntries: a kept plan must not keep an evicted entry's value alive beyond it,
 * whoever evicted it (the cache's bound, clearCache()). Measured on the heap, gc exposed.
 */
import { cache } from '../lib/cache/cache.js'
import { type ClientOptions, clearCache, getSecret } from '../lib/index.js'
import { startAwsServer, type AwsServer } from '../lib/testing/aws-server/index.js'
import { heapAfterGc } from './support/gc.js'

const N = 150
const SIZE = 200_000 // N values: 30 MB, against 1 MB for the 5 the cache holds
let server: AwsServer
let clientOptions: ClientOptions

beforeAll(async () => {
  // Flat strings (made from a Buffer): a concatenated one would be flattened on first use, which the heap would count.
  const secrets = Object.fromEntries(Array.from({ length: N }, (_, i) => [`mem/s${i}`, Buffer.from(`${i}:` + 'y'.repeat(SIZE)).toString('latin1')]))
  server = await startAwsServer({ seed: { secrets } })
  // Plain data (as written inline in code): each name's plan is kept for reuse.
  clientOptions = { region: 'us-east-1', endpoint: server.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }
})
afterAll(() => server.close())
afterEach(() => cache.resize(1000))

test(`getSecret() over ${N} secrets with maxEntries 5 keeps about the cache's 5 values alive, not ${N}`, async () => {
  clearCache()
  cache.resize(5)
  await getSecret('mem/s0', { maxEntries: 5, clientOptions }) // the store and its code loaded
  const before = await heapAfterGc()
  for (let i = 0; i < N; i++) await getSecret(`mem/s${i}`, { maxEntries: 5, clientOptions })
  expect(cache.size).toBeLessThanOrEqual(5)
  const grownMb = ((await heapAfterGc()) - before) / 1e6
  expect(grownMb).toBeLessThan(8) // 31 MB when every kept plan kept its value
})

test('clearCache() after reads lets their values go, though their plans were kept', async () => {
  clearCache()
  const before = await heapAfterGc()
  for (let i = 0; i < 60; i++) await getSecret(`mem/s${i}`, { clientOptions }) // 12 MB, all cached
  expect(((await heapAfterGc()) - before) / 1e6).toBeGreaterThan(8) // the measure sees them
  clearCache()
  const grownMb = ((await heapAfterGc()) - before) / 1e6
  expect(grownMb).toBeLessThan(4)
  // Still served after the plans were dropped (built again).
  await expect(getSecret('mem/s1', { clientOptions })).resolves.toBe(`1:${'y'.repeat(SIZE)}`)
})

// inject.ts remembers the plan injected last; held strongly, the last get function's plan (kept for
// reuse, its transform with it) outlived the clearCache() that dropped it from the kept plans.
test("clearCache() lets go of the last get function's transformed value too", async () => {
  server.model.createSecret('mem/json', JSON.stringify(Array.from({ length: 200_000 }, (_, i) => `item-${i}`)))
  clearCache()
  const before = await heapAfterGc()
  expect(((await getSecret('mem/json', { transform: 'json', clientOptions })) as string[]).length).toBe(200_000)
  expect(((await heapAfterGc()) - before) / 1e6).toBeGreaterThan(5) // the kept plan holds it: the measure sees it
  clearCache()
  expect(((await heapAfterGc()) - before) / 1e6).toBeLessThan(3)
})
