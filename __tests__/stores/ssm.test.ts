/** stores/ssm.ts over aws-sdk-client-mock: GetParameters batching, selectors, paths, errors. */
import { jest } from '@jest/globals'
import {
  GetParameterCommand,
  type GetParameterCommandInput,
  GetParametersByPathCommand,
  type GetParametersByPathCommandInput,
  GetParametersCommand,
  type GetParametersCommandInput,
  type Parameter,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import { clearCache } from '../../lib/index.js'
import type { Logger, StoreRequest } from '../../lib/store.js'
import { ssmStore } from '../../lib/stores/ssm.js'
import { failed, fetchOptions as baseFetchOptions, ok } from '../support/store-results.js'

const client = new SSMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })
const ssm = mockClient(client)
const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} }


const param = (name: string, more: Partial<StoreRequest> = {}): StoreRequest => ({ kind: 'parameter', name, decrypt: true, ...more })
const arnOf = (name: string): string => `arn:aws:ssm:us-east-1:123456789012:parameter${name}`

function awsError(name: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(`${name} from AWS`), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } })
}

/** `/name:sel` -> the Parameter SSM answers (Name without the selector, Selector `:sel`). */
function answerFor(asked: string, decrypt: boolean | undefined): Parameter {
  const colon = asked.indexOf(':', asked.lastIndexOf('/'))
  const name = colon === -1 ? asked : asked.slice(0, colon)
  const selector = colon === -1 ? undefined : asked.slice(colon)
  return { Name: name, Selector: selector, ARN: arnOf(name), Type: 'SecureString', Value: `${decrypt ? 'plain' : 'cipher'}:${asked}`, Version: selector && /^:\d+$/.test(selector) ? Number(selector.slice(1)) : 7 }
}

function getParametersAnswersAll(): void {
  ssm.on(GetParametersCommand).callsFake((input: GetParametersCommandInput) => ({
    Parameters: (input.Names ?? []).map((n) => answerFor(n, input.WithDecryption)),
    InvalidParameters: [],
  }))
}

function getParameterAnswersAll(): void {
  ssm.on(GetParameterCommand).callsFake((input: GetParameterCommandInput) => ({ Parameter: answerFor(input.Name!, input.WithDecryption) }))
}

beforeEach(() => {
  clearCache()
  ssm.reset()
})

