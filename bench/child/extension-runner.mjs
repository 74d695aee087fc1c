/**
 * The Parameters and Secrets extension stand-in, as its own process (in Lambda the extension is a
 * separate process of the execution environment): node bench/child/extension-runner.mjs
 * Started by bench/run.mjs with an IPC channel, once, before the measurements that use it.
 *
 * `startExtensionServer` from middy-secrets/testing on 127.0.0.1 (a free port), backed by the
 * package's SDK stores pointed at the parent's local AWS server (BENCH_ENDPOINT), so every value
 * the extension fetches is a call the parent counts. The backends call AWS one key at a time, as
 * the extension does (GetSecretValue, GetParameter: `batch: false`). The extension's settings are
 * its defaults (cache of 1000 entries, TTL 300 s for both services, 3 connections), the
 * PARAMETERS_SECRETS_* / *_TTL variables being removed from every child's environment.
 *
 * IPC from the parent, each answered with { id, ok, ... }:
 *   { op: 'clear' }   empties the extension's cache (as in a new execution environment)
 *   { op: 'close' }   stops the server and exits
 * (The "extension cache warm" measurement needs no op: it runs right after an "extension cache
 * cold" one for the same keys, which is the first function instance that filled the cache.)
 * On start it sends { ready: true, port, settings } once its SDK clients have made a first call
 * and its cache has been emptied again: the extension is up, as after the init phase.
 */
import { performance } from 'node:perf_hooks'
import { ENDPOINT, REGION } from './common.mjs'
import { SM_NAME, SSM_NAME } from './seed.mjs'

const token = process.env.BENCH_EXTENSION_TOKEN
if (!token) throw new Error('BENCH_EXTENSION_TOKEN is not set')
if (typeof process.send !== 'function') throw new Error('start me with an IPC channel (bench/run.mjs does)')

const clientOptions = () => ({ endpoint: ENDPOINT, region: REGION, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } })
const quiet = { debug() {}, info() {}, warn: (m) => process.stderr.write(`extension-runner: ${m}\n`), error: (m) => process.stderr.write(`extension-runner: ${m}\n`) }

const t0 = performance.now()
const { startExtensionServer } = await import('middy-secrets/testing')
const { secretsManagerStore, ssmStore } = await import('middy-secrets')
const server = await startExtensionServer({
  backend: {
    secretsManager: secretsManagerStore({ clientOptions: clientOptions(), batch: false }),
    ssm: ssmStore({ clientOptions: clientOptions(), batch: false }),
  },
  port: 0,
  token,
  logLevel: 'warn',
  logger: quiet,
})

/** GETs every name through the server, as AWS's samples do; throws unless all answer 200. */
async function fill(kind, names) {
  const path = kind === 'sm' ? '/secretsmanager/get?secretId=' : '/systemsmanager/parameters/get?withDecryption=true&name='
  const statuses = await Promise.all(
    names.map(async (name) => {
      const res = await fetch(`${server.url}${path}${encodeURIComponent(name)}`, { headers: { 'X-Aws-Parameters-Secrets-Token': token } })
      await res.arrayBuffer()
      return res.status
    }),
  )
  const failed = statuses.filter((s) => s !== 200).length
  if (failed > 0) throw new Error(`${failed} of ${names.length} ${kind} GETs did not answer 200`)
}

// Warm up: the SDK modules load and the clients make a first call, then the cache is emptied.
await fill('sm', [SM_NAME(0)])
await fill('ssm', [SSM_NAME(0)])
server.clearCache()
const startupMs = performance.now() - t0

process.on('message', async (message) => {
  const { id, op } = message ?? {}
  try {
    switch (op) {
      case 'clear':
        server.clearCache()
        break
      case 'close':
        await server.close()
        process.send({ id, ok: true }, () => process.exit(0))
        return
      default:
        throw new Error(`unknown op ${op}`)
    }
    process.send({ id, ok: true })
  } catch (error) {
    process.send({ id, ok: false, error: String(error?.stack ?? error) })
  }
})
process.on('disconnect', () => process.exit(0)) // the parent is gone

process.send({ ready: true, port: server.port, settings: server.settings, startupMs })
