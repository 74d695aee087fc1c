/**
 * stores/secrets-manager.ts, ssm.ts, extension-answer.ts: a 200 answer without the value AWS
 * always sends (a secret version's SecretString or SecretBinary, a parameter's Value), or with a
 * SecretBinary that is not base64, fails the key as MalformedResponse: never an empty string,
 * never bytes altered by a lenient decoder.
 */
import { extensionStore } from '../../lib/extension.js'
import type { StoreRequest } from '../../lib/store.js'
import { secretsManagerStore } from '../../lib/stores/secrets-manager.js'
import { ssmStore } from '../../lib/stores/ssm.js'
import { fetchOptions } from '../support/store-results.js'
import { type CaptureServer, json, startCaptureServer } from '../transport/support.js'

let server: CaptureServer
beforeAll(async () => {
  server = await startCaptureServer()
})
afterAll(() => server.close())

const lean = () => ({ transport: 'https' as const, clientOptions: { endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'k' } } })
const secretRequest = (name: string): StoreRequest => ({ kind: 'secret', name, versionStage: 'AWSCURRENT' })
const version = { ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf', Name: 'prod/db', VersionId: 'v1', VersionStages: ['AWSCURRENT'] }

test('extension store: a SecretBinary that is not base64 fails the key instead of answering altered bytes', async () => {
  server.answer((_request, res) => json(res, 200, { ...version, SecretBinary: '%%%% not base64 %%%%' }))
  const store = extensionStore({ port: Number(new URL(server.endpoint).port), token: 't', env: {} })
  const [result] = await store.fetch([secretRequest('prod/db')], fetchOptions())
  expect(result).toMatchObject({ ok: false, error: { code: 'MalformedResponse' } })
})

test('Secrets Manager store: GetSecretValue and BatchGetSecretValue answers with neither SecretString nor SecretBinary fail the key', async () => {
  server.answer((request, res) =>
    String(request.headers['x-amz-target']).endsWith('BatchGetSecretValue')
      ? json(res, 200, { SecretValues: [version, { ...version, Name: 'prod/other', ARN: `${version.ARN}x`, SecretString: 's' }], Errors: [] })
      : json(res, 200, version),
  )
  const store = secretsManagerStore(lean())
  const [one] = await store.fetch([secretRequest('prod/db')], fetchOptions())
  expect(one).toMatchObject({ ok: false, error: { code: 'MalformedResponse', operation: 'GetSecretValue' } })
  const [first, second] = await store.fetch([secretRequest('prod/db'), secretRequest('prod/other')], fetchOptions())
  expect(first).toMatchObject({ ok: false, error: { code: 'MalformedResponse' } })
  expect(second).toMatchObject({ ok: true, value: 's' })
})

test('SSM store: a parameter without Value (GetParameter, GetParameters, GetParametersByPath) fails the key', async () => {
  const parameter = { Name: '/app/db/password', Type: 'SecureString', Version: 1 }
  server.answer((request, res) => {
    const target = String(request.headers['x-amz-target'])
    if (target.endsWith('GetParametersByPath')) json(res, 200, { Parameters: [parameter] })
    else if (target.endsWith('GetParameters')) json(res, 200, { Parameters: [parameter, { ...parameter, Name: '/app/x', Value: 'x' }], InvalidParameters: [] })
    else json(res, 200, { Parameter: parameter })
  })
  const store = ssmStore(lean())
  const param = (name: string): StoreRequest => ({ kind: 'parameter', name, decrypt: true })
  const [one] = await ssmStore({ ...lean(), batch: false }).fetch([param('/app/db/password')], fetchOptions())
  expect(one).toMatchObject({ ok: false, error: { code: 'MalformedResponse', operation: 'GetParameter' } })
  const [first, second] = await store.fetch([param('/app/db/password'), param('/app/x')], fetchOptions())
  expect(first).toMatchObject({ ok: false, error: { code: 'MalformedResponse', operation: 'GetParameters' } })
  expect(second).toMatchObject({ ok: true, value: 'x' })
  const [path] = await store.fetch([{ kind: 'parameters', name: '/app', decrypt: true, recursive: true }], fetchOptions())
  expect(path).toMatchObject({ ok: false, error: { code: 'MalformedResponse', operation: 'GetParametersByPath' } })
})
