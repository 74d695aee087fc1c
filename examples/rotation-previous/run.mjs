/**
 * Reading AWSCURRENT and AWSPREVIOUS across rotations, from a secret that was never rotated:
 * which keys are accepted before the first rotation (`previous` is optional: undefined while
 * AWSPREVIOUS does not exist), after it, and after the next one, and what the function fetches
 * when it learns of a new version. The clock is moved between the two rotations instead of
 * waited for (see movableClock in ../support.mjs).
 */
import assert from 'node:assert/strict'
import middy from '@middy/core'
import { secret, secrets, SecretsError } from 'middy-secrets'
import { memoryStore } from 'middy-secrets/testing'
import { describeCalls, indentedLogger, lambdaContext, mask, movableClock } from '../support.mjs'
import { createHandler } from './handler.mjs'

const KEYS = ['pk-2024-01-4b1d9e7f0a', 'pk-2024-02-c83e51a6d2', 'pk-2024-03-9f07b2e4c1']
const clock = movableClock()

// A new secret: one version, AWSCURRENT. AWSPREVIOUS appears with the first rotation.
const store = memoryStore({ secrets: { 'prod/partner-api-key': KEYS[0] } })

console.log('rotation-previous: accept the AWSCURRENT API key and, once the secret has been rotated, the AWSPREVIOUS one\n')
console.log('setup        prod/partner-api-key created with key 1: AWSCURRENT = key 1, no AWSPREVIOUS yet')
const { handler, middleware } = createHandler({ stores: { secretsManager: store }, logger: indentedLogger })
await middleware.ready
console.log(`init         prefetch: ${describeCalls(store, 0)}`)
console.log('             (both stages twice: answers first seen together are read again, so that a rotation between two calls never pairs them wrongly)')
console.log('             (previous is optional: AWSPREVIOUS does not exist, so it is undefined; that answer is cached for the TTL like a value)')

async function call(keyNumber) {
  const key = KEYS[keyNumber - 1]
  const before = store.count()
  const response = await handler({ headers: { 'x-api-key': key } }, lambdaContext())
  console.log(`request      key ${keyNumber} (${mask(key)}) -> ${response.statusCode} ${response.body}; store calls: ${describeCalls(store, before)}`)
  return { status: response.statusCode, calls: store.count() - before }
}

assert.deepEqual(await call(1), { status: 200, calls: 0 })

store.rotate('prod/partner-api-key', KEYS[1])
console.log('rotate       first rotation: AWSCURRENT = key 2, AWSPREVIOUS = key 1')
console.log('             (this environment still caches key 1 and "no AWSPREVIOUS"; the partner starts sending key 2 at once)')
assert.deepEqual(await call(2), { status: 200, calls: 2 }) // unknown -> refreshOn -> retrying: the new AWSCURRENT brings AWSPREVIOUS along
assert.deepEqual(await call(1), { status: 200, calls: 0 })

clock.advance(120)
store.rotate('prod/partner-api-key', KEYS[2])
console.log('rotate       two minutes later, second rotation: AWSCURRENT = key 3, AWSPREVIOUS = key 2; key 1 is retired')
assert.deepEqual(await call(3), { status: 200, calls: 2 })
assert.deepEqual(await call(2), { status: 200, calls: 0 })
assert.deepEqual(await call(1), { status: 401, calls: 0 }) // refreshOn declines (refreshed less than a minute ago): no store call

// Without `optional: true`, AWSPREVIOUS of a secret that was never rotated is an error.
console.log('\nwithout optional: true, AWSPREVIOUS of a never-rotated secret fails every invocation that declares it')
const fresh = memoryStore({ secrets: { 'prod/partner-api-key': KEYS[0] } })
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const strict = middy()
  .use(secrets({ context: { previous: secret('prod/partner-api-key', { versionStage: 'AWSPREVIOUS' }) }, stores: { secretsManager: fresh }, logger: quiet, prefetch: false }))
  .handler(async () => ({ statusCode: 200 }))
await assert.rejects(strict({}, lambdaContext()), (error) => {
  assert.ok(error instanceof SecretsError)
  assert.deepEqual(error.failures.map((f) => `${f.key}: ${f.code}`), ['previous: ResourceNotFoundException'])
  console.log(String(error).replace(/^/gm, '             '))
  return true
})
