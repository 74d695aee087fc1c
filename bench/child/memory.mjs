/**
 * Heap growth, in a fresh process started with --expose-gc:
 *   node --expose-gc bench/child/memory.mjs <ms|middy-peer> <count>
 *
 * After importing @middy/core and the implementation (@middy/secrets-manager imports its SDK
 * client; middy-secrets, on its default transport, the lean one here, loads no SDK): gc,
 * heapUsed = before. Then one middleware declaring <count> secrets of 4,096 characters
 * (middy-secrets: maxEntries = max(count, 1000)), one invocation, the context dropped, gc,
 * heapUsed = after. Growth = after - before: the cached values plus everything the
 * implementation and its transport keep after a first call (connections, the SDK client...).
 */
import { countCorrect, createHandler, fail, finish, lambdaContext, loadImplementation, MEM_NAME, MEM_VALUE } from './common.mjs'

const [impl, countArg] = process.argv.slice(2)
const count = Number(countArg)

async function settle() {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setImmediate(resolve))
    globalThis.gc()
  }
}

try {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
  const mods = await loadImplementation(impl, 'sm')
  const names = Array.from({ length: count }, (_, i) => MEM_NAME(i))
  const keys = names.map((_, i) => `k${i}`)
  await settle()
  const before = process.memoryUsage()

  const handler = createHandler(impl, 'sm', mods, names, keys, impl === 'ms' ? { maxEntries: Math.max(count, 1000) } : {})
  let values = await handler({}, lambdaContext())
  const correct = countCorrect(values, names.map((_, i) => MEM_VALUE(i)))
  values = undefined
  await settle()
  const after = process.memoryUsage()
  globalThis.keep = handler // the handler (and its cache) must stay reachable until here

  await finish({
    heapGrowth: after.heapUsed - before.heapUsed,
    externalGrowth: after.external - before.external,
    correct,
    expected: count,
  })
} catch (error) {
  fail(error)
}
