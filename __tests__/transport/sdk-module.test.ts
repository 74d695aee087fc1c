/**
 * transport/sdk-module.ts: the SDK client package is required from the package's own ESM file in
 * Lambda, outside a test runner, and imported everywhere else (a bundle, the sources, a test). The
 * loader's decisions with stand-ins for `require` and `import()`; then the built ESM file under
 * jest, where a test's aws-sdk-client-mock must reach the client. That the installed build really
 * requires it in Lambda, and imports it outside, is checked in package/consumer.test.ts.
 */
import { mockClient } from 'aws-sdk-client-mock'
import { BatchGetSecretValueCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { sdkModuleLoader, type RequireAt } from '../../lib/transport/sdk-module.js'

const OWN = 'chunks/shared-AbC12_-x.js'
const PKG = '@aws-sdk/client-secrets-manager'
const OWN_URL = `file:///var/task/node_modules/middy-secrets/dist/${OWN}`
const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: 'fn' }

interface Stand {
  url?: string | undefined
  env?: NodeJS.ProcessEnv
  webpack?: boolean
  /** What the require made at the URL does: resolve a name, load a path. */
  resolve?: (id: string) => string
  load?: (path: string) => unknown
}

function stand(settings: Stand = {}) {
  const { env = LAMBDA, webpack = false, resolve = (id) => `/var/task/node_modules/${id}/index.js`, load = (path) => ({ from: 'require', path }) } = settings
  const url = 'url' in settings ? settings.url : OWN_URL // undefined is a case of its own
  const requiredAt: string[] = []
  const imports: string[] = []
  const requireAt: RequireAt = async (at) => {
    requiredAt.push(at)
    return Object.assign((path: string) => load(path), { resolve }) as unknown as NodeJS.Require
  }
  const load_ = sdkModuleLoader({ url, ownFile: OWN, webpack, env, requireAt })
  const importIt = (pkg: string) => async () => (imports.push(pkg), { from: 'import', id: pkg })
  return { load: load_, importIt, requiredAt, imports }
}

test("in Lambda, from the package's own ESM file: require, made once at that file, and no import()", async () => {
  const { load, importIt, requiredAt, imports } = stand()
  expect(await load(PKG, importIt(PKG))).toEqual({ from: 'require', path: `/var/task/node_modules/${PKG}/index.js` })
  expect(await load('@aws-sdk/client-ssm', importIt('@aws-sdk/client-ssm'))).toEqual({ from: 'require', path: '/var/task/node_modules/@aws-sdk/client-ssm/index.js' })
  expect(requiredAt).toEqual([OWN_URL])
  expect(imports).toEqual([])
})

test.each([
  ['a bundle that carries the code (esbuild, ESM)', { url: 'file:///var/task/index.mjs' }],
  ['a bundle with chunks of its own', { url: 'file:///var/task/dist/chunks/shared-Zz9.js' }],
  ['the same name outside a dist folder', { url: `file:///var/task/${OWN}` }],
  ["esbuild's CommonJS output (import.meta is {})", { url: undefined }],
  ['the TypeScript sources', { url: 'file:///repo/lib/transport/sdk-module.ts' }],
  ["a webpack bundle (webpack writes the source file's URL into import.meta.url)", { webpack: true }],
  ['outside Lambda (a script, a local server)', { env: {} }],
  ['Lambda with an empty function name', { env: { AWS_LAMBDA_FUNCTION_NAME: '' } }],
  ['jest (module mocks see import(), not require)', { env: { ...LAMBDA, JEST_WORKER_ID: '1' } }],
  ['vitest', { env: { ...LAMBDA, VITEST: 'true' } }],
  ['node --test', { env: { ...LAMBDA, NODE_TEST_CONTEXT: 'child-v8' } }],
] as Array<[string, Stand]>)('from %s: import(), and require is never made', async (_name, settings) => {
  const { load, importIt, requiredAt, imports } = stand(settings)
  expect(await load(PKG, importIt(PKG))).toEqual({ from: 'import', id: PKG })
  expect(requiredAt).toEqual([])
  expect(imports).toEqual([PKG])
})

