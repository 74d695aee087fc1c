// A consumer's ES module handler: it must compile with no error.
import middy from '@middy/core'
import { parameter, secret, secrets } from 'middy-secrets'
import { extensionStore } from 'middy-secrets/extension'
import { memoryStore } from 'middy-secrets/testing'

const store = memoryStore({ secrets: { x: '{"username":"u"}' }, parameters: { '/p': 'v' } })

export const handler = middy()
  .use(
    secrets({
      context: { db: secret<{ username: string }>('x', { transform: 'json', ttl: 60 }), flag: parameter('/p') },
      stores: { secretsManager: store, ssm: store },
    }),
  )
  .handler(async (_event: unknown, context) => {
    const username: string = context.db.username
    const flag: string = context.flag
    return `${username} ${flag} ${context.functionName}`
  })

export const viaExtension = secrets({ context: { k: 'x' }, stores: { secretsManager: extensionStore() } })

// Under exactOptionalPropertyTypes (the nodenext compile), an option given as undefined means not set, as at run time.
const stage: string | undefined = process.env.STAGE
const maybeStore = process.env.STORE === 'memory' ? store : undefined
export const fromVariables = secrets({ context: { k: secret('x', { versionStage: stage, ttl: undefined }) }, stores: { secretsManager: maybeStore }, logLevel: undefined })
