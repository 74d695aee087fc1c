/**
 * The real `middy-secrets serve` process stops listening when it is told to (SIGINT, SIGTERM,
 * SIGHUP) and when the process that started it goes away, as npx does: `npm exec` runs the bin as
 * a child, and a process manager that stops npx signals npx only.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI, acceptsConnections, cliEnv, killAll, requireBuiltCli, spawnNode, startServe, track, waitUntilClosed } from './built-cli.js'

let dir: string
let seedPath: string

beforeAll(() => {
  requireBuiltCli()
  dir = mkdtempSync(join(tmpdir(), 'middy-secrets-lifetime-'))
  seedPath = join(dir, 'secrets.json')
  writeFileSync(seedPath, JSON.stringify({ secrets: { 'prod/db': 'v1' } }))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(killAll)

const serveArgs = (): string[] => ['--file', seedPath, '--port', '0', '--appconfig-port', '0', '--token', 't']

it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('on %s it closes the port and exits with 0', async (signal) => {
  const cli = await startServe(serveArgs())
  expect(await acceptsConnections(cli.port)).toBe(true)
  expect(await acceptsConnections(cli.appConfigPort!)).toBe(true)
  cli.child.kill(signal)
  expect(await cli.exited(5000)).toEqual({ code: 0, signal: null })
  expect(cli.stdout()).toContain(`middy-secrets: stopping: ${signal}\n`)
  expect(await acceptsConnections(cli.port)).toBe(false)
  expect(await acceptsConnections(cli.appConfigPort!)).toBe(false)
})

// `serve | head -3`: the reader goes away, and the next line written fails with EPIPE.
it('serves on when the reader of its output goes away', async () => {
  const cli = await startServe(serveArgs(), cliEnv({ PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'debug' })) // a line per request
  cli.child.stdout!.destroy()
  const get = async (): Promise<number> => (await fetch(`http://127.0.0.1:${cli.port}/secretsmanager/get?secretId=prod%2Fdb`, { headers: { 'X-Aws-Parameters-Secrets-Token': 't' } })).status
  expect([await get(), await get(), await get()]).toEqual([200, 200, 200])
  await new Promise((resolve) => setTimeout(resolve, 200))
  expect(cli.child.exitCode).toBeNull()
  expect(cli.stderr()).toBe('')
})

/** What npx does: run the bin as a child that shares its stdio, and wait for it. */
const NPX_LIKE_PARENT = `
const { spawn } = require('node:child_process')
const [cli, ...args] = process.argv.slice(1)
const child = spawn(process.execPath, [cli, 'serve', ...args], { stdio: 'inherit' })
console.log('child-pid=' + child.pid)
child.on('exit', (code) => process.exit(code ?? 1))
`

it.each(['SIGTERM', 'SIGKILL'] as const)('stops listening within seconds when its npx-like parent gets %s', async (signal) => {
  const parent = spawnNode(['-e', NPX_LIKE_PARENT, CLI, ...serveArgs()])
  const [, childPid] = await parent.waitFor(/child-pid=(\d+)/)
  track(Number(childPid))
  const [, port] = await parent.waitFor(/API on http:\/\/127\.0\.0\.1:(\d+)/)
  expect(await acceptsConnections(Number(port))).toBe(true)

  parent.child.kill(signal)
  await parent.exited(5000)
  await waitUntilClosed(Number(port), 5000)
  await waitUntilGone(Number(childPid), 5000)
})

async function waitUntilGone(pid: number, timeoutMs: number): Promise<void> {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    if (!isRunning(pid)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`process ${pid} is still running after ${timeoutMs} ms`)
}

/** An orphan that exited stays a zombie until its new parent reaps it: that counts as gone. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : ''
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
}