test("the CommonJS build's empty name matches no file", async () => {
  const requireAt: RequireAt = async () => Object.assign(() => 'required', { resolve: (id: string) => id }) as unknown as NodeJS.Require
  const load = sdkModuleLoader({ url: 'file:///var/task/node_modules/middy-secrets/dist/', ownFile: '', webpack: false, env: LAMBDA, requireAt })
  expect(await load(PKG, async () => 'imported')).toBe('imported')
})

test('a client require cannot find, or an ES module it cannot require: import(), whose answer or error is the one given', async () => {
  const missing = Object.assign(new Error(`Cannot find module '${PKG}'`), { code: 'MODULE_NOT_FOUND' })
  const notFound = stand({
    resolve: () => {
      throw missing
    },
  })
  expect(await notFound.load(PKG, async () => 'imported')).toBe('imported')
  const esmNotFound = Object.assign(new Error(`Cannot find package '${PKG}'`), { code: 'ERR_MODULE_NOT_FOUND' })
  await expect(notFound.load(PKG, () => Promise.reject(esmNotFound))).rejects.toBe(esmNotFound)
  for (const code of ['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE']) {
    const esm = stand({
      load: () => {
        throw Object.assign(new Error('cannot require'), { code })
      },
    })
    expect(await esm.load(PKG, async () => `imported after ${code}`)).toBe(`imported after ${code}`)
  }
})

test.each([
  ['throws', new TypeError('the client broke while loading')],
  ['misses a dependency of its own', Object.assign(new Error("Cannot find module '@smithy/gone'"), { code: 'MODULE_NOT_FOUND' })],
])('a client that %s while it loads is loaded once: not by import() after it, not by a later call; its error is the answer', async (_what, broken) => {
  let imports = 0
  let loads = 0
  const { load } = stand({
    load: () => {
      loads += 1
      throw broken
    },
  })
  await expect(load(PKG, async () => ((imports += 1), 'imported'))).rejects.toBe(broken)
  await expect(load(PKG, async () => ((imports += 1), 'imported'))).rejects.toBe(broken)
  expect({ imports, loads }).toEqual({ imports: 0, loads: 1 })
  // Another client is its own matter.
  await expect(load('@aws-sdk/client-ssm', async () => 'imported')).rejects.toBe(broken)
  expect(loads).toBe(2)
})

test('no createRequire (it failed): import() for good, createRequire not tried again', async () => {
  let tries = 0
  const load = sdkModuleLoader({ url: OWN_URL, ownFile: OWN, webpack: false, env: LAMBDA, requireAt: () => ((tries += 1), Promise.reject(new Error('no module api'))) })
  expect(await load(PKG, async () => 'imported')).toBe('imported')
  expect(await load(PKG, async () => 'imported again')).toBe('imported again')
  expect(tries).toBe(1)
})

test('the environment is read on the first load, not when the loader is made', async () => {
  const env: NodeJS.ProcessEnv = {}
  const requireAt: RequireAt = async () => Object.assign(() => 'required', { resolve: (id: string) => id }) as unknown as NodeJS.Require
  const load = sdkModuleLoader({ url: OWN_URL, ownFile: OWN, webpack: false, env, requireAt })
  env.AWS_LAMBDA_FUNCTION_NAME = 'fn'
  expect(await load(PKG, async () => 'imported')).toBe('required')
})

// The built file, as a user's jest (ESM mode) runs it: `npm test` builds dist/ first. A guard of
// the whole path under jest (the built file's loader, jest's registry, the mock), with Lambda's
// variables set as a test of trace headers sets them; that the runner rule is what makes the build
// import the client is sdk-module-mock.test.ts's (jest.unstable_mockModule, which a require misses).
test('the built ESM file under jest: a test’s aws-sdk-client-mock reaches the client', async () => {
  const saved = process.env.AWS_LAMBDA_FUNCTION_NAME
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'under-test'
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
    if (saved === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME
    else process.env.AWS_LAMBDA_FUNCTION_NAME = saved
    mock.restore()
    built.clearCache()
  }
})
