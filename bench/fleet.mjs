#!/usr/bin/env node
/**
 * npm run bench:fleet — fleet behaviour under AWS quotas (issue 6).
 *
 * Many simulated Lambda execution environments (one module instance of the built package
 * each: dist/index.js imported as `?env=<id>`), spread over two child processes, against ONE
 * local AWS stand-in (lib/testing/aws-server.ts, built into dist/testing.js) in this process,
 * whose per-operation token buckets emulate the account's quotas. Scenarios: cold storms
 * (Secrets Manager, SSM at standard and higher throughput), synchronized expiry with and
 * without TTL jitter, and the same storms with @middy/secrets-manager and @middy/ssm.
 *
 * Prints markdown tables to stdout (progress on stderr); a complete run also writes bench/fleet.md.
 * Flags: --quick (a smaller, shorter run for development), --only=isolation,sm,ssm,expiry
 * Diagnostics: FLEET_NODE_ARGS="--cpu-prof ..." passes node flags to the environment
 * processes; FLEET_DIAG=1 prints their event-loop delay every second.
 * No timing assertions: it measures and reports. Only 127.0.0.1. Every loop is bounded.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { isolationCheck } from './fleet/isolation.mjs'
import { distIndex, KEYS_PER_ENV, removeSnapshots, runScenario, snapshotDist } from './fleet/runner.mjs'
import { asciiChart, buckets, byOperation, fmt, ms, percentile, table } from './fleet/stats.mjs'

const args = process.argv.slice(2)
const QUICK = args.includes('--quick')
const ONLY = (args.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? ['isolation', 'sm', 'ssm', 'expiry']).map((s) => s.trim())
const OUT = fileURLToPath(new URL('./fleet.md', import.meta.url))
const LATENCY_MS = 20
const started = Date.now()
const loadAtStart = os.loadavg()

const log = (message) => process.stderr.write(`${message}\n`)
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`

// Large fleets allocate a lot of short-lived SDK objects: a larger young generation keeps GC
// from dominating the two cores (it changes nothing in the package's behaviour).
process.env.FLEET_NODE_ARGS = [process.env.FLEET_NODE_ARGS, '--max-semi-space-size=64'].filter(Boolean).join(' ')

const FULL = QUICK ? 200 : 1000 // "1,000 environments" (200 with --quick)

// ---- Scenarios ----------------------------------------------------------------------------------

const sm = (o) => ({ kind: 'secrets', windowMs: 1000, deadlineMs: 30_000, latencyMs: LATENCY_MS, options: {}, ...o, quota: { throughput: 'standard', scale: o.scale } })
const SM_RUNS = [
  sm({ id: 'sm-full-def', group: 'full', impl: 'middy-secrets', envs: FULL, scale: 1, settings: 'defaults (retries 10, requestTimeoutMs 3000)' }),
  sm({ id: 'sm-full-rto', group: 'full', impl: 'middy-secrets', envs: FULL, scale: 1, options: { requestTimeoutMs: 10_000 }, settings: 'requestTimeoutMs 10000' }),
  sm({ id: 'sm-full-nopf', group: 'full', impl: 'middy-secrets', envs: FULL, scale: 1, options: { prefetch: false }, settings: 'prefetch: false' }),
  sm({ id: 'sm-full-peer', group: 'full', impl: 'middy-secrets-manager', envs: FULL, scale: 1, settings: 'SDK defaults (3 attempts, no timeout)' }),
  sm({ id: 'sm-s05-def', group: 'scaled', impl: 'middy-secrets', envs: 50, scale: 0.05, settings: 'defaults (retries 10)' }),
  sm({ id: 'sm-s05-peer', group: 'scaled', impl: 'middy-secrets-manager', envs: 50, scale: 0.05, settings: 'SDK defaults (3 attempts)' }),
  sm({ id: 'sm-s02-def', group: 'stress', impl: 'middy-secrets', envs: 50, scale: 0.02, settings: 'defaults (retries 10)' }),
  sm({ id: 'sm-s02-r10', group: 'stress', impl: 'middy-secrets', envs: 50, scale: 0.02, options: { retries: 10 }, settings: 'retries 10' }),
  sm({ id: 'sm-s02-peer', group: 'stress', impl: 'middy-secrets-manager', envs: 50, scale: 0.02, settings: 'SDK defaults (3 attempts)' }),
]

const SSM_SCALE = 0.2
const SSM_ENVS = QUICK ? 100 : 200
const ssm = (o) => ({ kind: 'parameters', windowMs: 1000, deadlineMs: 30_000, latencyMs: LATENCY_MS, options: {}, ...o, quota: { throughput: o.throughput, scale: o.scale } })
const SSM_RUNS = [
  ssm({ id: 'ssm-std-def', group: 'standard', impl: 'middy-secrets', envs: SSM_ENVS, throughput: 'standard', scale: SSM_SCALE, settings: 'defaults (retries 10)' }),
  ssm({ id: 'ssm-std-r100', group: 'standard', impl: 'middy-secrets', envs: SSM_ENVS, throughput: 'standard', scale: SSM_SCALE, options: { retries: 100 }, settings: 'retries 100' }),
  ...(QUICK ? [] : [ssm({ id: 'ssm-std-long', group: 'standard', impl: 'middy-secrets', envs: SSM_ENVS, throughput: 'standard', scale: SSM_SCALE, deadlineMs: 120_000, options: { retries: 1000 }, settings: 'retries 1000, 120 s deadline' })]),
  ssm({ id: 'ssm-std-peer', group: 'standard', impl: 'middy-ssm', envs: SSM_ENVS, throughput: 'standard', scale: SSM_SCALE, settings: 'SDK defaults (3 attempts)' }),
  ssm({ id: 'ssm-high-def', group: 'high', impl: 'middy-secrets', envs: FULL, throughput: 'high', scale: 1, settings: 'defaults (retries 10)' }),
  ssm({ id: 'ssm-high-peer', group: 'high', impl: 'middy-ssm', envs: FULL, throughput: 'high', scale: 1, settings: 'SDK defaults (3 attempts)' }),
]

const EXPIRY_ENVS = QUICK ? 100 : 250
const EXPIRY_TTL_S = 2
const EXPIRY = { periodMs: 100, durationMs: QUICK ? 8_000 : 12_000, measureFromMs: 2_000, waitedThresholdMs: 10 }
const expiry = (o) => ({ impl: 'middy-secrets', kind: 'secrets', envs: EXPIRY_ENVS, windowMs: 100, deadlineMs: 30_000, latencyMs: LATENCY_MS, quota: false, mode: 'warm', warm: EXPIRY, ...o })
const EXPIRY_RUNS = [
  ...[0, 0.1, 0.3].map((jitter) => expiry({ id: `expiry-j${jitter}`, label: `jitter ${jitter}`, options: { ttl: EXPIRY_TTL_S, jitter } })),
  // A user-side alternative the package does not offer: one TTL drawn per environment (jitter 0).
  expiry({ id: 'expiry-env', label: `jitter 0, ttl drawn once per env in [${EXPIRY_TTL_S * 0.9}, ${EXPIRY_TTL_S}] s`, options: { jitter: 0 }, perEnvTtl: { ttl: EXPIRY_TTL_S, spread: 0.1 } }),
]

/** The installed version of a peer, for the labels (never a version written here by hand). */
const versionOf = (name) => JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
const IMPL_NAME = { 'middy-secrets': 'middy-secrets', 'middy-secrets-manager': `@middy/secrets-manager ${versionOf('@middy/secrets-manager')}`, 'middy-ssm': `@middy/ssm ${versionOf('@middy/ssm')}` }

