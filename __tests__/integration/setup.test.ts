/**
 * What a user meets when the set-up is wrong, through the built package in a fresh Node process
 * each (the process environment is the set-up): no credentials, no region, an SDK client package
 * that is not installed (with and without rotation awareness, which also calls DescribeSecret),
 * and a prefetch against an endpoint that never answers, which must not keep the process alive
 * (on both transports). Each gets a code of its own and a hint; none crashes the process. The
 * lean transport, forced with `transport: 'https'` where it cannot serve (no credentials, no
 * region), is a ConfigError from secrets() instead.
 *
 * runScript points the SDK's shared config files at nothing, and that alone selects the SDK
 * under 'auto' (the lean transport does not read them): a run that must be on the lean
 * transport unsets them (NO_SHARED_FILES).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
let dir: string

beforeAll(() => {
  if (!existsSync(resolve(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)')
  dir = mkdtempSync(join(tmpdir(), 'middy-secrets-setup-'))
  // One package impossible to resolve, as if it were not installed: a module hook for import(),
  // and CommonJS's resolver for require (the ESM build requires the SDK client: sdk-module.ts).
  writeFileSync(join(dir, 'hide-hook.mjs'), `export async function resolve(specifier, context, next) {
  if (specifier === process.env.HIDE_PACKAGE) { const e = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL); e.code = 'ERR_MODULE_NOT_FOUND'; throw e }
  return next(specifier, context)
}`)
  writeFileSync(
    join(dir, 'hide.mjs'),
    `import Module, { register } from 'node:module'
register(${JSON.stringify(`file://${join(dir, 'hide-hook.mjs')}`)})
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  if (request === process.env.HIDE_PACKAGE) { const e = new Error("Cannot find module '" + request + "'"); e.code = 'MODULE_NOT_FOUND'; throw e }
  return resolveFilename.call(this, request, ...rest)
}`,
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

/** Unsets the variables runScript sets for the SDK (spawn leaves out a variable whose value is undefined). */
const NO_SHARED_FILES = { AWS_CONFIG_FILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined }

/** Runs an ES module script with the built package, in a clean AWS environment plus `env`. */
function runScript(body: string, env: Record<string, string | undefined> = {}, args: string[] = []): Promise<Run> {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`)
  const entry = (name: string): string => `from ${JSON.stringify(pathToFileURL(resolve(root, `dist/${name}.js`)).href)}`
  writeFileSync(file, body.replaceAll("from 'middy-secrets'", entry('index')).replaceAll("from 'middy-secrets/testing'", entry('testing')))
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'NODE_OPTIONS'))
  const started = Date.now()
  return new Promise((done) => {
    const child = spawn(process.execPath, [...args, file], {
      cwd: root,
      env: { ...clean, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('close', (code) => {
      clearTimeout(killer)
      done({ code, stdout: stdout.trim(), stderr, ms: Date.now() - started })
    })
  })
}

/** One invocation's failures as JSON lines on stdout: [{ code, hint }]. */
const invokeOnce = (options: string): string => `
import { secrets, secret, parameter, SecretsError } from 'middy-secrets'
process.on('unhandledRejection', (reason) => { console.log('UNHANDLED ' + (reason && reason.name)); process.exitCode = 3 })
const mw = secrets({ ${options}, prefetch: false, logLevel: 'none', retries: 0 })
try {
  await mw.before({ event: {}, context: { getRemainingTimeInMillis: () => 5000 }, response: undefined, error: undefined, internal: {} })
  console.log(JSON.stringify('no error'))
} catch (error) {
  console.log(JSON.stringify(error instanceof SecretsError ? error.failures.map((f) => ({ code: f.code, hint: f.hint })) : String(error)))
}
await new Promise((r) => setTimeout(r, 50))
`

test('no credentials anywhere: CredentialsMissing with a hint naming what to set', async () => {
  const run = await runScript(invokeOnce(`context: { a: secret('a') }, clientOptions: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }`))
  expect(run.code).toBe(0)
  const failures = JSON.parse(run.stdout) as Array<{ code: string; hint: string }>
  expect(failures).toEqual([{ code: 'CredentialsMissing', hint: expect.stringContaining('AWS_ACCESS_KEY_ID') }])
})

test('no region: RegionMissing with a hint naming AWS_REGION', async () => {
  const run = await runScript(invokeOnce(`context: { p: parameter('/p') }`), { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' })
  expect(run.code).toBe(0)
  expect(JSON.parse(run.stdout)).toEqual([{ code: 'RegionMissing', hint: expect.stringContaining('AWS_REGION') }])
})

test.each([false, true])('@aws-sdk/client-secrets-manager not installed (rotation: %s): SdkNotInstalled, no crash', async (rotation) => {
  const run = await runScript(
    invokeOnce(`context: { a: secret('a', { rotation: ${rotation} }) }, clientOptions: { region: 'us-east-1' }`),
    { HIDE_PACKAGE: '@aws-sdk/client-secrets-manager', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
    ['--import', join(dir, 'hide.mjs')],
  )
  expect(run.stdout).not.toContain('UNHANDLED')
  expect(run.code).toBe(0)
  expect(JSON.parse(run.stdout)).toEqual([{ code: 'SdkNotInstalled', hint: expect.stringContaining('npm install @aws-sdk/client-secrets-manager') }])
})

/** What secrets() throws, as JSON on stdout: { name, option, message }. */
const configErrorOf = (options: string): string => `
import { secrets, secret, parameter, appConfig, item } from 'middy-secrets'
try {
  secrets({ ${options}, logLevel: 'none' })
  console.log(JSON.stringify('no error'))
} catch (error) {
  console.log(JSON.stringify({ name: error.name, option: error.option, message: error.message }))
}
`

test.each([
  ['no credentials anywhere', {}, 'no credentials in the environment'],
  ['no region', { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' }, 'no region'],
])("transport 'https' where it cannot serve (%s): a ConfigError from secrets(), naming transport and why", async (_label, env, why) => {
  const run = await runScript(configErrorOf(`context: { a: secret('a') }, transport: 'https'`), { ...NO_SHARED_FILES, ...env })
  expect(run.code).toBe(0)
  const thrown = JSON.parse(run.stdout) as { name: string; option: string; message: string }
  expect(thrown).toMatchObject({ name: 'ConfigError', option: 'transport' })
  expect(thrown.message).toContain(why)
})

test.each([
  ["appConfig('shop', 'prod', 'flags')"],
  ["item('config', 'limits')"],
])("transport 'https' with no credentials, for %s too: a ConfigError from secrets(), not at the first fetch", async (declaration) => {
  const run = await runScript(configErrorOf(`context: { k: ${declaration} }, transport: 'https'`), NO_SHARED_FILES)
  expect(JSON.parse(run.stdout)).toMatchObject({ name: 'ConfigError', option: 'transport' })
})

describe('a prefetch against an endpoint that never answers', () => {
  let server: Server
  const sockets = new Set<Socket>()
  let endpoint: string
  let requests = 0
  beforeEach(() => {
    requests = 0
  })

  beforeAll(async () => {
    server = createServer(() => {
      requests += 1 // reads, never answers
    })
    server.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((done) => server.close(done))
  })

  test.each(['https', 'sdk'])('does not keep the process alive (%s transport): it exits within the request timeout and a backoff', async (transport) => {
    const run = await runScript(
      `
import { secrets, secret } from 'middy-secrets'
secrets({ context: { a: secret('a') }, clientOptions: { region: 'us-east-1', endpoint: ${JSON.stringify(endpoint)}, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }, transport: '${transport}', requestTimeoutMs: 300, logLevel: 'none' })
`,
      transport === 'https' ? NO_SHARED_FILES : {},
    )
    expect(run.stderr).not.toMatch(/unhandled|uncaught/i)
    expect(run.code).toBe(0)
    expect(run.ms).toBeLessThan(6_000) // was about 42 s: 10 retries of a 3 s timeout, all keeping the process up
    expect(requests).toBeGreaterThanOrEqual(1) // it did ask
  })
})

test('an invocation that joins a prefetch in its backoff keeps the process alive until its answer (a bare script)', async () => {
  const run = await runScript(`
import { secrets, secret } from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
const store = memoryStore({ secrets: { a: 'va' } })
store.fail('a', { code: 'ThrottlingException', times: 3 })
const mw = secrets({ context: { a: secret('a') }, stores: { secretsManager: store }, logLevel: 'none' })
const context = {}
await mw.before({ event: {}, context, response: undefined, error: undefined, internal: {} })
console.log(context.a)
`)
  // Was exit code 13 and no output: the prefetch's backoff sleep is unref'd (nobody waits on a
  // prefetch), and the invocation that joined it held nothing open, so Node left the await unsettled.
  expect(run.stdout).toBe('va')
  expect(run.code).toBe(0)
})
