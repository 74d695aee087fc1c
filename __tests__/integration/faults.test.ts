/**
 * Issue 4's fault suite: the package's own stores against the local AWS-protocol server over
 * real HTTP, with injected faults, on both transports (every scenario runs once per transport,
 * forced with the `transport` option): the lean HTTPS transport and the real AWS SDK v3 clients.
 * Each scenario asserts what the handler saw, how many AWS calls were made, and that no secret
 * value reached a log line or an error's text; the same assertions hold on both transports.
 *
 * Time: TTLs, stale windows and rotation dates are read from Date.now(), which a test moves
 * forward (helpers.jumpingClock); timers stay real, because real HTTP needs them. No timing
 * is asserted except coarse upper bounds proving that nothing hung.
 */
import { jest } from '@jest/globals'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { cache, cacheKey } from '../../lib/cache/cache.js'
import { fetched } from '../../lib/cache/entry.js'
import middy from '@middy/core'
import { clearCache, parameter, parameters, refresh, secret, secrets, SecretsError, type Store, type StoreRequest } from '../../lib/index.js'
import { awsQuotas, startAwsServer, type AwsServer, type FaultRule } from '../../lib/testing/aws-server.js'
import { SERVER_TLS } from '../support/tls.js'
import {
  awsOptions,
  captureLogger,
  clientOptions,
  contextHandler,
  errorTexts,
  expectNoLeak,
  jumpingClock,
  lambdaContext,
  rejection,
  TRANSPORTS,
  transportsChosen,
  type CapturedLogger,
  type Clock,
} from './helpers.js'

let server: AwsServer
let clock: Clock | undefined
let log: CapturedLogger
/** Every value stored in the server during this file: none may appear in any text. */
const VALUES: string[] = []
/** Every error text seen by a test, checked with the log lines after each test. */
let texts: string[] = []
let counter = 0

/** A new secret with a value that is easy to spot in any text. */
function newSecret(value?: string): { name: string; value: string } {
  counter += 1
  const name = `fault/s${counter}`
  const v = value ?? `{"username":"app","password":"pw-${counter}-current-Xq"}`
  server.model.createSecret(name, v)
  VALUES.push(v)
  return { name, value: v }
}

/** A value to rotate to, registered for the leak check. */
function nextValue(label: string): string {
  const v = `{"username":"app","password":"pw-${counter}-${label}-Yz"}`
  VALUES.push(v)
  return v
}

function password(json: string): string {
  return (JSON.parse(json) as { password: string }).password
}

async function failing(promise: Promise<unknown>): Promise<SecretsError> {
  const error = await rejection(promise)
  texts.push(...errorTexts(error))
  expect(error).toBeInstanceOf(SecretsError)
  return error
}

beforeAll(async () => {
  server = await startAwsServer()
})

afterAll(async () => {
  await server.close()
})

beforeEach(() => {
  clearCache()
  server.clearFaults()
  server.setLatency(0)
  server.setQuotas(false)
  server.resetCalls()
  log = captureLogger()
  texts = []
})

afterEach(() => {
  clock?.restore()
  clock = undefined
  const passwords = VALUES.filter((v) => v.startsWith('{')).map(password)
  expectNoLeak([...log.lines, ...texts], [...VALUES, ...passwords])
})