// ---- Summaries ------------------------------------------------------------------------------------

function summarize(run) {
  const { records, calls, t0, spec } = run
  const failedRecords = records.filter((r) => !r.ok)
  const failed = failedRecords.length + run.notFinished
  const latencies = records.map((r) => r.ms)
  const codes = {}
  for (const r of failedRecords) {
    const key = r.hung ? 'hung' : r.error ? `${r.error.name}${r.error.codes.length ? `: ${r.error.codes.join(', ')}` : ''}${r.pastDeadline ? ' (after the deadline)' : ''}` : 'ok but after the deadline'
    codes[key] = (codes[key] ?? 0) + 1
  }
  if (run.notFinished) codes['not finished (worker cap)'] = run.notFinished
  const ops = byOperation(calls, t0)
  const op = (name) => ops.find((o) => o.operation === name) ?? { total: 0, ok: 0, throttled: 0, peak: 0, peakOk: 0, perSecond: [], okPerSecond: [], lastOk: -Infinity }
  const ends = records.filter((r) => r.end).map((r) => r.end - t0)
  return {
    run,
    spec,
    failed,
    codes,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.length ? Math.max(...latencies) : Number.NaN,
    slowestFailureInvokeMs: failedRecords.length ? Math.max(...failedRecords.map((r) => r.invokeMs ?? 0)) : Number.NaN,
    pastDeadline: records.filter((r) => r.pastDeadline).length,
    hung: records.filter((r) => r.hung).length,
    lagP99: percentile(records.map((r) => r.lag), 99),
    lastDoneMs: ends.length ? Math.max(...ends) : Number.NaN,
    lastOkDoneMs: Math.max(-Infinity, ...records.filter((r) => r.ok).map((r) => r.end - t0)),
    calls: calls.length,
    throttled: calls.filter((c) => c.throttled).length,
    ops,
    op,
    leaks: run.logs.leaks + records.filter((r) => r.error?.leak).length,
    sampleError: failedRecords.find((r) => r.error)?.error?.message,
  }
}

