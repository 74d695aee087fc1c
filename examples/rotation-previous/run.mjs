/**
 * Reading AWSCURRENT and AWSPREVIOUS during a rotation: which keys are accepted before and after
 * a rotation, and what the function fetches when it learns of the new version.
 */
import assert from 'node:assert/strict'
import { SecretsError } from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
import { describeCalls, indentedLogger, lambdaContext, mask } from '../support.mjs'
import { createHandler } from './handler.mjs'

const KEYS = ['pk-2024-01-4b1d9e7f0a', 'pk-2024-02-c83e51a6d2', 'pk-2024-03-9f07b2e4c1']

// AWSPREVIOUS exists only once a secret has been rotated: create with key 1, rotate to key 2.
const store = memoryStore({ secrets: { 'prod/partner-api-key': KEYS[0] } })
store.rotate('prod/partner-api-key', KEYS[1])

console.log('rotation-previous: accept the AWSCURRENT and the AWSPREVIOUS API key\n')
console.log(`setup        prod/partner-api-key: AWSCURRENT = key 2, AWSPREVIOUS = key 1`)
const { handler, middleware } = createHandler({ stores: { secretsManager: store }, logger: indentedLogger })
await middleware.ready
console.log(`init         prefetch: ${describeCalls(store, 0)}`)

async function call(keyNumber, label = `key ${keyNumber}`) {
  const key = keyNumber === 0 ? 'not-a-key-that-was-ever-issued' : KEYS[keyNumber - 1]
  const before = store.count()
  const response = await handler({ headers: { 'x-api-key': key } }, lambdaContext())
  console.log(`request      ${label} (${mask(key)}) -> ${response.statusCode} ${response.body}; store calls: ${describeCalls(store, before)}`)
  return response.statusCode
}

assert.equal(await call(2), 200)
assert.equal(await call(1), 200)

store.rotate('prod/partner-api-key', KEYS[2])
console.log('rotate       the rotation function finished: AWSCURRENT = key 3, AWSPREVIOUS = key 2; key 1 is retired')
console.log('             (this environment still caches key 2 / key 1; the partner starts sending key 3 at once)')
assert.equal(await call(3), 200) // unknown -> refreshOn -> retrying: both stages fetched again
assert.equal(await call(2), 200)
assert.equal(await call(1), 401) // refreshOn declines (refreshed less than a minute ago): no store call

// A secret that was never rotated has no AWSPREVIOUS version: declaring it fails every invocation.
console.log('\nnever rotated: AWSPREVIOUS does not exist yet, and the invocation says so')
const fresh = memoryStore({ secrets: { 'prod/partner-api-key': KEYS[0] } })
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const { handler: freshHandler } = createHandler({ stores: { secretsManager: fresh }, logger: quiet, prefetch: false })
await assert.rejects(freshHandler({ headers: { 'x-api-key': KEYS[0] } }, lambdaContext()), (error) => {
  assert.ok(error instanceof SecretsError)
  assert.deepEqual(error.failures.map((f) => `${f.key}: ${f.code}`), ['previous: ResourceNotFoundException'])
  console.log(String(error).replace(/^/gm, '             '))
  return true
})
