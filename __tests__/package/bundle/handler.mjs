// A Lambda handler as users write it, bundled by __tests__/package/bundlers.test.ts with esbuild
// the way AWS CDK (NodejsFunction) and SAM bundle one. The transport comes from BUNDLE_TRANSPORT.
import middy from '@middy/core'
import { appConfig, item, parameter, secret, secrets, SecretsError } from 'middy-secrets'

const options = { transport: process.env.BUNDLE_TRANSPORT, prefetch: false, logLevel: 'none' }

export const handlers = {
  values: middy()
    .use(
      secrets({
        context: {
          db: secret('bundle/db', { transform: 'json' }),
          flags: parameter('/bundle/flags'),
          features: appConfig('shop', 'prod', 'flags', { transform: 'json' }),
          limits: item('config', 'limits', { transform: 'json' }),
        },
        env: { BUNDLE_API_KEY: secret('bundle/api') },
        ...options,
      }),
    )
    .handler(async (_event, context) => ({ db: context.db, flags: context.flags, features: context.features, limits: context.limits, apiKey: process.env.BUNDLE_API_KEY })),
  missing: middy()
    .use(secrets({ context: { nope: secret('bundle/missing') }, ...options }))
    .handler(async () => 'unreachable'),
  SecretsError,
}
