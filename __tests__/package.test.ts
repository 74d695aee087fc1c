/**
 * The built package as users load it: `import` and `require` of every entry point from a plain
 * Node script, and one real fetch through each module format against the local AWS stand-in.
 * `npm test` builds dist/ before jest runs.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startAwsServer, type AwsServer } from '../lib/testing/aws-server.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

async function node(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: root, env: { ...process.env, ...env, NODE_OPTIONS: '' } })
  return stdout.trim()
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

test('a real fetch through the ESM build', async () => {
  const esm = await node(['--input-type=module', '-e', script("await import('middy-secrets')")], { ENDPOINT: server.endpoint })
  expect(esm).toBe('v1 v2 p1')
})

test('a real fetch through the CommonJS build (p-retry inlined, SDK loaded by require)', async () => {
  const out = await node(['--input-type=commonjs', '-e', script("require('middy-secrets')")], { ENDPOINT: server.endpoint })
  expect(out).toBe('v1 v2 p1')
})
