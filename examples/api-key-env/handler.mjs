/**
 * An API key into process.env: `field` picks one field of a JSON secret (like ECS's json-key),
 * and a plain string in the map means `secret(name)`, its SecretString as it is. Code that
 * already reads `process.env.PAYMENTS_API_KEY` (an SDK, a config module) needs no change.
 *
 * Deployed: `export const { handler } = createHandler()`.
 */
import middy from '@middy/core'
import { secret, secrets } from 'middy-secrets'

export function createHandler(overrides = {}) {
  const middleware = secrets({
    env: {
      PAYMENTS_API_KEY: secret('prod/payments', { field: 'apiKey' }), // {"apiKey": "...", "accountId": "..."} -> apiKey
      PAYMENTS_ACCOUNT: secret('prod/payments', { field: 'accountId' }), // same secret: one cache entry, one fetch
      WEBHOOK_SECRET: 'prod/webhook-signing', //                            plain string = secret('prod/webhook-signing')
    },
    ...overrides,
  })

  const handler = middy()
    .use(middleware)
    .handler(async () => {
      // Anything in the function can read them now, e.g. a payments SDK configured from the environment.
      return {
        PAYMENTS_API_KEY: process.env.PAYMENTS_API_KEY,
        PAYMENTS_ACCOUNT: process.env.PAYMENTS_ACCOUNT,
        WEBHOOK_SECRET: process.env.WEBHOOK_SECRET,
      }
    })

  return { handler, middleware }
}
