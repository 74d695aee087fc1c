/**
 * `serve --file` reloads: the server behind openFileSource() answers from the file as it is
 * now, a rotation rehearsed by editing the file shows up after reload(), and a file that no
 * longer parses (or is gone for a moment) keeps the previous state with an error that never
 * quotes a value.
 */
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFileSource, type FileSource } from '../../lib/extension-server/file-source.js'
import { startExtensionServer, type ExtensionServer } from '../../lib/extension-server/server.js'
import type { Logger } from '../../lib/store.js'

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const TOKEN = 't'
const OLD = 'OLD-S3CRET'
const NEW = 'NEW-S3CRET'

let dir: string
let path: string
let server: ExtensionServer | undefined

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'middy-secrets-file-source-'))
  path = join(dir, 'secrets.json')
})
afterEach(async () => {
  await server?.close()
  server = undefined
  rmSync(dir, { recursive: true, force: true })
})

function write(seed: unknown): void {
  writeFileSync(path, typeof seed === 'string' ? seed : JSON.stringify(seed))
}

/** The server as the CLI starts it, with the extension's cache on or off. */
async function serve(source: FileSource, secretsTtl: number): Promise<ExtensionServer> {
  server = await startExtensionServer({ backend: source.backend, port: 0, token: TOKEN, logger: silent, env: {}, secretsTtl })
  return server
}

