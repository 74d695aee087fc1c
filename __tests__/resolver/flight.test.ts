/** resolver/flight.ts: a fetch under way settles every key that waits on it, whatever goes wrong. */
import { jest } from '@jest/globals'
import { clearCache, secret, secrets, SecretsError } from '../../lib/index.js'
import { memoryStore } from '../../lib/testing/index.js'
import { runBefore } from '../support/store-results.js'

beforeEach(() => clearCache())

test('a logger that throws mid-flight still settles every waiting key: the ones left unsettled fail with its error, never a false deadline', async () => {
  const store = memoryStore({ secrets: { a: 'va', b: 'vb' } })
  const logger = {
    debug(message: string) {
      if (message.includes('fetched')) throw new RangeError('the logger broke')
    },
    info() {},
    warn() {},
    error() {},
  }
  const mw = secrets({ context: { a: secret('a'), b: secret('b') }, stores: { secretsManager: store }, prefetch: false, logger, logLevel: 'debug' })
  const error = await runBefore(mw, { getRemainingTimeInMillis: () => 30_000 }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SecretsError)
  expect((error as SecretsError).failures.map((f) => [f.key, f.code])).toEqual([['b', 'RangeError']])
})

test("each fetch says why at debug: 'cold' first, 'expired' after the TTL, 'refresh' when asked", async () => {
  let clock = Date.UTC(2030, 0, 1)
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
  try {
    const store = memoryStore({ secrets: { a: 'va' } })
    const reasons: unknown[] = []
    const logger = { debug: (message: string, fields?: { reason?: string }) => void (message.endsWith('fetched') && reasons.push(fields?.reason)), info() {}, warn() {}, error() {} }
    const mw = secrets({ context: { a: secret('a', { ttl: 10 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0, logger, logLevel: 'debug' })
    const invoke = () => runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
    await invoke()
    clock += 10_001
    await invoke()
    await mw.refresh('a')
    expect(reasons).toEqual(['cold', 'expired', 'refresh'])
  } finally {
    now.mockRestore()
  }
})

test('a failed refresh that serves the last good value says how old it is and how long it may serve, in seconds', async () => {
  let clock = Date.UTC(2030, 0, 1)
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock)
  try {
    const store = memoryStore({ secrets: { a: 'va' } })
    const warn = jest.fn()
    const mw = secrets({ context: { a: secret('a', { ttl: 10 }) }, stores: { secretsManager: store }, prefetch: false, jitter: 0, refreshAhead: 0, maxStale: 60, logger: { debug() {}, info() {}, warn, error() {} } })
    const invoke = () => runBefore(mw, { getRemainingTimeInMillis: () => 30_000 })
    await invoke()
    store.fail('a', { code: 'ThrottlingException', message: 'Rate exceeded' })
    clock += 15_000
    expect((await invoke()).a).toBe('va')
    expect(warn.mock.calls).toEqual([['middy-secrets: refresh failed; serving the last good value', expect.objectContaining({ key: 'a', code: 'ThrottlingException', ageSeconds: 15, maxStaleSeconds: 60 })]])
  } finally {
    now.mockRestore()
  }
})