describe('GetParameters', () => {
  test('25 parameters -> 3 GetParameters calls of 10 + 10 + 5', async () => {
    getParametersAnswersAll()
    const store = ssmStore({ client })
    expect(store.name).toBe('ssm')
    const names = Array.from({ length: 25 }, (_, i) => `/app/p${i}`)
    const results = await store.fetch(names.map((n) => param(n)), baseFetchOptions(logger))
    const calls = ssm.commandCalls(GetParametersCommand)
    expect(calls.map((c) => c.args[0].input.Names!.length)).toEqual([10, 10, 5])
    expect(calls.flatMap((c) => c.args[0].input.Names)).toEqual(names)
    expect(calls.every((c) => c.args[0].input.WithDecryption === true)).toBe(true)
    results.forEach((r, i) => expect(ok(r)).toEqual({ ok: true, value: `plain:/app/p${i}`, versionId: '7', arn: arnOf(`/app/p${i}`) }))
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0)
  })

  test('grouped by decrypt flag', async () => {
    getParametersAnswersAll()
    const store = ssmStore({ client })
    const results = await store.fetch([param('/a'), param('/b', { decrypt: false }), param('/c'), param('/d', { decrypt: false }), { kind: 'parameter', name: '/e' }], baseFetchOptions(logger))
    const calls = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input)
    expect(calls).toHaveLength(2)
    expect(calls).toEqual(
      expect.arrayContaining([
        { Names: ['/a', '/c', '/e'], WithDecryption: true },
        { Names: ['/b', '/d'], WithDecryption: false },
      ]),
    )
    expect(results.map((r) => ok(r).value)).toEqual(['plain:/a', 'cipher:/b', 'plain:/c', 'cipher:/d', 'plain:/e'])
  })

  test('version and label selectors are sent as name:3 / name:label and matched back', async () => {
    getParametersAnswersAll()
    const store = ssmStore({ client })
    const results = await store.fetch([param('/p', { version: 3 }), param('/p', { label: 'prod' }), param('/p')], baseFetchOptions(logger))
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names)).toEqual([['/p:3', '/p:prod', '/p']])
    expect(results.map((r) => ok(r).value)).toEqual(['plain:/p:3', 'plain:/p:prod', 'plain:/p'])
    expect(ok(results[0]).versionId).toBe('3')
  })

  test('InvalidParameters -> ParameterNotFound (or the selector-specific code) for those, values for the rest', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: '/ok', Value: 'fine', Version: 1, ARN: arnOf('/ok') }],
      InvalidParameters: ['/missing', '/ok:9', '/ok:beta'],
    })
    const store = ssmStore({ client })
    const [good, missing, version, label] = await store.fetch([param('/ok'), param('/missing'), param('/ok', { version: 9 }), param('/ok', { label: 'beta' })], baseFetchOptions(logger))
    expect(ok(good).value).toBe('fine')
    expect(failed(missing)).toEqual({ code: 'ParameterNotFound', message: "GetParameters listed '/missing' among InvalidParameters", retryable: false, operation: 'GetParameters' })
    expect(failed(version).code).toBe('ParameterVersionNotFound')
    expect(failed(label).code).toBe('ParameterVersionLabelNotFound')
  })

  test('a parameter asked for by ARN is matched by the ARN in the answer', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/x/y', ARN: arnOf('/x/y'), Value: 'v', Version: 2 }, { Name: '/z', ARN: arnOf('/z'), Value: 'w', Version: 1 }] })
    const [r, z] = await ssmStore({ client }).fetch([param(arnOf('/x/y')), param('/z')], baseFetchOptions(logger))
    expect(ok(r).value).toBe('v')
    expect(ok(z).value).toBe('w')
  })

  test('an ARN with a selector gets the selected version, the bare ARN the latest', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/x/y', Selector: ':2', ARN: arnOf('/x/y'), Value: 'old', Version: 2 },
        { Name: '/x/y', ARN: arnOf('/x/y'), Value: 'new', Version: 5 },
      ],
    })
    const [latest, v2] = await ssmStore({ client }).fetch([param(arnOf('/x/y')), param(arnOf('/x/y'), { version: 2 })], baseFetchOptions(logger))
    expect(ssm.commandCalls(GetParametersCommand)[0]!.args[0].input.Names).toEqual([arnOf('/x/y'), `${arnOf('/x/y')}:2`])
    expect([ok(latest).value, ok(v2).value]).toEqual(['new', 'old'])
  })

  test('SSM answers with the stored name: `/name` asked is matched by `name` answered, and the reverse; with selectors too', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: 'flat', ARN: arnOf('/flat'), Value: 'flat-latest', Version: 4 },
        { Name: 'flat', Selector: ':2', ARN: arnOf('/flat'), Value: 'flat-v2', Version: 2 },
        { Name: '/slashed', ARN: arnOf('/slashed'), Value: 'slashed-latest', Version: 1 },
      ],
      InvalidParameters: [],
    })
    const [flat, flatV2, slashed] = await ssmStore({ client }).fetch([param('/flat'), param('/flat', { version: 2 }), param('slashed')], baseFetchOptions(logger))
    expect([ok(flat).value, ok(flatV2).value, ok(slashed).value]).toEqual(['flat-latest', 'flat-v2', 'slashed-latest'])
  })

  test('only single-level names are one parameter with and without the slash: `app/x` answered is not `/app/x`', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: 'app/x', Value: 'not-this-one', Version: 1 }], InvalidParameters: [] })
    const [r] = await ssmStore({ client }).fetch([param('/app/x')], baseFetchOptions(logger))
    expect(failed(r).code).toBe('ParameterNotFound')
  })

  test('a failed call fails every parameter of its batch, with the SDK error name as the code', async () => {
    ssm.on(GetParametersCommand).rejects(awsError('InvalidKeyId'))
    const results = await ssmStore({ client }).fetch([param('/a'), param('/b')], baseFetchOptions(logger))
    expect(results.map(failed)).toEqual([
      { code: 'InvalidKeyId', message: 'InvalidKeyId from AWS', retryable: false, httpStatus: 400, requestId: undefined, operation: 'GetParameters' },
      { code: 'InvalidKeyId', message: 'InvalidKeyId from AWS', retryable: false, httpStatus: 400, requestId: undefined, operation: 'GetParameters' },
    ])
  })

  // KMS refuses the whole GetParameters when it may not decrypt one SecureString of it (as a role
  // without ssm:GetParameters is refused): asked alone, the others are served, the denied one fails.
  test('a batch denied as a whole: each parameter is asked alone, and only the denied one fails', async () => {
    ssm.on(GetParametersCommand).rejects(awsError('AccessDeniedException'))
    getParameterAnswersAll()
    ssm.on(GetParameterCommand, { Name: '/kms-denied' }).rejects(awsError('AccessDeniedException'))
    const warn = jest.fn()
    const store = ssmStore({ client })
    const [a, denied, b] = await store.fetch([param('/a'), param('/kms-denied'), param('/b:3')], baseFetchOptions({ ...logger, warn }))
    expect(ok(a).value).toBe('plain:/a')
    expect(ok(b).value).toBe('plain:/b:3')
    expect(failed(denied)).toMatchObject({ code: 'AccessDeniedException', retryable: false, operation: 'GetParameter' })
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(3)
    await store.fetch([param('/a'), param('/b')], baseFetchOptions({ ...logger, warn }))
    expect(warn.mock.calls).toEqual([[expect.stringContaining('GetParameters was denied as a whole'), { operation: 'GetParameters', code: 'AccessDeniedException' }]]) // once per store
    // One parameter alone was its own answer already.
    const [alone] = await ssmStore({ client }).fetch([param('/kms-denied')], baseFetchOptions(logger))
    expect(failed(alone)).toMatchObject({ code: 'AccessDeniedException', operation: 'GetParameters' })
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(5)
  })

  test.each([
    ['ThrottlingException', 400, true],
    ['InternalServerError', 500, true],
    ['SomethingNew', 503, true],
    ['ParameterNotFound', 400, false],
  ])('%s (HTTP %s) -> retryable %s', async (name, status, retryable) => {
    ssm.on(GetParametersCommand).rejects(awsError(name, status))
    const [r] = await ssmStore({ client }).fetch([param('/a')], baseFetchOptions(logger))
    expect(failed(r)).toMatchObject({ code: name, retryable, httpStatus: status })
  })
})

