/**
 * Unit tests of handler.mjs with memoryStore: no AWS, no SDK mocks. Run against the build:
 *   npm run build && node --test examples/handler-unit-test/handler.test.mjs
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, test } from 'node:test'
import { clearCache, SecretsError } from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
import { createHandler } from './handler.mjs'

const DB = { username: 'orders_app', password: 'first-password-0f3c9a', host: 'db.internal', port: 5432 }
const PAYMENTS = { apiKey: 'pk_test_7f3e9a1c5b2d' }

function seededStore(options) {
  return memoryStore({ secrets: { 'prod/orders/db': JSON.stringify(DB), 'prod/payments': JSON.stringify(PAYMENTS) } }, options)
}

/** A fake driver that records the credentials it was given. */
function fakeDatabase() {
  const connections = []
  return {
    connections,
    connect: async (config) => {
      connections.push(config)
      return { insertOrder: async (order) => order }
    },
  }
}

/** Lambda's context, with as much time left as a test wants. */
const context = (remainingMs = 3000) => ({ awsRequestId: 'test', getRemainingTimeInMillis: () => remainingMs })

/** Captures what the package logs, to prove no value is ever in it. */
function capturingLogger() {
  const lines = []
  const log = (message, ...details) => lines.push([message, ...details].map(String).join(' '))
  return { lines, logger: { debug: log, info: log, warn: log, error: log } }
}

// `prefetch: false`: secrets() would otherwise fetch at once, before a test arms a fault or
// counts calls. (Or `await middleware.ready` before counting.)
function setup({ store = seededStore(), ...options } = {}) {
  const database = fakeDatabase()
  const { lines, logger } = capturingLogger()
  const { handler, middleware } = createHandler({ connect: database.connect, stores: { secretsManager: store }, prefetch: false, logger, ...options })
  return { handler, middleware, store, database, logLines: lines }
}

beforeEach(() => {
  delete process.env.PAYMENTS_API_KEY
})
afterEach(() => clearCache())

test('connects with the credentials from the secret and charges with the API key', async () => {
  const { handler, database } = setup()
  const response = await handler({ orderId: 'o-1', amount: 42 }, context())
  assert.deepEqual(JSON.parse(response.body), { orderId: 'o-1', charged: true })
  assert.deepEqual(database.connections, [{ user: DB.username, password: DB.password, host: DB.host, port: DB.port }])
  assert.equal(process.env.PAYMENTS_API_KEY, PAYMENTS.apiKey)
})

test('a warm invocation makes no store call', async () => {
  const { handler, store } = setup()
  await handler({ orderId: 'o-1', amount: 1 }, context())
  assert.deepEqual(store.calls.map((c) => `${c.operation} ${c.name}`), ['GetSecretValue prod/orders/db', 'GetSecretValue prod/payments'])
  store.resetCalls()
  await handler({ orderId: 'o-2', amount: 1 }, context())
  assert.equal(store.count(), 0)
})

test('after a rotation, refresh() brings the new password to the next invocation', async () => {
  const { handler, middleware, store, database } = setup()
  await handler({ orderId: 'o-1', amount: 1 }, context())
  store.rotate('prod/orders/db', JSON.stringify({ ...DB, password: 'second-password-7d21be' }))
  await handler({ orderId: 'o-2', amount: 1 }, context())
  assert.equal(database.connections.at(-1).password, DB.password, 'still cached (ttl 300 s)')
  await middleware.refresh('db')
  await handler({ orderId: 'o-3', amount: 1 }, context())
  assert.equal(database.connections.at(-1).password, 'second-password-7d21be')
})

test('a missing permission fails the invocation with one SecretsError listing both keys, and no value', async () => {
  const store = seededStore()
  store.fail('*', { code: 'AccessDeniedException', times: 2 })
  const { handler, database, logLines } = setup({ store })
  const error = await handler({ orderId: 'o-1', amount: 1 }, context()).then(
    () => assert.fail('expected a SecretsError'),
    (e) => e,
  )
  assert.ok(error instanceof SecretsError)
  assert.deepEqual(error.failures.map((f) => [f.key, f.code]), [['db', 'AccessDeniedException'], ['PAYMENTS_API_KEY', 'AccessDeniedException']])
  assert.match(error.failures[0].hint, /secretsmanager:GetSecretValue/)
  assert.equal(database.connections.length, 0, 'the handler did not run')
  assert.equal(process.env.PAYMENTS_API_KEY, undefined, 'nothing was injected')
  for (const text of [String(error), JSON.stringify(error.failures), ...logLines]) {
    assert.ok(!text.includes(DB.password) && !text.includes(PAYMENTS.apiKey), 'no value in errors or logs')
  }
})

test('throttling is retried, invisibly to the handler', async () => {
  const store = seededStore()
  store.fail('prod/orders/db', { code: 'ThrottlingException', times: 2 })
  const { handler } = setup({ store })
  const response = await handler({ orderId: 'o-1', amount: 1 }, context())
  assert.equal(response.statusCode, 201)
  assert.equal(store.calls.filter((c) => c.name === 'prod/orders/db').length, 3)
})

test('a store slower than the time left fails with DeadlineExceeded instead of a Lambda timeout', async () => {
  const { handler } = setup({ store: seededStore({ latencyMs: 1000 }) })
  // 600 ms left, minus the 500 ms deadlineMarginMs: 100 ms for the secrets.
  await assert.rejects(handler({ orderId: 'o-1', amount: 1 }, context(600)), (error) => {
    assert.ok(error instanceof SecretsError)
    assert.deepEqual([...new Set(error.failures.map((f) => f.code))], ['DeadlineExceeded'])
    return true
  })
})
