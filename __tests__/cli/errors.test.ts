/**
 * What the real `middy-secrets serve` process prints when it cannot start: one `middy-secrets:`
 * prefix on every error (library errors already carry it; the CLI must not add a second), the
 * usage text after usage errors only, exit code 2 for usage errors and 1 for the rest.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliEnv, killAll, requireBuiltCli, spawnCli } from './built-cli.js'

let dir: string
let occupied: Server | undefined

beforeAll(() => {
  requireBuiltCli()
  dir = mkdtempSync(join(tmpdir(), 'middy-secrets-cli-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(async () => {
  killAll()
  await new Promise<void>((resolve) => (occupied ? occupied.close(() => resolve()) : resolve()))
  occupied = undefined
})

async function run(args: string[], env = cliEnv()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, env)
  const { code } = await cli.exited()
  return { code, stdout: cli.stdout(), stderr: cli.stderr() }
}

function prefixes(text: string): number {
  return text.split('middy-secrets:').length - 1
}

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

it('a usage error: one prefix, then the usage text, exit 2', async () => {
  const { code, stdout, stderr } = await run(['serve', '--verbose'])
  expect(code).toBe(2)
  expect(stdout).toBe('')
  expect(stderr.split('\n')[0]).toMatch(/^middy-secrets: Unknown option '--verbose'/)
  expect(prefixes(stderr)).toBe(1)
  expect(stderr).toContain('Usage:\n  middy-secrets serve --file')
})

it('options without the serve command: a usage error, exit 2, not the help and 0 (a script would see success while nothing listens)', async () => {
  const { code, stdout, stderr } = await run(['--file', 'secrets.json'])
  expect(code).toBe(2)
  expect(stdout).toBe('')
  expect(stderr.split('\n')[0]).toBe("middy-secrets: no command; to run the stand-in, put 'serve' before the options")
})

it.each([['70000'], ['abc']])('a bad port (%s): one prefix, the range, exit 2', async (port) => {
  const { code, stderr } = await run(['serve', '--file', 'x.json', '--port', port])
  expect(code).toBe(2)
  expect(stderr.split('\n')[0]).toBe(`middy-secrets: --port is '${port}': expected an integer from 0 to 65535`)
  expect(prefixes(stderr)).toBe(1)
})

it('a bad variable (a ConfigError, which carries the prefix itself): printed once, exit 1', async () => {
  const path = file('ok.json', '{}')
  const { code, stderr } = await run(['serve', '--file', path, '--port', '0', '--token', 't'], cliEnv({ SECRETS_MANAGER_TTL: '9000' }))
  expect(code).toBe(1)
  expect(stderr).toBe("middy-secrets: option 'SECRETS_MANAGER_TTL' is '9000', which is not allowed: expected an integer from 0 to 300 (default 300)\n")
})

it('an unreadable file: the path and the reason, exit 1', async () => {
  const path = join(dir, 'missing.json')
  const { code, stderr } = await run(['serve', '--file', path, '--port', '0', '--token', 't'])
  expect(code).toBe(1)
  expect(stderr).toBe(`middy-secrets: ${path}: cannot be read (ENOENT)\n`)
})

it('a file that is not JSON: the position, never the text, exit 1', async () => {
  const path = file('bad.json', '{ "secrets": { "prod/db": "TOP-SECRET" oops } }')
  const { code, stderr } = await run(['serve', '--file', path, '--port', '0', '--token', 't'])
  expect(code).toBe(1)
  expect(stderr).toBe(`middy-secrets: ${path}: not valid JSON (at line 1, column 40)\n`)
})

it.each([
  ['--port and --appconfig-port', ['--port', '47751', '--appconfig-port', '47751'], {}],
  ['the two variables', [], { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '47751', AWS_APPCONFIG_EXTENSION_HTTP_PORT: '47751' }],
])('one port for both interfaces (%s): said as such before anything listens, exit 1', async (_how, flags, env) => {
  const { code, stdout, stderr } = await run(['serve', '--file', file('ok.json', '{}'), ...flags, '--token', 't'], cliEnv(env))
  expect(code).toBe(1)
  expect(stdout).toBe('')
  expect(stderr).toBe(
    "middy-secrets: option 'appConfig.port' is 47751, the port of the Parameters and Secrets interface too: give each its own (--port or PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, --appconfig-port or AWS_APPCONFIG_EXTENSION_HTTP_PORT)\n",
  )
})

it('a port in use: the port and what to do, exit 1', async () => {
  occupied = createServer()
  const port = await new Promise<number>((resolve) => occupied!.listen(0, '127.0.0.1', () => resolve((occupied!.address() as { port: number }).port)))
  const { code, stderr } = await run(['serve', '--file', file('ok.json', '{}'), '--port', String(port), '--token', 't'])
  expect(code).toBe(1)
  expect(stderr).toBe(`middy-secrets: port ${port} on 127.0.0.1 is in use; choose another with --port or PARAMETERS_SECRETS_EXTENSION_HTTP_PORT\n`)
})
