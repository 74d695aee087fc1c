/**
 * Runs one fleet scenario: ONE local AWS stand-in in this (the parent) process, so its token
 * buckets are authoritative for the whole fleet, and the environments spread over child
 * processes (bench/fleet/env-worker.mjs) to use both cores.
 */
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * dist/ may be rebuilt (and cleaned) by someone else while this runs; a 5-minute run must not
 * see half-written chunks. So the built files are copied once to a temporary directory outside
 * the repository (nothing for a `git add -A` to pick up), next to a `node_modules` symlink to
 * the package's own, so that bare imports resolve to the same modules as here; the copy is
 * checked by importing it, and removed at the end.
 */
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url))
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url))
const WORKER = fileURLToPath(new URL('./env-worker.mjs', import.meta.url))
export const MARKER = 'SECRETVALUE'
export const KEYS_PER_ENV = 20
const snapshots = []
let testing
export let distIndex

export async function snapshotDist() {
  for (let attempt = 1; ; attempt++) {
    const root = mkdtempSync(join(tmpdir(), 'middy-secrets-fleet-'))
    snapshots.push(root)
    symlinkSync(NODE_MODULES, join(root, 'node_modules'), 'dir')
    const dir = `${join(root, 'dist')}/`
    mkdirSync(`${dir}chunks`, { recursive: true })
    try {
      for (const f of ['index.js', 'testing.js']) cpSync(`${DIST}${f}`, `${dir}${f}`)
      for (const f of readdirSync(`${DIST}chunks`)) if (f.endsWith('.js')) cpSync(`${DIST}chunks/${f}`, `${dir}chunks/${f}`)
      testing = await import(`${pathToFileURL(dir).href}testing.js`)
      await import(`${pathToFileURL(dir).href}index.js`)
      distIndex = `${pathToFileURL(dir).href}index.js`
      return dir
    } catch (error) {
      if (attempt >= 5) throw new Error(`dist/ could not be loaded (is a build running?): ${error.message}`)
      await new Promise((resolve) => setTimeout(resolve, 3_000))
    }
  }
}

