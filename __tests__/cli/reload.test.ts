/**
 * Rehearsing a rotation on a laptop with the real `middy-secrets serve --file` process: edit the
 * file (saved by rename, as editors do) so AWSCURRENT moves to a new version and AWSPREVIOUS to
 * the old one; the server reloads it and says so. A broken edit keeps what was served and
 * prints why, never a value.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliEnv, killAll, requireBuiltCli, startServe } from './built-cli.js'

const OLD = '{"password":"OLD-S3CRET"}'
const NEW = '{"password":"NEW-S3CRET"}'

let dir: string
let path: string

beforeAll(requireBuiltCli)
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'middy-secrets-reload-'))
  path = join(dir, 'secrets.json')
  save({ secrets: { 'prod/db': OLD }, parameters: { '/p': '1' } })
})
afterEach(() => {
  killAll()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** As editors save: a new file renamed over the old one. */
function save(seed: unknown): void {
  writeFileSync(`${path}.tmp`, typeof seed === 'string' ? seed : JSON.stringify(seed))
  renameSync(`${path}.tmp`, path)
}

const rotated = { secrets: { 'prod/db': { versions: [{ value: OLD, stages: ['AWSPREVIOUS'] }, { value: NEW, stages: ['AWSCURRENT'] }] } } }

async function secret(port: number, query = ''): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/secretsmanager/get?secretId=prod/db${query}`, {
    headers: { 'X-Aws-Parameters-Secrets-Token': 't' },
    signal: AbortSignal.timeout(5000),
  })
  return ((await response.json()) as { SecretString: string }).SecretString
}

const serve = (env: Record<string, string> = {}) => startServe(['--file', path, '--port', '0', '--appconfig-port', '0', '--token', 't'], cliEnv(env))

it('reloads a rotation saved into the file, and prints one line with the counts', async () => {
  const cli = await serve({ SECRETS_MANAGER_TTL: '0' })
  expect(cli.stdout()).toContain(`(${path}: 1 secret, 1 parameter; reloaded when it changes)`)
  expect(await secret(cli.port)).toBe(OLD)

  save(rotated)
  await cli.waitFor(/middy-secrets: reloaded .*\n/)
  expect(cli.stdout()).toContain(
    `middy-secrets: reloaded ${path}: 1 secret, 0 parameters; answers cached before the change expire after SSM_PARAMETER_STORE_TTL (300 s); set it to 0 while rehearsing\n`,
  )
  expect(await secret(cli.port)).toBe(NEW)
  expect(await secret(cli.port, '&versionStage=AWSPREVIOUS')).toBe(OLD)
  await new Promise((resolve) => setTimeout(resolve, 300)) // past any second debounce
  expect(cli.stdout().match(/middy-secrets: reloaded/g)).toHaveLength(1)
})

it('keeps answers cached before the change for their TTL, as the extension does, and says so', async () => {
  const cli = await serve()
  expect(await secret(cli.port)).toBe(OLD)
  save(rotated)
  await cli.waitFor(/middy-secrets: reloaded .*\n/)
  expect(cli.stdout()).toContain('answers cached before the change expire after SECRETS_MANAGER_TTL (300 s) and SSM_PARAMETER_STORE_TTL (300 s); set them to 0 while rehearsing\n')
  expect(await secret(cli.port)).toBe(OLD)
  expect(await secret(cli.port, '&versionStage=AWSPREVIOUS')).toBe(OLD)
})

it('keeps serving the previous contents when an edit breaks the file, and prints why without the value', async () => {
  const cli = await serve({ SECRETS_MANAGER_TTL: '0' })
  const broken = `{ "secrets": { "prod/db": ${JSON.stringify(NEW)} oops } }`
  save(broken)
  await cli.waitFor(/not valid JSON.*\n/)
  save({ secrets: { 'prod/db': { versions: [{ value: NEW, stages: ['AWSPENDING'] }] } } })
  await cli.waitFor(/AWSCURRENT.*\n/)
  expect(cli.stderr()).toBe(
    `middy-secrets: ${path}: not valid JSON (at line 1, column ${broken.indexOf('oops') + 1}) (still serving the previous contents)\n` +
      `middy-secrets: ${path}: secrets['prod/db']: no version has the staging label AWSCURRENT; exactly one must (still serving the previous contents)\n`,
  )
  expect(await secret(cli.port)).toBe(OLD)
  // Fixed: served again.
  save(rotated)
  await cli.waitFor(/middy-secrets: reloaded .*\n/)
  expect(await secret(cli.port)).toBe(NEW)
})
