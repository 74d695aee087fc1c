/**
 * TTL jitter across execution environments. Each environment is its own module instance of the
 * built package (dist/index.js under a distinct URL, as bench:fleet does), with its own cache
 * and its own draw in the jitter window: environments started together expire at different
 * times, while each one still refreshes all its keys in one round trip.
 */
import { jest } from '@jest/globals'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type * as Package from '../lib/index.js'
import type * as Testing from '../lib/testing/index.js'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const T0 = 1_800_000_000_000

interface Environment {
  readonly store: ReturnType<typeof Testing.memoryStore>
  readonly invoke: () => Promise<unknown>
}

async function environments(count: number, jitter: number): Promise<Environment[]> {
  const { memoryStore } = (await import(pathToFileURL(`${dist}testing.js`).href)) as typeof Testing
  const middy = (await import('@middy/core')).default
  const out: Environment[] = []
  for (let i = 0; i < count; i++) {
    const pkg = (await import(`${pathToFileURL(`${dist}index.js`).href}?jitter=${jitter}&env=${i}`)) as typeof Package
    const store = memoryStore({ secrets: { a: '1', b: '2' } })
    const mw = pkg.secrets({ context: { a: 'a', b: 'b' }, ttl: 100, jitter, refreshAhead: 0, stores: { secretsManager: store }, prefetch: false, logLevel: 'none' })
    const handler = middy().use(mw).handler(async () => 'ok')
    out.push({ store, invoke: () => handler({}, {} as never) })
  }
  return out
}

let now = T0
beforeEach(() => {
  now = T0
  jest.spyOn(Date, 'now').mockImplementation(() => now)
})
afterEach(() => jest.restoreAllMocks())

test('jitter 0.1: 60 environments started together refresh at different times in [90 s, 100 s], each in one round trip', async () => {
  const envs = await environments(60, 0.1)
  for (const env of envs) await env.invoke()
  now = T0 + 89_999
  for (const env of envs) await env.invoke()
  expect(envs.map((e) => e.store.fetches)).toEqual(envs.map(() => 1)) // nobody before 90 s
  now = T0 + 95_000
  for (const env of envs) await env.invoke()
  const early = envs.filter((e) => e.store.fetches === 2).length
  // Uniform in [90 s, 100 s): about half have refreshed by 95 s (bounds hold with p > 0.9999).
  expect(early).toBeGreaterThan(12)
  expect(early).toBeLessThan(48)
  now = T0 + 100_000
  for (const env of envs) await env.invoke()
  expect(envs.map((e) => e.store.fetches)).toEqual(envs.map(() => 2)) // everyone by 100 s, once
  expect(envs.map((e) => e.store.count())).toEqual(envs.map(() => 4)) // both keys in that one round trip
})

test('jitter 0: every environment refreshes exactly at the TTL', async () => {
  const envs = await environments(20, 0)
  for (const env of envs) await env.invoke()
  now = T0 + 99_999
  for (const env of envs) await env.invoke()
  expect(envs.every((e) => e.store.fetches === 1)).toBe(true)
  now = T0 + 100_000
  for (const env of envs) await env.invoke()
  expect(envs.every((e) => e.store.fetches === 2)).toBe(true)
})
