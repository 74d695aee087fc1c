/**
 * The real `middy-secrets serve --file` process with an "appConfig" section: it serves the
 * AppConfig extension's interface on its own port as well, prints a curl for it, and follows
 * edits of the file as it does for secrets, with the extension's poll interval.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliEnv, killAll, requireBuiltCli, spawnCli, startServe } from './built-cli.js'
import { curl } from '../stores/extension-servers.js'

const V1 = '{"currency":"EUR","discount":"V1-CONTENT"}'
const V2 = '{"currency":"USD","discount":"V2-CONTENT"}'

let dir: string
let path: string
let occupied: Server | undefined

beforeAll(requireBuiltCli)
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'middy-secrets-appconfig-'))
  path = join(dir, 'secrets.json')
  save({ secrets: { 'prod/db': 'x' }, appConfig: { 'shop/prod/settings': V1, 'shop/prod/banner': { content: 'Sale!', contentType: 'text/plain' } } })
})
afterEach(async () => {
  killAll()
  await new Promise<void>((resolve) => (occupied ? occupied.close(() => resolve()) : resolve()))
  occupied = undefined
  rmSync(dir, { recursive: true, force: true })
})

/** As editors save: a new file renamed over the old one. */
function save(seed: unknown): void {
  writeFileSync(`${path}.tmp`, typeof seed === 'string' ? seed : JSON.stringify(seed))
  renameSync(`${path}.tmp`, path)
}

const serve = (env: Record<string, string> = {}) => startServe(['--file', path, '--port', '0', '--appconfig-port', '0', '--token', 't'], cliEnv(env))

async function settings(port: number): Promise<{ text: string; contentType?: string; version?: string | string[] }> {
  const answer = await curl(`http://127.0.0.1:${port}/applications/shop/environments/prod/configurations/settings`)
  return { text: answer.text(), contentType: answer.headers['content-type'], version: answer.headers['configuration-version'] }
}

it('serves the configurations on their own port, with a curl in the banner, and answers as the extension does', async () => {
  const cli = await serve()
  expect(cli.appConfigPort).toEqual(expect.any(Number))
  expect(cli.stdout()).toContain(`(${path}: 1 secret, 0 parameters, 2 configurations; reloaded when it changes)`)
  expect(cli.stdout()).toContain(`middy-secrets: AppConfig extension API on http://127.0.0.1:${cli.appConfigPort}\n`)
  expect(cli.stdout()).toContain(`  curl "http://127.0.0.1:${cli.appConfigPort}/applications/shop/environments/prod/configurations/settings"\n`)
  expect(cli.stdout()).toContain(`  export AWS_APPCONFIG_EXTENSION_HTTP_PORT=${cli.appConfigPort}\n`)
  expect(cli.stdout()).not.toContain('V1-CONTENT')
  expect(await settings(cli.appConfigPort!)).toEqual({ text: V1, contentType: 'application/json', version: '1' })
  const banner = await curl(`http://127.0.0.1:${cli.appConfigPort}/applications/shop/environments/prod/configurations/banner`)
  expect(banner.headers['content-type']).toBe('text/plain')
})

it('reloads an edited configuration: at once with a poll interval of 0', async () => {
  const cli = await serve({ AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS: '0' })
  expect((await settings(cli.appConfigPort!)).text).toBe(V1)
  save({ secrets: { 'prod/db': 'x' }, appConfig: { 'shop/prod/settings': V2 } })
  await cli.waitFor(/middy-secrets: reloaded .*\n/)
  expect(cli.stdout()).toContain(`middy-secrets: reloaded ${path}: 1 secret, 0 parameters, 1 configuration; answers cached before the change expire after SECRETS_MANAGER_TTL (300 s) and SSM_PARAMETER_STORE_TTL (300 s); set them to 0 while rehearsing\n`)
  expect(await settings(cli.appConfigPort!)).toEqual({ text: V2, contentType: 'application/json', version: '2' })
})

it('keeps a configuration polled before the change for the poll interval, and says so', async () => {
  const cli = await serve({ SECRETS_MANAGER_TTL: '0', SSM_PARAMETER_STORE_TTL: '0' })
  expect((await settings(cli.appConfigPort!)).text).toBe(V1)
  save({ secrets: { 'prod/db': 'x' }, appConfig: { 'shop/prod/settings': V2 } })
  await cli.waitFor(/middy-secrets: reloaded .*\n/)
  expect(cli.stdout()).toContain('answers cached before the change expire after AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS (45 s); set it to 0 while rehearsing\n')
  expect((await settings(cli.appConfigPort!)).text).toBe(V1)
})

it('keeps serving the previous configurations when an edit breaks one, and prints why without the content', async () => {
  const cli = await serve({ AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS: '0' })
  save({ appConfig: { 'shop/prod/settings': '{"discount":"V2-CONTENT"' } })
  await cli.waitFor(/still serving the previous contents\)\n/)
  expect(cli.stderr()).toBe(
    `middy-secrets: ${path}: appConfig['shop/prod/settings'] is not valid JSON, and a string entry is JSON (application/json); for other text give { "content": "...", "contentType": "text/plain" } (still serving the previous contents)\n`,
  )
  expect((await settings(cli.appConfigPort!)).text).toBe(V1)
})

it('a port in use for the AppConfig interface: the port and what to do, exit 1', async () => {
  occupied = createServer()
  const port = await new Promise<number>((resolve) => occupied!.listen(0, '127.0.0.1', () => resolve((occupied!.address() as { port: number }).port)))
  const cli = spawnCli(['serve', '--file', path, '--port', '0', '--appconfig-port', String(port), '--token', 't'])
  expect((await cli.exited()).code).toBe(1)
  expect(cli.stderr()).toBe(`middy-secrets: port ${port} on 127.0.0.1 is in use; choose another with --appconfig-port or AWS_APPCONFIG_EXTENSION_HTTP_PORT\n`)
})
