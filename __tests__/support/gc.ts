/**
 * Garbage collection on demand, for the tests that check what the package lets go of: a WeakRef
 * it holds (the registry), or memory it must not keep (kept plans, AppConfig sessions).
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Full collections, each after a turn of the event loop (a WeakRef the current job holds survives one). */
export async function collectGarbage(times = 2): Promise<void> {
  for (let i = 0; i < times; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    gc()
  }
}

/** The heap in use once what can be collected is. */
export async function heapAfterGc(): Promise<number> {
  await collectGarbage(3)
  return process.memoryUsage().heapUsed
}
