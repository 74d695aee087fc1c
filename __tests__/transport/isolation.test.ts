/**
 * In a fresh Node process: a call on the lean transport loads no @aws-sdk/* or @smithy/* module
 * (and works with aws4 as the only package installed), the process exits by itself right after
 * the call (the keep-alive agent's idle socket does not hold it), and the SDK transport without
 * its package answers SdkNotInstalled. The SDK transport's own run is the control: it shows that
 * the module log does see the SDK when it is loaded.
 */
import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { SERVER_TLS, TEST_CA_FILE } from '../support/tls.js'
import { buildChildTree, ROOT, runChild, type ChildRun, type ChildTree } from './child.js'

let server: AwsServer
/** The same stand-in over HTTPS, with a certificate of the test CA. */
let tlsServer: AwsServer
let full: ChildTree
let bare: ChildTree
let bundled: ChildTree

beforeAll(async () => {
  server = await startAwsServer({
    seed: { secrets: { 'prod/db': 'v' }, parameters: { '/p': 'v' }, dynamodb: { config: { partitionKey: 'id', items: [{ id: 'flags', value: { on: true, limits: [1, 2] } }] } } },
  })
  tlsServer = await startAwsServer({ seed: { secrets: { 'prod/db': 'v' } }, tls: SERVER_TLS })
  full = buildChildTree('all')
  bare = buildChildTree('aws4 only')
  bundled = buildChildTree('none')
})

afterAll(async () => {
  full?.remove()
  bare?.remove()
  bundled?.remove()
  await server.close()
  await tlsServer.close()
})

const SDK_MODULE = /[/\\]node_modules[/\\]@(aws-sdk|smithy)[/\\]/
const sdkModules = (run: ChildRun): string[] => [...run.cjs, ...run.esm].filter((m) => SDK_MODULE.test(m))

const call = (tree: ChildTree, transport: 'https' | 'sdk', service = 'secretsmanager', env: Record<string, string> = {}) =>
  runChild(tree, {
    TRANSPORT: transport,
    SERVICE: service,
    ENDPOINT: server.endpoint,
    OPERATION: service === 'ssm' ? 'GetParameter' : 'GetSecretValue',
    INPUT: JSON.stringify(service === 'ssm' ? { Name: '/p' } : { SecretId: 'prod/db' }),
    ...env,
  })

test('the lean transport: a call succeeds with no @aws-sdk or @smithy module loaded, and the process exits at once', async () => {
  const run = await call(full, 'https')
  expect(run).toMatchObject({ ok: true })
  expect(sdkModules(run)).toEqual([])
  // node:http comes from process.getBuiltinModule and aws4 from require, not through the ESM loader (runtime.ts says why).
  expect(run.cjs.some((m) => m.endsWith('/aws4/aws4.js'))).toBe(true)
  expect(run.esm.filter((m) => /^node:https?$|[/\\]node_modules[/\\]aws4[/\\]/.test(m))).toEqual([])
  // The stand-in keeps idle connections for 5 s; an idle socket that held the process would show here.
  expect(run.exitAfterMs).toBeLessThan(1000)
})

test('the lean transport works with aws4 as the only package installed', async () => {
  const run = await call(bare, 'https', 'ssm')
  expect(run).toMatchObject({ ok: true })
  expect(run.exitAfterMs).toBeLessThan(1000)
})

test('the fallbacks: no process.getBuiltinModule (Node < 20.16), and aws4 only importable (a bundle with no node_modules)', async () => {
  // aws4's real path: Node evaluates a CommonJS file imported through a symlinked URL to an empty module.
  const run = await call(bundled, 'https', 'ssm', { NO_GET_BUILTIN: '1', AWS4_URL: pathToFileURL(realpathSync(join(ROOT, 'node_modules', 'aws4', 'aws4.js'))).href })
  expect(run).toMatchObject({ ok: true })
  expect(run.esm).toContain('node:module') // createRequire came from an import of node:module
  expect(run.esm.some((m) => m.endsWith('/aws4/aws4.js'))).toBe(true) // aws4 from import()
})

test('a DynamoDB item read and decoded on the lean transport loads no @aws-sdk or @smithy module either (no util-dynamodb: dynamodb-values.ts)', async () => {
  const input = JSON.stringify({ kind: 'item', name: 'config', key: { attribute: 'id', value: 'flags' }, valueAttribute: 'value', consistentRead: false })
  const [lean, sdk] = await Promise.all([call(bare, 'https', 'dynamodb', { STORE: 'dynamodb', INPUT: input }), call(full, 'sdk', 'dynamodb', { STORE: 'dynamodb', INPUT: input })])
  expect(lean).toMatchObject({ ok: true, value: { on: true, limits: [1, 2] } })
  expect(sdkModules(lean)).toEqual([])
  // The control: the SDK transport's read loads the DynamoDB client, and no util-dynamodb either.
  expect(sdk).toMatchObject({ ok: true, value: { on: true, limits: [1, 2] } })
  expect(sdkModules(sdk).some((m) => m.includes('@aws-sdk/client-dynamodb'))).toBe(true)
  expect(sdkModules(sdk).filter((m) => m.includes('util-dynamodb'))).toEqual([])
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

describe('over TLS, as AWS is reached (the stand-in with a certificate of the test CA)', () => {
  test('with the CA trusted through NODE_EXTRA_CA_CERTS, both transports read the secret, and the lean one exits at once (its idle TLS socket does not hold the process)', async () => {
    const trusted = { ENDPOINT: tlsServer.endpoint, NODE_EXTRA_CA_CERTS: TEST_CA_FILE }
    const [lean, sdk] = await Promise.all([call(full, 'https', 'secretsmanager', trusted), call(full, 'sdk', 'secretsmanager', trusted)])
    expect(lean).toMatchObject({ ok: true })
    expect(sdk).toMatchObject({ ok: true })
    expect(sdkModules(lean)).toEqual([])
    expect(lean.exitAfterMs).toBeLessThan(1000)
  })

  test('with the CA not trusted, both transports answer the same TlsError (not retryable: the SDK does not retry it, nor does the resolver)', async () => {
    const untrusted = { ENDPOINT: tlsServer.endpoint }
    const [lean, sdk] = await Promise.all([call(full, 'https', 'secretsmanager', untrusted), call(full, 'sdk', 'secretsmanager', untrusted)])
    const refused = { ok: false, code: 'TlsError', message: 'GetSecretValue failed: the TLS connection was refused (UNABLE_TO_VERIFY_LEAF_SIGNATURE)', retryable: false }
    expect(lean).toMatchObject(refused)
    expect(sdk).toMatchObject(refused)
  })
})
