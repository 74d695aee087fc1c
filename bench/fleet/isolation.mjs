/**
 * Does importing dist/index.js under distinct URLs (`?env=<id>`) really give each simulated
 * environment its own module-scoped state? Checked through behaviour, against the local AWS
 * stand-in, with the package's default stores (no `stores` option): the cache (a warm
 * environment makes no call, a fresh one does) and the remembered BatchGetSecretValue
 * fallback (an environment whose batch was denied keeps using GetSecretValue; another one
 * still batches). The shared chunks (dist/chunks/*.js) are loaded once per process: they
 * hold only code and constants, which is what these checks confirm.
 */
import middy from '@middy/core'
import { fleetNames, fleetSeed } from './runner.mjs'

export async function isolationCheck(testing, distIndex) {
  const { seed } = fleetSeed()
  const server = await testing.startAwsServer({ seed, latencyMs: 0 })
  const names = fleetNames('secrets')
  const quiet = { debug() {}, info() {}, warn() {}, error() {} }
  const clientOptions = { region: 'us-east-1', endpoint: server.endpoint, credentials: { accessKeyId: 'AKIDFLEETBENCH', secretAccessKey: 'fleet-bench' } }
  const context = () => ({ getRemainingTimeInMillis: () => 30_000 })
  try {
    const A = await import(`${distIndex}?env=isolation-a`)
    const B = await import(`${distIndex}?env=isolation-b`)
    const handlerOf = (mod) =>
      middy(async () => true).use(
        mod.secrets({ context: Object.fromEntries(names.map((n, i) => [`k${i}`, mod.secret(n)])), clientOptions: { ...clientOptions }, logger: quiet, prefetch: false }),
      )
    const hA = handlerOf(A)
    const hB = handlerOf(B)
    const rows = []
    const step = async (label, expected, run) => {
      server.resetCalls()
      await run()
      const got = { batch: server.count('BatchGetSecretValue'), single: server.count('GetSecretValue') }
      rows.push({ label, expected, got, ok: got.batch === expected.batch && got.single === expected.single })
    }
    rows.push({ label: 'distinct module instances (A.secrets !== B.secrets, A.clearCache !== B.clearCache)', expected: 'true', got: String(A.secrets !== B.secrets && A.clearCache !== B.clearCache), ok: A.secrets !== B.secrets && A.clearCache !== B.clearCache })
    await step('A: first invocation, its BatchGetSecretValue denied once', { batch: 1, single: 20 }, async () => {
      server.fault({ operation: 'BatchGetSecretValue', kind: 'error', code: 'AccessDeniedException', times: 1 })
      await hA({}, context())
    })
    await step('A: second invocation (warm)', { batch: 0, single: 0 }, () => hA({}, context()))
    await step('B: first invocation (B has its own cache and store)', { batch: 1, single: 0 }, () => hB({}, context()))
    await step('A: after A.clearCache() (A remembers its fallback)', { batch: 0, single: 20 }, async () => {
      A.clearCache()
      await hA({}, context())
    })
    await step('A: after B.clearCache() (A keeps its cache)', { batch: 0, single: 0 }, async () => {
      B.clearCache()
      await hA({}, context())
    })
    await step('B: after B.clearCache() (B still batches)', { batch: 1, single: 0 }, () => hB({}, context()))
    return rows
  } finally {
    await server.close()
  }
}
