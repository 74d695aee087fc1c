/** The AppConfig poll cache on a fake clock: when it polls, what a failed poll leaves, single flight. */
import { createConfigurationCache } from '../../lib/extension-server/appconfig-cache.js'
import type { StoreError, StoreResult } from '../../lib/store.js'

const value = (text: string): StoreResult => ({ ok: true, value: text, versionId: text })
const down: StoreError = { code: 'InternalServerException', message: 'down', retryable: true }
const failure: StoreResult = { ok: false, error: down }

function polling(results: StoreResult[]): { poll: () => Promise<StoreResult>; readonly count: number } {
  let count = 0
  return {
    poll: async () => results[Math.min(count++, results.length - 1)]!,
    get count() {
      return count
    },
  }
}

it('serves its copy until the poll interval has passed, then polls', async () => {
  let now = 0
  const cache = createConfigurationCache({ pollIntervalSeconds: 45, now: () => now })
  const backend = polling([value('v1'), value('v2')])
  expect(await cache.get('k', backend.poll)).toEqual({ result: value('v1'), source: 'poll' })
  now = 44_999
  expect(await cache.get('k', backend.poll)).toEqual({ result: value('v1'), source: 'cache' })
  expect(backend.count).toBe(1)
  now = 45_000
  expect(await cache.get('k', backend.poll)).toEqual({ result: value('v2'), source: 'poll' })
  now = 89_999
  expect(await cache.get('k', backend.poll)).toMatchObject({ source: 'cache' })
  expect(backend.count).toBe(2)
})

it('keeps its copy when a poll fails, and skips that interval', async () => {
  let now = 0
  const cache = createConfigurationCache({ pollIntervalSeconds: 10, now: () => now })
  const backend = polling([value('v1'), failure, value('v2')])
  await cache.get('k', backend.poll)
  now = 10_000
  expect(await cache.get('k', backend.poll)).toEqual({ result: value('v1'), source: 'stale', pollError: down })
  now = 19_999
  expect(await cache.get('k', backend.poll)).toMatchObject({ result: value('v1'), source: 'cache' })
  now = 20_000
  expect(await cache.get('k', backend.poll)).toEqual({ result: value('v2'), source: 'poll' })
})

it('does not keep a failure, nor anything with an interval of 0', async () => {
  const cache = createConfigurationCache({ pollIntervalSeconds: 0 })
  const backend = polling([failure, value('v1'), value('v2')])
  expect(await cache.get('k', backend.poll)).toEqual({ result: failure, source: 'poll' })
  expect(await cache.get('k', backend.poll)).toEqual({ result: value('v1'), source: 'poll' })
  expect(await cache.get('k', backend.poll)).toEqual({ result: value('v2'), source: 'poll' })
  expect(cache.size).toBe(0)
})

it('polls once for a key while a poll is in flight, and keeps keys apart', async () => {
  const cache = createConfigurationCache({ pollIntervalSeconds: 45 })
  let release: () => void = () => undefined
  let polls = 0
  const slow = (): Promise<StoreResult> => ((polls += 1), new Promise((resolve) => (release = () => resolve(value('v1')))))
  const together = [cache.get('k', slow), cache.get('k', slow)]
  const other = cache.get('other', async () => ((polls += 1), value('o')))
  release()
  expect((await Promise.all(together)).map((a) => a.source)).toEqual(['poll', 'poll'])
  expect((await other).result).toEqual(value('o'))
  expect(polls).toBe(2)
  cache.clear()
  expect(cache.size).toBe(0)
})

it('drops its copy when the configuration is gone', async () => {
  let now = 0
  const cache = createConfigurationCache({ pollIntervalSeconds: 10, now: () => now })
  const gone: StoreResult = { ok: false, error: { code: 'ResourceNotFoundException', message: 'Deployment not found', retryable: false } }
  const backend = polling([value('v1'), gone, value('v2')])
  await cache.get('k', backend.poll)
  now = 10_000
  expect(await cache.get('k', backend.poll)).toEqual({ result: gone, source: 'poll' })
  expect(cache.size).toBe(0)
  expect(await cache.get('k', backend.poll)).toEqual({ result: value('v2'), source: 'poll' })
})
