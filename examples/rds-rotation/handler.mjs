/**
 * A Lambda handler that talks to PostgreSQL with credentials Secrets Manager rotates.
 *
 * - `context.db` is the secret `prod/db` parsed as JSON ({ engine, host, port, dbname, username,
 *   password }, the shape of Secrets Manager's RDS rotation templates), cached by middy-secrets.
 * - The connection (a `pg` pool of one) lives at module scope, so warm invocations reuse it; it
 *   is replaced when the credentials the middleware injects change.
 * - When the server rejects the password (SQLSTATE 28P01: the secret was rotated while this
 *   environment still caches the old one), `refreshOn` names `db`, and `retrying(handler)`
 *   fetches it anew and runs the handler once more, with a connection using the new password.
 *   The handler must be idempotent: this one only reads.
 *
 * Deployed: `export const { handler } = createHandler()`.
 * Tests and run.mjs pass middy-secrets options (clientOptions for a local endpoint, a logger, a
 * ttl), and `refreshOn: false` / `retry: false` to show what happens without the defence.
 */
import { createHash } from 'node:crypto'
import middy from '@middy/core'
import pg from 'pg'
import { clearCache, secret, secrets } from 'middy-secrets'

/** PostgreSQL's SQLSTATE for a rejected password ("invalid_password"). */
export const INVALID_PASSWORD = '28P01'

/** The refreshOn of this example: a rejected password means `db` is stale. */
export const refreshOnInvalidPassword = (error) => (error?.code === INVALID_PASSWORD ? ['db'] : false)

/** What the module did so far (the test reads it; a real function might emit it as metrics). */
export const stats = { runs: 0, pools: 0, connections: 0, connectionsLost: 0 }

// ---- Module scope: survives warm invocations --------------------------------------------------

let pool
let poolCredentials // a hash of the credentials the pool was opened with, never the password itself
let log = console

function fingerprint(db) {
  return createHash('sha256').update(JSON.stringify([db.host, db.port, db.dbname, db.username, db.password])).digest('hex')
}

/** The pool for these credentials: the current one, or a new one when the credentials changed. */
function poolFor(db) {
  const wanted = fingerprint(db)
  if (pool && poolCredentials === wanted) return pool
  if (pool) {
    log.info(`rds-rotation: credentials changed; closing the connection as ${pool.options.user}`)
    void pool.end().catch(() => undefined)
  }
  pool = new pg.Pool({
    host: db.host,
    port: Number(db.port),
    database: db.dbname,
    user: db.username,
    password: db.password,
    max: 1, // one request at a time per Lambda environment
    idleTimeoutMillis: 0, // keep the connection across warm invocations
    connectionTimeoutMillis: 5_000,
    allowExitOnIdle: true,
  })
  // An idle connection closed by the server (restart, pg_terminate_backend after a password
  // change): the pool drops it and opens a new one on the next query. Without this listener the
  // 'error' event would crash the process.
  pool.on('error', (error) => log.warn(`rds-rotation: the server closed an idle connection (${error.code ?? error.message})`))
  pool.on('connect', () => {
    stats.connections += 1
  })
  stats.pools += 1
  poolCredentials = wanted
  return pool
}

/** A connection that died under us (terminated by the server, reset): not worth a secret refresh. */
function connectionLost(error) {
  return (
    error?.code === '57P01' || // admin_shutdown: pg_terminate_backend
    error?.code === 'ECONNRESET' ||
    error?.code === 'EPIPE' ||
    /Connection terminated|not queryable/i.test(error?.message ?? '')
  )
}

/** One query; a connection lost since the last invocation is replaced once, transparently. */
async function query(db, text, params) {
  try {
    return await poolFor(db).query(text, params)
  } catch (error) {
    if (!connectionLost(error)) throw error
    stats.connectionsLost += 1
    return await poolFor(db).query(text, params)
  }
}

/** Closes the module's connection (run.mjs and the tests call it; Lambda never needs to). */
export async function closeDatabase() {
  const closing = pool
  pool = undefined
  poolCredentials = undefined
  await closing?.end().catch(() => undefined)
}

/** Forgets cached secrets and the connection: a cold start, for run.mjs and the tests. */
export async function coldStart() {
  clearCache()
  await closeDatabase()
  for (const key of Object.keys(stats)) stats[key] = 0
}

// ---- The handler ------------------------------------------------------------------------------

/**
 * @param {object} [options]
 * @param {string} [options.secretName] default 'prod/db'
 * @param {false | ((error: unknown) => string[] | boolean)} [options.refreshOn] default: refresh `db` on 28P01
 * @param {boolean} [options.retry] wrap the handler in retrying() (default true when refreshOn is set)
 * Any other option goes to secrets() (ttl, clientOptions, logger, ...).
 */
export function createHandler({ secretName = 'prod/db', refreshOn = refreshOnInvalidPassword, retry = true, ...options } = {}) {
  if (options.logger) log = options.logger
  const middleware = secrets({
    context: { db: secret(secretName, { transform: 'json' }) },
    ...(refreshOn ? { refreshOn } : {}),
    ...options,
  })

  const base = async (event, context) => {
    stats.runs += 1
    const { rows } = await query(context.db, 'select current_user as "user", count(*)::int as orders from orders where id <= $1', [event?.maxId ?? 1000])
    return rows[0]
  }

  const handler = middy(refreshOn && retry ? middleware.retrying(base) : base).use(middleware)
  return { handler, middleware }
}