const codesText = (codes) =>
  Object.entries(codes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v}× ${k}`)
    .join('; ') || '–'

const callsText = (o) => (o.total ? `${fmt(o.total)} (${fmt(o.throttled)} thr.)` : '0')

// ---- Main ---------------------------------------------------------------------------------------

const md = []
const summaries = {}

async function runAll(list, title) {
  for (const [i, spec] of list.entries()) {
    const what = `${IMPL_NAME[spec.impl]}, ${spec.envs} envs, ${spec.settings ?? spec.label}`
    log(`[${elapsed()}] ${title} ${i + 1}/${list.length}: ${what}`)
    let run
    try {
      run = await runScenario(spec, log)
    } catch (error) {
      log(`[${elapsed()}]   !! scenario failed to run: ${error.stack ?? error}`)
      continue
    }
    const s = summarize(run)
    summaries[spec.id] = s
    log(`[${elapsed()}]   -> failed ${s.failed}/${spec.envs}, calls ${s.calls} (throttled ${s.throttled}), p50 ${ms(s.p50)}, p99 ${ms(s.p99)}`)
  }
}

/** The commit the measured build came from, and whether lib/ had uncommitted changes. */
function revision() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = git('status', '--porcelain', '--', 'lib') !== ''
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in lib/' : ''}`
  } catch {
    return 'an unknown revision (no git)'
  }
}

function header() {
  const cpus = os.cpus()
  md.push('# bench:fleet — a fleet of Lambda environments against one emulated AWS account')
  md.push('')
  md.push(`- Date: ${new Date().toISOString()}${QUICK ? ' (--quick)' : ''}; package built from ${revision()}`)
  md.push(`- Node ${process.version}, ${os.platform()} ${os.arch()}; machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM; load average at start ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')} (other work shares these cores)`)
  md.push(`- One local AWS stand-in (dist/testing.js) in the parent process, ${LATENCY_MS} ms added per request, token buckets of 1 s burst per operation (GetParameter/GetParameters/GetParametersByPath share one at standard throughput); environments in 2 child processes; each middy-secrets environment is its own module instance of dist/index.js (\`?env=<id>\`); ${KEYS_PER_ENV} keys per environment; first invocation with a fake context whose getRemainingTimeInMillis starts at the deadline.`)
  md.push('- Latency = from the environment\'s start (init: `secrets()` + `middy()`) to the end of its first invocation. An invocation that ends after its deadline counts as failed (Lambda would have killed it). "Start lag" = how late this machine started environments (timer lag): where it is high, latencies measure the shared CPU, not AWS or the package; calls, throttles and failures are the robust figures.')
  md.push('- Each environment\'s SDK client is created and used once before the storm (then the buckets are refilled and the call log cleared): a new SDK v3 client costs ~15-25 ms of CPU on its first call, which real environments pay on their own vCPU but which would be serialized here on two cores.')
  md.push('')
}

