/**
 * One child process of `npm run bench:fleet`: hosts many simulated Lambda execution
 * environments. Each environment of middy-secrets is its own module instance of the built
 * package (dist/index.js imported under `?env=<id>`), so it has its own module-scoped cache,
 * its own stores (and their remembered batch fallback) and its own SDK client. The peers keep
 * their module-scoped cache in @middy/util keyed by `cacheKey`, so each environment gets its
 * own cacheKey (and its own SDK client: middy creates one per middleware).
 *
 * Protocol (IPC with bench/fleet.mjs): receive a config, pre-import, answer `ready`; receive
 * `start` with t0, run every environment at t0 + its offset, send `progress` now and then
 * and one `result`, then exit. Every loop is bounded by the config's caps.
 */

let unhandled = 0
process.on('unhandledRejection', () => {
  unhandled += 1 // counted and reported; a Lambda runtime would log it (Node 20 would crash the process)
})

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
const sleepUntil = (epochMs) => sleep(epochMs - Date.now())

/** A console-compatible logger that counts lines and keeps their shapes (names and numbers removed). */
function makeLogs(marker) {
  const logs = { counts: { debug: 0, info: 0, warn: 0, error: 0 }, shapes: {}, leaks: 0 }
  const at = (level) => (message, ...rest) => {
    logs.counts[level] += 1
    const text = [message, ...rest].map(String).join(' ')
    if (text.includes(marker)) logs.leaks += 1
    const shape = `${level}: ${text.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N')}`.slice(0, 220)
    logs.shapes[shape] = (logs.shapes[shape] ?? 0) + 1
  }
  return { logs, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } }
}

function makeContext(invokeAt, deadlineMs, id, n) {
  return {
    functionName: 'fleet',
    awsRequestId: `${id}-${n}`,
    getRemainingTimeInMillis: () => invokeAt + deadlineMs - Date.now(),
  }
}

/** Short, value-free description of a failure: error name and the failure codes it carries. */
function describeError(error, marker) {
  const name = error?.name ?? typeof error
  // middy-secrets: SecretsError.failures[].code; the middy peers: Error('Failed to resolve internal values', { cause: { data: [sdkErrors] } })
  const inner = Array.isArray(error?.failures) ? error.failures.map((f) => f.code) : Array.isArray(error?.cause?.data) ? error.cause.data.map((e) => e?.name ?? String(e)) : []
  const codes = [...new Set(inner)].sort()
  const text = `${error?.message ?? ''} ${String(error)}`
  return {
    name,
    codes,
    failedKeys: Array.isArray(error?.failures) ? error.failures.length : undefined,
    leak: text.includes(marker),
    message: `${String(error?.message ?? error).split('\n').slice(0, 3).join(' | ')}${Array.isArray(error?.cause?.data) && error.cause.data[0] ? ` (cause[0]: ${error.cause.data[0].name}: ${error.cause.data[0].message})` : ''}`.slice(0, 400),
  }
}

