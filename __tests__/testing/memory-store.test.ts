/** testing/memory-store.ts: the in-memory Store users test their handlers with. */
import { jest } from '@jest/globals'
import { clearCache } from '../../lib/index.js'
import type { SecretDescription, StoreRequest } from '../../lib/store.js'
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, memoryStore, SecretsModel } from '../../lib/testing/index.js'
import { failed, fetchOptions, ok, one } from './memory-harness.js'

beforeEach(() => {
  clearCache()
})

const secretReq = (name: string, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'secret', name, ...more })
const paramReq = (name: string, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'parameter', name, ...more })

describe('seed', () => {
  test('secrets as text and bytes, parameters as text and typed', async () => {
    const bytes = new Uint8Array([1, 2, 3])
    const store = memoryStore({
      secrets: { text: 'plain', bin: bytes },
      parameters: { '/a': 'A', '/s': { value: 'hidden', type: 'SecureString' } },
    })
    expect(store.name).toBe('memory')
    const [text, bin, a, s] = await store.fetch([secretReq('text'), secretReq('bin'), paramReq('/a'), paramReq('/s')], fetchOptions())
    expect(ok(text).value).toBe('plain')
    expect(ok(text).versionStages).toEqual([AWSCURRENT])
    expect(ok(text).arn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:text-[0-9a-z]{6}$/)
    expect(ok(bin).value).toEqual(bytes)
    expect(ok(bin).value).toBeInstanceOf(Uint8Array)
    expect(ok(a)).toMatchObject({ value: 'A', versionId: '1', arn: 'arn:aws:ssm:us-east-1:123456789012:parameter/a' })
    expect(ok(s).value).toBe('hidden') // decrypt defaults to true
  })

  test('unknown names answer AWS error codes, never throw', async () => {
    const store = memoryStore()
    const [s, p] = await store.fetch([secretReq('nope'), paramReq('/nope')], fetchOptions())
    expect(failed(s)).toMatchObject({ code: 'ResourceNotFoundException', retryable: false, operation: 'GetSecretValue' })
    expect(failed(p)).toMatchObject({ code: 'ParameterNotFound', retryable: false, operation: 'GetParameter' })
  })

  test('a shared model is seeded too; a custom name shows in results', async () => {
    const model = new SecretsModel({ secrets: { a: '1' } })
    const store = memoryStore({ secrets: { b: '2' } }, { model, name: 'fake' })
    expect(store.model).toBe(model)
    expect(store.name).toBe('fake')
    expect(model.secretNames().sort()).toEqual(['a', 'b'])
    const [a, b] = await store.fetch([secretReq('a'), secretReq('b')], fetchOptions())
    expect([ok(a).value, ok(b).value]).toEqual(['1', '2'])
  })

  test('secrets by full ARN and by ARN without the random suffix', async () => {
    const store = memoryStore({ secrets: { 'prod/db': 'v' } })
    const arn = ok(await one(store, secretReq('prod/db'))).arn!
    expect(ok(await one(store, secretReq(arn))).value).toBe('v')
    expect(ok(await one(store, secretReq(arn.slice(0, -7)))).value).toBe('v')
    const p = memoryStore({ parameters: { '/x/y': 'p' } })
    expect(ok(await one(p, paramReq('arn:aws:ssm:us-east-1:123456789012:parameter/x/y'))).value).toBe('p')
  })
})

