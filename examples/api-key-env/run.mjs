/**
 * An API key into process.env: what the handler sees before and after the first invocation,
 * two fields of one secret fetched once, a warm invocation with no store call, and the
 * ConfigError for a declaration that cannot be an environment variable.
 */
import assert from 'node:assert/strict'
import { ConfigError, secret, secrets } from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
import { describeCalls, lambdaContext, mask } from '../support.mjs'
import { createHandler } from './handler.mjs'

const store = memoryStore({
  secrets: {
    'prod/payments': JSON.stringify({ apiKey: 'pk_live_51HxQa2eZvKYlo2C', accountId: 'acct_1032D82eZvKYlo2C' }),
    'prod/webhook-signing': 'whsec_8d1f0c5a3b9e47d2a6f1',
  },
})

console.log('api-key-env: secrets written to process.env\n')
const { handler, middleware } = createHandler({ stores: { secretsManager: store } })
await middleware.ready
console.log(`init         prefetch: ${describeCalls(store, 0)}`)
console.log(`             process.env.PAYMENTS_API_KEY before the first invocation: ${process.env.PAYMENTS_API_KEY}`)

const seen = await handler({}, lambdaContext())
for (const [name, value] of Object.entries(seen)) console.log(`invoke #1    process.env.${name.padEnd(17)} = ${mask(value)}`)
assert.equal(process.env.PAYMENTS_API_KEY, 'pk_live_51HxQa2eZvKYlo2C')
assert.equal(process.env.WEBHOOK_SECRET, 'whsec_8d1f0c5a3b9e47d2a6f1')
// Both fields come from one cache entry of prod/payments: one GetSecretValue for it, not two.
assert.equal(store.calls.filter((c) => c.name === 'prod/payments').length, 1)

// A warm invocation reads the cache only.
const before = store.count()
await handler({}, lambdaContext())
console.log(`invoke #2    store calls: ${describeCalls(store, before)} (warm: every value fresh in the cache)`)
assert.equal(store.count(), before)

// Environment variables hold text: an object (a whole JSON secret) is refused when secrets() is called.
try {
  secrets({ env: { PAYMENTS: secret('prod/payments', { transform: 'json' }) }, stores: { secretsManager: store } })
  assert.fail('expected a ConfigError')
} catch (error) {
  assert.ok(error instanceof ConfigError)
  console.log(`\nConfigError  ${error.message}`)
  console.log(`             (error.option = '${error.option}')`)
}
