/**
 * The deployed entry point (Lambda handler setting: lambda.handler). Creating the handler at
 * module scope lets secrets() start fetching in the init phase (prefetch), and the module-scoped
 * cache serve every warm invocation. Not run by the examples: it needs AWS.
 */
import { createHandler } from './handler.mjs'

async function connect(config) {
  // Your driver here, e.g. `const client = new pg.Client(config); await client.connect()`.
  throw new Error(`no database driver in this example (would connect to ${config.host})`)
}

export const { handler } = createHandler({ connect })
