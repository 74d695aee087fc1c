/**
 * Dual credentials during a rotation: an API that partners call with `x-api-key` accepts the
 * AWSCURRENT key and, until the next rotation, the AWSPREVIOUS one, so a client that still holds
 * the old key keeps working while it moves to the new one. Both stages are separate cache entries.
 * AWSPREVIOUS exists only once the secret has been rotated: `optional: true` makes
 * `context.previous` undefined until then, instead of failing every invocation.
 *
 * A key that matches neither may be a brand-new AWSCURRENT this environment has not fetched yet:
 * the handler throws, `refreshOn` asks for a refresh of `current` (at most once a minute, so
 * bad keys cannot make the function hammer AWS) and `retrying` runs the check once more. When
 * the refresh brings a new AWSCURRENT version, middy-secrets refreshes the other stages of that
 * secret (here `previous`) too.
 *
 * Read this secret through the AWS store (the default), not through the Parameters and Secrets
 * extension: the extension caches each stage on its own timer, so after a rotation its two answers
 * can contradict each other for up to its TTL (README, The Parameters and Secrets extension).
 *
 * Deployed: `export const { handler } = createHandler()`.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import middy from '@middy/core'
import { secret, secrets } from 'middy-secrets'

const SECRET = 'prod/partner-api-key'
const REFRESH_AT_MOST_EVERY_MS = 60_000

class UnknownApiKey extends Error {
  code = 'UnknownApiKey'
}

/** Constant-time comparison of two strings (hashing first makes the lengths equal). */
function same(a, b) {
  const digest = (text) => createHash('sha256').update(text).digest()
  return typeof a === 'string' && typeof b === 'string' && timingSafeEqual(digest(a), digest(b))
}

export function createHandler(overrides = {}) {
  let lastRefresh = Number.NEGATIVE_INFINITY
  const middleware = secrets({
    context: {
      current: secret(SECRET), //                                   AWSCURRENT (the default stage)
      previous: secret(SECRET, { versionStage: 'AWSPREVIOUS', optional: true }), // a separate entry; undefined before the first rotation
    },
    ttl: 300,
    refreshOn: (error) => {
      if (error?.code !== 'UnknownApiKey' || Date.now() - lastRefresh < REFRESH_AT_MOST_EVERY_MS) return false
      lastRefresh = Date.now()
      return ['current']
    },
    ...overrides,
  })

  const verify = middleware.retrying(async (event, context) => {
    const presented = event.headers?.['x-api-key']
    if (same(presented, context.current)) return { statusCode: 200, body: 'accepted: AWSCURRENT key' }
    if (same(presented, context.previous)) return { statusCode: 200, body: 'accepted: AWSPREVIOUS key (the client should switch to the current one)' }
    throw new UnknownApiKey('the key matches neither AWSCURRENT nor AWSPREVIOUS')
  })

  const handler = middy()
    .use(middleware)
    .handler(async (event, context, options) => {
      try {
        return await verify(event, context, options)
      } catch (error) {
        if (error instanceof UnknownApiKey) return { statusCode: 401, body: 'rejected' }
        throw error
      }
    })

  return { handler, middleware }
}
