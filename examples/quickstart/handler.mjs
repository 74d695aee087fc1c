/**
 * The quickstart handler: database credentials (a JSON secret) on `context.db`, feature flags
 * (an SSM parameter) on `context.flags`, and one field of an API secret in `process.env.API_KEY`.
 *
 * `createHandler()` with no arguments is what you deploy (the AWS-backed stores):
 *   export const { handler } = createHandler()
 * run.mjs passes `stores` (a memory store) instead, so nothing here talks to AWS.
 */
import middy from '@middy/core'
import { parameter, secret, secrets } from 'middy-secrets'
import { mask } from '../support.mjs'

export function createHandler(overrides = {}) {
  const middleware = secrets({
    context: {
      db: secret('prod/db', { transform: 'json' }), //                 JSON secret -> object
      flags: parameter('/prod/flags', { transform: 'json', ttl: 0 }), // ttl 0: read on every invocation
    },
    env: {
      API_KEY: secret('prod/api', { field: 'key' }), //                 one field of a JSON secret
    },
    ttl: 300, //                                                        default for every other key (seconds)
    ...overrides,
  })

  const handler = middy()
    .use(middleware)
    .handler(async (_event, context) => {
      const { username, password, host, port } = context.db
      // A real handler would connect and call the API; this one reports what it received, masked.
      return {
        db: `${username}:${mask(password)}@${host}:${port}`,
        apiKey: mask(process.env.API_KEY),
        flags: context.flags,
      }
    })

  return { handler, middleware }
}
