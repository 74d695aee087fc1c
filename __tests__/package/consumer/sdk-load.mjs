// Run by consumer.test.ts in the consumer project, with record-requires.cjs preloaded: one
// invocation on the SDK transport through the installed ESM build, against the stand-in.
import middy from '@middy/core'
import { secret, secrets } from 'middy-secrets'

const handler = middy(async (_event, context) => context.db).use(secrets({ context: { db: secret('consumer/db') }, transport: 'sdk' }))
const value = await handler({}, { getRemainingTimeInMillis: () => 10_000, functionName: 'consumer', awsRequestId: 'r-1' })
console.log(JSON.stringify({ value, requires: globalThis.requiredSdkClients }))
