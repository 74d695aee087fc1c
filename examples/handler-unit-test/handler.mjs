/**
 * A handler written to be unit-tested: `createHandler()` takes the stores (and the database
 * driver) as arguments, so a test passes a memoryStore and a fake `connect`, while lambda.mjs,
 * the deployed entry point, calls it with none (the AWS-backed stores, the real driver).
 */
import middy from '@middy/core'
import { secret, secrets } from 'middy-secrets'

export function createHandler({ connect, ...secretsOptions }) {
  const middleware = secrets({
    context: {
      db: secret('prod/orders/db', { transform: 'json' }),
    },
    env: {
      PAYMENTS_API_KEY: secret('prod/payments', { field: 'apiKey' }),
    },
    ttl: 300,
    ...secretsOptions,
  })

  const handler = middy()
    .use(middleware)
    .handler(async (event, context) => {
      const { username, password, host, port } = context.db
      const db = await connect({ user: username, password, host, port })
      const order = await db.insertOrder({ id: event.orderId, amount: event.amount })
      // A real handler would call the payments API with process.env.PAYMENTS_API_KEY here.
      return { statusCode: 201, body: JSON.stringify({ orderId: order.id, charged: Boolean(process.env.PAYMENTS_API_KEY) }) }
    })

  return { handler, middleware }
}
