/**
 * Database credentials as JSON into context: first invocation, a warm one (no store call),
 * a rotation the function learns about from the database's "wrong password" (one refresh and
 * one retry, no failed invocation), and what a missing IAM permission looks like.
 */
import assert from 'node:assert/strict'
import { SecretsError } from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
import { describeCalls, indentedLogger, lambdaContext, mask } from '../support.mjs'
import { createHandler, INVALID_PASSWORD } from './handler.mjs'

const credentials = (password) => JSON.stringify({ engine: 'postgres', host: 'orders.cluster-abc.eu-west-1.rds.amazonaws.com', port: 5432, dbname: 'orders', username: 'orders_app', password })

// A pretend database that knows one password, as the real one would.
const database = { password: 'first-password-0f3c9a' }
async function connect(config) {
  if (config.password !== database.password) {
    throw Object.assign(new Error(`password authentication failed for user "${config.user}"`), { code: INVALID_PASSWORD })
  }
  console.log(`             connected as ${config.user} to ${config.host}:${config.port}/${config.database}, password ${mask(config.password)}`)
  return { query: async () => [{ id: 1, total: 42 }] }
}

const store = memoryStore({ secrets: { 'prod/orders/db': credentials(database.password) } })
const { handler, middleware } = createHandler({ connect, stores: { secretsManager: store }, logger: indentedLogger })
await middleware.ready

async function invoke(label) {
  const before = store.count()
  console.log(`${label}`)
  const result = await handler({ orderId: 1 }, lambdaContext())
  console.log(`             -> ${result.rows.length} row; store calls during the invocation: ${describeCalls(store, before)}`)
  return store.count() - before
}

console.log('db-credentials: a JSON secret parsed onto context.db\n')
assert.equal(await invoke('invoke #1    (values prefetched at init)'), 0)
assert.equal(await invoke('invoke #2    (warm: served from the cache)'), 0)

// The rotation Lambda changes the password in the database and in the secret.
database.password = 'second-password-7d21be'
store.rotate('prod/orders/db', credentials(database.password))
console.log('rotate       the database and the secret now hold a new password; this environment still caches the old one')
assert.equal(await invoke('invoke #3    (old password rejected -> refreshOn -> retrying)'), 1)
assert.equal(await invoke('invoke #4'), 0)

// A second function whose execution role lacks secretsmanager:GetSecretValue on the secret.
console.log('\nmissing permission: the invocation fails with a SecretsError that names the key, the AWS error and the fix')
const denied = memoryStore({ secrets: { 'prod/orders/db': credentials(database.password) } })
denied.fail('prod/orders/db', { code: 'AccessDeniedException', times: Infinity })
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const { handler: deniedHandler } = createHandler({ connect, stores: { secretsManager: denied }, logger: quiet, prefetch: false })
try {
  await deniedHandler({ orderId: 1 }, lambdaContext())
  assert.fail('expected a SecretsError')
} catch (error) {
  assert.ok(error instanceof SecretsError)
  console.log(String(error).replace(/^/gm, '             '))
  const [failure] = error.failures
  assert.equal(failure.code, 'AccessDeniedException')
  assert.match(failure.hint, /secretsmanager:GetSecretValue/)
  assert.ok(!String(error).includes(database.password), 'no value in the error')
}
