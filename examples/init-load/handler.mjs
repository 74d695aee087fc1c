/**
 * Init code that needs a secret before the handler exists: top-level `await load(...)` resolves
 * a declaration map in the Lambda init phase (typed and batched like a middleware's context),
 * and `getParameter()` reads one value, as Powertools' function of the same name does. The
 * handler's middleware then declares the same secret: load() and the middleware share one
 * cache, so the secret is fetched once.
 *
 * This file is what you deploy, as it is: it takes its region, credentials and endpoint from
 * the environment, as every AWS client does (run.mjs sets AWS_ENDPOINT_URL to a local stand-in).
 */
import middy from '@middy/core'
import { getParameter, load, secret, secrets } from 'middy-secrets'

const dbSecret = secret('prod/db', { transform: 'json' }) // one declaration, used twice below

// Init phase: both reads at once (load() batches its own map; getParameter is one more call).
const [{ db }, apiUrl] = await Promise.all([load({ db: dbSecret }), getParameter('/prod/api-url')])
export const pool = createPool(db) // a client built once per execution environment
export const api = { baseUrl: apiUrl }

export const handler = middy()
  .use(secrets({ context: { db: dbSecret } })) // fresh in the shared cache: no fetch
  .handler(async (_event, context) => ({
    poolUser: pool.user,
    contextUser: context.db.username, // the same secret, for the handler
    api: api.baseUrl,
  }))

/** Stands in for a database driver's pool. */
function createPool({ username, password, host }) {
  return { user: username, host, connected: typeof password === 'string' && password.length > 0 }
}
