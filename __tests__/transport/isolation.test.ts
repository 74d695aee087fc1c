/**
 * In a fresh Node process: a call on the lean transport loads no @aws-sdk/* or @smithy/* module
 * (and works with aws4 as the only package installed), the process exits by itself right after
 * the call (the keep-alive agent's idle socket does not hold it), and the SDK transport without
 * its package answers SdkNotInstalled. The SDK transport's own run is the control: it shows that
 * the module log does see the SDK when it is loaded.
 */
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { buildChildTree, runChild, type ChildRun, type ChildTree } from './child.js'

let server: AwsServer
let full: ChildTree
let bare: ChildTree

beforeAll(async () => {
  server = await startAwsServer({ seed: { secrets: { 'prod/db': 'v' }, parameters: { '/p': 'v' } } })
  full = buildChildTree('all')
  bare = buildChildTree('aws4 only')
})

afterAll(async () => {
  full?.remove()
  bare?.remove()
  await server.close()
})

const SDK_MODULE = /[/\\]node_modules[/\\]@(aws-sdk|smithy)[/\\]/
const sdkModules = (run: ChildRun): string[] => [...run.cjs, ...run.esm].filter((m) => SDK_MODULE.test(m))

const call = (tree: ChildTree, transport: 'https' | 'sdk', service = 'secretsmanager') =>
  runChild(tree, {
    TRANSPORT: transport,
    SERVICE: service,
    ENDPOINT: server.endpoint,
    OPERATION: service === 'ssm' ? 'GetParameter' : 'GetSecretValue',
    INPUT: JSON.stringify(service === 'ssm' ? { Name: '/p' } : { SecretId: 'prod/db' }),
  })

test('the lean transport: a call succeeds with no @aws-sdk or @smithy module loaded, and the process exits at once', async () => {
  const run = await call(full, 'https')
  expect(run).toMatchObject({ ok: true })
  expect(sdkModules(run)).toEqual([])
  // node:http comes from process.getBuiltinModule and aws4 from require, not through the ESM loader (runtime.ts says why).
  expect(run.cjs.some((m) => m.endsWith('/aws4/aws4.js'))).toBe(true)
  expect(run.esm.filter((m) => /^node:https?$|aws4/.test(m))).toEqual([])
  // The stand-in keeps idle connections for 5 s; an idle socket that held the process would show here.
  expect(run.exitAfterMs).toBeLessThan(1000)
})

test('the lean transport works with aws4 as the only package installed', async () => {
  const run = await call(bare, 'https', 'ssm')
  expect(run).toMatchObject({ ok: true })
  expect(run.exitAfterMs).toBeLessThan(1000)
})

test('control: the SDK transport loads the SDK, and the module log sees it', async () => {
  const run = await call(full, 'sdk')
  expect(run).toMatchObject({ ok: true })
  expect(sdkModules(run).some((m) => m.includes('@aws-sdk/client-secrets-manager'))).toBe(true)
})

test('the SDK transport without its package installed -> SdkNotInstalled, from a real ERR_MODULE_NOT_FOUND', async () => {
  const run = await call(bare, 'sdk', 'ssm')
  expect(run).toMatchObject({ ok: false, code: 'SdkNotInstalled' })
  expect(run.message).toContain('npm install @aws-sdk/client-ssm')
})
