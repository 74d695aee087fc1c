/**
 * The built package as users load it: `import` and `require` of every entry point from a plain
 * Node script, and one real fetch through each module format against the local AWS stand-in.
 * `npm test` builds dist/ before jest runs.
 */
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import aws4 from 'aws4'
import { OPTION_DOCS } from '../lib/options/docs.js'
import { startAwsServer, type AwsServer } from '../lib/testing/aws-server.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

async function node(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: root, env: { ...process.env, ...env, NODE_OPTIONS: '' } })
  return stdout.trim()
}

/**
 * Writes into `dir` a module resolve hook that appends every resolved URL matching `pattern` to
 * the file named by LOADED_LOG (hooks run in a thread of their own: a file is what they share),
 * and the module that registers it; returns that module's path, for `--import`.
 */
function moduleRecorder(dir: string, pattern: RegExp): string {
  writeFileSync(join(dir, 'record-hook.mjs'), `import { appendFileSync } from 'node:fs'
const recorded = new RegExp(${JSON.stringify(pattern.source)})
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (recorded.test(result.url)) appendFileSync(process.env.LOADED_LOG, result.url + '\\n')
  return result
}`)
  writeFileSync(join(dir, 'record.mjs'), `import { register } from 'node:module'; register(${JSON.stringify(`file://${join(dir, 'record-hook.mjs')}`)})`)
  return join(dir, 'record.mjs')
}

let server: AwsServer

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)')
  server = await startAwsServer({ seed: { secrets: { 'pkg/one': 'v1', 'pkg/two': '{"k":"v2"}' }, parameters: { '/pkg/p': 'p1' } } })
})
afterAll(() => server.close())

const entries = ['middy-secrets', 'middy-secrets/testing', 'middy-secrets/extension']

test.each(entries)('import and require of %s expose the same names', async (entry) => {
  const esm = await node(['--input-type=module', '-e', `import * as m from '${entry}'; console.log(Object.keys(m).sort().join(','))`])
  const cjs = await node(['-e', `console.log(Object.keys(require('${entry}')).sort().join(','))`])
  expect(esm.length).toBeGreaterThan(0)
  expect(cjs).toBe(esm)
})

/**
 * One handler, with middy-secrets loaded by `load`. @middy/core comes through import() in both
 * formats: version 7 has no `require` export (ES modules only), so a CommonJS handler imports it.
 */
const script = (load: string): string => `
(async () => {
  const { default: middy } = await import('@middy/core')
  const { secrets, secret, parameter } = ${load}
  const clientOptions = { endpoint: process.env.ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }
  const handler = middy().use(secrets({
    context: { one: secret('pkg/one'), two: secret('pkg/two', { field: 'k' }), p: parameter('/pkg/p') },
    clientOptions, logLevel: 'none',
  })).handler(async (event, context) => [context.one, context.two, context.p].join(' '))
  console.log(await handler({}, { getRemainingTimeInMillis: () => 10000 }))
})()
`

// Every KB a cold start imports costs it about 30 µs of parsing (README, Cold start): the README
// text of the options stays out of the code the package ships.
test.each(['dist/index.js', 'dist/index.cjs'])("%s does not carry the option table's README text", (file) => {
  const code = readFileSync(resolve(root, file), 'utf8')
  const texts = Object.values(OPTION_DOCS).map((row) => row.doc.slice(0, 40))
  expect(texts.filter((text) => code.includes(text))).toEqual([])
})

test('a real fetch through the ESM build', async () => {
  const esm = await node(['--input-type=module', '-e', script("await import('middy-secrets')")], { ENDPOINT: server.endpoint })
  expect(esm).toBe('v1 v2 p1')
})

test('a real fetch through the CommonJS build (p-retry inlined)', async () => {
  const out = await node(['--input-type=commonjs', '-e', script("require('middy-secrets')")], { ENDPOINT: server.endpoint })
  expect(out).toBe('v1 v2 p1')
})