function isolationSection(rows) {
  md.push('## Isolation: one module instance per environment')
  md.push('')
  md.push(
    table(
      ['check (default stores, 20 secrets)', 'expected BatchGet / GetSecretValue calls', 'measured', 'ok'],
      rows.map((r) =>
        typeof r.expected === 'string' ? [r.label, r.expected, r.got, r.ok ? 'yes' : '**NO**'] : [r.label, `${r.expected.batch} / ${r.expected.single}`, `${r.got.batch} / ${r.got.single}`, r.ok ? 'yes' : '**NO**'],
      ),
    ),
  )
  md.push('')
}

function smSection() {
  const rows = SM_RUNS.map((spec) => {
    const s = summaries[spec.id]
    if (!s) return undefined
    const b = s.op('BatchGetSecretValue')
    const g = s.op('GetSecretValue')
    const equiv = spec.scale === 1 ? '' : ` (= ${fmt(spec.envs / spec.scale)} at AWS quotas)`
    // middy-secrets needs 20 GetSecretValue for each batch that fell back (a throttled
    // BatchGetSecretValue); the peer 20 per environment. Answers beyond that were fetched
    // again (after a request timeout, or after the prefetch's own deadline aborted them).
    const needed = KEYS_PER_ENV * (spec.impl === 'middy-secrets' ? b.throttled : spec.envs)
    return [
      `${IMPL_NAME[spec.impl]}`,
      `${spec.envs}${equiv}`,
      `${fmt(100 * spec.scale)} / ${fmt(10_000 * spec.scale)}`,
      spec.settings,
      `**${s.failed}**`,
      ms(s.p50),
      ms(s.p99),
      ms(s.lastDoneMs),
      ms(s.lagP99),
      callsText(b),
      fmt(b.peak),
      callsText(g),
      fmt(Math.max(0, g.ok - needed)),
      fmt(g.peak),
      codesText(s.codes),
    ]
  }).filter(Boolean)
  md.push('## 1. Secrets Manager cold storm: environments × 20 secrets (AWSCURRENT), all started within 1 s, 30 s deadline')
  md.push('')
  md.push(
    table(
      ['implementation', 'envs', 'quota BatchGet / GetSecretValue per s', 'settings', 'failed', 'p50', 'p99', 'last done (from t0)', 'start lag p99 (machine)', 'BatchGetSecretValue calls', 'peak BatchGet/s', 'GetSecretValue calls', 'GetSecretValue answered beyond need', 'peak GSV/s', 'failures'],
      rows,
    ),
  )
  md.push('')
  for (const spec of SM_RUNS) {
    const s = summaries[spec.id]
    if (s?.sampleError) md.push(`- A failure of ${IMPL_NAME[spec.impl]} (${spec.envs} envs, ${spec.settings}): \`${s.sampleError.replace(/`/g, "'").slice(0, 400)}\``)
  }
  md.push('')
  md.push('Rows with 1,000 environments use the AWS default quotas; the machine, not the quota, is then the limit (this 2-core box serves a few thousand SDK calls per second, where the real GetSecretValue quota is 10,000/s). Scaled rows divide environments and every quota by the same factor, so the quotas bind as they would for the fleet named in brackets.')
  md.push('')
  for (const id of ['sm-full-def', 'sm-s02-def']) {
    const s = summaries[id]
    if (!s) continue
    const b = s.op('BatchGetSecretValue')
    const g = s.op('GetSecretValue')
    const n = Math.min(40, Math.max(b.perSecond.length, g.perSecond.length))
    const done = new Array(n).fill(0)
    for (const r of s.run.records) if (r.ok && r.end) done[Math.min(n - 1, Math.max(0, Math.floor((r.end - s.run.t0) / 1000)))] += 1
    let cumulative = 0
    md.push(`Calls per second, ${IMPL_NAME[s.spec.impl]}, ${s.spec.envs} envs, quotas ×${s.spec.scale}, ${s.spec.settings}:`)
    md.push('')
    md.push(
      table(
        ['second', 'BatchGet ok', 'BatchGet throttled', 'GetSecretValue ok', 'GetSecretValue throttled', 'envs done (cumulative)'],
        Array.from({ length: n }, (_, i) => {
          cumulative += done[i]
          return [i, fmt(b.okPerSecond[i] ?? 0), fmt((b.perSecond[i] ?? 0) - (b.okPerSecond[i] ?? 0)), fmt(g.okPerSecond[i] ?? 0), fmt((g.perSecond[i] ?? 0) - (g.okPerSecond[i] ?? 0)), cumulative]
        }),
      ),
    )
    md.push('')
  }
}