describe('secret versions and staging labels', () => {
  test('rotate() moves AWSCURRENT to the new value and AWSPREVIOUS to the old one', async () => {
    const store = memoryStore({ secrets: { s: 'v1' } })
    const v1 = ok(await one(store, secretReq('s'))).versionId!
    expect(failed(await one(store, secretReq('s', { versionStage: AWSPREVIOUS }))).code).toBe('ResourceNotFoundException')

    const v2 = store.rotate('s', 'v2')
    expect(v2).not.toBe(v1)
    expect(ok(await one(store, secretReq('s')))).toMatchObject({ value: 'v2', versionId: v2, versionStages: [AWSCURRENT] })
    expect(ok(await one(store, secretReq('s', { versionStage: AWSPREVIOUS })))).toMatchObject({ value: 'v1', versionId: v1, versionStages: [AWSPREVIOUS] })

    const v3 = store.rotate('s', 'v3')
    expect(ok(await one(store, secretReq('s', { versionStage: AWSCURRENT }))).value).toBe('v3')
    expect(ok(await one(store, secretReq('s', { versionStage: AWSPREVIOUS }))).versionId).toBe(v2)
    // v1 lost every label but is still readable by id
    expect(ok(await one(store, secretReq('s', { versionId: v1 })))).toMatchObject({ value: 'v1', versionStages: [] })
    expect(ok(await one(store, secretReq('s', { versionId: v3 }))).value).toBe('v3')
    expect(store.model.describeSecret('s').versionIdsToStages).toEqual({ [v2]: [AWSPREVIOUS], [v3]: [AWSCURRENT] })
  })

  test('rotate() clears AWSPENDING; stagePending/finishRotation follow AWS', async () => {
    const store = memoryStore({ secrets: { s: 'v1' } })
    const pending = store.model.stagePending('s', 'p')
    expect(ok(await one(store, secretReq('s', { versionStage: AWSPENDING })))).toMatchObject({ value: 'p', versionId: pending })
    expect(ok(await one(store, secretReq('s'))).value).toBe('v1')
    store.model.finishRotation('s')
    expect(ok(await one(store, secretReq('s'))).value).toBe('p')
    expect(ok(await one(store, secretReq('s', { versionStage: AWSPREVIOUS }))).value).toBe('v1')
    expect(failed(await one(store, secretReq('s', { versionStage: AWSPENDING }))).code).toBe('ResourceNotFoundException')
  })

  test('setSecret creates or replaces AWSCURRENT', async () => {
    const store = memoryStore()
    const first = store.setSecret('new', 'a')
    expect(ok(await one(store, secretReq('new')))).toMatchObject({ value: 'a', versionId: first })
    store.setSecret('new', 'b')
    expect(ok(await one(store, secretReq('new'))).value).toBe('b')
    expect(ok(await one(store, secretReq('new', { versionStage: AWSPREVIOUS }))).value).toBe('a')
  })

  test('an unknown version id or custom label is not found', async () => {
    const store = memoryStore({ secrets: { s: 'v1' } })
    expect(failed(await one(store, secretReq('s', { versionId: 'nope' }))).code).toBe('ResourceNotFoundException')
    expect(failed(await one(store, secretReq('s', { versionStage: 'BLUE' }))).code).toBe('ResourceNotFoundException')
  })
})

describe('parameters', () => {
  test('versions and labels', async () => {
    const store = memoryStore({ parameters: { '/p': 'one' } })
    expect(store.setParameter('/p', 'two', { labels: ['prod'] })).toBe(2)
    expect(store.setParameter('/p', 'three')).toBe(3)
    const [latest, v1, v2, prod] = await store.fetch(
      [paramReq('/p'), paramReq('/p', { version: 1 }), paramReq('/p', { version: 2 }), paramReq('/p', { label: 'prod' })],
      fetchOptions(),
    )
    expect([ok(latest).value, ok(latest).versionId]).toEqual(['three', '3'])
    expect([ok(v1).value, ok(v1).versionId]).toEqual(['one', '1'])
    expect(ok(v2).value).toBe('two')
    expect([ok(prod).value, ok(prod).versionId]).toEqual(['two', '2'])
    // moving a label
    store.model.labelParameterVersion('/p', ['prod'], 3)
    expect(ok(await one(store, paramReq('/p', { label: 'prod' }))).value).toBe('three')
    expect(failed(await one(store, paramReq('/p', { version: 9 }))).code).toBe('ParameterVersionNotFound')
    expect(failed(await one(store, paramReq('/p', { label: 'beta' }))).code).toBe('ParameterVersionLabelNotFound')
  })

  test('a SecureString without decryption is not the value', async () => {
    const store = memoryStore({ parameters: { '/s': { value: 'hunter2-SECRET', type: 'SecureString' }, '/t': 'plain' } })
    const [enc, plain] = await store.fetch([paramReq('/s', { decrypt: false }), paramReq('/t', { decrypt: false })], fetchOptions())
    expect(ok(enc).value).not.toBe('hunter2-SECRET')
    expect(String(ok(enc).value)).not.toContain('hunter2')
    expect(ok(plain).value).toBe('plain')
    expect(ok(await one(store, paramReq('/s', { decrypt: true }))).value).toBe('hunter2-SECRET')
  })

  test('paths: direct children, or every level when recursive, keyed by relative name', async () => {
    const store = memoryStore({ parameters: { '/app/a': '1', '/app/b': '2', '/app/sub/c': '3', '/apple': 'x', '/other/d': '4' } })
    const [flat, deep, slash] = await store.fetch(
      [{ kind: 'parameters', name: '/app' }, { kind: 'parameters', name: '/app', recursive: true }, { kind: 'parameters', name: '/app/' }],
      fetchOptions(),
    )
    expect(ok(flat).value).toEqual({ a: '1', b: '2' })
    expect(ok(deep).value).toEqual({ a: '1', b: '2', 'sub/c': '3' })
    expect(ok(slash).value).toEqual({ a: '1', b: '2' })
    expect(ok(await one(store, { kind: 'parameters', name: '/empty' })).value).toEqual({})
  })
})