test('an ESM import and a CommonJS require in one process share one cache, clearCache(), refresh() and the error classes (the dual-package hazard)', async () => {
  const out = await node(
    [
      '--input-type=module',
      '-e',
      `
import { createRequire } from 'node:module'
import * as esm from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
const cjs = createRequire(import.meta.url)('middy-secrets')
const store = memoryStore({ secrets: { s: 'v1' } })
const stores = { secretsManager: store }
const fromCjs = cjs.secrets({ context: { s: cjs.secret('s') }, stores, prefetch: false, logLevel: 'none' })
const before = async () => { const request = { event: {}, context: {}, internal: {} }; await fromCjs.before(request); return request.context.s }
const lines = [esm.secrets !== cjs.secrets, await esm.getSecret('s', { stores }), await before(), store.count()]
store.setSecret('s', 'v2')
esm.clearCache() // the test's copy clears the handler's cache
lines.push(await before(), store.count())
store.setSecret('s', 'v3')
await esm.refresh('s') // the package-level refresh() reaches the other copy's middleware
lines.push(await before())
const failed = await cjs.getSecret('missing', { stores }).catch((e) => e)
lines.push(failed instanceof esm.SecretsError, new esm.ConfigError('x', 'y') instanceof cjs.ConfigError, new Error() instanceof esm.SecretsError)
console.log(lines.join(' '))
`,
    ],
    {},
  )
  expect(out).toBe('true v1 v1 1 v2 2 v3 true true false')
})

test('ExtensionConfigError from one copy is an ExtensionConfigError (and a ConfigError) of the other', async () => {
  // Found by review: the cross-copy instanceof covered ConfigError and SecretsError, not this subclass.
  const out = await node([
    '--input-type=module',
    '-e',
    `
import { createRequire } from 'node:module'
import * as esm from 'middy-secrets/extension'
import { ConfigError } from 'middy-secrets'
const cjs = createRequire(import.meta.url)('middy-secrets/extension')
const thrown = (read) => { try { read({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: 'abc' }) } catch (e) { return e } }
const fromCjs = thrown(cjs.readExtensionSettings)
const fromEsm = thrown(esm.readExtensionSettings)
console.log([fromCjs instanceof esm.ExtensionConfigError, fromEsm instanceof cjs.ExtensionConfigError, fromCjs instanceof ConfigError, new ConfigError('x', 'y') instanceof esm.ExtensionConfigError].join(' '))
`,
  ])
  expect(out).toBe('true true true false')
})

test("an optional key's cached absence is an absence for the other copy too: undefined, not the placeholder, and no TransformError", async () => {
  // Found by review: each copy had its own Absence class, and the other copy's instanceof missed
  // it: the CommonJS handler got { error: { code: 'ResourceNotFoundException', ... } } for the key,
  // or failed with a TransformError under transform 'json'.
  const out = await node(
    [
      '--input-type=module',
      '-e',
      `
import { createRequire } from 'node:module'
import { load, secret } from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
const cjs = createRequire(import.meta.url)('middy-secrets')
const stores = { secretsManager: memoryStore({ secrets: { 'prod/db': '{"username":"u"}' } }) } // never rotated: no AWSPREVIOUS
const previous = { versionStage: 'AWSPREVIOUS', optional: true }
await load({ raw: secret('prod/db', previous), json: secret('prod/db', { ...previous, transform: 'json' }) }, { stores }) // the ESM copy caches the absence
const fromCjs = cjs.secrets({ context: { raw: cjs.secret('prod/db', previous), json: cjs.secret('prod/db', { ...previous, transform: 'json' }) }, stores, prefetch: false, logLevel: 'none' })
const request = { event: {}, context: {}, internal: {} }
await fromCjs.before(request)
console.log(JSON.stringify({ raw: request.context.raw ?? null, json: request.context.json ?? null, calls: stores.secretsManager.count() }))
`,
    ],
    {},
  )
  expect(JSON.parse(out)).toEqual({ raw: null, json: null, calls: 1 })
})