describe.each(TRANSPORTS)('over the %s transport', (transport) => {
  /** The options every scenario shares: the package's own stores on this transport, our logger. */
  function base(): ReturnType<typeof awsOptions> & { logger: CapturedLogger['logger']; logLevel: 'debug'; jitter: number } {
    return { ...awsOptions(server.endpoint, transport), logger: log.logger, logLevel: 'debug', jitter: 0 }
  }

  describe('transient faults are retried (one retry layer: neither transport retries)', () => {
    test.each(['ThrottlingException', 'TooManyRequestsException'])('a burst of %s on the first 2 calls: retried, the handler succeeds, 3 calls', async (code) => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'error', code, times: 2 })
      const h = contextHandler(secrets({ context: { db: secret(s.name, { transform: 'json' }) }, prefetch: false, ...base() }))
      const context = await h.run()
      expect(context.db.password).toBe(password(s.value))
      expect(server.count('GetSecretValue')).toBe(3)
      expect(server.count()).toBe(3)
    })

    test('throttling past the retries: SecretsError with the code and its hint, retries + 1 calls', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'ThrottlingException' })
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, retries: 2, ...base() }))
      const started = Date.now()
      const error = await failing(h.run())
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(h.ran).toBe(0)
      expect(error.failures).toHaveLength(1)
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'ThrottlingException', retryable: true })
      expect(error.failures[0]!.hint).toContain('throttled')
      expect(server.count('GetSecretValue')).toBe(3)
    })

    test.each<[string, string, FaultRule]>([
      ['HTTP 500, empty body', 'HttpError500', { kind: 'status', status: 500 }],
      ['HTTP 503, empty body', 'HttpError503', { kind: 'status', status: 503 }],
      ['HTTP 502, an HTML page from a load balancer', 'HttpError502', { kind: 'status', status: 502, body: '<html><body>Bad Gateway from lb-Gw4</body></html>' }],
      ['InternalServiceError (500)', 'InternalServiceError', { kind: 'error', code: 'InternalServiceError' }],
      ['ServiceUnavailable (503)', 'ServiceUnavailable', { kind: 'error', code: 'ServiceUnavailable', status: 503 }],
    ])('%s on the first 2 calls, retries 1: SecretsError %s, retryable, with the retry hint, no page quoted; the next invocation succeeds', async (_label, code, rule) => {
      const s = newSecret()
      server.fault({ ...rule, operation: 'GetSecretValue', times: 2 })
      const h = contextHandler(secrets({ context: { db: secret(s.name, { transform: 'json' }) }, prefetch: false, retries: 1, ...base() }))
      const error = await failing(h.run())
      expect(h.ran).toBe(0)
      expect(error.failures).toHaveLength(1)
      expect(error.failures[0]).toMatchObject({ key: 'db', store: 'secretsManager', name: s.name, code, retryable: true })
      expect(error.failures[0]!.hint).toContain('AWS failed after retries')
      for (const text of [...texts, ...log.lines]) {
        expect(text).not.toContain('<html')
        expect(text).not.toContain('lb-Gw4')
      }
      expect(server.count('GetSecretValue')).toBe(2) // retried once

      const context = await h.run()
      expect(context.db.password).toBe(password(s.value))
      expect(server.count('GetSecretValue')).toBe(3)
    })

    test('5xx on a batch: the batch is retried (not a fallback to single calls)', async () => {
      const a = newSecret()
      const b = newSecret()
      server.fault({ operation: 'BatchGetSecretValue', kind: 'status', status: 503, times: 1 })
      const h = contextHandler(secrets({ context: { a: secret(a.name), b: secret(b.name) }, prefetch: false, ...base() }))
      const context = await h.run()
      expect([context.a, context.b]).toEqual([a.value, b.value])
      expect(server.count('BatchGetSecretValue')).toBe(2)
      expect(server.count('GetSecretValue')).toBe(0)
    })

    test('a response slower than requestTimeoutMs: TimeoutError, then the retry succeeds (2 calls)', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'delay', delayMs: 2_000, times: 1 })
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, requestTimeoutMs: 200, ...base() }))
      const started = Date.now()
      const context = await h.run()
      expect(Date.now() - started).toBeLessThan(2_000) // did not wait for the slow answer
      expect(context.db).toBe(s.value)
      expect(server.count('GetSecretValue')).toBe(2)
    })

    test('every response slower than requestTimeoutMs: SecretsError TimeoutError with its hint, retries + 1 calls', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'delay', delayMs: 2_000 })
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, requestTimeoutMs: 100, retries: 1, ...base() }))
      const started = Date.now()
      const error = await failing(h.run())
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'TimeoutError', retryable: true })
      expect(error.failures[0]!.hint).toContain('requestTimeoutMs')
      expect(server.count('GetSecretValue')).toBe(2)
    })

    test('a connection reset mid-body: retried, the handler succeeds (2 calls)', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'reset', times: 1 })
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, ...base() }))
      const context = await h.run()
      expect(context.db).toBe(s.value)
      expect(server.count('GetSecretValue')).toBe(2)
    })

    test('connections reset every time: SecretsError NetworkingError, no part of the body in it', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'reset' })
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, retries: 1, ...base() }))
      const error = await failing(h.run())
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'NetworkingError', retryable: true })
      expect(server.count('GetSecretValue')).toBe(2)
    })

    test('a malformed JSON body: retried, the handler succeeds (2 calls)', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'malformed', times: 1 })
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, ...base() }))
      const context = await h.run()
      expect(context.db).toBe(s.value)
      expect(server.count('GetSecretValue')).toBe(2)
    })

    test('malformed bodies every time: SecretsError MalformedResponse, and the body text never appears', async () => {
      // A long value, so that the half body the server sends holds a good part of it.
      const s = newSecret(`{"username":"app","password":"pw-malformed-${'Mk7'.repeat(60)}"}`)
      const a = newSecret()
      const versionId = server.model.getSecretValue(s.name).versionId
      server.fault({ operation: 'GetSecretValue', kind: 'malformed' })
      server.fault({ operation: 'BatchGetSecretValue', kind: 'malformed' })
      const h = contextHandler(
        secrets({
          context: { one: secret(s.name), two: secret(a.name), three: secret(s.name, { versionId, field: 'password' }) },
          prefetch: false,
          retries: 1,
          ...base(),
        }),
      )
      const error = await failing(h.run())
      expect(error.failures.map((f) => f.code)).toEqual(error.failures.map(() => 'MalformedResponse'))
      expect(error.failures.map((f) => f.key).sort()).toEqual(['one', 'three', 'two'])
      for (const text of [...texts, ...log.lines]) {
        expect(text).not.toContain('SecretString')
        expect(text).not.toContain('pw-malformed')
        expect(text).not.toContain('Mk7Mk7')
        expect(text).not.toContain('"ARN"')
      }
      expect(server.count('BatchGetSecretValue')).toBe(2)
      expect(server.count('GetSecretValue')).toBe(2)
    })
  })

  describe('clock skew (a request signed before a freeze, sent after the thaw)', () => {
    afterEach(() => server.setClockOffset(0))
    // Stores (with their transport's clock, or their SDK client) are shared per client options
    // content: these get stores of their own, whose learnt clock offset cannot reach the other
    // tests. customUserAgent changes no answer, and the https transport may ignore it.
    const skewed = (label: string): ReturnType<typeof base> => ({ ...base(), clientOptions: { ...clientOptions(server.endpoint), customUserAgent: label } })

    test.each([
      ['ahead', 20 * 60_000],
      ['behind', -20 * 60_000],
    ])('AWS 20 minutes %s: refused once, re-signed at once with the offset from the Date header, then right the first time', async (label, offsetMs) => {
      const s = newSecret()
      server.setClockOffset(offsetMs)
      const mw = secrets({ context: { db: secret(s.name) }, prefetch: false, ...skewed(label) })
      const started = Date.now()
      const context = await contextHandler(mw).run()
      expect(context.db).toBe(s.value)
      expect(Date.now() - started).toBeLessThan(1_000) // no backoff before the re-signed retry
      expect(server.calls.map((c) => [c.operation, c.status])).toEqual([
        ['GetSecretValue', 400],
        ['GetSecretValue', 200],
      ])
      expect(transportsChosen(log)).toEqual([{ awsService: 'secretsmanager', transport, reason: transport === 'sdk' ? 'the sdk transport was asked for' : undefined }])
      // The transport learnt the offset: the next fetch is signed right the first time.
      server.resetCalls()
      await mw.refresh('db')
      expect(server.calls.map((c) => c.status)).toEqual([200])
    })

    test('clientOptions.systemClockOffset given: the first request is signed right', async () => {
      const s = newSecret()
      server.setClockOffset(20 * 60_000)
      const options = skewed('given')
      const mw = secrets({ context: { db: secret(s.name) }, prefetch: false, ...options, clientOptions: { ...options.clientOptions, systemClockOffset: 20 * 60_000 } })
      expect((await contextHandler(mw).run()).db).toBe(s.value)
      expect(server.calls.map((c) => c.status)).toEqual([200])
    })

    const EXPIRED = 'Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T002000Z - 15 min.)'

    test('a skew refusal that outlives the re-signed retry: retryable, with the clock hint; a stale value serves through it', async () => {
      clock = jumpingClock()
      const s = newSecret()
      // Injected: the Date header stays right, so there is nothing to learn and the retry is refused too.
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'InvalidSignatureException', message: EXPIRED, times: 2 })
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 1 }) }, prefetch: false, ...base() }))
      const error = await failing(h.run())
      expect(error.failures).toHaveLength(1)
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'InvalidSignatureException', message: EXPIRED, retryable: true })
      expect(error.failures[0]!.hint).toContain('system clock')
      expect(server.count('GetSecretValue')).toBe(2) // retried once, not 1 + retries

      expect((await h.run()).db).toBe(s.value)
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'InvalidSignatureException', message: EXPIRED })
      clock.advance(1_500)
      expect((await h.run()).db).toBe(s.value) // the stale value serves
      const warnings = log.at('warn').filter((l) => l.includes('serving the last good value'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('InvalidSignatureException')
    })

    test('a skewed DescribeSecret while revalidating: the value is fetched with the corrected clock, and rotation awareness stays on', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 1, rotation: true }) }, prefetch: false, ...skewed('describe') }))
      expect((await h.run()).db).toBe(s.value)
      server.setClockOffset(20 * 60_000)
      server.resetCalls()
      clock.advance(1_100)
      expect((await h.run()).db).toBe(s.value)
      expect(server.calls.map((c) => [c.operation, c.status])).toEqual([
        ['DescribeSecret', 400],
        ['GetSecretValue', 200],
      ])
      // Not a missing permission: rotation awareness is not turned off, and the next expiry revalidates.
      expect(log.lines.filter((l) => l.includes('rotation awareness is off'))).toEqual([])
      server.resetCalls()
      clock.advance(1_100)
      expect((await h.run()).db).toBe(s.value)
      expect(server.calls.map((c) => [c.operation, c.status])).toEqual([['DescribeSecret', 200]])
    })
  })

  describe('transient faults on a batch and on SSM', () => {
    test('a retryable per-secret error inside a batch: only that key is retried (alone, as GetSecretValue)', async () => {
      const a = newSecret()
      const b = newSecret()
      const c = newSecret()
      server.fault({ operation: 'BatchGetSecretValue', kind: 'error', code: 'InternalServiceError', name: b.name, perEntry: true, times: 1 })
      const h = contextHandler(secrets({ context: { a: secret(a.name), b: secret(b.name), c: secret(c.name) }, prefetch: false, ...base() }))
      const context = await h.run()
      expect([context.a, context.b, context.c]).toEqual([a.value, b.value, c.value])
      expect(server.calls.map((call) => [call.operation, call.names])).toEqual([
        ['BatchGetSecretValue', [a.name, b.name, c.name]],
        ['GetSecretValue', [b.name]],
      ])
    })

    test('GetParameters throttled once: retried (2 calls), the handler succeeds', async () => {
      server.model.putParameter('/fault/p1', 'param-one-Pp', { type: 'SecureString' })
      server.model.putParameter('/fault/p2', 'param-two-Pp', { type: 'SecureString' })
      VALUES.push('param-one-Pp', 'param-two-Pp')
      server.fault({ operation: 'GetParameters', kind: 'error', code: 'ThrottlingException', times: 1 })
      const h = contextHandler(secrets({ context: { p1: parameter('/fault/p1'), p2: parameter('/fault/p2') }, prefetch: false, ...base() }))
      const context = await h.run()
      expect([context.p1, context.p2]).toEqual(['param-one-Pp', 'param-two-Pp'])
      expect(server.count('GetParameters')).toBe(2)
    })

    test('GetParametersByPath answering 500 once: the path is read again from its first page', async () => {
      for (let i = 1; i <= 15; i += 1) {
        server.model.putParameter(`/fault/tree/k${String(i).padStart(2, '0')}`, `tree-value-${i}-Tt`)
        VALUES.push(`tree-value-${i}-Tt`)
      }
      server.fault({ operation: 'GetParametersByPath', kind: 'status', status: 500, times: 1 })
      const h = contextHandler(secrets({ context: { tree: parameters('/fault/tree') }, prefetch: false, ...base() }))
      const context = await h.run()
      expect(Object.keys(context.tree)).toHaveLength(15)
      expect(context.tree.k15).toBe('tree-value-15-Tt')
      expect(server.count('GetParametersByPath')).toBe(3) // the failed first page, then two pages
    })

    test("SSM's standard quota (40/s, token bucket) exceeded by a cold start: the throttled calls are retried with backoff, every value arrives once", async () => {
      const names = Array.from({ length: 50 }, (_, i) => `/fault/quota/p${String(i).padStart(2, '0')}`)
      names.forEach((name, i) => server.model.putParameter(name, `quota-value-${i}-Qq`))
      VALUES.push(...names.map((_, i) => `quota-value-${i}-Qq`))
      const { quotas, sharedQuotas } = awsQuotas('standard')
      server.setQuotas(quotas, sharedQuotas)
      const context = Object.fromEntries(names.map((name, i) => [`p${i}`, parameter(name)]))
      // One GetParameter per key, all 50 in flight at once: more than the bucket holds.
      const h = contextHandler(secrets({ context, batch: false, concurrency: 50, prefetch: false, ...base() }))
      const seen = await h.run()
      expect(names.map((_, i) => seen[`p${i}`])).toEqual(names.map((_, i) => `quota-value-${i}-Qq`))
      const throttled = server.calls.filter((c) => c.throttled)
      expect(throttled.length).toBeGreaterThanOrEqual(1)
      const served = server.calls.filter((c) => !c.throttled)
      expect(served.map((c) => c.names[0]).sort()).toEqual(names) // each key answered exactly once
      expect(served.every((c) => c.status === 200)).toBe(true)
      expect(log.at('error')).toEqual([])
    })

    test('throttling under a short deadline: the retries stop at the deadline', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'ThrottlingException' })
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, retries: 50, deadlineMarginMs: 500, ...base() }))
      const started = Date.now()
      const error = await failing(h.run(900))
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(h.ran).toBe(0)
      // Either way the throttle is named: as the key's failure, or as what the retry the deadline cut short retried after.
      const failure = error.failures[0]!
      if (failure.code === 'DeadlineExceeded') expect(failure.message).toMatch(/, retrying after ThrottlingException$/)
      else expect(failure.code).toBe('ThrottlingException')
      expect(server.count('GetSecretValue')).toBeLessThan(51)
    })
  })

  describe('non-transient errors are not retried', () => {
    test.each([
      ['ResourceNotFoundException', "check the secret name or ARN 'NAME'"],
      ['AccessDeniedException', 'secretsmanager:GetSecretValue on NAME'],
      ['DecryptionFailure', "kms:Decrypt on the KMS key that encrypts 'NAME'"],
    ])('%s: 1 call, SecretsError with that code and its hint', async (code, hint) => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'error', code })
      const h = contextHandler(secrets({ context: { db: secret(s.name, { transform: 'json' }) }, prefetch: false, ...base() }))
      const error = await failing(h.run())
      expect(h.ran).toBe(0)
      expect(error.failures).toHaveLength(1)
      expect(error.failures[0]).toMatchObject({ key: 'db', store: 'secretsManager', name: s.name, code, retryable: false })
      expect(error.failures[0]!.hint).toContain(hint.replace('NAME', s.name))
      expect(error.message).toContain(code)
      // This key's calls: a request the test before aborted at its deadline may still be logged
      // after this test began (CI on Node 20 counted 2 once, never reproduced in 4 runs here).
      expect(server.calls.filter((c) => c.names.includes(s.name)).map((c) => c.operation)).toEqual(['GetSecretValue'])
    })

    test('a non-transient error on refresh is not masked by the stale value', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 1 }) }, prefetch: false, maxStale: 3_600, ...base() }))
      expect((await h.run()).db).toBe(s.value)
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'AccessDeniedException' })
      clock.advance(1_500)
      const error = await failing(h.run())
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'AccessDeniedException' })
      expect(server.count('GetSecretValue')).toBe(2)
    })
  })

  describe('rotation', () => {
    test('rotated between two invocations, without rotation awareness: the old value serves until the TTL, then the new one', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const v2 = nextValue('v2')
      const h = contextHandler(secrets({ context: { db: secret(s.name, { transform: 'json', ttl: 10 }) }, prefetch: false, ...base() }))
      expect((await h.run()).db.password).toBe(password(s.value))
      server.model.rotate(s.name, v2)
      server.resetCalls()

      expect((await h.run()).db.password).toBe(password(s.value))
      clock.advance(5_000)
      expect((await h.run()).db.password).toBe(password(s.value)) // still within the TTL
      expect(server.count()).toBe(0)

      clock.advance(5_100)
      expect((await h.run()).db.password).toBe(password(v2))
      expect(server.count('GetSecretValue')).toBe(1)
      expect(server.count('DescribeSecret')).toBe(0)
      expect(server.count()).toBe(1)
    })

    test('rotation: true revalidates with DescribeSecret and fetches only when the version moved; AWSPREVIOUS follows', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const v1 = nextValue('v1')
      const v2 = nextValue('v2')
      server.model.rotate(s.name, v1) // AWSCURRENT v1, AWSPREVIOUS the first value
      const h = contextHandler(
        secrets({
          context: {
            db: secret(s.name, { transform: 'json', ttl: 1, rotation: true }),
            dbPrevious: secret(s.name, { transform: 'json', versionStage: 'AWSPREVIOUS' }),
          },
          prefetch: false,
          ...base(),
        }),
      )
      let context = await h.run()
      expect(context.db.password).toBe(password(v1))
      expect(context.dbPrevious.password).toBe(password(s.value))
      // The schedule, both stages, then the pair proven (two versions first seen by one fetch prove
      // nothing: README, Rotation): db revalidated with DescribeSecret, dbPrevious read again.
      expect(server.count('GetSecretValue')).toBe(3)
      expect(server.count('DescribeSecret')).toBe(2) // the rotation schedule (learnt once), and db's revalidation

      // 5 expiries without a rotation: 5 DescribeSecret, no GetSecretValue.
      server.resetCalls()
      for (let i = 0; i < 5; i += 1) {
        clock.advance(1_100)
        context = await h.run()
        expect(context.db.password).toBe(password(v1))
      }
      expect(server.count('DescribeSecret')).toBe(5)
      expect(server.count('GetSecretValue')).toBe(0)

      // A rotation: the next expiry sees the version move, fetches, and refreshes AWSPREVIOUS too.
      server.model.rotate(s.name, v2)
      server.resetCalls()
      clock.advance(1_100)
      context = await h.run()
      expect(context.db.password).toBe(password(v2))
      expect(context.dbPrevious.password).toBe(password(v1))
      expect(server.count('DescribeSecret')).toBe(1)
      expect(server.count('GetSecretValue')).toBe(2) // AWSCURRENT, then AWSPREVIOUS
      expect(server.calls.filter((c) => c.operation === 'GetSecretValue')).toHaveLength(2)
      expect(log.at('debug').some((l) => l.includes('new AWSCURRENT version'))).toBe(true)

      // And the warm path is back to zero calls.
      server.resetCalls()
      await h.run()
      expect(server.count()).toBe(0)
    })

    test('rotation: true for every key (AWSCURRENT and AWSPREVIOUS both rotation-aware): one DescribeSecret per expiry, each stage fetched once after a rotation', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const v1 = nextValue('v1')
      const v2 = nextValue('v2')
      server.model.rotate(s.name, v1)
      const h = contextHandler(
        secrets({
          context: {
            db: secret(s.name, { transform: 'json' }),
            dbPrevious: secret(s.name, { transform: 'json', versionStage: 'AWSPREVIOUS' }),
          },
          ttl: 1,
          rotation: true,
          prefetch: false,
          ...base(),
        }),
      )
      await h.run()
      server.resetCalls()
      for (let i = 0; i < 3; i += 1) {
        clock.advance(1_100)
        await h.run()
      }
      expect(server.count('DescribeSecret')).toBe(3) // one per secret, not per key
      expect(server.count('GetSecretValue')).toBe(0)

      server.model.rotate(s.name, v2)
      server.resetCalls()
      clock.advance(1_100)
      const context = await h.run()
      expect(context.db.password).toBe(password(v2))
      expect(context.dbPrevious.password).toBe(password(v1))
      // The expiry's DescribeSecret, then one more that proves the two new versions a pair (both
      // first seen by one fetch: README, Rotation); each stage fetched once.
      expect(server.count('DescribeSecret')).toBe(2)
      expect(server.calls.filter((c) => c.operation === 'GetSecretValue').length).toBe(2) // each stage once
    })

    test('both stages expire together after a rotation (no rotation awareness): each stage is fetched once, and one read again to prove the pair', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const v1 = nextValue('v1')
      const v2 = nextValue('v2')
      server.model.rotate(s.name, v1)
      const h = contextHandler(
        secrets({
          context: {
            db: secret(s.name, { transform: 'json' }),
            dbPrevious: secret(s.name, { transform: 'json', versionStage: 'AWSPREVIOUS' }),
          },
          ttl: 10,
          prefetch: false,
          ...base(),
        }),
      )
      await h.run()
      server.model.rotate(s.name, v2)
      server.resetCalls()
      clock.advance(10_100)
      const context = await h.run()
      expect(context.db.password).toBe(password(v2))
      expect(context.dbPrevious.password).toBe(password(v1))
      // Both were due and fetched after the rotation, each once; two new versions first seen by one
      // fetch prove no pair (a rotation may have come between its two calls: README, Rotation), so
      // one of them is read once more, and the pair stands.
      expect(server.calls.map((c) => c.operation)).toEqual(['GetSecretValue', 'GetSecretValue', 'GetSecretValue'])
    })

    test('rotation-aware expiry is capped at NextRotationDate (ttl 300, rotation due in 2 s)', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const v2 = nextValue('v2')
      server.model.setRotation(s.name, { enabled: true, everyDays: 1, nextRotationDate: new Date(Date.now() + 2_000) })
      const h = contextHandler(secrets({ context: { db: secret(s.name, { transform: 'json', ttl: 300, rotation: true }) }, prefetch: false, ...base() }))
      expect((await h.run()).db.password).toBe(password(s.value))
      expect(server.count('GetSecretValue')).toBe(1)
      expect(server.count('DescribeSecret')).toBe(1)

      server.resetCalls()
      clock.advance(1_000)
      expect((await h.run()).db.password).toBe(password(s.value))
      expect(server.count()).toBe(0) // fresh: before the rotation date

      clock.advance(1_100) // past NextRotationDate, far before the TTL
      server.model.rotate(s.name, v2)
      expect((await h.run()).db.password).toBe(password(v2))
      expect(server.count('DescribeSecret')).toBe(1)
      expect(server.count('GetSecretValue')).toBe(1)

      // The next rotation is a day away now: back to the TTL.
      server.resetCalls()
      clock.advance(200_000)
      await h.run()
      expect(server.count()).toBe(0)
    })

    test('two keys of one secret, only the second rotation-aware: the rotation date still caps the shared entry', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const v2 = nextValue('v2')
      server.model.setRotation(s.name, { enabled: true, everyDays: 1, nextRotationDate: new Date(Date.now() + 2_000) })
      const h = contextHandler(
        secrets({
          context: {
            user: secret(s.name, { field: 'username', ttl: 300 }),
            db: secret(s.name, { transform: 'json', ttl: 300, rotation: true }),
          },
          prefetch: false,
          ...base(),
        }),
      )
      expect((await h.run()).db.password).toBe(password(s.value))
      expect(server.count('DescribeSecret')).toBe(1) // the rotation schedule is learnt
      clock.advance(2_100)
      server.model.rotate(s.name, v2)
      expect((await h.run()).db.password).toBe(password(v2))
    })

    test('an overdue rotation (the date passed, the version did not move) is rechecked every minute, not every TTL', async () => {
      clock = jumpingClock()
      const s = newSecret()
      server.model.setRotation(s.name, { enabled: true, everyDays: 1, nextRotationDate: new Date(Date.now() + 2_000) })
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 300, rotation: true }) }, prefetch: false, ...base() }))
      await h.run()
      server.resetCalls()
      clock.advance(2_100)
      expect((await h.run()).db).toBe(s.value)
      expect(server.calls.map((c) => c.operation)).toEqual(['DescribeSecret'])
      server.resetCalls()
      clock.advance(30_000)
      await h.run()
      expect(server.count()).toBe(0)
      clock.advance(31_000)
      await h.run()
      expect(server.calls.map((c) => c.operation)).toEqual(['DescribeSecret'])
    })

    test('rotation: true when the role may not call DescribeSecret: values keep working, the degradation is logged, no call storm', async () => {
      clock = jumpingClock()
      const s = newSecret()
      server.fault({ operation: 'DescribeSecret', kind: 'error', code: 'AccessDeniedException' })
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 1, rotation: true }) }, prefetch: false, ...base() }))
      expect((await h.run()).db).toBe(s.value)
      for (let i = 0; i < 3; i += 1) {
        clock.advance(1_100)
        expect((await h.run()).db).toBe(s.value)
      }
      expect(server.count('GetSecretValue')).toBe(4)
      // Rotation awareness cannot work without DescribeSecret: say so (once), and stop asking.
      expect(log.lines.filter((l) => l.includes('DescribeSecret')).length).toBeGreaterThanOrEqual(1)
      expect(server.count('DescribeSecret')).toBeLessThanOrEqual(2)
    })

    test('refreshOn + retrying: an authentication error after a rotation refreshes the key and runs the handler once more', async () => {
      const s = newSecret()
      const v2 = nextValue('v2')
      class AuthError extends Error {}
      const mw = secrets({
        context: { db: secret(s.name, { transform: 'json', ttl: 300 }) },
        refreshOn: (error) => (error instanceof AuthError ? ['db'] : false),
        prefetch: false,
        ...base(),
      })
      let attempts = 0
      const handler = middy(
        mw.retrying(async (_event: unknown, context: any) => {
          attempts += 1
          const current = password(server.model.getSecretValue(s.name).secretString!)
          if (context.db.password !== current) throw new AuthError('password authentication failed for user "app"')
          return context.db.password as string
        }),
      ).use(mw)
      expect(await handler({}, lambdaContext() as never)).toBe(password(s.value))
      server.model.rotate(s.name, v2)
      server.resetCalls()
      attempts = 0
      expect(await handler({}, lambdaContext() as never)).toBe(password(v2))
      expect(attempts).toBe(2)
      expect(server.count('GetSecretValue')).toBe(1)
    })

    test('refresh(key) bypasses the TTL', async () => {
      const s = newSecret()
      const v2 = nextValue('v2')
      const v3 = nextValue('v3')
      // The package-level refresh reaches every middleware declaring the key: one name per transport run.
      const key = `refreshMe_${transport}`
      const mw = secrets({ context: { [key]: secret(s.name, { transform: 'json', ttl: 300 }) }, prefetch: false, ...base() })
      const h = contextHandler(mw)
      await h.run()
      server.model.rotate(s.name, v2)
      server.resetCalls()
      await refresh(key) // the package-level refresh, by key as declared
      expect(server.count('GetSecretValue')).toBe(1)
      expect((await h.run())[key].password).toBe(password(v2))
      expect(server.count()).toBe(1)

      server.model.rotate(s.name, v3)
      await mw.refresh(key) // the middleware's own
      expect((await h.run())[key].password).toBe(password(v3))
      expect(server.count()).toBe(2)
    })

    test('without rotation awareness the same secret serves its old value for the whole TTL', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const v2 = nextValue('v2')
      server.model.setRotation(s.name, { enabled: true, everyDays: 1, nextRotationDate: new Date(Date.now() + 2_000) })
      const h = contextHandler(secrets({ context: { db: secret(s.name, { transform: 'json', ttl: 300 }) }, prefetch: false, ...base() }))
      await h.run()
      clock.advance(2_100)
      server.model.rotate(s.name, v2)
      server.resetCalls()
      expect((await h.run()).db.password).toBe(password(s.value))
      expect(server.count()).toBe(0)
    })

    test('a rotation in progress (AWSPENDING present): AWSCURRENT keys keep the current value, an AWSPENDING key gets the pending one', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const pending = nextValue('pending')
      server.model.stagePending(s.name, pending)
      const h = contextHandler(
        secrets({
          context: {
            db: secret(s.name, { transform: 'json', ttl: 1, rotation: true }),
            next: secret(s.name, { transform: 'json', versionStage: 'AWSPENDING', ttl: 1 }),
          },
          prefetch: false,
          ...base(),
        }),
      )
      let context = await h.run()
      expect(context.db.password).toBe(password(s.value))
      expect(context.next.password).toBe(password(pending))
      // Both stages, then the pair proven (first seen by one fetch: README, Rotation): db revalidated, next read again.
      expect(server.count('GetSecretValue')).toBe(3)

      // While the rotation is in progress, revalidation finds AWSCURRENT where it was: no fetch of it.
      server.resetCalls()
      clock.advance(1_100)
      context = await h.run()
      expect(context.db.password).toBe(password(s.value))
      expect(context.next.password).toBe(password(pending))
      expect(server.count('DescribeSecret')).toBe(1)
      expect(server.calls.filter((c) => c.operation === 'GetSecretValue')).toHaveLength(1) // the AWSPENDING key (not rotation-aware)

      // The rotation finishes: AWSCURRENT moves to the pending version.
      server.model.finishRotation(s.name)
      const h2 = contextHandler(secrets({ context: { db: secret(s.name, { transform: 'json', ttl: 1, rotation: true }) }, prefetch: false, ...base() }))
      server.resetCalls()
      clock.advance(1_100)
      expect((await h2.run()).db.password).toBe(password(pending))
      expect(server.count('DescribeSecret')).toBe(1)
      expect(server.count('GetSecretValue')).toBe(1)
    })
  })

  describe('stale-if-error', () => {
    test.each<[string, FaultRule]>([
      ['HTTP 503', { kind: 'status', status: 503 }],
      ['ThrottlingException', { kind: 'error', code: 'ThrottlingException' }],
      ['connections reset', { kind: 'reset' }],
    ])('a 60-second outage (%s): every invocation succeeds from the stale value; recovery fetches the new value', async (_label, rule) => {
      clock = jumpingClock()
      const s = newSecret()
      const v2 = nextValue('v2')
      const h = contextHandler(secrets({ context: { db: secret(s.name, { transform: 'json', ttl: 1 }) }, maxStale: 120, prefetch: false, ...base() }))
      expect((await h.run()).db.password).toBe(password(s.value))

      server.resetCalls()
      server.fault({ ...rule, operation: 'GetSecretValue' })
      server.model.rotate(s.name, v2) // changes during the outage
      const invocations = 30
      for (let i = 0; i < invocations; i += 1) {
        clock.advance(2_000)
        const context = await h.run()
        expect(context.db.password).toBe(password(s.value))
      }
      expect(h.ran).toBe(invocations + 1)
      // After a failed refresh the package waits before asking again: far fewer calls than
      // invocations, and never a retry storm (no retries while a stale value can serve).
      const outageCalls = server.count('GetSecretValue')
      expect(outageCalls).toBeGreaterThanOrEqual(1)
      expect(outageCalls).toBeLessThanOrEqual(invocations / 2)
      const warnings = log.at('warn').filter((l) => l.includes('serving the last good value'))
      expect(warnings.length).toBe(outageCalls)
      expect(log.at('error')).toEqual([])

      // Recovery: the next refresh after the outage fetches the new value.
      server.clearFaults()
      server.resetCalls()
      clock.advance(6_000)
      expect((await h.run()).db.password).toBe(password(v2))
      expect(server.count('GetSecretValue')).toBe(1)
      server.resetCalls()
      expect((await h.run()).db.password).toBe(password(v2))
      expect(server.count()).toBe(0)
    })

    test('an outage longer than maxStale fails the invocation once the stale window is over', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 1 }) }, maxStale: 10, retries: 1, prefetch: false, ...base() }))
      await h.run()
      server.fault({ operation: 'GetSecretValue', kind: 'status', status: 503 })
      clock.advance(5_000)
      expect((await h.run()).db).toBe(s.value) // within 1 s ttl + 10 s maxStale
      clock.advance(7_000) // 12 s after the fetch: past ttl + maxStale
      const error = await failing(h.run())
      expect(error.failures[0]).toMatchObject({ key: 'db', retryable: true })
    })

    test('a rotation-aware key during an outage of every Secrets Manager operation still serves its stale value', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 1, rotation: true }) }, maxStale: 120, prefetch: false, ...base() }))
      await h.run()
      server.fault({ kind: 'status', status: 503 }) // DescribeSecret and GetSecretValue alike
      server.resetCalls()
      for (let i = 0; i < 10; i += 1) {
        clock.advance(3_000)
        expect((await h.run()).db).toBe(s.value)
      }
      expect(server.count()).toBeLessThanOrEqual(10 * 2)
      expect(log.at('error')).toEqual([])
    })

    test('the deadline comes while a stale value exists: the stale value serves instead of failing', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 1 }) }, maxStale: 120, deadlineMarginMs: 500, prefetch: false, ...base() }))
      await h.run()
      server.fault({ operation: 'GetSecretValue', kind: 'delay', delayMs: 2_000, times: 1 })
      clock.advance(1_500)
      const started = Date.now()
      expect((await h.run(700)).db).toBe(s.value)
      expect(Date.now() - started).toBeLessThan(1_500)
    })

    test('maxStale: 0 disables stale-if-error', async () => {
      clock = jumpingClock()
      const s = newSecret()
      const h = contextHandler(secrets({ context: { db: secret(s.name, { ttl: 1, maxStale: 0 }) }, retries: 0, prefetch: false, ...base() }))
      await h.run()
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'ThrottlingException' })
      clock.advance(1_500)
      const error = await failing(h.run())
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'ThrottlingException' })
    })
  })

  describe('deadline', () => {
    test('700 ms left, margin 500, a 2 s server delay: SecretsError DeadlineExceeded without waiting for the server; the request is aborted', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'delay', delayMs: 2_000 })
      // concurrency 1: a request left running (not aborted) would hold the only slot until its answer.
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, deadlineMarginMs: 500, concurrency: 1, ...base() }))
      const started = Date.now()
      const error = await failing(h.run(700))
      expect(Date.now() - started).toBeLessThan(1_500) // coarse: it did not wait for the 2 s answer
      expect(h.ran).toBe(0)
      expect(error.failures).toHaveLength(1)
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'DeadlineExceeded' })
      expect(error.failures[0]!.hint).toContain('time out')
      expect(server.count('GetSecretValue')).toBe(1)

      // Aborted, not abandoned: the slot is free at once for the next invocation.
      server.clearFaults()
      const next = Date.now()
      expect((await h.run()).db).toBe(s.value)
      expect(Date.now() - next).toBeLessThan(1_000)
    })

    test('the same when the first invocation awaits a prefetch that is still in flight', async () => {
      const s = newSecret()
      server.fault({ operation: 'GetSecretValue', kind: 'delay', delayMs: 2_000, times: 1 })
      const mw = secrets({ context: { db: secret(s.name) }, deadlineMarginMs: 500, requestTimeoutMs: 400, ...base() })
      const h = contextHandler(mw)
      const started = Date.now()
      const error = await failing(h.run(700))
      expect(Date.now() - started).toBeLessThan(1_500)
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'DeadlineExceeded' })
      await mw.ready // the prefetch times out, retries and succeeds (no work left for later tests)
      expect((await h.run()).db).toBe(s.value)
      expect(server.count('GetSecretValue')).toBe(2)
    })

    test('a retry the deadline cuts short names the error it retried after', async () => {
      const s = newSecret()
      // Throttled twice: a keep-alive socket the previous test left may be dead, and the transport's
      // one resend of it then takes the first throttle within one attempt; a retry still follows.
      server.fault({ operation: 'GetSecretValue', kind: 'error', code: 'ThrottlingException', times: 2 })
      server.fault({ operation: 'GetSecretValue', kind: 'delay', delayMs: 2_000, times: 1 })
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, deadlineMarginMs: 500, ...base() }))
      const random = jest.spyOn(Math, 'random').mockReturnValue(0.01) // short backoffs: the retries start well before the deadline
      const error = await failing(h.run(900)).finally(() => random.mockRestore())
      expect(error.failures[0]).toMatchObject({
        key: 'db',
        code: 'DeadlineExceeded',
        message: expect.stringMatching(/, retrying after ThrottlingException$/),
        hint: expect.stringMatching(/retried after ThrottlingException: AWS throttled the calls/),
      })
      expect(server.count('GetSecretValue')).toBe(3)
    })

    test('a context with less time left than the margin fails at once, without a call', async () => {
      const s = newSecret()
      const h = contextHandler(secrets({ context: { db: secret(s.name) }, prefetch: false, deadlineMarginMs: 500, ...base() }))
      const error = await failing(h.run(300))
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'DeadlineExceeded' })
      expect(server.count()).toBe(0)
    })
  })
})

