/**
 * Configuration items from DynamoDB, as Powertools' DynamoDBProvider lays them out: a table
 * `config` keyed by `id` with the value in `value`, and a table `tenants` keyed by `id` (the
 * tenant) and `sk` (the setting), one item per setting.
 *
 * - `item(table, key)` is one item's `value`: a JSON string read with `transform: 'json'`, or a
 *   DynamoDB map, which arrives as an object with no transform.
 * - `items(table, key)` is every item of a partition as `{ [sk]: value }`; with `'auto'`, a
 *   setting named `*.json` is parsed.
 * - `optional` with a `default`: the item may not exist yet.
 *
 * Deployed: `export const { handler } = createHandler()` (the package's DynamoDB store, with the
 * function's region and credentials). run.mjs passes `clientOptions` that point it at a local
 * DynamoDB stand-in instead.
 */
import middy from '@middy/core'
import { item, items, secrets } from 'middy-secrets'

export function createHandler(overrides = {}) {
  const middleware = secrets({
    context: {
      limits: item('config', 'limits', { transform: 'json' }), //      value: a JSON string
      checkout: item('config', 'checkout'), //                           value: a DynamoDB map, already an object
      maintenance: item('config', 'maintenance', { optional: true, default: { enabled: false } }),
      tenant: items('tenants', 'acme', { transform: 'auto' }), //     every setting of tenant acme
    },
    ttl: 60,
    ...overrides,
  })

  const handler = middy()
    .use(middleware)
    .handler(async (_event, context) => {
      if (context.maintenance.enabled) return { statusCode: 503 }
      const { limits, checkout, tenant } = context
      return { statusCode: 200, maxItems: limits.maxItems, provider: checkout.provider, plan: tenant.plan, seats: tenant['limits.json'].seats }
    })

  return { handler, middleware }
}