describe('SSM names', () => {
  test('`/name` and `name` are one parameter: either spelling reads the other, selectors included', async () => {
    const store = memoryStore({ parameters: { flat: 'f1', '/slashed': 's1' } })
    store.setParameter('flat', 'f2', { labels: ['latest'] })
    const [flat, flatV1, flatLabel, slashed] = await store.fetch(
      [paramReq('/flat'), paramReq('/flat', { version: 1 }), paramReq('/flat', { label: 'latest' }), paramReq('slashed')],
      fetchOptions(),
    )
    expect([ok(flat).value, ok(flatV1).value, ok(flatLabel).value, ok(slashed).value]).toEqual(['f2', 'f1', 'f2', 's1'])
  })

  test('parameters(path): a parameter named `__proto__` is an own key like any other', async () => {
    const store = memoryStore({ parameters: { '/app/__proto__': 'v', '/app/other': 'w' } })
    const value = ok(await one(store, { kind: 'parameters', name: '/app' })).value as Record<string, string>
    expect(Object.keys(value)).toEqual(['__proto__', 'other'])
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('v')
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  })
})

describe('fault injection', () => {
  test('fails the next call for a name, then recovers (times defaults to 1)', async () => {
    const store = memoryStore({ secrets: { a: '1', b: '2' } })
    store.fail('a', 'AccessDeniedException')
    const [a, b] = await store.fetch([secretReq('a'), secretReq('b')], fetchOptions())
    expect(failed(a)).toEqual({ code: 'AccessDeniedException', message: 'injected AccessDeniedException', retryable: false, operation: 'GetSecretValue' })
    expect(ok(b).value).toBe('2')
    expect(ok(await one(store, secretReq('a'))).value).toBe('1')
  })

  test('times, message and retryable from the code', async () => {
    const store = memoryStore({ secrets: { a: '1' } })
    store.fail('a', { code: 'ThrottlingException', times: 2, message: 'Rate exceeded' })
    expect(failed(await one(store, secretReq('a')))).toMatchObject({ code: 'ThrottlingException', message: 'Rate exceeded', retryable: true })
    expect(failed(await one(store, secretReq('a'))).code).toBe('ThrottlingException')
    expect(ok(await one(store, secretReq('a'))).value).toBe('1')
  })

  test('only the given operation', async () => {
    const store = memoryStore({ secrets: { '/x': 's' }, parameters: { '/x': 'p' } })
    store.fail('/x', { code: 'InternalServerError', operation: 'GetParameter' })
    expect(ok(await one(store, secretReq('/x'))).value).toBe('s')
    expect(failed(await one(store, paramReq('/x')))).toMatchObject({ code: 'InternalServerError', retryable: true, operation: 'GetParameter' })
    expect(ok(await one(store, paramReq('/x'))).value).toBe('p')
  })

  test("'*' hits any name; faults are taken in order; clearFaults()", async () => {
    const store = memoryStore({ secrets: { a: '1', b: '2', c: '3' } })
    store.fail('*', { code: 'InternalServiceError', times: 2 })
    const [a, b, c] = await store.fetch([secretReq('a'), secretReq('b'), secretReq('c')], fetchOptions())
    expect([failed(a).code, failed(b).code, ok(c).value]).toEqual(['InternalServiceError', 'InternalServiceError', '3'])
    store.fail('*', { code: 'AccessDeniedException', times: 5 })
    store.clearFaults()
    expect(ok(await one(store, secretReq('a'))).value).toBe('1')
  })

  test('describe() can fail too', async () => {
    const store = memoryStore({ secrets: { a: '1' } })
    store.fail('a', { code: 'AccessDeniedException', operation: 'DescribeSecret' })
    const [d] = await store.describe!(['a'], fetchOptions())
    expect(failed(d)).toMatchObject({ code: 'AccessDeniedException', operation: 'DescribeSecret' })
    expect(ok(await one(store, secretReq('a'))).value).toBe('1')
  })
})

