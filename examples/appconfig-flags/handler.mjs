/**
 * Feature flags from AWS AppConfig: the configuration profile `flags` of application `shop`,
 * environment `prod`, parsed as JSON on `context.flags`, and one of its fields in
 * `process.env.BANNER`. Both keys name the same configuration: one cache entry, one
 * AppConfigData session.
 *
 * The key's TTL is also the session's poll interval (RequiredMinimumPollIntervalInSeconds, at
 * least 15 s): within it, a warm invocation makes no call; after it, one GetLatestConfiguration,
 * which AppConfig answers empty when nothing was deployed since.
 *
 * Deployed: `export const { handler } = createHandler()` (the package's AppConfig store, with
 * the function's region and credentials). run.mjs passes `clientOptions` that point it at a local
 * AppConfigData stand-in instead.
 */
import middy from '@middy/core'
import { appConfig, secrets } from 'middy-secrets'

export function createHandler(overrides = {}) {
  const middleware = secrets({
    context: {
      flags: appConfig('shop', 'prod', 'flags', { transform: 'json' }), // application, environment, configuration profile
    },
    env: {
      BANNER: appConfig('shop', 'prod', 'flags', { field: 'banner' }), // one field of the same configuration
    },
    ttl: 30, // seconds: how long the flags are served from the cache, and the AppConfig poll interval
    ...overrides,
  })

  const handler = middy()
    .use(middleware)
    .handler(async (_event, context) => ({
      checkout: context.flags.newCheckout ? 'new checkout' : 'classic checkout',
      maxItems: context.flags.maxItems,
      banner: process.env.BANNER,
      flags: context.flags,
    }))

  return { handler, middleware }
}
