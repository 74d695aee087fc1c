// A consumer's CommonJS handler (`require` of middy-secrets). @middy/core 7 is ES modules only,
// so a CommonJS file imports it with import().
import { secret, secrets } from 'middy-secrets'
import { extensionStore } from 'middy-secrets/extension'
import { memoryStore } from 'middy-secrets/testing'

const store = memoryStore({ secrets: { x: '{"username":"u"}' } })

export async function makeHandler() {
  const { default: middy } = await import('@middy/core')
  return middy()
    .use(secrets({ context: { db: secret<{ username: string }>('x', { transform: 'json' }) }, stores: { secretsManager: store } }))
    .handler(async (_event: unknown, context) => {
      const username: string = context.db.username
      return `${username} ${context.functionName}`
    })
}

export const viaExtension = secrets({ context: { k: 'x' }, stores: { secretsManager: extensionStore() } })