function ssmSection() {
  const rows = SSM_RUNS.map((spec) => {
    const s = summaries[spec.id]
    if (!s) return undefined
    const quota = 40 * spec.scale * (spec.throughput === 'high' ? 250 : 1)
    const boundS = (spec.envs * KEYS_PER_ENV) / 10 / quota
    const gp = s.op('GetParameters')
    // Share of what the bucket could give while the fleet was asking: burst (1 s) + quota × span.
    const spanS = gp.total ? (gp.last - s.run.t0) / 1000 : Number.NaN
    const possible = quota + quota * Math.max(0, spanS)
    const allOk = s.failed === 0
    const equiv = spec.scale === 1 ? '' : ` (= ${fmt(spec.envs / spec.scale)} at AWS quota)`
    return [
      IMPL_NAME[spec.impl],
      spec.throughput === 'high' ? 'higher' : 'standard',
      `${spec.envs}${equiv}`,
      `${fmt(quota)}`,
      spec.settings,
      `${spec.deadlineMs / 1000} s`,
      `${boundS < 1 ? fmt(boundS, 2) : fmt(boundS)} s`,
      `**${s.failed}**`,
      codesText(s.codes),
      ms(s.p50),
      ms(s.p99),
      ms(s.lagP99),
      ms(s.slowestFailureInvokeMs),
      `${s.pastDeadline} / ${s.hung}`,
      callsText(gp),
      Number.isFinite(spanS) ? `${fmt(gp.ok)} of ${fmt(possible)} (${fmt((100 * gp.ok) / possible)}%) in ${fmt(spanS, 1)} s` : '–',
      allOk ? `${ms(s.lastDoneMs)} (bound ${boundS < 1 ? fmt(boundS, 2) : fmt(boundS)} s)` : `${s.spec.envs - s.failed} of ${s.spec.envs} done`,
    ]
  }).filter(Boolean)
  md.push('## 2. SSM cold storm: environments × 20 SecureString parameters (GetParameters of 10), all started within 1 s')
  md.push('')
  md.push(
    table(
      ['implementation', 'throughput', 'envs', 'quota GetParameter(s)/s', 'settings', 'deadline', 'bound (envs×2 calls / quota)', 'failed', 'failures', 'p50', 'p99', 'start lag p99 (machine)', 'slowest failed invocation', 'past deadline / hung', 'GetParameters calls', 'successful calls of what the quota allowed while asking', 'storm complete'],
      rows,
    ),
  )
  md.push('')
  for (const spec of SSM_RUNS) {
    const s = summaries[spec.id]
    if (s?.sampleError) md.push(`- A failure of ${IMPL_NAME[spec.impl]} (${spec.settings}): \`${s.sampleError.replace(/`/g, "'").slice(0, 400)}\``)
  }
  md.push('')
  md.push(`Standard throughput is scaled ×${SSM_SCALE}: ${SSM_ENVS} environments against ${40 * SSM_SCALE} requests/s have the same bound as ${fmt(SSM_ENVS / SSM_SCALE)} environments against 40/s: ${SSM_ENVS} × 20 parameters / 10 per call / ${40 * SSM_SCALE} per s = ${(SSM_ENVS * 2) / (40 * SSM_SCALE)} s. Higher throughput runs at full scale (10,000/s shared by GetParameter and GetParameters). "Past deadline" counts invocations that ended after their deadline; "hung", those still pending 5 s after it.`)
  md.push('')
}

