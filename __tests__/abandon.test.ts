/** abandon.ts: a store call raced against its flight's deadline. */
import { getEventListeners } from 'node:events'
import { clearCache, secret, secrets } from '../lib/index.js'
import { ABANDONED, unlessAbandoned } from '../lib/abandon.js'
import type { Logger, Store } from '../lib/store.js'
import { memoryStore } from '../lib/testing/index.js'
import { cachedEntry } from './support/entries.js'
import { outcome } from './support/invocations.js'
import { runBefore } from './support/store-results.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }
beforeEach(() => clearCache())


describe('unlessAbandoned', () => {
  const never = (): Promise<never> => new Promise<never>(() => {})

  test('an answer before the abort is the answer, and nothing is left on the signal', async () => {
    const signal = new AbortController().signal
    expect(await unlessAbandoned(async () => 'answer', signal)).toBe('answer')
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
  })

  test('a call that never answers is given up 50 ms after the abort', async () => {
    const deadline = new AbortController()
    setTimeout(() => deadline.abort(), 10)
    const started = Date.now()
    expect(await unlessAbandoned(never, deadline.signal)).toBe(ABANDONED)
    expect(Date.now() - started).toBeGreaterThanOrEqual(55)
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0)
  })

  test('a signal aborted before the call: given up as well', async () => {
    const deadline = new AbortController()
    deadline.abort()
    expect(await unlessAbandoned(never, deadline.signal)).toBe(ABANDONED)
  })

  test('an answer within the moment after the abort is taken', async () => {
    const deadline = new AbortController()
    const answer = unlessAbandoned(() => new Promise((resolve) => deadline.signal.addEventListener('abort', () => setTimeout(resolve, 20, 'its own'))), deadline.signal)
    deadline.abort()
    expect(await answer).toBe('its own')
  })

  test('a call that throws at once rejects with its error; a late rejection of a given-up call is not unhandled', async () => {
    await expect(unlessAbandoned(() => { throw new Error('at once') }, new AbortController().signal)).rejects.toThrow('at once')
    const deadline = new AbortController()
    deadline.abort()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): number => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      expect(await unlessAbandoned(() => new Promise((_, reject) => setTimeout(reject, 80, new Error('late'))), deadline.signal)).toBe(ABANDONED)
      await new Promise((r) => setTimeout(r, 100))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    expect(unhandled).toEqual([])
  })
})

test('a describe() that never answers (ignoring the abort) does not make every later invocation fail: the flight ends at its deadline', async () => {
  const inner = memoryStore({ secrets: { a: 'va' } })
  let describes = 0
  let hang = false
  const store: Store = {
    name: 'custom',
    fetch: (requests, options) => inner.fetch(requests, options),
    describe: (names, options) => (++describes, hang ? new Promise<never>(() => {}) : inner.describe!(names, options)),
  }
  const mw = secrets({ context: { a: secret('a', { ttl: 1, rotation: true, maxStale: 0 }) }, stores: { secretsManager: store }, prefetch: false, logger: quiet, deadlineMarginMs: 0, refreshAhead: 0 })
  const ctx = () => ({ getRemainingTimeInMillis: () => 300 })
  expect(await outcome(runBefore(mw, ctx()))).toEqual(expect.objectContaining({ a: 'va' }))
  await new Promise((r) => setTimeout(r, 1_100)) // expired: the next fetch revalidates with describe()
  hang = true
  const second = await outcome(runBefore(mw, ctx())) // its describe hangs: DeadlineExceeded is fine here
  // The flight ends on the give-up, 50 ms after the deadline: a described failure, then the fetch at
  // the deadline (not a TypeError from a misread answer).
  await new Promise((r) => setTimeout(r, 100))
  expect(cachedEntry(store, { kind: 'secret', name: 'a', versionStage: 'AWSCURRENT' }).failure?.error).toMatchObject({ code: 'DeadlineExceeded', retryable: true })
  hang = false // healthy again
  const third = await outcome(runBefore(mw, ctx()))
  expect({ second, third, describes }).toEqual({ second: expect.anything(), third: expect.objectContaining({ a: 'va' }), describes: 3 })
})