async function main(config) {
  const { impl, kind, names, expected, marker, envs, endpoint, deadlineMs, hangGraceMs, mode, distIndex } = config
  const clientOptions = () => ({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'AKIDFLEETBENCH', secretAccessKey: 'fleet-bench' } })
  const keys = names.map((_, i) => `k${String(i).padStart(2, '0')}`)
  const { logs, logger } = makeLogs(marker)

  // Pre-import: the SDK (shared by every environment of this process, as it would be cached
  // by the runtime's module loader anyway) and one package instance per environment.
  const importStart = performance.now()
  const sdk = await import(kind === 'secrets' ? '@aws-sdk/client-secrets-manager' : '@aws-sdk/client-ssm')
  const sdkImportMs = performance.now() - importStart
  const modules = new Map()
  const t1 = performance.now()
  if (impl === 'middy-secrets') {
    for (const env of envs) modules.set(env.id, await import(`${distIndex}?env=${env.id}`))
  }
  // Every environment also gets its own instance of @middy/core and, for the peers, of the
  // peer's module, so that each implementation pays its own per-environment module cost
  // (lazy compilation of a fresh instance's functions happens on its first invocation). The
  // peers' cache lives in @middy/util (shared by the process), isolated by a cacheKey per env.
  const middyUrl = import.meta.resolve('@middy/core')
  const peerUrl = impl === 'middy-secrets-manager' ? import.meta.resolve('@middy/secrets-manager') : impl === 'middy-ssm' ? import.meta.resolve('@middy/ssm') : undefined
  const middys = new Map()
  const peers = new Map()
  for (const env of envs) {
    middys.set(env.id, (await import(`${middyUrl}?env=${env.id}`)).default)
    if (peerUrl) peers.set(env.id, (await import(`${peerUrl}?env=${env.id}`)).default)
  }
  const perEnvImportMs = envs.length > 0 ? (performance.now() - t1) / envs.length : 0
  const distinctInstances = new Set([...modules.values()].map((m) => m.secrets)).size

  // Pre-warmed SDK clients (config.prewarm): a new SDK v3 client costs ~15-25 ms of CPU on its
  // first call (config and endpoint resolution, middleware stack, signing key, TCP connect).
  // In Lambda every environment pays that on its own vCPU; here 500 environments would pay it
  // serially on one core, so by default each environment's client is created and used once
  // (a call the quotas then forget) before the storm. middy-secrets gets it through its public
  // store API (maxAttempts 1, as the package configures its own clients); the peers through
  // their AwsClient option (SDK default retries, as they configure them).
  const clients = new Map()
  const t2 = performance.now()
  if (config.prewarm) {
    const Client = kind === 'secrets' ? sdk.SecretsManagerClient : sdk.SSMClient
    const warmCommand = () => (kind === 'secrets' ? new sdk.DescribeSecretCommand({ SecretId: 'fleet/warm-up' }) : new sdk.GetParameterCommand({ Name: '/fleet/warm-up' }))
    for (let i = 0; i < envs.length; i += 25) {
      await Promise.all(
        envs.slice(i, i + 25).map(async (env) => {
          const client = new Client(impl === 'middy-secrets' ? { ...clientOptions(), maxAttempts: 1 } : clientOptions())
          await client.send(warmCommand()).catch(() => undefined) // not found: fine
          clients.set(env.id, client)
        }),
      )
    }
  }
  const perEnvWarmMs = envs.length > 0 ? (performance.now() - t2) / envs.length : 0

  const check = (context) => keys.every((key, i) => context[key] === expected[names[i]])

  function build(env) {
    const handler = async (event, context) => {
      if (!check(context)) throw Object.assign(new Error('wrong or missing value injected'), { name: 'WrongValue' })
      return true
    }
    const middy = middys.get(env.id)
    if (impl === 'middy-secrets') {
      const mod = modules.get(env.id)
      const declare = kind === 'secrets' ? mod.secret : mod.parameter
      const context = Object.fromEntries(keys.map((key, i) => [key, declare(names[i])]))
      const client = clients.get(env.id)
      const stores = client === undefined ? undefined : kind === 'secrets' ? { secretsManager: mod.secretsManagerStore({ client }) } : { ssm: mod.ssmStore({ client }) }
      // perEnvTtl: a TTL drawn once per environment (jitter 0), a user-side way to spread a fleet.
      const ttl = config.perEnvTtl ? { ttl: config.perEnvTtl.ttl * (1 - config.perEnvTtl.spread * Math.random()) } : {}
      return middy(handler).use(mod.secrets({ context, clientOptions: clientOptions(), logger, ...(stores ? { stores } : {}), ...config.options, ...ttl }))
    }
    const fetchData = Object.fromEntries(keys.map((key, i) => [key, names[i]]))
    const client = clients.get(env.id)
    // middy does `new options.AwsClient(awsClientOptions)`: a constructor returning the warm client.
    const AwsClient = client === undefined ? undefined : function PrewarmedClient() { return client }
    return middy(handler).use(peers.get(env.id)({ fetchData, setToContext: true, awsClientOptions: clientOptions(), cacheKey: `${impl}-${env.id}`, ...(AwsClient ? { AwsClient } : {}) }))
  }

  /** One invocation, watched: settled (ok / error), past the deadline, or still pending at deadline + grace. */
  async function invoke(handler, env, n) {
    const invokeAt = Date.now()
    const context = makeContext(invokeAt, deadlineMs, env.id, n)
    const out = { invokeAt, ok: false, hung: false, pastDeadline: false, error: undefined, done: undefined }
    let watch
    const settled = Promise.resolve()
      .then(() => handler({}, context))
      .then(
        () => {
          out.ok = true
        },
        (error) => {
          out.error = describeError(error, marker)
        },
      )
      .finally(() => {
        out.done = Date.now()
      })
    const watchdog = new Promise((resolve) => {
      watch = setTimeout(() => resolve('hung'), deadlineMs + hangGraceMs)
    })
    const first = await Promise.race([settled.then(() => 'settled'), watchdog])
    clearTimeout(watch)
    if (first === 'hung') {
      out.hung = true
      out.ok = false
      // Keep waiting, bounded: the child's cap below ends the run in any case.
    } else if (out.done - invokeAt > deadlineMs) {
      out.pastDeadline = true // Lambda would have killed it: "Task timed out"
      out.ok = false
    }
    return out
  }

  const records = []
  let done = 0
  let failed = 0
  const warm = { invocations: 0, failures: 0, waited: 0, waitedMs: [], errors: {} }

  async function runEnv(env, t0) {
    const scheduled = t0 + env.offsetMs
    await sleepUntil(scheduled)
    const start = Date.now()
    let handler
    try {
      handler = build(env)
    } catch (error) {
      records.push({ id: env.id, lag: start - scheduled, initMs: 0, ms: 0, ok: false, error: describeError(error, marker) })
      failed += 1
      done += 1
      return
    }
    const first = await invoke(handler, env, 0)
    const rec = {
      id: env.id,
      lag: start - scheduled,
      initMs: first.invokeAt - start,
      ms: (first.done ?? Date.now()) - start,
      invokeMs: (first.done ?? Date.now()) - first.invokeAt,
      ok: first.ok,
      hung: first.hung,
      pastDeadline: first.pastDeadline,
      error: first.error,
      start,
      end: first.done,
    }
    records.push(rec)
    done += 1
    if (!rec.ok) failed += 1
    if (mode !== 'warm') return

    // Kept warm: one invocation every periodMs (random phase), one at a time, until the end.
    const end = t0 + config.warm.durationMs
    const measureFrom = t0 + config.warm.measureFromMs
    let next = Date.now() + Math.random() * config.warm.periodMs
    for (let n = 1; n < 100_000; n++) {
      if (next >= end) break
      await sleepUntil(next)
      const at = Date.now()
      const out = await invoke(handler, env, n)
      const ms = (out.done ?? Date.now()) - at
      if (at >= measureFrom) {
        warm.invocations += 1
        if (!out.ok) {
          warm.failures += 1
          const key = out.hung ? 'hung' : out.pastDeadline ? 'pastDeadline' : `${out.error?.name}${out.error?.codes?.length ? `(${out.error.codes.join(',')})` : ''}`
          warm.errors[key] = (warm.errors[key] ?? 0) + 1
        }
        if (ms >= config.warm.waitedThresholdMs) {
          warm.waited += 1
          warm.waitedMs.push(ms)
        }
      }
      next += config.warm.periodMs
      if (next < Date.now()) next = Date.now() + config.warm.periodMs * Math.random()
    }
  }

  process.send({ type: 'ready', sdkImportMs, perEnvImportMs, perEnvWarmMs, distinctInstances, envs: envs.length })

  const { t0, capMs } = await new Promise((resolve) => process.once('message', resolve))
  const diag = process.env.FLEET_DIAG ? (await import('node:perf_hooks')).monitorEventLoopDelay({ resolution: 10 }) : undefined
  diag?.enable()
  const progress = setInterval(() => {
    process.send({ type: 'progress', done, failed })
    if (diag) {
      process.stderr.write(`child ${process.pid}: maxDelay ${(diag.max / 1e6).toFixed(0)}ms heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)}MB\n`)
      diag.reset()
    }
  }, 1000)
  const all = Promise.all(envs.map((env) => runEnv(env, t0)))
  // Bounded: whatever happens, report at t0 + cap.
  let capTimer
  const capped = await Promise.race([all.then(() => false), new Promise((resolve) => (capTimer = setTimeout(() => resolve(true), capMs)))])
  clearTimeout(capTimer)
  clearInterval(progress)
  const notFinished = envs.length - records.length
  process.send(
    {
      type: 'result',
      records,
      capped,
      notFinished,
      warm,
      logs,
      unhandled,
      sdkImportMs,
      perEnvImportMs,
      perEnvWarmMs,
      distinctInstances,
      memoryMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    },
    () => process.exit(0),
  )
}

process.once('message', (config) => {
  main(config).catch((error) => {
    process.send({ type: 'crash', message: String(error?.stack ?? error) }, () => process.exit(1))
  })
})