async function get(query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server!.url}/secretsmanager/get?${query}`, { headers: { 'X-Aws-Parameters-Secrets-Token': TOKEN } })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const before = { secrets: { 'prod/db': OLD }, parameters: { '/p': '1' } }
const rotated = {
  secrets: { 'prod/db': { versions: [{ value: OLD, stages: ['AWSPREVIOUS'] }, { value: NEW, stages: ['AWSCURRENT'] }] }, 'prod/new': 'n' },
  parameters: { '/p': '1' },
}

it('rehearses a rotation: after the edit and reload(), AWSCURRENT is the new value and AWSPREVIOUS the old one, same version id', async () => {
  write(before)
  const source = await openFileSource(path)
  expect(source.counts).toEqual({ secrets: 1, parameters: 1, configurations: 0 })
  await serve(source, 0)
  const first = await get('secretId=prod/db')
  expect(first.body).toMatchObject({ SecretString: OLD, VersionStages: ['AWSCURRENT'] })

  write(rotated)
  expect(await source.reload()).toEqual({ kind: 'reloaded', counts: { secrets: 2, parameters: 1, configurations: 0 } })
  expect((await get('secretId=prod/db')).body).toMatchObject({ SecretString: NEW, VersionStages: ['AWSCURRENT'] })
  expect((await get('secretId=prod/db&versionStage=AWSPREVIOUS')).body).toMatchObject({ SecretString: OLD, VersionId: first.body.VersionId })
  expect((await get(`secretId=prod/db&versionId=${String(first.body.VersionId)}`)).body).toMatchObject({ SecretString: OLD })
})

it('keeps the extension cache semantics: an answer cached before the change lives out its TTL', async () => {
  write(before)
  const source = await openFileSource(path)
  await serve(source, 300)
  expect((await get('secretId=prod/db')).body.SecretString).toBe(OLD)
  write(rotated)
  await source.reload()
  expect((await get('secretId=prod/db')).body.SecretString).toBe(OLD)
  // Not cached before the change: the new state.
  expect((await get('secretId=prod/db&versionStage=AWSPREVIOUS')).body.SecretString).toBe(OLD)
  expect((await get('secretId=prod/new')).body.SecretString).toBe('n')
})

it('keeps the previous state when the file no longer parses, and says why without quoting a value', async () => {
  write(before)
  const source = await openFileSource(path)
  await serve(source, 0)
  write({ secrets: { 'prod/db': { versions: [{ value: NEW, stages: ['AWSPREVIOUS'] }] } } })
  const outcome = await source.reload()
  expect(outcome).toEqual({ kind: 'failed', message: `${path}: secrets['prod/db']: no version has the staging label AWSCURRENT; exactly one must` })
  write(`{ "secrets": { "prod/db": "${NEW}" `)
  const broken = await source.reload()
  expect(broken).toEqual({ kind: 'failed', message: expect.stringMatching(/not valid JSON/) })
  expect(JSON.stringify(broken)).not.toContain(NEW)
  expect((await get('secretId=prod/db')).body.SecretString).toBe(OLD)
  // Fixed again: served.
  write(rotated)
  expect(await source.reload()).toMatchObject({ kind: 'reloaded' })
  expect((await get('secretId=prod/db')).body.SecretString).toBe(NEW)
})

it('reports a file saved unchanged as unchanged, and one that was gone for a moment as news when it is back', async () => {
  write(before)
  const source = await openFileSource(path)
  await serve(source, 0)
  write(before)
  expect(await source.reload()).toEqual({ kind: 'unchanged' })
  unlinkSync(path)
  expect(await source.reload()).toEqual({ kind: 'failed', message: `${path}: cannot be read (ENOENT)` })
  expect((await get('secretId=prod/db')).body.SecretString).toBe(OLD)
  // Put back by rename, as editors save.
  writeFileSync(`${path}.tmp`, JSON.stringify(before))
  renameSync(`${path}.tmp`, path)
  expect(await source.reload()).toMatchObject({ kind: 'reloaded' })
})

it('serves the appConfig section on the AppConfig interface with the file\'s content types, and follows reloads', async () => {
  write({ appConfig: { 'shop/prod/settings': '{"v":1}', 'shop/prod/banner': { content: 'Sale!', contentType: 'text/plain' } } })
  const source = await openFileSource(path)
  expect(source.counts).toEqual({ secrets: 0, parameters: 0, configurations: 2 })
  expect(source.exampleConfiguration).toBe('shop/prod/settings')
  server = await startExtensionServer({ backend: source.backend, port: 0, token: TOKEN, logger: silent, env: {}, appConfig: { port: 0, pollIntervalSeconds: 0 } })
  // pollIntervalSeconds 0: each request sees the file as it is now (the CLI test covers the interval).
  const configuration = async (profile: string) => {
    const response = await fetch(`${server!.appConfig!.url}/applications/shop/environments/prod/configurations/${profile}`)
    return { status: response.status, contentType: response.headers.get('content-type'), version: response.headers.get('configuration-version'), text: await response.text() }
  }
  expect(await configuration('settings')).toEqual({ status: 200, contentType: 'application/json', version: '1', text: '{"v":1}' })
  expect(await configuration('banner')).toMatchObject({ contentType: 'text/plain', text: 'Sale!' })

  // A changed entry is a new deployment, with the next version; an unchanged one keeps its own.
  write({ appConfig: { 'shop/prod/settings': { content: 'v: 2', contentType: 'application/x-yaml' }, 'shop/prod/banner': { content: 'Sale!', contentType: 'text/plain' } } })
  expect(await source.reload()).toEqual({ kind: 'reloaded', counts: { secrets: 0, parameters: 0, configurations: 2 } })
  expect(await configuration('settings')).toEqual({ status: 200, contentType: 'application/x-yaml', version: '2', text: 'v: 2' })
  expect(await configuration('banner')).toMatchObject({ version: '1', text: 'Sale!' })

  // Gone from the file: not served; back with new content: its numbering goes on.
  write({ appConfig: { 'shop/prod/settings': { content: 'v: 2', contentType: 'application/x-yaml' } } })
  await source.reload()
  expect((await configuration('banner')).status).toBe(404)
  expect((await configuration('settings')).version).toBe('2')
  write({ appConfig: { 'shop/prod/banner': { content: 'Sale over', contentType: 'text/plain' } } })
  await source.reload()
  expect(await configuration('banner')).toMatchObject({ version: '2', text: 'Sale over' })
  // The same content under another content type is another deployment too.
  write({ appConfig: { 'shop/prod/banner': { content: 'Sale over', contentType: 'text/markdown' } } })
  await source.reload()
  expect(await configuration('banner')).toMatchObject({ version: '3', contentType: 'text/markdown' })
})

it('refuses to open a file that does not parse', async () => {
  write('{"secrets":{"s":42}}')
  await expect(openFileSource(path)).rejects.toThrow(`${path}: secrets['s'] must be a string`)
})
