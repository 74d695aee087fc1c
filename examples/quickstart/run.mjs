/**
 * `npm run example`: the quickstart handler invoked locally four times against a memory store
 * seeded from secrets.json (no AWS, no credentials). For each invocation it prints what the
 * handler received (masked) and the cache's hits and misses, counted from the store's call log.
 * Half way through, the database secret is rotated and `refresh('db')` fetches the new version.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { refresh } from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
import { describeCalls, indentedLogger, lambdaContext, mask } from '../support.mjs'
import { createHandler } from './handler.mjs'

const seedFile = new URL('./secrets.json', import.meta.url)
const store = memoryStore(JSON.parse(readFileSync(seedFile, 'utf8')))
const DECLARED_KEYS = 3 // db, flags, API_KEY

console.log('middy-secrets quickstart: one handler, 3 keys, a memory store seeded from examples/quickstart/secrets.json (no AWS)\n')

// Cold start. secrets() starts fetching at once (prefetch), in the Lambda init phase.
const { handler, middleware } = createHandler({ stores: { secretsManager: store, ssm: store }, logger: indentedLogger })
await middleware.ready
console.log(`init         prefetch: ${store.count()} store calls (${describeCalls(store, 0)})`)

const results = []
async function invoke(label) {
  const before = store.count()
  const result = await handler({}, lambdaContext())
  const misses = store.count() - before // one store call per key that was not fresh in the cache
  console.log(`${label.padEnd(12)} cache: ${DECLARED_KEYS - misses} hits, ${misses} ${misses === 1 ? 'miss' : 'misses'} (store calls: ${describeCalls(store, before)})`)
  console.log(`             db=${result.db}  API_KEY=${result.apiKey}  flags=${JSON.stringify(result.flags)}`)
  results.push(result)
  return result
}

await invoke('invoke #1')
await invoke('invoke #2')

const rotated = JSON.stringify({ username: 'app_user', password: 'tr0ub4dor-and-3-more-words', host: 'db.internal', port: 5432 })
const newVersion = store.rotate('prod/db', rotated)
console.log(`rotate       store.rotate('prod/db'): AWSCURRENT -> version ${newVersion}, the old one is now AWSPREVIOUS`)

await invoke('invoke #3')
console.log('             (db is still the cached version: it stays fresh for up to 300 s, unless refreshed)')

const before = store.count()
console.log("refresh      await refresh('db')  (what handler code or an operator hook calls to bypass the TTL)")
await refresh('db')
console.log(`             ${store.count() - before} store call (${describeCalls(store, before)})`)

await invoke('invoke #4')

// The example checks itself, so `node examples/run-all.mjs` notices when it stops being true.
assert.equal(results[2].db, results[0].db, 'invoke #3 serves the cached version')
assert.equal(results[3].db, `app_user:${mask('tr0ub4dor-and-3-more-words')}@db.internal:5432`, 'invoke #4 sees the rotated password')
assert.equal(results[3].apiKey, mask('sk_live_4f9a1c2e8b7d6a50'))
console.log('\nOK: 4 invocations, 1 rotation, no AWS. Next: examples/README.md lists one example per use case.')