export function removeSnapshots() {
  for (const root of snapshots.splice(0)) {
    // The symlink goes first, on its own: nothing may ever walk into the real node_modules.
    try {
      unlinkSync(join(root, 'node_modules'))
    } catch {
      // not created
    }
    rmSync(join(root, 'dist'), { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
  }
}

// AWS's quotas, every rate multiplied by scale: 'middy-secrets/testing' awsQuotas() where the
// build exports it, else the same table restated (older builds exported only the rates).
const SHARED_STANDARD = [['GetParameter', 'GetParameters', 'GetParametersByPath'], ['PutSecretValue', 'UpdateSecretVersionStage']]
const SHARED_HIGH = [['GetParameter', 'GetParameters'], ['PutSecretValue', 'UpdateSecretVersionStage']]

export function awsQuotas(throughput = 'standard', scale = 1) {
  if (typeof testing.awsQuotas === 'function') return testing.awsQuotas(throughput, scale)
  const base = throughput === 'high' ? testing.AWS_HIGH_THROUGHPUT_SSM_QUOTAS : testing.AWS_DEFAULT_QUOTAS
  const quotas = Object.fromEntries(Object.entries(base).map(([op, rate]) => [op, rate * scale]))
  return { quotas, sharedQuotas: throughput === 'high' ? SHARED_HIGH : SHARED_STANDARD }
}

export function fleetNames(kind) {
  return Array.from({ length: KEYS_PER_ENV }, (_, i) => (kind === 'secrets' ? `fleet/secret-${String(i).padStart(2, '0')}` : `/fleet/param-${String(i).padStart(2, '0')}`))
}

/** The same 20 secrets and 20 parameters for every scenario; values carry a marker to detect leaks. */
export function fleetSeed() {
  const expected = {}
  const secrets = {}
  const parameters = {}
  for (const name of fleetNames('secrets')) secrets[name] = expected[name] = `${MARKER}-${randomBytes(96).toString('hex')}`
  for (const name of fleetNames('parameters')) {
    expected[name] = `${MARKER}-${randomBytes(96).toString('hex')}`
    parameters[name] = { value: expected[name], type: 'SecureString' }
  }
  return { seed: { secrets, parameters }, expected }
}

/**
 * spec: { id, impl, kind, envs, windowMs, deadlineMs, options, quota: { throughput, scale } | false,
 *         latencyMs, mode: 'cold'|'warm', warm?, children }
 */
export async function runScenario(spec, progress = () => {}) {
  const { seed, expected } = fleetSeed()
  // spec.quota: false (no quotas) or { throughput: 'standard' | 'high', scale }
  const quota = spec.quota ? awsQuotas(spec.quota.throughput, spec.quota.scale) : { quotas: false, sharedQuotas: [] }
  const server = await testing.startAwsServer({ seed, latencyMs: spec.latencyMs, quotas: quota.quotas, sharedQuotas: quota.sharedQuotas, burst: 1 })
  const hangGraceMs = spec.hangGraceMs ?? 5_000
  const envs = Array.from({ length: spec.envs }, (_, i) => ({ id: `${spec.id}-${i}`, offsetMs: Math.random() * spec.windowMs }))
  const childCount = Math.max(1, Math.min(spec.children ?? 2, envs.length))
  const groups = Array.from({ length: childCount }, (_, c) => envs.filter((_, i) => i % childCount === c))

  const children = groups.map((group) => {
    const child = fork(WORKER, [], {
      execArgv: ['--max-old-space-size=6144', ...(process.env.FLEET_NODE_ARGS ? process.env.FLEET_NODE_ARGS.split(' ') : [])],
      env: { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDFLEETBENCH', AWS_SECRET_ACCESS_KEY: 'fleet-bench', AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', process.env.FLEET_DIAG ? 'inherit' : 'ignore', 'inherit', 'ipc'],
    })
    const state = { child, group, ready: undefined, result: undefined, done: 0, failed: 0, exited: false }
    state.readyPromise = new Promise((resolve, reject) => {
      child.on('message', (message) => {
        if (message.type === 'ready') {
          state.ready = message
          resolve()
        } else if (message.type === 'progress') {
          state.done = message.done
          state.failed = message.failed
        } else if (message.type === 'result') state.result = message
        else if (message.type === 'crash') {
          state.crash = message.message
          reject(new Error(`fleet worker crashed: ${message.message}`))
        }
      })
      child.on('exit', (code) => {
        state.exited = true
        state.exitCode = code
        if (!state.ready) reject(new Error(`fleet worker exited (${code}) before it was ready`))
      })
    })
    state.exitPromise = new Promise((resolve) => child.on('exit', resolve))
    child.send({
      impl: spec.impl,
      kind: spec.kind,
      names: fleetNames(spec.kind),
      expected,
      marker: MARKER,
      envs: group,
      endpoint: server.endpoint,
      deadlineMs: spec.deadlineMs,
      hangGraceMs,
      mode: spec.mode ?? 'cold',
      warm: spec.warm,
      options: spec.options ?? {},
      prewarm: spec.prewarm ?? true,
      perEnvTtl: spec.perEnvTtl,
      distIndex,
    })
    return state
  })

  try {
    const prepStart = Date.now()
    await Promise.all(children.map((c) => c.readyPromise))
    const prepMs = Date.now() - prepStart
    // Buckets full again after the warm-up calls, and the call log empty: the storm starts at t0.
    server.setQuotas(quota.quotas, quota.sharedQuotas)
    const t0 = Date.now() + 300
    const capMs = spec.mode === 'warm' ? spec.warm.durationMs + spec.deadlineMs + hangGraceMs : spec.windowMs + spec.deadlineMs + hangGraceMs + 5_000
    server.resetCalls()
    for (const c of children) c.child.send({ t0, capMs })

    const ticker = setInterval(() => {
      const calls = server.calls
      let throttled = 0
      for (const call of calls) if (call.throttled) throttled += 1
      const done = children.reduce((s, c) => s + c.done, 0)
      const failed = children.reduce((s, c) => s + c.failed, 0)
      progress(`  t=${((Date.now() - t0) / 1000).toFixed(0)}s  envs done ${done}/${spec.envs}  failed ${failed}  calls ${calls.length}  throttled ${throttled}`)
    }, 2_000)
    // Bounded: a worker that does not report by its cap (+15 s) is killed and counted.
    const hardStop = new Promise((resolve) => setTimeout(resolve, capMs + 15_000 + (t0 - Date.now())).unref())
    await Promise.race([Promise.all(children.map((c) => c.exitPromise)), hardStop])
    clearInterval(ticker)
    for (const c of children) if (!c.exited) c.child.kill('SIGKILL')

    const calls = server.calls.map((c) => ({ operation: c.operation, at: c.at, status: c.status, throttled: c.throttled }))
    const results = children.map((c) => c.result)
    const missing = children.filter((c) => !c.result).reduce((s, c) => s + c.group.length, 0)
    return {
      spec,
      t0,
      prepMs,
      calls,
      records: results.flatMap((r) => r?.records ?? []),
      notFinished: results.reduce((s, r) => s + (r?.notFinished ?? 0), 0) + missing,
      capped: results.some((r) => r?.capped),
      warm: mergeWarm(results.map((r) => r?.warm).filter(Boolean)),
      logs: mergeLogs(results.map((r) => r?.logs).filter(Boolean)),
      unhandled: results.reduce((s, r) => s + (r?.unhandled ?? 0), 0),
      perEnvImportMs: avg(results.map((r) => r?.perEnvImportMs).filter((v) => v !== undefined)),
      perEnvWarmMs: avg(results.map((r) => r?.perEnvWarmMs).filter((v) => v !== undefined)),
      distinctInstances: results.reduce((s, r) => s + (r?.distinctInstances ?? 0), 0),
      memoryMB: results.map((r) => r?.memoryMB),
    }
  } finally {
    for (const c of children) if (!c.exited) c.child.kill('SIGKILL')
    await server.close()
  }
}

function avg(values) {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0
}

function mergeWarm(list) {
  const out = { invocations: 0, failures: 0, waited: 0, waitedMs: [], errors: {} }
  for (const w of list) {
    out.invocations += w.invocations
    out.failures += w.failures
    out.waited += w.waited
    out.waitedMs.push(...w.waitedMs)
    for (const [k, v] of Object.entries(w.errors)) out.errors[k] = (out.errors[k] ?? 0) + v
  }
  return out
}

function mergeLogs(list) {
  const out = { counts: { debug: 0, info: 0, warn: 0, error: 0 }, shapes: {}, leaks: 0 }
  for (const l of list) {
    for (const k of Object.keys(out.counts)) out.counts[k] += l.counts[k]
    for (const [k, v] of Object.entries(l.shapes)) out.shapes[k] = (out.shapes[k] ?? 0) + v
    out.leaks += l.leaks
  }
  return out
}
