/**
 * `npm run build && node examples/rds-rotation/run.mjs`: the rds-rotation handler against a real
 * PostgreSQL and the local AWS stand-in (the real SDK over HTTP on 127.0.0.1, no AWS account).
 *
 * PostgreSQL: set PGADMIN_URL=postgres://admin:password@127.0.0.1:5432/postgres to use a server
 * you run (the script creates a database and two roles and drops them at the end); otherwise it
 * starts a throwaway cluster (initdb + pg_ctl in a temp folder, as the postgres user when run
 * as root) if the PostgreSQL server binaries are installed, and tells you how to get them if not.
 *
 * It invokes the handler, rotates the password the way Secrets Manager's single-user rotation
 * function does (createSecret -> setSecret -> testSecret -> finishSecret), with the server
 * terminating the old sessions, invokes again and shows the one refresh and re-run that follow.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import pg from 'pg'
import { startAwsServer } from 'middy-secrets/testing'
import { indentedLogger, lambdaContext } from '../support.mjs'
import { closeDatabase, createHandler, stats } from './handler.mjs'

const suffix = randomBytes(3).toString('hex')
const DB = `rds_rotation_${suffix}`
const USER = `app_user_${suffix}`
const password = () => `pw-${randomBytes(18).toString('base64url')}`

// ---- PostgreSQL: yours (PGADMIN_URL) or a throwaway cluster -----------------------------------

function postgresBin() {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  const dirs = [...versions.map((v) => join(root, v, 'bin')), ...(process.env.PATH ?? '').split(':')]
  return dirs.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
}

async function throwawayCluster(bin) {
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'rds-rotation-pg-'))
  const run = (command, args) => execFileSync(asRoot ? 'runuser' : join(bin, command), asRoot ? ['-u', 'postgres', '--', join(bin, command), ...args] : args, { stdio: 'pipe' })
  const admin = { user: 'pgadmin', password: password() }
  writeFileSync(join(dir, 'pw'), `${admin.password}\n`, { mode: 0o600 })
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }))
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }))
    chownSync(dir, uid, gid)
    chownSync(join(dir, 'pw'), uid, gid)
  }
  run('initdb', ['-D', join(dir, 'data'), '-U', admin.user, `--pwfile=${join(dir, 'pw')}`, '--auth=scram-sha-256', '--no-locale', '-E', 'UTF8', '--no-sync'])
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
  run('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`, 'start'])
  const stop = () => {
    run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'])
    rmSync(dir, { recursive: true, force: true })
  }
  return { host: '127.0.0.1', port, ...admin, database: 'postgres', stop }
}

let server
if (process.env.PGADMIN_URL) {
  const url = new URL(process.env.PGADMIN_URL)
  server = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) || 'postgres', stop: () => {} }
} else {
  const bin = postgresBin()
  if (!bin) {
    console.log('rds-rotation needs PostgreSQL. Either:')
    console.log('  - install the server binaries (Debian/Ubuntu: apt-get install -y postgresql) and run this again; or')
    console.log('  - point it at a server you run, as a superuser:')
    console.log('      PGADMIN_URL=postgres://postgres:secret@127.0.0.1:5432/postgres node examples/rds-rotation/run.mjs')
    console.log('The same scenario runs, skipped when PostgreSQL is missing, in `npm test` (__tests__/e2e/rds-rotation.test.ts).')
    process.exit(0)
  }
  server = await throwawayCluster(bin)
}

const connect = async ({ host, port, database, user, password }) => {
  const client = new pg.Client({ host, port, database, user, password })
  await client.connect()
  return client
}
const asAdmin = async (database, work) => {
  const client = await connect({ ...server, database })
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

// ---- A database, a role, and the secrets ------------------------------------------------------

const initialPassword = password()
await asAdmin(server.database, (c) => c.query(`create database ${DB}`))
await asAdmin(DB, async (c) => {
  await c.query('create table orders (id int primary key, total numeric not null)')
  await c.query('insert into orders select g, g * 10 from generate_series(1, 5) g')
  await c.query(`create role ${USER} login password ${c.escapeLiteral(initialPassword)}`)
  await c.query(`grant select on orders to ${USER}`)
})

const secretOf = (username, pw) => JSON.stringify({ engine: 'postgres', host: server.host, port: server.port, dbname: DB, username, password: pw })
const aws = await startAwsServer({ seed: { secrets: { 'prod/db': secretOf(USER, initialPassword) } } })
const clientOptions = { endpoint: aws.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }

// ---- The rotation function: AWS's single-user strategy, on the real SDK -----------------------

const sm = new SecretsManagerClient(clientOptions)
const get = async (selector) => JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db', ...selector }))).SecretString)

async function rotateSingleUser() {
  const token = randomUUID()
  const current = await get({ VersionStage: 'AWSCURRENT' })
  await sm.send(new PutSecretValueCommand({ SecretId: 'prod/db', ClientRequestToken: token, SecretString: JSON.stringify({ ...current, password: password() }), VersionStages: ['AWSPENDING'] }))
  console.log('rotate       createSecret: a new version labelled AWSPENDING, with a new random password')
  const pending = await get({ VersionId: token, VersionStage: 'AWSPENDING' })
  const terminated = await asAdmin(DB, async (c) => {
    await c.query(`alter role ${c.escapeIdentifier(pending.username)} password ${c.escapeLiteral(pending.password)}`)
    const { rowCount } = await c.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [pending.username])
    return rowCount
  })
  await new Promise((resolve) => setTimeout(resolve, 100)) // the terminated connection notices
  console.log(`             setSecret: ALTER ROLE ... PASSWORD on the server; ${terminated} session(s) of ${pending.username} terminated`)
  const test = await connect({ host: pending.host, port: pending.port, database: pending.dbname, user: pending.username, password: pending.password })
  await test.end()
  console.log('             testSecret: the pending credentials connect')
  const { VersionIdsToStages } = await sm.send(new DescribeSecretCommand({ SecretId: 'prod/db' }))
  const old = Object.keys(VersionIdsToStages).find((id) => VersionIdsToStages[id].includes('AWSCURRENT'))
  await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'prod/db', VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: old }))
  console.log('             finishSecret: AWSCURRENT moves to the new version (the old one becomes AWSPREVIOUS)')
}

// ---- The Lambda -------------------------------------------------------------------------------

try {
  console.log(`rds-rotation: a pg connection kept across invocations, credentials from prod/db (ttl 300 s), PostgreSQL on ${server.host}:${server.port}\n`)
  const { handler, middleware } = createHandler({ ttl: 300, clientOptions, logger: indentedLogger })
  await middleware.ready
  aws.resetCalls() // count what the invocations cost, not the prefetch

  const invoke = async (label) => {
    const runs = stats.runs
    const calls = aws.count('GetSecretValue')
    const result = await handler({}, lambdaContext())
    console.log(`${label.padEnd(12)} ${result.orders} orders read as ${result.user}; GetSecretValue calls: ${aws.count('GetSecretValue') - calls}, handler runs: ${stats.runs - runs}`)
    return { result, runs: stats.runs - runs, calls: aws.count('GetSecretValue') - calls }
  }

  await invoke('invoke #1')
  const warm = await invoke('invoke #2')
  assert.deepEqual([warm.runs, warm.calls], [1, 0], 'a warm invocation reuses the cached secret and the connection')

  await rotateSingleUser()
  console.log('             (this environment still caches the old password, fresh for up to 300 s)')

  const after = await invoke('invoke #3')
  assert.deepEqual([after.runs, after.calls], [2, 1], 'the rejected password triggers one refresh and one re-run')
  const next = await invoke('invoke #4')
  assert.deepEqual([next.runs, next.calls], [1, 0])
  console.log("\nOK: 4 invocations, 1 rotation, 0 failed invocations: one refresh and one re-run absorbed the new password.")
} finally {
  await closeDatabase()
  sm.destroy()
  await aws.close()
  if (process.env.PGADMIN_URL) {
    await asAdmin(server.database, async (c) => {
      await c.query(`drop database if exists ${DB} with (force)`)
      await c.query(`drop role if exists ${USER}`)
    })
  }
  server.stop()
}
