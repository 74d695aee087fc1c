/**
 * transport/sdk-module.ts: the SDK client package is required from the package's own ESM file,
 * and imported everywhere else (a bundle, the sources). The loader's decisions with stand-ins for
 * `require` and `import()`; then the built ESM file under jest, where a test's aws-sdk-client-mock
 * must still reach the client it loads (jest's createRequire, jest's module registry). That the
 * installed build really requires it is checked in package/consumer.test.ts.
 */
import { mockClient } from 'aws-sdk-client-mock'
import { BatchGetSecretValueCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { sdkModuleLoader, type RequireAt } from '../../lib/transport/sdk-module.js'

const OWN = 'chunks/shared-AbC12_-x.js'
const PKG = '@aws-sdk/client-secrets-manager'

function stand(url: string | undefined, require: (id: string) => unknown = (id) => ({ from: 'require', id })) {
  const requiredAt: string[] = []
  const imports: string[] = []
  const requireAt: RequireAt = async (at) => {
    requiredAt.push(at)
    return require as NodeJS.Require
  }
  const load = sdkModuleLoader({ url, ownFile: OWN, requireAt })
  const importIt = (pkg: string) => async () => (imports.push(pkg), { from: 'import', id: pkg })
  return { load, importIt, requiredAt, imports }
}

test("from the package's own ESM file: require, made once at that file, and no import()", async () => {
  const url = `file:///var/task/node_modules/middy-secrets/dist/${OWN}`
  const { load, importIt, requiredAt, imports } = stand(url)
  expect(await load(PKG, importIt(PKG))).toEqual({ from: 'require', id: PKG })
  expect(await load('@aws-sdk/client-ssm', importIt('@aws-sdk/client-ssm'))).toEqual({ from: 'require', id: '@aws-sdk/client-ssm' })
  expect(requiredAt).toEqual([url])
  expect(imports).toEqual([])
})

test.each([
  ['a bundle that carries the code (esbuild, ESM)', 'file:///var/task/index.mjs'],
  ['a bundle with chunks of its own', 'file:///var/task/dist/chunks/shared-Zz9.js'],
  ['the same name outside a dist folder', `file:///var/task/${OWN}`],
  ["esbuild's CommonJS output (import.meta is {})", undefined],
  ['the TypeScript sources', 'file:///repo/lib/transport/sdk-module.ts'],
])('from %s: import(), and require is never made', async (_name, url) => {
  const { load, importIt, requiredAt, imports } = stand(url)
  expect(await load(PKG, importIt(PKG))).toEqual({ from: 'import', id: PKG })
  expect(requiredAt).toEqual([])
  expect(imports).toEqual([PKG])
})

test("the CommonJS build's empty name matches no file", async () => {
  const requireAt: RequireAt = async () => (() => 'required') as unknown as NodeJS.Require
  const load = sdkModuleLoader({ url: 'file:///var/task/node_modules/middy-secrets/dist/', ownFile: '', requireAt })
  expect(await load(PKG, async () => 'imported')).toBe('imported')
})

test('a require that throws (a client not installed, an ES-module-only one) falls back to import(), whose answer or error is the one given', async () => {
  const missing = Object.assign(new Error(`Cannot find module '${PKG}'`), { code: 'MODULE_NOT_FOUND' })
  const { load } = stand(`file:///x/dist/${OWN}`, () => {
    throw missing
  })
  expect(await load(PKG, async () => 'imported')).toBe('imported')
  const notFound = Object.assign(new Error(`Cannot find package '${PKG}'`), { code: 'ERR_MODULE_NOT_FOUND' })
  await expect(load(PKG, () => Promise.reject(notFound))).rejects.toBe(notFound)
})

test('no createRequire (it failed): import() for good, createRequire not tried again', async () => {
  let tries = 0
  const load = sdkModuleLoader({ url: `file:///x/dist/${OWN}`, ownFile: OWN, requireAt: () => ((tries += 1), Promise.reject(new Error('no module api'))) })
  expect(await load(PKG, async () => 'imported')).toBe('imported')
  expect(await load(PKG, async () => 'imported again')).toBe('imported again')
  expect(tries).toBe(1)
})

// The built file, as a user's jest (ESM mode) runs it: `npm test` builds dist/ first. Jest hands
// the build a createRequire of its own registry, so the client it requires is the class the
// test mocked (Node's own require would load a second copy, which the mock does not reach).
test('the built ESM file under jest: a test’s aws-sdk-client-mock reaches the client it requires', async () => {
  const dist = '../../dist/index.js' // not a literal: the type check runs before the build
  const built = (await import(dist)) as typeof import('../../lib/index.js')
  const mock = mockClient(SecretsManagerClient)
  const answer = { Name: 'jest/db', ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jest/db-AbCdEf', VersionId: 'v1', SecretString: 'mocked-in-jest' }
  mock.on(GetSecretValueCommand).resolves(answer)
  mock.on(BatchGetSecretValueCommand).resolves({ SecretValues: [answer], Errors: [] })
  try {
    const clientOptions = { region: 'us-east-1', credentials: { accessKeyId: 'AKIDJEST', secretAccessKey: 'jest-secret-key' } }
    const handler = middy(async (_event: unknown, context: Context) => (context as Context & { db?: unknown }).db).use(built.secrets({ context: { db: built.secret('jest/db') }, transport: 'sdk', clientOptions }))
    const context = { getRemainingTimeInMillis: () => 5000, functionName: 'jest', awsRequestId: 'r-1' }
    expect(await handler({}, context as never)).toBe('mocked-in-jest')
    expect(mock.calls().length).toBe(1)
  } finally {
    mock.restore()
    built.clearCache()
  }
})
