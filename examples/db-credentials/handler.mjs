/**
 * Database credentials stored as one JSON secret ({"username","password","host","port","dbname"},
 * the shape Secrets Manager's RDS rotation templates use) parsed onto `context.db`.
 *
 * When the database rejects the password (the secret was rotated while this environment still
 * had the old value cached), `refreshOn` names the key to refresh and `retrying(handler)` fetches
 * it anew and runs the handler once more: no failed invocation after a rotation.
 *
 * Deployed: `export const { handler } = createHandler({ connect: yourDriverConnect })`.
 */
import middy from '@middy/core'
import { secret, secrets } from 'middy-secrets'

/** PostgreSQL's SQLSTATE for a rejected password ("invalid_password"). */
export const INVALID_PASSWORD = '28P01'

export function createHandler({ connect, ...overrides }) {
  const middleware = secrets({
    context: {
      db: secret('prod/orders/db', { transform: 'json', ttl: 3600 }),
    },
    refreshOn: (error) => (error?.code === INVALID_PASSWORD ? ['db'] : false),
    ...overrides,
  })

  const handler = middy()
    .use(middleware)
    .handler(
      middleware.retrying(async (event, context) => {
        const { host, port, dbname, username, password } = context.db
        const connection = await connect({ host, port, database: dbname, user: username, password })
        return { orderId: event.orderId, rows: await connection.query('select * from orders where id = $1', [event.orderId]) }
      }),
    )

  return { handler, middleware }
}
