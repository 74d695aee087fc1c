/** SSM parameters: parameter(), SecureString decryption, version/label selectors, parameters(path). */
import assert from 'node:assert/strict'
import { memoryStore } from 'middy-secrets/testing'
import { countCalls, lambdaContext, mask } from '../support.mjs'
import { createHandler } from './handler.mjs'

const store = memoryStore({
  parameters: {
    '/prod/orders/api-url': 'https://api-v1.example.com',
    '/prod/payments/stripe-key': { value: 'sk_live_9a8b7c6d5e4f3a2b', type: 'SecureString' },
    '/prod/orders/limits.json': '{"maxItems":50,"maxTotal":10000}',
    '/prod/orders/db/host': 'orders.cluster-abc.eu-west-1.rds.amazonaws.com',
    '/prod/orders/db/port': '5432',
    '/prod/other/unrelated': 'not under /prod/orders',
  },
})
// Two more versions of the URL: version 2 carries the label `stable`, version 3 is the latest.
store.setParameter('/prod/orders/api-url', 'https://api-v2.example.com', { labels: ['stable'] })
store.setParameter('/prod/orders/api-url', 'https://api-v3.example.com')

console.log('ssm-parameters: SSM Parameter Store values on the context and in process.env\n')
const { handler, middleware } = createHandler({ stores: { ssm: store } })
await middleware.ready
console.log(`init         prefetch: ${countCalls(store, 0)}`)
console.log('             (the memory store logs one call per key; against AWS the 5 parameters go out as 2 GetParameters calls, one per decrypt setting)\n')

const seen = await handler({}, lambdaContext())
console.log(`context.apiUrl               ${seen.apiUrl}   (latest: version 3)`)
console.log(`context.apiUrlStable         ${seen.apiUrlStable}   (label 'stable': version 2)`)
console.log(`context.apiUrlFirst          ${seen.apiUrlFirst}   (version: 1)`)
console.log(`process.env.STRIPE_KEY       ${mask(seen.stripeKey)}   (SecureString, decrypted)`)
console.log(`context.stripeKeyCiphertext  ${mask(seen.stripeKeyCiphertext)}   (decrypt: false: what SSM returns without decryption)`)
console.log(`context.config               ${JSON.stringify(seen.config)}`)
console.log(`context.topLevel             ${JSON.stringify(seen.topLevel)}`)

assert.equal(seen.apiUrl, 'https://api-v3.example.com')
assert.equal(seen.apiUrlStable, 'https://api-v2.example.com')
assert.equal(seen.apiUrlFirst, 'https://api-v1.example.com')
assert.equal(seen.stripeKey, 'sk_live_9a8b7c6d5e4f3a2b')
assert.notEqual(seen.stripeKeyCiphertext, seen.stripeKey)
assert.deepEqual(seen.config['limits.json'], { maxItems: 50, maxTotal: 10000 })
assert.equal(seen.config['db/host'], 'orders.cluster-abc.eu-west-1.rds.amazonaws.com')
assert.deepEqual(Object.keys(seen.topLevel).sort(), ['api-url', 'limits.json'])

const before = store.count()
await handler({}, lambdaContext())
console.log(`\ninvoke #2     store calls: ${countCalls(store, before)} (warm: all fresh for ttl 60 s)`)
assert.equal(store.count(), before)