describe('batch: false -> GetParameter', () => {
  test('one GetParameter per parameter, with selectors and decrypt', async () => {
    getParametersAnswersAll()
    getParameterAnswersAll()
    const store = ssmStore({ client, batch: false })
    const results = await store.fetch([param('/a'), param('/b', { decrypt: false }), param('/c', { version: 2 }), param('/d', { label: 'prod' })], baseFetchOptions(logger))
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(0)
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/a', WithDecryption: true },
      { Name: '/b', WithDecryption: false },
      { Name: '/c:2', WithDecryption: true },
      { Name: '/d:prod', WithDecryption: true },
    ])
    expect(results.map((r) => ok(r).value)).toEqual(['plain:/a', 'cipher:/b', 'plain:/c:2', 'plain:/d:prod'])
    expect(ok(results[2]).versionId).toBe('2')
  })

  test('a modelled SDK exception keeps its name', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: { httpStatusCode: 400 } }))
    const [r] = await ssmStore({ client, batch: false }).fetch([param('/gone')], baseFetchOptions(logger))
    expect(failed(r)).toMatchObject({ code: 'ParameterNotFound', retryable: false, operation: 'GetParameter' })
  })
})

describe('GetParametersByPath', () => {
  test('follows NextToken through every page and keys values by the relative name', async () => {
    ssm.on(GetParametersByPathCommand).callsFake((input: GetParametersByPathCommandInput) => {
      if (input.NextToken === undefined) return { Parameters: [{ Name: '/app/a', Value: '1' }, { Name: '/app/b', Value: '2' }], NextToken: 't1' }
      if (input.NextToken === 't1') return { Parameters: [{ Name: '/app/c', Value: '3' }], NextToken: 't2' }
      return { Parameters: [{ Name: '/app/sub/d', Value: '4' }] }
    })
    const store = ssmStore({ client })
    const [r] = await store.fetch([{ kind: 'parameters', name: '/app', recursive: true, decrypt: true }], baseFetchOptions(logger))
    expect(ok(r).value).toEqual({ a: '1', b: '2', c: '3', 'sub/d': '4' })
    const inputs = ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input)
    expect(inputs).toEqual([
      { Path: '/app', Recursive: true, WithDecryption: true, NextToken: undefined },
      { Path: '/app', Recursive: true, WithDecryption: true, NextToken: 't1' },
      { Path: '/app', Recursive: true, WithDecryption: true, NextToken: 't2' },
    ])
  })

  test('recursive and decrypt default to false and true; a trailing slash is fine', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: '/app/a', Value: '1' }] })
    const [r] = await ssmStore({ client }).fetch([{ kind: 'parameters', name: '/app/' }], baseFetchOptions(logger))
    expect(ok(r).value).toEqual({ a: '1' })
    expect(ssm.commandCalls(GetParametersByPathCommand)[0]!.args[0].input).toMatchObject({ Path: '/app/', Recursive: false, WithDecryption: true })
  })

  test('a parameter named `__proto__` is an own key of the object, across pages', async () => {
    ssm.on(GetParametersByPathCommand).resolvesOnce({ Parameters: [{ Name: '/app/__proto__', Value: 'v' }], NextToken: 't1' }).resolvesOnce({ Parameters: [{ Name: '/app/other', Value: 'w' }] })
    const [r] = await ssmStore({ client }).fetch([{ kind: 'parameters', name: '/app' }], baseFetchOptions(logger))
    const value = ok(r).value as Record<string, string>
    expect(Object.keys(value)).toEqual(['__proto__', 'other'])
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('v')
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  })

  test('a failing page fails the path', async () => {
    ssm.on(GetParametersByPathCommand).resolvesOnce({ Parameters: [{ Name: '/app/a', Value: '1' }], NextToken: 't1' }).rejectsOnce(awsError('ThrottlingException'))
    const [r] = await ssmStore({ client }).fetch([{ kind: 'parameters', name: '/app' }], baseFetchOptions(logger))
    expect(failed(r)).toMatchObject({ code: 'ThrottlingException', retryable: true, operation: 'GetParametersByPath' })
  })

  test('paths and single parameters in one fetch keep the request order', async () => {
    getParametersAnswersAll()
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: '/dir/x', Value: 'X' }] })
    const results = await ssmStore({ client }).fetch([param('/a'), { kind: 'parameters', name: '/dir' }, param('/b')], baseFetchOptions(logger))
    expect(results.map((r) => ok(r).value)).toEqual(['plain:/a', { x: 'X' }, 'plain:/b'])
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1)
  })
})
