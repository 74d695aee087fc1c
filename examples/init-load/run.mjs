/**
 * Runs init-load/handler.mjs as Lambda would: the module is imported once (its top-level await
 * is the init phase), then invoked. The AWS calls are counted by `startAwsServer()`, a local
 * stand-in on 127.0.0.1 that the package reaches through AWS_ENDPOINT_URL (no AWS).
 */
import assert from 'node:assert/strict'
import { startAwsServer } from 'middy-secrets/testing'
import { lambdaContext, mask } from '../support.mjs'

const password = 'correct-horse-battery-staple'
const server = await startAwsServer({
  seed: {
    secrets: { 'prod/db': JSON.stringify({ username: 'app_user', password, host: 'db.internal' }) },
    parameters: { '/prod/api-url': 'https://api.example.com/v2' },
  },
})

// What Lambda's environment provides, pointed at the stand-in. A developer's profile must not interfere.
Object.assign(process.env, { AWS_ENDPOINT_URL: server.endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' })
for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) delete process.env[name]

const calls = (since = 0) => {
  const list = server.calls.slice(since).map((c) => `${c.operation} ${c.names.join(',')}`).sort()
  return list.length === 0 ? 'none' : list.join(', ')
}

console.log('init-load: top-level await load() and getParameter() in init code, then a middleware that declares the same secret\n')
const { pool, api, handler } = await import('./handler.mjs') // the init phase
console.log(`init         load({ db }) + getParameter('/prod/api-url'): ${calls()}`)
console.log(`             pool for ${pool.user}@${pool.host} (password ${mask(password)}), api ${api.baseUrl}`)
console.log("             secrets({ context: { db } }) at module scope: its prefetch finds db fresh in the shared cache")

const since = server.calls.length
const first = await handler({}, lambdaContext())
console.log(`invoke #1    context.db.username=${first.contextUser}, pool user ${first.poolUser}; AWS calls: ${calls(since)}`)
const second = await handler({}, lambdaContext())
console.log(`invoke #2    context.db.username=${second.contextUser}; AWS calls: ${calls(since)}`)

assert.equal(server.count('GetSecretValue') + server.count('BatchGetSecretValue'), 1, 'prod/db is fetched once, for load() and the middleware')
assert.equal(server.calls.length, 2, 'one call for the secret, one for the parameter')
assert.equal(first.contextUser, 'app_user')
assert.equal(first.api, 'https://api.example.com/v2')
assert.ok(pool.connected)
await server.close()
console.log(`\nOK: ${server.calls.length} AWS calls in all (${calls()}); the handler's middleware fetched nothing.`)
