/**
 * One cold start, in a fresh process: node bench/child/cold.mjs <impl> <sm|ssm|appconfig|ddb> <count>
 *
 * import: performance.now() before the first import of @middy/core (unless the implementation
 *         runs without middy), the implementation and the AWS SDK client module it uses -> after
 *         the last of them.
 * cold:   immediately before the handler is created (secrets() / @middy's middleware() /
 *         new SDK client / middy(handler)) -> settlement of the first invocation, which is
 *         called right after creation (no idle gap: prefetch gets no head start).
 * import + cold = the whole implementation-specific cold start (the rows' main figure).
 */
import { countCorrect, createHandler, fail, finish, lambdaContext, loadImplementation, performance, scenario } from './common.mjs'

const [impl, kind, countArg] = process.argv.slice(2)
const count = Number(countArg)

try {
  const { names, expected, keys } = scenario(kind, count)

  const t0 = performance.now()
  const mods = await loadImplementation(impl, kind)
  const t1 = performance.now()
  const createdAt = Date.now() // epoch ms, to place the server's call log on this timeline
  const handler = createHandler(impl, kind, mods, names, keys)
  const values = await handler({}, lambdaContext())
  const t2 = performance.now()

  await finish({ importMs: t1 - t0, coldMs: t2 - t1, createdAt, correct: countCorrect(values, expected), expected: count })
} catch (error) {
  fail(error)
}