// Each ES module file a cold start loads costs the loader about half a millisecond (README, Cold
// start): the entry imports one chunk, the one the entries share, and the rest comes on demand.
test('dist/index.js statically imports one file, the shared chunk', () => {
  const code = readFileSync(resolve(root, 'dist/index.js'), 'utf8')
  const imported = [...code.matchAll(/(?:^|[;}])\s*import\s*(?:[^"'()]*?from\s*)?["']([^"']+)["']/g)].map((m) => m[1])
  expect(imported).toHaveLength(1)
  expect(imported[0]).toMatch(/^\.\/chunks\/shared-[\w-]+\.js$/)
})

/**
 * The build carries aws4 (lib/transport/aws4-module.ts): a lean fetch reads no aws4 from
 * node_modules (neither `import` nor `require`: a resolve hook and require.cache tell), and the
 * request it sends carries the signature aws4 itself computes for that request.
 */
test.each([
  ['ESM', '', "await import('middy-secrets')"],
  ['CommonJS', '', "require('middy-secrets')"],
  // Node 20 before 20.16 has no process.getBuiltinModule: aws4's builtins then come from createRequire.
  ['ESM', ', without process.getBuiltinModule', "await import('middy-secrets')"],
  ['CommonJS', ', without process.getBuiltinModule', "require('middy-secrets')"],
])('the %s build%s signs with the aws4 it carries, as aws4 itself does, and loads no aws4 from node_modules', async (_format, without, load) => {
  const seen: Array<{ method: string; path: string; headers: Record<string, string>; body: string }> = []
  const recorder = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers as Record<string, string>, body })
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(JSON.stringify({ Name: 'pkg/signed', SecretString: 's1', VersionId: 'v1', VersionStages: ['AWSCURRENT'] }))
    })
  })
  await new Promise<void>((listening) => recorder.listen(0, '127.0.0.1', listening))
  const dir = mkdtempSync(join(tmpdir(), 'middy-secrets-aws4-'))
  try {
    const log = join(dir, 'aws4.log')
    writeFileSync(log, '')
    const hook = moduleRecorder(dir, /[\\/]node_modules[\\/]aws4[\\/]/)
    const credentials = { accessKeyId: 'AKIDPACKAGETEST', secretAccessKey: 'package-test-key', sessionToken: 'package-test-token' }
    const out = await node(
      [
        '--import',
        hook,
        '-e',
        `(async () => {
  ${without ? 'delete process.getBuiltinModule' : ''}
  const { getSecret } = ${load}
  const clientOptions = { endpoint: process.env.ENDPOINT, region: 'eu-west-1', credentials: ${JSON.stringify(credentials)} }
  const value = await getSecret('pkg/signed', { clientOptions, transport: 'https', logLevel: 'none' })
  console.log(JSON.stringify({ value, required: Object.keys(require.cache).filter((p) => /[\\\\/]node_modules[\\\\/]aws4[\\\\/]/.test(p)) }))
})()`,
      ],
      { ENDPOINT: `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`, LOADED_LOG: log },
    )
    expect(JSON.parse(out)).toEqual({ value: 's1', required: [] })
    expect(readFileSync(log, 'utf8')).toBe('')
    expect(seen).toHaveLength(1)
    const [request] = seen as [(typeof seen)[number]]
    const headers = { 'Content-Type': request.headers['content-type']!, 'X-Amz-Target': request.headers['x-amz-target']!, Host: request.headers.host!, 'X-Amz-Date': request.headers['x-amz-date']! }
    const expected = aws4.sign({ method: request.method, host: request.headers.host, path: request.path, headers, body: request.body, service: 'secretsmanager', region: 'eu-west-1' }, credentials)
    expect(request.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue')
    expect(request.headers['x-amz-security-token']).toBe('package-test-token')
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDPACKAGETEST\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=[a-z-;]+, Signature=[0-9a-f]{64}$/)
    expect(request.headers.authorization).toBe((expected.headers as Record<string, string>).Authorization)
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await new Promise((closed) => recorder.close(closed))
  }
})