describe('an https endpoint whose certificate this process does not trust, on the lean transport (the default)', () => {
  // Only the lean transport here: under jest the SDK sees Node's error from another realm and
  // keeps only its text. isolation.test.ts has both transports' TlsError in a process of their own.
  test('TlsError at once: one connection, no retry and no backoff, and the hint says where to look', async () => {
    const tls = createTlsServer(SERVER_TLS, (_req, res) => res.end())
    let connections = 0
    tls.on('connection', () => (connections += 1))
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
    try {
      const endpoint = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`
      const h = contextHandler(secrets({ context: { db: secret('prod/db') }, prefetch: false, retries: 3, ...awsOptions(endpoint, 'https'), logger: log.logger }))
      const error = await failing(h.run())
      expect(h.ran).toBe(0)
      expect(error.failures).toHaveLength(1)
      expect(error.failures[0]).toMatchObject({ key: 'db', code: 'TlsError', retryable: false })
      expect(error.failures[0]!.message).toBe('GetSecretValue failed: the TLS connection was refused (UNABLE_TO_VERIFY_LEAF_SIGNATURE)')
      expect(error.failures[0]!.hint).toContain('NODE_EXTRA_CA_CERTS')
      expect(connections).toBe(1) // a NetworkingError would have made 4 (retries: 3)
    } finally {
      tls.closeAllConnections()
      await new Promise((resolve) => tls.close(resolve))
    }
  })
})

describe("the SDK transport's own client", () => {
  afterEach(() => server.setClockOffset(0))

  test('learns systemClockOffset from the Date header of the refused call', async () => {
    const s = newSecret()
    server.setClockOffset(20 * 60_000)
    const clients: Array<{ config: { systemClockOffset: number } }> = []
    const capture = <C>(client: C): C => {
      clients.push(client as never)
      return client
    }
    // A capture of its own: a store and a client of their own (stores are keyed by the capture).
    const mw = secrets({ context: { db: secret(s.name) }, ...awsOptions(server.endpoint, 'sdk'), awsClientCapture: capture, prefetch: false, logger: log.logger, logLevel: 'debug' })
    expect((await contextHandler(mw).run()).db).toBe(s.value)
    expect(server.calls.map((c) => c.status)).toEqual([400, 200])
    expect(transportsChosen(log)).toEqual([{ awsService: 'secretsmanager', transport: 'sdk', reason: 'awsClientCapture wraps an SDK client' }])
    expect(clients).toHaveLength(1)
    expect(Math.abs(clients[0]!.config.systemClockOffset - 20 * 60_000)).toBeLessThan(5_000)
  })
})

describe('memory', () => {
  /** A store that answers every name with a small value of its own. */
  function echoStore(): Store & { calls: number } {
    const store = {
      name: 'echo',
      calls: 0,
      async fetch(requests: readonly StoreRequest[]) {
        store.calls += 1
        return requests.map((r) => ({ ok: true as const, value: `v:${r.name}`, versionId: '1' }))
      },
    }
    return store
  }

  function collectGarbage(): void {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    gc()
    gc()
  }

  test('100,000 distinct keys through a cache of 1,000: the size stays bounded, the heap flat', () => {
    const previousMax = cache.max
    cache.resize(1_000)
    try {
      const store = echoStore()
      collectGarbage()
      const heapBefore = process.memoryUsage().heapUsed
      for (let i = 0; i < 100_000; i += 1) {
        const request: StoreRequest = { kind: 'secret', name: `bulk/${i}`, versionStage: 'AWSCURRENT' }
        const entry = cache.entry(cacheKey(store, request), store, request)
        fetched(entry, { raw: `${'x'.repeat(4_000)}${i}`, versionId: undefined, arn: undefined, generation: 0, sequence: i }, 0) // 4 KB values
        if (cache.size > 1_000) throw new Error(`the cache grew to ${cache.size} entries`)
      }
      expect(cache.size).toBe(1_000)
      collectGarbage()
      const growth = process.memoryUsage().heapUsed - heapBefore
      expect(growth).toBeLessThan(50 * 1024 * 1024)
    } finally {
      cache.clear()
      cache.resize(previousMax)
    }
  })

  test('20,000 distinct keys through the middleware (cache of 1,000): bounded, and every invocation still sees its values', async () => {
    const store = echoStore()
    for (let m = 0; m < 20; m += 1) {
      const context = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, secret(`mw${m}/s${i}`)]))
      const mw = secrets({ context, stores: { secretsManager: store }, prefetch: false, maxEntries: 1_000, logLevel: 'none' })
      const seen = await contextHandler(mw).run()
      expect(seen.k0).toBe(`v:mw${m}/s0`)
      expect(seen.k999).toBe(`v:mw${m}/s999`)
      expect(cache.size).toBeLessThanOrEqual(1_000)
    }
    expect(store.calls).toBe(20)
  })
})
