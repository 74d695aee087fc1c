/**
 * Feature flags from AWS AppConfig, read through the real AppConfigData protocol: the package's
 * own AppConfig store, pointed with `clientOptions` at `startAwsServer()` (a local stand-in on
 * 127.0.0.1, no AWS). A flag is flipped by deploying a new configuration version; each
 * environment sees it once its cached flags are older than the TTL. The clock is moved instead
 * of waited for (see movableClock in ../support.mjs).
 */
import assert from 'node:assert/strict'
import { startAwsServer } from 'middy-secrets/testing'
import { indentedLogger, lambdaContext, localAws, movableClock } from '../support.mjs'
import { createHandler } from './handler.mjs'

const version1 = { newCheckout: false, maxItems: 50, banner: 'Spring sale' }
const version2 = { newCheckout: true, maxItems: 50, banner: 'Summer sale' }

const server = await startAwsServer({ seed: { appConfig: { 'shop/prod/flags': JSON.stringify(version1) } } })
const clock = movableClock()

/** The AppConfigData calls since `since`, as the stand-in logged them. */
function appConfigCalls(since) {
  const calls = server.calls.slice(since)
  return calls.length === 0 ? 'none' : calls.map((c) => `${c.operation} ${c.status}`).join(', ')
}

console.log('appconfig-flags: feature flags from AWS AppConfig, over the AppConfigData protocol (local stand-in on 127.0.0.1)\n')
console.log(`setup        shop/prod/flags, version 1 deployed: ${JSON.stringify(version1)}`)

const { handler, middleware } = createHandler({ clientOptions: localAws(server), logger: indentedLogger })
await middleware.ready
console.log(`init         prefetch: ${appConfigCalls(0)}`)
console.log('             (one session for both keys: flags and BANNER read the same configuration)')

const results = []
async function invoke(label, note = '') {
  const since = server.calls.length
  const result = await handler({}, lambdaContext())
  results.push(result)
  console.log(`${label.padEnd(12)} t=${String(clock.seconds).padEnd(3)} ${result.checkout}, maxItems ${result.maxItems}, BANNER=${result.banner}`)
  console.log(`             AppConfig calls: ${appConfigCalls(since)}${note}`)
  return since
}

await invoke('invoke #1')
assert.equal(server.count(), 2, 'the first invocation is served by the prefetch')

const deployed = server.model.appConfig.deploy('shop', 'prod', 'flags', JSON.stringify(version2))
console.log(`deploy       version ${deployed.version.versionNumber}: ${JSON.stringify(version2)}`)

clock.advance(10)
let since = await invoke('invoke #2', ' (cached flags are fresh for 30 s: version 1 still serves)')
assert.equal(server.calls.length, since)

clock.advance(25)
since = await invoke('invoke #3', ' (the TTL has passed: one poll brings version 2)')
assert.deepEqual(server.calls.slice(since).map((c) => c.operation), ['GetLatestConfiguration'])

clock.advance(35)
since = await invoke('invoke #4', ' (nothing deployed since: AppConfig answers empty and the cached flags serve)')
assert.deepEqual(server.calls.slice(since).map((c) => c.operation), ['GetLatestConfiguration'])

// What the example claims, checked.
assert.deepEqual(results[0].flags, version1)
assert.deepEqual(results[1].flags, version1)
assert.deepEqual(results[2].flags, version2)
assert.equal(results[2].banner, 'Summer sale')
assert.equal(results[3].flags, results[2].flags, 'an unchanged configuration is the same object (no new parse)')
assert.equal(server.count('StartConfigurationSession'), 1, 'one session for the module life')
await server.close()
console.log(`\nOK: ${server.count('StartConfigurationSession')} session, ${server.count('GetLatestConfiguration')} polls, 4 invocations; the flag flipped on the first invocation after the TTL.`)
