// Bundled by webpack in consumer.test.ts, with the SDK client inside the bundle: the handler of
// sdk-load.mjs, exported for a runner that calls it once.
import middy from '@middy/core'
import { secret, secrets } from 'middy-secrets'

export const handler = middy(async (_event, context) => context.db).use(secrets({ context: { db: secret('consumer/db') }, transport: 'sdk' }))