function expirySection() {
  const results = EXPIRY_RUNS.map((spec) => summaries[spec.id]).filter(Boolean)
  if (results.length === 0) return
  const from = EXPIRY.measureFromMs
  const span = EXPIRY.durationMs - from
  const series = results.map((s) => buckets(s.run.calls, s.run.t0 + from, 100, span))
  const globalMax = Math.max(1, ...series.flat())
  md.push(`## 3. Synchronized expiry: ${EXPIRY_ENVS} environments × 20 secrets, ttl ${EXPIRY_TTL_S} s, one invocation every ~${EXPIRY.periodMs} ms per environment, refresh calls from ${from / 1000} s to ${EXPIRY.durationMs / 1000} s`)
  md.push('')
  md.push(
    table(
      ['TTL spread', 'refresh calls', 'BatchGet / GetSecretValue', 'calls per env per TTL', 'peak per 100 ms', 'peak in the last TTL', 'mean per 100 ms', 'peak / mean', 'buckets ≥ 50% of peak', 'invocations', 'waited on a refresh', 'failed'],
      results.map((s, i) => {
        const v = series[i]
        const total = v.reduce((a, b) => a + b, 0)
        const peak = Math.max(...v)
        const mean = total / v.length
        const w = s.run.warm
        return [
          s.spec.label,
          fmt(total),
          `${fmt(s.run.calls.filter((c) => c.at >= s.run.t0 + from && c.operation === 'BatchGetSecretValue').length)} / ${fmt(s.run.calls.filter((c) => c.at >= s.run.t0 + from && c.operation === 'GetSecretValue').length)}`,
          fmt(total / s.spec.envs / (span / 1000 / EXPIRY_TTL_S), 2),
          fmt(peak),
          fmt(Math.max(...v.slice(-Math.round((EXPIRY_TTL_S * 1000) / 100)))),
          fmt(mean, 1),
          fmt(peak / Math.max(mean, 1e-9), 1),
          v.filter((x) => x >= peak / 2).length,
          fmt(w.invocations),
          `${fmt(w.waited)} (${fmt((100 * w.waited) / Math.max(1, w.invocations), 1)}%)`,
          w.failures + s.failed,
        ]
      }),
    ),
  )
  md.push('')
  md.push(`Refresh calls per 100 ms (same y scale, max ${globalMax}); x: ${span / 1000} s:`)
  md.push('')
  md.push('```')
  results.forEach((s, i) => {
    md.push(s.spec.label)
    md.push(asciiChart(series[i], 6, globalMax))
    md.push('')
  })
  md.push('```')
  md.push('')
  const perEnvAt = (label) => {
    const i = results.findIndex((r) => r.spec.label === label)
    return i < 0 ? Number.NaN : series[i].reduce((a, b) => a + b, 0) / results[i].spec.envs / (span / 1000 / EXPIRY_TTL_S)
  }
  const split = perEnvAt('jitter 0.1') > 1.5
  md.push(
    split
      ? `With \`jitter\` > 0 this build draws a separate expiry for each of an environment's 20 keys, so they stop expiring together: batches split and keys are refreshed on separate invocations (calls per environment per TTL above 1). At a real TTL of 300 s the jitter window (30 s at 0.1) spans ~300 invocation periods of 100 ms, so nearly every key would be refreshed alone: ~20 calls and ~20 waiting invocations per environment per TTL instead of 1. A TTL drawn once per environment (last row, done from outside through \`ttl\`) spreads the fleet without splitting batches.`
      : `With \`jitter\` > 0 this build keeps an environment's keys expiring together (about one refresh call per environment per TTL) while environments spread over the jitter window; the last row does the same from outside (a \`ttl\` drawn once per environment, \`jitter: 0\`) for comparison.`,
  )
  md.push('')
  md.push(`Quotas are off here: the TTL is compressed 150× (${EXPIRY_TTL_S} s for 300 s), so per-second quotas have no meaning in this time scale; the shape (peak versus mean, calls per environment per TTL, invocations that wait) is what carries over. The fleet is smaller than 1,000 so that this machine does not flatten the peaks by queueing. All environments start within 100 ms (a deployment). "Waited on a refresh": invocations that took ≥ ${EXPIRY.waitedThresholdMs} ms (a refresh is at least one ${LATENCY_MS} ms round trip; a warm invocation takes microseconds).`)
  md.push('')
}

