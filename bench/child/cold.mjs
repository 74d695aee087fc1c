/**
 * One cold start, in a fresh process: node bench/child/cold.mjs <impl> <sm|ssm|appconfig|ddb> <count>
 *
 * import: performance.now() before the first import of @middy/core (unless the implementation
 *         runs without middy), the implementation and the AWS SDK client module it imports itself,
 *         if any (middy-secrets loads its own on its first call, in the cold phase; common.mjs)
 *         -> after the last of them.
 * cold:   immediately before the handler is created (secrets() / @middy's middleware() /
 *         new SDK client / middy(handler)) -> settlement of the first invocation, which is
 *         called right after creation (no idle gap: prefetch gets no head start).
 * import + cold = the whole implementation-specific cold start (the rows' main figure).
 * The same phases are also measured in CPU time (process.cpuUsage(), user + system, every thread
 * of the process): on a shared machine it moves much less from run to run than wall time.
 */
import { countCorrect, createHandler, fail, finish, lambdaContext, loadImplementation, performance, scenario, usesMiddy } from './common.mjs'

const [impl, kind, countArg] = process.argv.slice(2)
const count = Number(countArg)

try {
  const { names, expected, keys } = scenario(kind, count)

  const cpu = () => {
    const { user, system } = process.cpuUsage()
    return (user + system) / 1000
  }
  const c0 = cpu()
  const t0 = performance.now()
  // @middy/core first, timed apart (loadImplementation then finds it loaded), for the phase table.
  if (usesMiddy(impl)) await import('@middy/core')
  const tCore = performance.now()
  const cCore = cpu()
  const mods = await loadImplementation(impl, kind)
  const t1 = performance.now()
  const c1 = cpu()
  const createdAt = Date.now() // epoch ms, to place the server's call log on this timeline
  const handler = createHandler(impl, kind, mods, names, keys)
  const tCreated = performance.now()
  const cCreated = cpu()
  const values = await handler({}, lambdaContext())
  const t2 = performance.now()
  const c2 = cpu()

  await finish({
    importMs: t1 - t0,
    coldMs: t2 - t1,
    importCpuMs: c1 - c0,
    coldCpuMs: c2 - c1,
    // The phases: @middy/core's import, the implementation's import, handler creation, first invocation.
    phases: { ms: [tCore - t0, t1 - tCore, tCreated - t1, t2 - tCreated], cpu: [cCore - c0, c1 - cCore, cCreated - c1, c2 - cCreated] },
    createdAt,
    correct: countCorrect(values, expected),
    expected: count,
  })
} catch (error) {
  fail(error)
}
