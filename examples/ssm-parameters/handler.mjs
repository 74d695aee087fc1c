/**
 * SSM Parameter Store: one parameter, a SecureString (decrypted by default; `decrypt: false`
 * keeps the ciphertext), a pinned version and a label, and every parameter under a path as one
 * object (`parameters(path, { recursive })`, GetParametersByPath, all pages).
 *
 * Deployed: `export const { handler } = createHandler()`.
 */
import middy from '@middy/core'
import { parameter, parameters, secrets } from 'middy-secrets'

export function createHandler(overrides = {}) {
  const middleware = secrets({
    context: {
      apiUrl: parameter('/prod/orders/api-url'), //                         latest version, as text
      apiUrlStable: parameter('/prod/orders/api-url', { label: 'stable' }), // GetParameter name:stable
      apiUrlFirst: parameter('/prod/orders/api-url', { version: 1 }), //     GetParameter name:1
      stripeKeyCiphertext: parameter('/prod/payments/stripe-key', { decrypt: false }),
      config: parameters('/prod/orders', { recursive: true, transform: 'auto' }), // `auto`: *.json parsed
      topLevel: parameters('/prod/orders'), //                               direct children only
    },
    env: {
      STRIPE_KEY: parameter('/prod/payments/stripe-key'), //                   SecureString, decrypted
    },
    ttl: 60,
    ...overrides,
  })

  const handler = middy()
    .use(middleware)
    .handler(async (_event, context) => ({
      apiUrl: context.apiUrl,
      apiUrlStable: context.apiUrlStable,
      apiUrlFirst: context.apiUrlFirst,
      stripeKey: process.env.STRIPE_KEY,
      stripeKeyCiphertext: context.stripeKeyCiphertext,
      config: context.config,
      topLevel: context.topLevel,
    }))

  return { handler, middleware }
}