function peersSection() {
  const pairs = [
    [`Secrets Manager, ${fmt(FULL)} envs, AWS quotas`, ['sm-full-def', 'sm-full-rto', 'sm-full-nopf', 'sm-full-peer']],
    ['Secrets Manager, 50 envs, quotas ×0.05 (= 1,000)', ['sm-s05-def', 'sm-s05-peer']],
    ['Secrets Manager, 50 envs, quotas ×0.02 (= 2,500)', ['sm-s02-def', 'sm-s02-r10', 'sm-s02-peer']],
    [`SSM standard, ${SSM_ENVS} envs, quota ×${SSM_SCALE} (= ${fmt(SSM_ENVS / SSM_SCALE)})`, ['ssm-std-def', 'ssm-std-r100', 'ssm-std-long', 'ssm-std-peer']],
    [`SSM higher throughput, ${FULL} envs`, ['ssm-high-def', 'ssm-high-peer']],
  ]
  const rows = []
  for (const [storm, ids] of pairs) {
    for (const id of ids) {
      const s = summaries[id]
      if (!s) continue
      rows.push([storm, IMPL_NAME[s.spec.impl], s.spec.settings, fmt(s.calls), fmt(s.throttled), `**${s.failed}**`, ms(s.p50), ms(s.p99)])
    }
  }
  if (rows.length === 0) return
  md.push('## 4. Side by side with the peers (same storms, same server, same machine)')
  md.push('')
  md.push(table(['storm', 'implementation', 'settings', 'API calls', 'throttled', 'failed', 'p50', 'p99'], rows))
  md.push('')
}

function logsSection() {
  const shapes = {}
  let leaks = 0
  let unhandled = 0
  for (const s of Object.values(summaries)) {
    leaks += s.leaks
    unhandled += s.run.unhandled
    if (s.spec.impl !== 'middy-secrets') continue
    for (const [k, v] of Object.entries(s.run.logs.shapes)) {
      const key = `${s.spec.id}\u0000${k}`
      shapes[key] = (shapes[key] ?? 0) + v
    }
  }
  md.push('## Logs and hygiene')
  md.push('')
  md.push(`Secret values seen in any log line or error message: **${leaks}**. Unhandled rejections in the environments: **${unhandled}**.`)
  md.push('')
  const rows = Object.entries(shapes)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 14)
    .map(([k, v]) => {
      const [id, shape] = k.split('\u0000')
      return [id, fmt(v), `\`${shape.replace(/\|/g, '/').slice(0, 160)}\``]
    })
  if (rows.length) md.push(table(['run', 'lines', 'middy-secrets log line (names and numbers elided)'], rows))
  md.push('')
}

async function main() {
  log(`[${elapsed()}] bench:fleet: snapshotting dist/ ...`)
  await snapshotDist()
  const testing = await import(distIndex.replace(/index\.js$/, 'testing.js'))
  header()
  if (ONLY.includes('isolation')) {
    log(`[${elapsed()}] isolation check`)
    isolationSection(await isolationCheck(testing, distIndex))
  }
  if (ONLY.includes('sm')) await runAll(SM_RUNS, 'Secrets Manager storm')
  smSection()
  if (ONLY.includes('ssm')) await runAll(SSM_RUNS, 'SSM storm')
  ssmSection()
  if (ONLY.includes('expiry')) await runAll(EXPIRY_RUNS, 'synchronized expiry')
  expirySection()
  peersSection()
  logsSection()
  md.push(`Total run time: ${elapsed()}.`)
  md.push('')
  const text = md.join('\n')
  process.stdout.write(`${text}\n`)
  // Only a complete run replaces bench/fleet.md; --quick and --only print to stdout alone.
  if (QUICK || args.some((a) => a.startsWith('--only='))) log(`[${elapsed()}] partial run: ${OUT} left as it was`)
  else {
    writeFileSync(OUT, text)
    log(`[${elapsed()}] wrote ${OUT}`)
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    removeSnapshots()
    process.exit(130)
  })
}

try {
  await main()
} finally {
  removeSnapshots()
}
