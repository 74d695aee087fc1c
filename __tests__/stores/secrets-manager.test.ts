/** stores/secrets-manager.ts over aws-sdk-client-mock: batching, fallbacks, error mapping. */
import {
  BatchGetSecretValueCommand,
  type BatchGetSecretValueCommandInput,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  InternalServiceError,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { mockClient } from 'aws-sdk-client-mock'
import { clearCache } from '../../lib/index.js'
import type { Logger, StoreRequest } from '../../lib/store.js'
import { secretsManagerStore } from '../../lib/stores/secrets-manager.js'
import { failed, fetchOptions as baseFetchOptions, ok } from '../support/store-results.js'

const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })
const sm = mockClient(client)

let logged: Array<[string, unknown[]]>
const logger: Logger = {
  debug: (m, ...d) => logged.push([`debug ${m}`, d]),
  info: (m, ...d) => logged.push([`info ${m}`, d]),
  warn: (m, ...d) => logged.push([`warn ${m}`, d]),
  error: (m, ...d) => logged.push([`error ${m}`, d]),
}


const current = (name: string): StoreRequest => ({ kind: 'secret', name, versionStage: 'AWSCURRENT' })
const names = (n: number, prefix = 's'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
const arnOf = (name: string): string => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`

/** An AWS-shaped error as the SDK throws it. */
function awsError(name: string, httpStatusCode = 400, message = `${name} from AWS`): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode, requestId: 'req-1' } })
}

/** BatchGetSecretValue answering every asked id. */
function batchAnswersAll(): void {
  sm.on(BatchGetSecretValueCommand).callsFake((input: BatchGetSecretValueCommandInput) => ({
    SecretValues: (input.SecretIdList ?? []).map((id) => ({ Name: id, ARN: arnOf(id), SecretString: `value-of-${id}`, VersionId: `ver-${id}`, VersionStages: ['AWSCURRENT'] })),
    Errors: [],
  }))
}

/** GetSecretValue answering every asked id and selector. */
function getAnswersAll(): void {
  sm.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => ({
    Name: input.SecretId,
    ARN: arnOf(input.SecretId!),
    SecretString: `value-of-${input.SecretId}${input.VersionStage ? `@${input.VersionStage}` : ''}${input.VersionId ? `#${input.VersionId}` : ''}`,
    VersionId: input.VersionId ?? 'ver-1',
    VersionStages: [input.VersionStage ?? 'AWSCURRENT'],
  }))
}

beforeEach(() => {
  clearCache()
  sm.reset()
  logged = []
})

describe('batching', () => {
  test('50 AWSCURRENT secrets -> 3 BatchGetSecretValue calls of 20 + 20 + 10', async () => {
    batchAnswersAll()
    getAnswersAll()
    const store = secretsManagerStore({ client })
    expect(store.name).toBe('secretsManager')
    const ids = names(50)
    const results = await store.fetch(ids.map(current), baseFetchOptions(logger))
    const calls = sm.commandCalls(BatchGetSecretValueCommand)
    expect(calls.map((c) => c.args[0].input.SecretIdList!.length)).toEqual([20, 20, 10])
    expect(calls.flatMap((c) => c.args[0].input.SecretIdList)).toEqual(ids)
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0)
    expect(results).toHaveLength(50)
    results.forEach((r, i) => expect(ok(r)).toEqual({ ok: true, value: `value-of-s${i}`, versionId: `ver-s${i}`, versionStages: ['AWSCURRENT'], arn: arnOf(`s${i}`) }))
  })

  test('a request without a stage counts as AWSCURRENT', async () => {
    batchAnswersAll()
    const store = secretsManagerStore({ client })
    await store.fetch([{ kind: 'secret', name: 'a' }, { kind: 'secret', name: 'b' }], baseFetchOptions(logger))
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(1)
  })

  test('a single secret uses GetSecretValue', async () => {
    batchAnswersAll()
    getAnswersAll()
    const store = secretsManagerStore({ client })
    const [r] = await store.fetch([current('only')], baseFetchOptions(logger))
    expect(ok(r).value).toBe('value-of-only@AWSCURRENT')
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(0)
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'only', VersionId: undefined, VersionStage: 'AWSCURRENT' }])
  })

  test('AWSPREVIOUS and versionId use GetSecretValue; the AWSCURRENT rest is batched', async () => {
    batchAnswersAll()
    getAnswersAll()
    const store = secretsManagerStore({ client })
    const results = await store.fetch(
      [current('a'), { kind: 'secret', name: 'a', versionStage: 'AWSPREVIOUS' }, current('b'), { kind: 'secret', name: 'a', versionId: 'v-7' }],
      baseFetchOptions(logger),
    )
    expect(sm.commandCalls(BatchGetSecretValueCommand).map((c) => c.args[0].input.SecretIdList)).toEqual([['a', 'b']])
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: 'a', VersionId: undefined, VersionStage: 'AWSPREVIOUS' },
      { SecretId: 'a', VersionId: 'v-7', VersionStage: undefined },
    ])
    expect(results.map((r) => ok(r).value)).toEqual(['value-of-a', 'value-of-a@AWSPREVIOUS', 'value-of-b', 'value-of-a#v-7'])
  })

  test('batch results are matched by name or ARN, whatever order AWS answers in', async () => {
    const full = arnOf('by-arn')
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [
        { Name: 'by-partial-arn', ARN: arnOf('by-partial-arn'), SecretString: 'p', VersionId: 'v3' },
        { Name: 'by-arn', ARN: full, SecretString: 'a', VersionId: 'v2' },
        { Name: 'plain', ARN: arnOf('plain'), SecretBinary: new Uint8Array([1, 2]), VersionId: 'v1' },
      ],
    })
    const store = secretsManagerStore({ client })
    const partial = arnOf('by-partial-arn').slice(0, -7)
    const [plain, byArn, byPartial] = await store.fetch([current('plain'), current(full), current(partial)], baseFetchOptions(logger))
    expect(ok(plain).value).toEqual(new Uint8Array([1, 2]))
    expect(ok(byArn).value).toBe('a')
    expect(ok(byPartial).value).toBe('p')
  })

  test('BatchGetSecretValue pages are followed with NextToken', async () => {
    sm.on(BatchGetSecretValueCommand)
      .resolvesOnce({ SecretValues: [{ Name: 'a', SecretString: '1' }], NextToken: 'page-2' })
      .resolvesOnce({ SecretValues: [{ Name: 'b', SecretString: '2' }] })
    const store = secretsManagerStore({ client })
    const results = await store.fetch([current('a'), current('b')], baseFetchOptions(logger))
    expect(results.map((r) => ok(r).value)).toEqual(['1', '2'])
    expect(sm.commandCalls(BatchGetSecretValueCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2'])
  })

  test('a per-secret error inside a batch fails that secret only', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [
        { Name: 'a', SecretString: '1', VersionId: 'va' },
        { Name: 'c', SecretString: '3', VersionId: 'vc' },
      ],
      Errors: [{ SecretId: 'b', ErrorCode: 'DecryptionFailure', Message: 'KMS could not decrypt' }],
    })
    const store = secretsManagerStore({ client })
    const [a, b, c] = await store.fetch([current('a'), current('b'), current('c')], baseFetchOptions(logger))
    expect(ok(a).value).toBe('1')
    expect(ok(c).value).toBe('3')
    expect(failed(b)).toEqual({ code: 'DecryptionFailure', message: 'KMS could not decrypt', retryable: false, operation: 'GetSecretValue' })
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0)
  })

  test('per-secret throttling / internal errors in a batch are retryable', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [],
      Errors: [
        { SecretId: 'a', ErrorCode: 'ThrottlingException', Message: 'slow down' },
        { SecretId: 'b', ErrorCode: 'InternalServiceError', Message: 'oops' },
      ],
    })
    const store = secretsManagerStore({ client })
    const [a, b] = await store.fetch([current('a'), current('b')], baseFetchOptions(logger))
    expect(failed(a)).toMatchObject({ code: 'ThrottlingException', retryable: true })
    expect(failed(b)).toMatchObject({ code: 'InternalServiceError', retryable: true })
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0)
  })

  // A secret the answer names nowhere (AWS spelt its id otherwise in Errors?) is not taken for
  // absent, which an optional key would inject as undefined: it is asked alone.
  test('a secret in neither list of the answer, or failed without a code, is asked with GetSecretValue', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({ SecretValues: [], Errors: [{ SecretId: 'b', Message: 'no code' }] })
    getAnswersAll()
    sm.on(GetSecretValueCommand, { SecretId: 'gone' }).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 400 } }))
    const store = secretsManagerStore({ client })
    const [a, b, gone] = await store.fetch([current('a'), current('b'), current('gone')], baseFetchOptions(logger))
    expect(ok(a).value).toBe('value-of-a@AWSCURRENT')
    expect(ok(b).value).toBe('value-of-b@AWSCURRENT')
    expect(failed(gone)).toMatchObject({ code: 'ResourceNotFoundException', retryable: false, operation: 'GetSecretValue' })
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3)
  })
})

describe('fallback to GetSecretValue', () => {
  test('a denied batch falls back for that batch and stays off for the store (logged once)', async () => {
    sm.on(BatchGetSecretValueCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform secretsmanager:BatchGetSecretValue'))
    getAnswersAll()
    const store = secretsManagerStore({ client })
    const ids = names(25)
    const results = await store.fetch(ids.map(current), baseFetchOptions(logger))
    expect(results.map((r) => ok(r).value)).toEqual(ids.map((id) => `value-of-${id}@AWSCURRENT`))
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(2) // both batches were in flight
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(25)
    const warnings = logged.filter(([m]) => m.includes('BatchGetSecretValue'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]![0]).toMatch(/^warn .*not allowed for the execution role.*secretsmanager:BatchGetSecretValue/)

    // later fetches on this store instance skip the batch
    const again = await store.fetch([current('x'), current('y'), current('z')], baseFetchOptions(logger))
    expect(again.map((r) => ok(r).value)).toEqual(['value-of-x@AWSCURRENT', 'value-of-y@AWSCURRENT', 'value-of-z@AWSCURRENT'])
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(2)
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(28)
    expect(logged.filter(([m]) => m.includes('BatchGetSecretValue'))).toHaveLength(1)

    // another store instance starts with batching on
    const fresh = secretsManagerStore({ client })
    await fresh.fetch([current('x'), current('y')], baseFetchOptions(logger))
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(3)
  })

  test('a throttled batch falls back too', async () => {
    sm.on(BatchGetSecretValueCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'))
    getAnswersAll()
    const store = secretsManagerStore({ client })
    const results = await store.fetch([current('a'), current('b')], baseFetchOptions(logger))
    expect(results.map((r) => ok(r).value)).toEqual(['value-of-a@AWSCURRENT', 'value-of-b@AWSCURRENT'])
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2)
    const warned = logged.filter(([m]) => m.startsWith('warn') && m.includes('was throttled'))
    expect(warned).toHaveLength(1)
    // A throttle is the batch's quota, not a permission: the line says so, and grants nothing.
    expect(warned[0]![0]).toContain('100 per second')
    expect(warned[0]![0]).not.toContain('grant')
    await store.fetch([current('a'), current('b')], baseFetchOptions(logger))
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(1)
  })

  // The operation's model lists these for the call as a whole: one secret of it may be why.
  test.each(['ResourceNotFoundException', 'DecryptionFailure', 'InvalidRequestException', 'InvalidParameterException'])(
    'a batch that fails as a whole with %s: each secret is asked alone (this batch only)',
    async (code) => {
      sm.on(BatchGetSecretValueCommand).rejects(awsError(code))
      getAnswersAll()
      sm.on(GetSecretValueCommand, { SecretId: 'gone' }).rejects(awsError(code))
      const store = secretsManagerStore({ client })
      const [a, gone] = await store.fetch([current('a'), current('gone')], baseFetchOptions(logger))
      expect(ok(a).value).toBe('value-of-a@AWSCURRENT')
      expect(failed(gone)).toMatchObject({ code, operation: 'GetSecretValue' })
      await store.fetch([current('a'), current('b')], baseFetchOptions(logger))
      expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(2) // batching stays on
    },
  )

  test('another batch error fails every secret of the batch, with no fallback', async () => {
    sm.on(BatchGetSecretValueCommand).rejects(new InternalServiceError({ message: 'internal', $metadata: { httpStatusCode: 500 } }))
    getAnswersAll()
    const store = secretsManagerStore({ client })
    const results = await store.fetch([current('a'), current('b')], baseFetchOptions(logger))
    expect(results.map((r) => failed(r))).toEqual([
      expect.objectContaining({ code: 'InternalServiceError', retryable: true, operation: 'BatchGetSecretValue', httpStatus: 500 }),
      expect.objectContaining({ code: 'InternalServiceError', retryable: true, operation: 'BatchGetSecretValue', httpStatus: 500 }),
    ])
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0)
  })

  test('batch: false -> only GetSecretValue', async () => {
    batchAnswersAll()
    getAnswersAll()
    const store = secretsManagerStore({ client, batch: false })
    const results = await store.fetch(names(30).map(current), baseFetchOptions(logger))
    expect(results.every((r) => r.ok)).toBe(true)
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(0)
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(30)
    expect(logged.filter(([m]) => !m.startsWith('debug'))).toEqual([])
  })
})

describe('GetSecretValue results and errors', () => {
  test('SecretBinary arrives as bytes; version id, stages and ARN are passed on', async () => {
    sm.on(GetSecretValueCommand).resolves({ ARN: arnOf('bin'), Name: 'bin', SecretBinary: new Uint8Array([9, 8]), VersionId: 'v9', VersionStages: ['AWSCURRENT', 'BLUE'] })
    const [r] = await secretsManagerStore({ client }).fetch([current('bin')], baseFetchOptions(logger))
    expect(ok(r)).toEqual({ ok: true, value: new Uint8Array([9, 8]), versionId: 'v9', versionStages: ['AWSCURRENT', 'BLUE'], arn: arnOf('bin') })
  })

  test.each([
    ['ResourceNotFoundException', 400, false],
    ['AccessDeniedException', 400, false],
    ['DecryptionFailure', 400, false],
    ['InvalidRequestException', 400, false],
    ['ThrottlingException', 400, true],
    ['InternalServiceError', 500, true],
    ['ServiceUnavailable', 503, true],
    ['SomeNewServerFault', 502, true],
  ])('the SDK error name %s becomes the code (retryable %s for HTTP %s)', async (name, status, retryable) => {
    sm.on(GetSecretValueCommand).rejects(awsError(name, status))
    const [r] = await secretsManagerStore({ client }).fetch([current('x')], baseFetchOptions(logger))
    expect(failed(r)).toEqual({ code: name, message: `${name} from AWS`, retryable, httpStatus: status, requestId: 'req-1', operation: 'GetSecretValue' })
  })

  test('a modelled SDK exception keeps its name', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: { httpStatusCode: 400 } }))
    const [r] = await secretsManagerStore({ client }).fetch([current('x')], baseFetchOptions(logger))
    expect(failed(r)).toMatchObject({ code: 'ResourceNotFoundException', retryable: false, operation: 'GetSecretValue' })
  })

  test('a network error is retryable NetworkingError', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }))
    const [r] = await secretsManagerStore({ client }).fetch([current('x')], baseFetchOptions(logger))
    expect(failed(r)).toMatchObject({ code: 'NetworkingError', retryable: true })
  })

  test('the results keep the order of the requests', async () => {
    batchAnswersAll()
    getAnswersAll()
    const requests: StoreRequest[] = [
      { kind: 'secret', name: 'p', versionStage: 'AWSPREVIOUS' },
      current('a'),
      { kind: 'secret', name: 'q', versionId: 'v1' },
      current('b'),
    ]
    const results = await secretsManagerStore({ client }).fetch(requests, baseFetchOptions(logger))
    expect(results.map((r) => ok(r).value)).toEqual(['value-of-p@AWSPREVIOUS', 'value-of-a', 'value-of-q#v1', 'value-of-b'])
  })
})

describe('describe()', () => {
  test('DescribeSecret per name: rotation schedule and stages', async () => {
    const next = new Date('2030-01-01T00:00:00Z')
    sm.on(DescribeSecretCommand, { SecretId: 'r' }).resolves({ Name: 'r', RotationEnabled: true, NextRotationDate: next, VersionIdsToStages: { v1: ['AWSCURRENT'] } })
    sm.on(DescribeSecretCommand, { SecretId: 'gone' }).rejects(awsError('ResourceNotFoundException'))
    const [r, gone] = await secretsManagerStore({ client }).describe!(['r', 'gone'], baseFetchOptions(logger))
    expect(r).toEqual({ name: 'r', rotationEnabled: true, nextRotationDate: next, lastRotatedDate: undefined, versionIdsToStages: { v1: ['AWSCURRENT'] } })
    expect(gone).toMatchObject({ ok: false, error: { code: 'ResourceNotFoundException', operation: 'DescribeSecret' } })
  })
})
