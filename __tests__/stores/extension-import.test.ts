/**
 * What `middy-secrets/extension` costs at import, through the built package in a fresh Node:
 * node:http is not loaded until a store makes its first request (an ESM import of node:http
 * costs 20-25 ms on Node 22: it reads the lazy WebSocket getters, which load undici).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { requireBuiltCli } from '../cli/built-cli.js'

const run = promisify(execFile)

const probe = (load: string): string => `
(async () => {
  const http = () => process.moduleLoadList.includes('NativeModule http')
  const m = ${load}
  const atImport = http()
  const store = m.appConfigExtensionStore({ port: 1, startupTimeoutMs: 0, env: {} })
  const [result] = await store.fetch([{ kind: 'appConfig', name: 'a/b/c' }], { signal: new AbortController().signal, requestTimeoutMs: 1000, limit: (t) => t(), logger: console })
  console.log(JSON.stringify({ atImport, afterFetch: http(), code: result.error.code }))
})()
`

beforeAll(requireBuiltCli)

test.each([
  ['ESM', ['--input-type=module', '-e', probe("await import('middy-secrets/extension')")]],
  ['CommonJS', ['--input-type=commonjs', '-e', probe("require('middy-secrets/extension')")]],
])('the %s build loads node:http on the first request, not at import', async (_format, args) => {
  const { stdout } = await run(process.execPath, args, { env: { ...process.env, NODE_OPTIONS: '' } })
  expect(JSON.parse(stdout)).toEqual({ atImport: false, afterFetch: true, code: 'ExtensionUnavailable' })
})