describe('call log', () => {
  test('every call in order, count by operation, fetches per round trip, resetCalls()', async () => {
    const store = memoryStore({ secrets: { a: '1' }, parameters: { '/p': 'x', '/d/e': 'y' } })
    expect(store.count()).toBe(0)
    await store.fetch([secretReq('a'), paramReq('/p'), { kind: 'parameters', name: '/d' }], fetchOptions())
    await store.fetch([secretReq('missing')], fetchOptions())
    await store.describe!(['a'], fetchOptions())
    expect(store.calls.map((c) => [c.operation, c.name])).toEqual([
      ['GetSecretValue', 'a'],
      ['GetParameter', '/p'],
      ['GetParametersByPath', '/d'],
      ['GetSecretValue', 'missing'],
      ['DescribeSecret', 'a'],
    ])
    expect(typeof store.calls[0]!.at).toBe('number')
    expect(store.count()).toBe(5)
    expect(store.count('GetSecretValue')).toBe(2)
    expect(store.count('GetParameter')).toBe(1)
    expect(store.count('GetParametersByPath')).toBe(1)
    expect(store.count('DescribeSecret')).toBe(1)
    expect(store.fetches).toBe(2)
    store.resetCalls()
    expect(store.count()).toBe(0)
    expect(store.fetches).toBe(0)
    expect(store.calls).toEqual([])
  })

  test('failed calls are logged too', async () => {
    const store = memoryStore({ secrets: { a: '1' } })
    store.fail('a', 'AccessDeniedException')
    await one(store, secretReq('a'))
    expect(store.count('GetSecretValue')).toBe(1)
  })
})

describe('latency', () => {
  test('every call waits latencyMs; setLatency changes it', async () => {
    jest.useFakeTimers()
    try {
      const store = memoryStore({ secrets: { a: '1' } }, { latencyMs: 1000 })
      let settled = false
      const pending = store.fetch([secretReq('a')], fetchOptions()).then((r) => {
        settled = true
        return r
      })
      await jest.advanceTimersByTimeAsync(999)
      expect(settled).toBe(false)
      expect(store.count()).toBe(0)
      await jest.advanceTimersByTimeAsync(1)
      expect(settled).toBe(true)
      expect(ok((await pending)[0]).value).toBe('1')

      store.setLatency(0)
      const immediate = await store.fetch([secretReq('a')], fetchOptions())
      expect(ok(immediate[0]).value).toBe('1')
    } finally {
      jest.useRealTimers()
    }
  })

  test('an aborted signal ends the wait with DeadlineExceeded for every request', async () => {
    jest.useFakeTimers()
    try {
      const store = memoryStore({ secrets: { a: '1', b: '2' } }, { latencyMs: 10_000 })
      const controller = new AbortController()
      const pending = store.fetch([secretReq('a'), secretReq('b')], fetchOptions({ signal: controller.signal }))
      await jest.advanceTimersByTimeAsync(100)
      controller.abort()
      const [a, b] = await pending
      expect([failed(a).code, failed(b).code]).toEqual(['DeadlineExceeded', 'DeadlineExceeded'])
      expect(store.count('GetSecretValue')).toBe(0) // nothing was answered
    } finally {
      jest.useRealTimers()
    }
  })
})

describe('describe()', () => {
  test('version stages and rotation schedule', async () => {
    const store = memoryStore({ secrets: { s: 'v1' } })
    const next = new Date(Date.now() + 86_400_000)
    store.model.setRotation('s', { enabled: true, everyDays: 7, nextRotationDate: next })
    const v2 = store.rotate('s', 'v2')
    const [d, missing] = await store.describe!(['s', 'nope'], fetchOptions())
    const description = d as SecretDescription
    expect(description.name).toBe('s')
    expect(description.rotationEnabled).toBe(true)
    expect(description.lastRotatedDate).toBeInstanceOf(Date)
    expect(description.nextRotationDate!.getTime()).toBeGreaterThan(next.getTime()) // rotate() rescheduled by everyDays
    expect(description.versionIdsToStages[v2]).toEqual([AWSCURRENT])
    expect(Object.values(description.versionIdsToStages)).toContainEqual([AWSPREVIOUS])
    expect(failed(missing).code).toBe('ResourceNotFoundException')
  })

  test('rotation off by default', async () => {
    const store = memoryStore({ secrets: { s: 'v1' } })
    const [d] = await store.describe!(['s'], fetchOptions())
    expect((d as SecretDescription).rotationEnabled).toBe(false)
    expect((d as SecretDescription).nextRotationDate).toBeUndefined()
  })
})