// What minification must not rename: the error classes (util.inspect prints the class name first)
// and the middleware's functions (middy's plugin hooks report them by name).
test.each([
  ['ESM', "await import('middy-secrets')"],
  ['CommonJS', "require('middy-secrets')"],
])('the %s build keeps the names users see', async (_format, load) => {
  const out = await node([
    '-e',
    `(async () => {
  const { ConfigError, SecretsError, secrets, secret } = ${load}
  const mw = secrets({ context: { s: secret('s') }, prefetch: false, logLevel: 'none' })
  const inspected = require('node:util').inspect(new ConfigError('ttl', 'is wrong')).split(String.fromCharCode(10))[0]
  console.log([ConfigError.name, SecretsError.name, mw.before.name, mw.onError.name, inspected].join(' | '))
})()`,
  ])
  expect(out).toBe("ConfigError | SecretsError | middySecretsBefore | middySecretsOnError | ConfigError: middy-secrets: option 'ttl' is wrong")
})

/**
 * The lean transport's promise (issue 13): a cold start that loads no AWS SDK code. The same
 * handler on each transport reports which modules under @aws-sdk/ or @smithy/ were loaded: by
 * a module hook that records every resolved URL (what ES modules import) and from require.cache
 * (what is required: the ESM build requires the SDK client too, transport/sdk-module.ts).
 * The 'sdk' runs show the check sees the SDK when it is there.
 */
describe('which SDK modules a fetch loads', () => {
  let dir: string
  let hook: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'middy-secrets-loads-'))
    hook = moduleRecorder(dir, /\/node_modules\/@(aws-sdk|smithy)\//)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const handler = (load: string, report: string): string => `
(async () => {
  const { default: middy } = await import('@middy/core')
  const { secrets, secret, parameter } = ${load}
  const clientOptions = { endpoint: process.env.ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }
  const handler = middy().use(secrets({
    context: { one: secret('pkg/one', { rotation: true }), p: parameter('/pkg/p') },
    clientOptions, transport: process.env.TRANSPORT, logLevel: 'none',
  })).handler(async (event, context) => [context.one, context.p].join(' '))
  console.log(await handler({}, { getRemainingTimeInMillis: () => 10000 }))
  ${report}
})()
`
  const sdkPackages = (urls: string[]): string[] => [...new Set(urls.map((url) => /\/node_modules\/(@(?:aws-sdk|smithy)\/[^/]+)\//.exec(url)?.[1] ?? url))].sort()

  test.each([
    ['https', false],
    ['sdk', true],
  ] as const)('ES modules, %s transport: SDK loaded %s', async (transport, loadsSdk) => {
    const log = join(dir, `esm-${transport}.log`)
    writeFileSync(log, '')
    const required = "console.log(JSON.stringify(Object.keys((await import('node:module')).createRequire(process.cwd() + '/').cache)))"
    const out = await node(['--import', hook, '--input-type=module', '-e', handler("await import('middy-secrets')", required)], {
      ENDPOINT: server.endpoint,
      TRANSPORT: transport,
      LOADED_LOG: log,
    })
    const [answer, cache] = out.split('\n')
    expect(answer).toBe('v1 p1')
    const imported = readFileSync(log, 'utf8').split('\n').filter(Boolean)
    const loaded = sdkPackages([...imported, ...(JSON.parse(cache ?? '[]') as string[]).filter((path) => /\/node_modules\/@(aws-sdk|smithy)\//.test(path))])
    if (loadsSdk) expect(loaded).toEqual(expect.arrayContaining(['@aws-sdk/client-secrets-manager', '@aws-sdk/client-ssm']))
    else expect(loaded).toEqual([])
  })

  test.each([
    ['https', false],
    ['sdk', true],
  ] as const)('CommonJS, %s transport: SDK loaded %s', async (transport, loadsSdk) => {
    const out = await node(['--input-type=commonjs', '-e', handler("require('middy-secrets')", "console.log(JSON.stringify(Object.keys(require.cache)))")], {
      ENDPOINT: server.endpoint,
      TRANSPORT: transport,
    })
    const [answer, cache] = out.split('\n')
    expect(answer).toBe('v1 p1')
    const loaded = sdkPackages((JSON.parse(cache ?? '[]') as string[]).filter((path) => /\/node_modules\/@(aws-sdk|smithy)\//.test(path)))
    if (loadsSdk) expect(loaded).toEqual(expect.arrayContaining(['@aws-sdk/client-secrets-manager', '@aws-sdk/client-ssm']))
    else expect(loaded).toEqual([])
  })
})
