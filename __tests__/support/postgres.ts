/**
 * A throwaway PostgreSQL cluster for end-to-end tests: initdb in a fresh temp folder, started
 * with pg_ctl on 127.0.0.1 and a random free port, password (SCRAM) authentication for every
 * TCP connection, stopped and deleted by `stop()`. As a fallback, a small watchdog process stops
 * and deletes it when this process ends without calling `stop()` (a crash, a killed jest
 * worker): jest runs tests with its own `process` object, whose 'exit' listeners never run.
 *
 * PostgreSQL refuses to run as root: when the tests run as root (CI does), the cluster's files
 * belong to the `postgres` system user (or `nobody`) and initdb / pg_ctl run through `runuser`.
 *
 * `startPostgres()` rejects with a PostgresUnavailable error that says why (no binaries, no
 * user to run as, initdb or start failed) so a test can skip with that message.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export class PostgresUnavailable extends Error {
  override readonly name = 'PostgresUnavailable'
}

export interface PostgresCluster {
  readonly host: '127.0.0.1'
  readonly port: number
  /** The superuser initdb created (password auth over TCP). */
  readonly adminUser: string
  readonly adminPassword: string
  /** The database that exists from the start. */
  readonly database: 'postgres'
  /** PostgreSQL's major version, e.g. 15. */
  readonly version: string
  /** The temp folder holding the data directory, the socket and the server log. */
  readonly dir: string
  /** The server's log so far (for failure messages). */
  serverLog(): string
  /** Stops the server (immediate mode) and deletes the folder; safe to call twice. */
  stop(): Promise<void>
}

/** Where initdb and pg_ctl live: $PG_BIN, the newest /usr/lib/postgresql/<v>/bin (Debian), or PATH. */
export function findPostgresBin(): string | undefined {
  const candidates: string[] = []
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN)
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => join(debian, v, 'bin')))
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(dir)
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
}

/** The system user to run the server as when we are root, with its uid/gid. */
function serverUser(): { name: string; uid: number; gid: number } | undefined {
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { name, uid, gid }
    } catch {
      // no such user: try the next
    }
  }
  return undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function run(command: string, args: readonly string[], asUser: string | undefined, timeoutMs: number): Promise<string> {
  const [file, argv] = asUser ? ['runuser', ['-u', asUser, '--', command, ...args]] : [command, [...args]]
  return new Promise((resolve, reject) => {
    execFile(file, argv, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } }, (error, stdout, stderr) => {
      if (error) reject(new PostgresUnavailable(`${command} failed: ${(stderr || stdout || error.message).trim().split('\n').slice(-3).join(' | ')}`))
      else resolve(stdout)
    })
  })
}

/** Single-quotes a word for sh. */
function sh(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/**
 * A detached `sh` that waits for this process to end, then stops the server and deletes the
 * folder. `stop()` kills it (by its process group id) once it has done that itself.
 */
function startWatchdog(stopCommand: string, dir: string): () => void {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ${stopCommand} >/dev/null 2>&1; rm -rf ${sh(dir)}`
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' })
  watchdog.unref()
  return () => {
    try {
      if (watchdog.pid) process.kill(-watchdog.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = findPostgresBin()
  if (!bin) throw new PostgresUnavailable('initdb/pg_ctl not found (looked in $PG_BIN, /usr/lib/postgresql/*/bin and PATH); install the postgresql package')
  const initdb = join(bin, 'initdb')
  const pgCtl = join(bin, 'pg_ctl')
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const user = isRoot ? serverUser() : undefined
  if (isRoot && !user) throw new PostgresUnavailable('running as root, and there is neither a postgres nor a nobody user to run the server as')
  if (isRoot && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser') && !existsSync('/usr/bin/runuser')) {
    throw new PostgresUnavailable('running as root without runuser(1) to start the server as a non-root user')
  }

  const dir = mkdtempSync(join(tmpdir(), 'middy-secrets-pg-'))
  const data = join(dir, 'data')
  const pwfile = join(dir, 'pwfile')
  const log = join(dir, 'server.log')
  const adminUser = 'pgadmin'
  const adminPassword = `admin-${randomBytes(12).toString('hex')}`
  writeFileSync(pwfile, `${adminPassword}\n`, { mode: 0o600 })
  if (user) {
    chmodSync(dir, 0o700)
    chownSync(dir, user.uid, user.gid)
    chownSync(pwfile, user.uid, user.gid)
  }
  const asUser = user?.name
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true })

  try {
    await run(initdb, ['-D', data, '-U', adminUser, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'], asUser, 60_000)
  } catch (error) {
    removeDir()
    throw error
  }
  rmSync(pwfile, { force: true })
  const version = readFileSync(join(data, 'PG_VERSION'), 'utf8').trim()

  // A free port can be taken between our probe and the server's bind: try a few.
  let port = 0
  let lastError: unknown
  for (let attempt = 0; attempt < 3 && port === 0; attempt++) {
    const candidate = await freePort()
    const options = `-p ${candidate} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50`
    try {
      await run(pgCtl, ['-D', data, '-l', log, '-w', '-t', '30', '-o', options, 'start'], asUser, 40_000)
      port = candidate
    } catch (error) {
      lastError = error
    }
  }
  if (port === 0) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : ''
    removeDir()
    throw new PostgresUnavailable(`pg_ctl start failed: ${(lastError as Error).message}${serverLog ? ` (server log: ${serverLog})` : ''}`)
  }

  let stopped = false
  const stopArgs = ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop']
  const stopCommand = [...(asUser ? ['runuser', '-u', asUser, '--'] : []), pgCtl, ...stopArgs].map(sh).join(' ')
  const killWatchdog = startWatchdog(stopCommand, dir)

  return {
    host: '127.0.0.1',
    port,
    adminUser,
    adminPassword,
    database: 'postgres',
    version,
    dir,
    serverLog: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    async stop() {
      if (stopped) return
      stopped = true
      await run(pgCtl, stopArgs, asUser, 25_000).catch(() => undefined)
      removeDir()
      killWatchdog()
    },
  }
}
