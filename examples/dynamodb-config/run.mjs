/**
 * Configuration items from DynamoDB through the package's own DynamoDB store, pointed with
 * `clientOptions` at `startAwsServer()` (a local stand-in on 127.0.0.1 that speaks DynamoDB's
 * protocol, no AWS): which calls a cold start makes (BatchGetItem for the items of one table,
 * Query for a partition), an optional item that does not exist, and an item changed in the table
 * and picked up with `refresh()`.
 */
import assert from 'node:assert/strict'
import { refresh } from 'middy-secrets'
import { startAwsServer } from 'middy-secrets/testing'
import { lambdaContext, localAws } from '../support.mjs'
import { createHandler } from './handler.mjs'

const server = await startAwsServer({
  seed: {
    dynamodb: {
      config: {
        partitionKey: 'id',
        items: [
          { id: 'limits', value: '{"maxItems":50,"rateLimit":20}' }, //   a JSON string (S)
          { id: 'checkout', value: { provider: 'stripe', retries: 3 } }, // a map (M)
        ],
      },
      tenants: {
        partitionKey: 'id',
        sortKey: 'sk',
        items: [
          { id: 'acme', sk: 'plan', value: 'pro' },
          { id: 'acme', sk: 'limits.json', value: '{"seats":25}' },
          { id: 'globex', sk: 'plan', value: 'free' }, // another partition: not read
        ],
      },
    },
  },
})

/** The DynamoDB calls since `since`, sorted (calls of one round trip run in parallel). */
function dynamoCalls(since) {
  const calls = server.calls.slice(since).map((c) => `${c.operation} ${c.names.join(',')}`)
  return calls.length === 0 ? 'none' : calls.sort().join(', ')
}

console.log('dynamodb-config: configuration items from DynamoDB (local stand-in on 127.0.0.1)\n')
const { handler, middleware } = createHandler({ clientOptions: localAws(server) })
await middleware.ready
console.log(`init         prefetch: ${dynamoCalls(0)}`)
console.log('             (limits, checkout and maintenance in one BatchGetItem; the acme partition in one Query)')
assert.equal(dynamoCalls(0), 'BatchGetItem config, Query tenants')

async function invoke(label) {
  const since = server.calls.length
  const context = lambdaContext()
  const response = await handler({}, context)
  console.log(`${label.padEnd(12)} ${JSON.stringify(response)}`)
  console.log(`             DynamoDB calls: ${dynamoCalls(since)}`)
  return { response, context, since }
}

const first = await invoke('invoke #1')
console.log(`             context.limits      ${JSON.stringify(first.context.limits)}   (a JSON string, transform: 'json')`)
console.log(`             context.checkout    ${JSON.stringify(first.context.checkout)}   (a DynamoDB map: an object as it is)`)
console.log(`             context.maintenance ${JSON.stringify(first.context.maintenance)}   (no such item: optional, the default)`)
console.log(`             context.tenant      ${JSON.stringify(first.context.tenant)}   (items(): { [sk]: value }, '*.json' parsed by 'auto')`)
assert.deepEqual(first.response, { statusCode: 200, maxItems: 50, provider: 'stripe', plan: 'pro', seats: 25 })
assert.equal(server.calls.length, first.since, 'warm: the prefetch served the first invocation')

server.model.dynamodb.putItem('config', { id: 'limits', value: '{"maxItems":80,"rateLimit":20}' })
server.model.dynamodb.putItem('config', { id: 'maintenance', value: { enabled: true } })
console.log('\nchange       in the table: limits is now {"maxItems":80,"rateLimit":20}, and maintenance {"enabled":true} is added')
const cached = await invoke('invoke #2')
assert.equal(cached.response.maxItems, 50, 'fresh for 60 s: the cached values serve')

const since = server.calls.length
console.log("refresh      await refresh(['limits', 'maintenance'])")
await refresh(['limits', 'maintenance'])
console.log(`             DynamoDB calls: ${dynamoCalls(since)}`)
assert.equal(dynamoCalls(since), 'BatchGetItem config')
const after = await invoke('invoke #3')
console.log(`             context.limits      ${JSON.stringify(after.context.limits)}, context.maintenance ${JSON.stringify(after.context.maintenance)}`)
assert.deepEqual(after.response, { statusCode: 503 })
assert.equal(after.context.limits.maxItems, 80)
assert.equal(server.calls.length, after.since)

await server.close()
console.log('\nOK: 2 DynamoDB calls at cold start for 4 keys, 0 on warm invocations, 1 for the refresh.')
