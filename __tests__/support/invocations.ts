/** Running a middleware the way tests read it: a handler that returns its keys, an outcome as codes. */
import middy, { type MiddlewareObj } from '@middy/core'
import { type KeyFailure, SecretsError } from '../../lib/index.js'

/** A middy handler with `mw` that returns the context's values of `keys`, in order. */
export function valuesHandler(mw: object, keys: readonly string[]) {
  return middy<unknown, unknown>()
    .use(mw as MiddlewareObj)
    .handler(async (_event: unknown, context: unknown) => keys.map((k) => (context as Record<string, unknown>)[k]))
}

/** What a call came to: its value, or a SecretsError's failures named by `name` (their codes), or another error. */
export async function outcome(p: Promise<unknown>, name: (failure: KeyFailure) => string = (f) => f.code): Promise<unknown> {
  try {
    return await p
  } catch (error) {
    return error instanceof SecretsError ? error.failures.map(name) : error
  }
}
