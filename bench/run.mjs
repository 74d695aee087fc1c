#!/usr/bin/env node
/**
 * npm run bench: middy-secrets against its peers, every measurement in a fresh child process,
 * all of them against one local AWS-protocol server (Secrets Manager + SSM, JSON 1.1) started
 * here on 127.0.0.1 with an injected latency per request. Prints a markdown table and writes it
 * to bench/results.md. Progress goes to stderr. Nothing here asserts a timing.
 *
 *   node bench/run.mjs [--latency 20] [--runs 5] [--warm-iterations 20000]
 *                      [--only cold,warm,import,memory] [--out bench/results.md] [--profile]
 *
 * The children run from a snapshot of dist/ (copied to a temporary directory with symlinks to
 * node_modules) so that builds of dist/ made while the benchmark runs cannot mix versions.
 */
import { spawn, execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { MEM_SECRET_BYTES, seed } from './child/seed.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const started = Date.now()

// ---- options ------------------------------------------------------------------------------

function parseArgs(argv) {
  const options = { latency: 20, runs: 5, warmIterations: 20_000, only: ['cold', 'warm', 'import', 'memory'], out: join(ROOT, 'bench', 'results.md'), profile: false }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=')
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case '--latency': options.latency = Number(value()); break
      case '--runs': options.runs = Number(value()); break
      case '--warm-iterations': options.warmIterations = Number(value()); break
      case '--only': options.only = value().split(','); break
      case '--out': options.out = resolve(value()); break
      case '--profile': options.profile = true; break
      case '--help':
        process.stderr.write('node bench/run.mjs [--latency ms=20] [--runs n=5] [--warm-iterations n=20000] [--only cold,warm,import,memory] [--out file] [--profile]\n')
        process.exit(0)
      default:
        throw new Error(`unknown option ${argv[i]}`)
    }
  }
  if (!(options.latency >= 0)) throw new Error('--latency must be a number of ms >= 0')
  if (!(options.runs >= 1)) throw new Error('--runs must be >= 1')
  return options
}

const options = parseArgs(process.argv.slice(2))
const loads = [loadavg()[0]]
const progress = (message) => loads.push(loadavg()[0]) && process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}\n`)

// ---- statistics and formatting -----------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const min = (xs) => Math.min(...xs)
const max = (xs) => Math.max(...xs)
const ms = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : 'n/a')
const ns = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a')
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a')
const bytes = (x) => x.toLocaleString('en-US')
const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')

// ---- snapshot of the build ---------------------------------------------------------------

/** Relative imports of an ESM file: static (import/export ... from, bare import) and dynamic. */
function relativeImports(code) {
  const staticRe = /(?:^|[;}\s])(?:import|export)\s*(?:[\w*${}\s,]+?\s*from\s*)?["'](\.{1,2}\/[^"']+)["']/g
  const dynamicRe = /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g
  const externalRe = /(?:^|[;}\s])(?:import|export)\s*(?:[\w*${}\s,]+?\s*from\s*)?["']([^."'][^"']*)["']|\bimport\(\s*["']([^."'][^"']*)["']\s*\)/g
  return {
    static: [...code.matchAll(staticRe)].map((m) => m[1]),
    dynamic: [...code.matchAll(dynamicRe)].map((m) => m[1]),
    external: [...code.matchAll(externalRe)].map((m) => m[1] ?? m[2]),
  }
}

/** Every file an ESM entry loads: statically (transitively), and what dynamic imports add. */
function moduleGraph(entry) {
  const staticFiles = new Set()
  const dynamicFiles = new Set()
  const external = new Set()
  const missing = []
  const visit = (file, lazy) => {
    if (staticFiles.has(file) || (lazy && dynamicFiles.has(file))) return
    if (!existsSync(file)) return void missing.push(file)
    ;(lazy ? dynamicFiles : staticFiles).add(file)
    const found = relativeImports(readFileSync(file, 'utf8'))
    for (const e of found.external) external.add(e)
    for (const s of found.static) visit(resolve(dirname(file), s), lazy)
    for (const d of found.dynamic) visit(resolve(dirname(file), d), true)
  }
  visit(entry, false)
  for (const f of staticFiles) dynamicFiles.delete(f)
  return { staticFiles: [...staticFiles], dynamicFiles: [...dynamicFiles], external: [...external].sort(), missing }
}

async function makeSnapshot() {
  const dir = mkdtempSync(join(tmpdir(), 'middy-secrets-bench-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'middy-secrets-bench-run', private: true, type: 'module' }))
  mkdirSync(join(dir, 'node_modules'))
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === 'middy-secrets') continue
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir')
  }
  cpSync(join(ROOT, 'bench', 'child'), join(dir, 'child'), { recursive: true })
  const pkg = join(dir, 'node_modules', 'middy-secrets')
  // dist/ may be rewritten by a concurrent build: copy until every entry's import graph is whole.
  for (let attempt = 1; ; attempt++) {
    rmSync(pkg, { recursive: true, force: true })
    mkdirSync(pkg, { recursive: true })
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'))
    cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') })
    const broken = ['index.js', 'testing.js'].flatMap((entry) => {
      const file = join(pkg, 'dist', entry)
      return existsSync(file) ? moduleGraph(file).missing : [file]
    })
    if (broken.length === 0) break
    if (attempt >= 10) throw new Error(`dist/ is incomplete (${broken.map((f) => relative(pkg, f)).join(', ')}); run npm run build`)
    progress(`dist/ looks mid-build (missing ${broken.length} file(s)); copying again in 3 s`)
    await new Promise((r) => setTimeout(r, 3000))
  }
  return { dir, pkg }
}

function gitDescription() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'rollup.config.mjs', 'package.json'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return dirty ? `${head} + uncommitted changes in lib/ or build config` : head
  } catch {
    return 'unknown'
  }
}

// ---- children -----------------------------------------------------------------------------

let snapshot
let server

function childEnv(extra = {}) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(AWS_|NODE_OPTIONS$|POWERTOOLS_|PARAMETERS_SECRETS_|SECRETS_MANAGER_|SSM_PARAMETER_STORE_)/.test(k)) continue
    env[k] = v
  }
  return {
    ...env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: server.endpoint,
    AWS_ENDPOINT_URL_SSM: server.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(snapshot.dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(snapshot.dir, 'no-aws-credentials'),
    BENCH_ENDPOINT: server.endpoint,
    ...extra,
  }
}

/** Runs one child to its end; returns its BENCH_RESULT and the server's calls during its life. */
function runChild(script, args, { nodeArgs = [], env = {}, timeoutMs = 120_000 } = {}) {
  server.resetCalls()
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, join(snapshot.dir, 'child', script), ...args.map(String)], {
      cwd: snapshot.dir,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '))
      if (code !== 0 || !line) {
        reject(new Error(`${script} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-2000)}`))
        return
      }
      const calls = {}
      let failedCalls = 0
      for (const c of server.calls) {
        calls[c.operation] = (calls[c.operation] ?? 0) + 1
        if (c.status !== 200) failedCalls++
      }
      const result = JSON.parse(line.slice('BENCH_RESULT '.length))
      const arrivals = server.calls.map((c) => c.at)
      // When the first / last request reached the server, from the child's handler creation (ms, 1 ms resolution).
      if (result.createdAt !== undefined && arrivals.length > 0) {
        result.firstRequestMs = Math.min(...arrivals) - result.createdAt
        result.lastRequestMs = Math.max(...arrivals) - result.createdAt
      }
      resolvePromise({ ...result, calls, totalCalls: server.calls.length, failedCalls })
    })
  })
}

function checkCorrect(label, result) {
  if (result.correct !== result.expected) throw new Error(`${label}: read ${result.correct} of ${result.expected} values correctly; the measurement is not valid`)
  if (result.failedCalls > 0) throw new Error(`${label}: ${result.failedCalls} AWS call(s) did not answer 200`)
}

const callsText = (results) => {
  const shapes = new Set(results.map((r) => Object.entries(r.calls).sort().map(([op, n]) => `${n} ${op}`).join(' + ') || '0'))
  const totals = results.map((r) => r.totalCalls)
  const total = min(totals) === max(totals) ? `${totals[0]}` : `${min(totals)}–${max(totals)}`
  return `**${total}** (${[...shapes].join(' / ')})`
}

// ---- cold ---------------------------------------------------------------------------------

const COLD_SCENARIOS = [
  { kind: 'sm', count: 1 },
  { kind: 'sm', count: 10 },
  { kind: 'sm', count: 50 },
  { kind: 'ssm', count: 10 },
  { kind: 'ssm', count: 50 },
]
const COLD_IMPLS = ['middy-secrets', 'middy-peer', 'powertools-seq', 'powertools-all', 'bare']

function implLabel(impl, kind) {
  const sm = kind === 'sm'
  switch (impl) {
    case 'middy-secrets': return '**middy-secrets** (defaults: prefetch + batching)'
    case 'middy-peer': return sm ? '@middy/secrets-manager 6.4.5 (setToContext)' : '@middy/ssm 6.4.5 (setToContext)'
    case 'powertools-seq': return `Powertools 2.35.0 ${sm ? 'getSecret' : 'getParameter'}, sequential awaits (as documented)`
    case 'powertools-all': return `Powertools 2.35.0 ${sm ? 'getSecret' : 'getParameter'}, Promise.all`
    case 'bare': return sm ? 'bare SDK: BatchGetSecretValue, chunks of 20 in parallel' : 'bare SDK: GetParameters, chunks of 10 in parallel'
    case 'powertools': return 'Powertools 2.35.0 getSecret x10 in the handler (its cache), inside middy'
    case 'map': return 'bare Map lookup x10 in the handler, inside middy'
    case 'inject': return 'reference: a `before` middleware assigning 10 constant strings to the context, handler reading them'
    case 'noop': return 'reference: one no-op `before` middleware (the cost of any middleware in middy)'
    default: return impl
  }
}
const scenarioLabel = ({ kind, count }) => (kind === 'sm' ? `${count} secret${count > 1 ? 's' : ''}` : `${count} SSM parameters`)

/** One discarded child per implementation, so the OS file cache is warm for all of them alike. */
async function prime() {
  for (const kind of ['sm', 'ssm']) {
    for (const impl of COLD_IMPLS) {
      const result = await runChild('cold.mjs', [impl, kind, 10])
      checkCorrect(`priming ${kind} ${impl}`, result)
    }
  }
  progress('primed: one discarded cold start per implementation (file cache warm for all)')
}

async function runCold() {
  const results = new Map() // `${kind}:${count}:${impl}` -> [result]
  const total = options.runs * COLD_SCENARIOS.length * COLD_IMPLS.length
  let done = 0
  for (let run = 0; run < options.runs; run++) {
    for (const scenario of COLD_SCENARIOS) {
      // A different implementation goes first in each run, so none always gets the same slot.
      const order = COLD_IMPLS.map((_, i) => COLD_IMPLS[(i + run) % COLD_IMPLS.length])
      for (const impl of order) {
        const key = `${scenario.kind}:${scenario.count}:${impl}`
        const profile = options.profile && impl === 'middy-secrets' && scenario.count === 50 && run === 0
        const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'profiles'), '--cpu-prof-name', `cold-${scenario.kind}-50.cpuprofile`] : []
        const result = await runChild('cold.mjs', [impl, scenario.kind, scenario.count], { nodeArgs })
        checkCorrect(key, result)
        if (!results.has(key)) results.set(key, [])
        results.get(key).push(result)
        done++
        progress(`cold ${done}/${total}  ${scenarioLabel(scenario).padEnd(17)} ${impl.padEnd(15)} run ${run + 1}: cold ${ms(result.coldMs)} ms, import ${ms(result.importMs)} ms, ${result.totalCalls} calls`)
      }
    }
  }
  return results
}

// ---- warm ---------------------------------------------------------------------------------

const WARM_IMPLS = ['middy-secrets', 'middy-peer', 'powertools', 'map', 'inject', 'noop']

async function runWarm() {
  const results = new Map()
  let done = 0
  for (let run = 0; run < options.runs; run++) {
    for (const impl of WARM_IMPLS) {
      const profile = options.profile && impl === 'middy-secrets' && run === 0
      const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'profiles'), '--cpu-prof-name', 'warm.cpuprofile'] : []
      // Powertools' default maxAge is 5 s: make sure its cache holds for the whole process.
      const result = await runChild('warm.mjs', [impl, options.warmIterations], { nodeArgs, env: { POWERTOOLS_PARAMETERS_MAX_AGE: '3600' } })
      checkCorrect(`warm ${impl}`, result)
      if (!results.has(impl)) results.set(impl, [])
      results.get(impl).push(result)
      done++
      progress(`warm ${done}/${options.runs * WARM_IMPLS.length}  ${impl.padEnd(15)} run ${run + 1}: +${ns(result.overheadNs)} ns/invocation (baseline ${ns(result.baselineNs)} ns), ${result.totalCalls} calls`)
    }
  }
  return results
}

// ---- import -------------------------------------------------------------------------------

const IMPORT_SPECIFIERS = [
  'middy-secrets',
  'lru-cache',
  'p-retry',
  '@middy/core',
  '@middy/secrets-manager',
  '@middy/ssm',
  '@aws-lambda-powertools/parameters/secrets',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-ssm',
]

async function runImport() {
  const times = new Map()
  let done = 0
  for (let run = 0; run < options.runs; run++) {
    for (const specifier of IMPORT_SPECIFIERS) {
      const result = await runChild('import.mjs', [specifier])
      if (!times.has(specifier)) times.set(specifier, [])
      times.get(specifier).push(result)
      done++
      progress(`import ${done}/${options.runs * IMPORT_SPECIFIERS.length}  ${specifier}: ${ms(result.importMs)} ms`)
    }
  }
  const lazy = {}
  for (const kind of ['sm', 'ssm']) {
    const log = join(snapshot.dir, `resolved-${kind}.log`)
    writeFileSync(log, '')
    const result = await runChild('lazy.mjs', [kind], { nodeArgs: ['--import', pathToFileURL(join(snapshot.dir, 'child', 'hooks', 'register.mjs')).href], env: { BENCH_HOOK_LOG: log } })
    checkCorrect(`lazy ${kind}`, result)
    lazy[kind] = result
    progress(`lazy ${kind}: client-ssm loaded: ${result.loadsSsm}, client-secrets-manager loaded: ${result.loadsSecretsManager}`)
  }
  return { times, lazy, build: buildSizes() }
}

function buildSizes() {
  const dist = join(snapshot.pkg, 'dist')
  const graph = moduleGraph(join(dist, 'index.js'))
  const size = (files, base = dist) => {
    const perFile = files.map((f) => {
      const code = readFileSync(f)
      return { file: relative(base, f), raw: code.length, gz: gzipSync(code, { level: 9 }).length }
    })
    const all = Buffer.concat(files.map((f) => readFileSync(f)))
    return { perFile, raw: all.length, gz: perFile.reduce((a, f) => a + f.gz, 0), gzOneStream: gzipSync(all, { level: 9 }).length }
  }
  // What `import 'middy-secrets'` also loads from its dependencies (not part of the build).
  const modules = join(ROOT, 'node_modules')
  const depFiles = [
    join(modules, 'lru-cache', 'dist', 'esm', 'node', 'index.min.js'),
    join(modules, 'p-retry', 'index.js'),
    join(modules, 'is-network-error', 'index.js'),
  ].filter((f) => existsSync(f))
  const build = [...graph.staticFiles, ...graph.dynamicFiles]
  const oneStream = gzipSync(Buffer.concat(build.map((f) => readFileSync(f))), { level: 9 }).length
  return { static: size(graph.staticFiles), dynamic: size(graph.dynamicFiles), deps: size(depFiles, modules), external: graph.external, oneStream }
}

// ---- memory -------------------------------------------------------------------------------

const MEMORY_CONFIGS = [
  { impl: 'middy-secrets', count: 1000 },
  { impl: 'middy-secrets', count: 1 },
  { impl: 'middy-peer', count: 1000 },
]

async function runMemory() {
  const runs = Math.min(options.runs, 3)
  const results = new Map()
  let done = 0
  for (let run = 0; run < runs; run++) {
    for (const config of MEMORY_CONFIGS) {
      const key = `${config.impl}:${config.count}`
      const result = await runChild('memory.mjs', [config.impl, config.count], { nodeArgs: ['--expose-gc'] })
      checkCorrect(`memory ${key}`, result)
      if (!results.has(key)) results.set(key, [])
      results.get(key).push(result)
      done++
      progress(`memory ${done}/${runs * MEMORY_CONFIGS.length}  ${config.impl} x${config.count}: heap +${(result.heapGrowth / 1e6).toFixed(2)} MB, ${result.totalCalls} calls`)
    }
  }
  return { results, runs }
}

// ---- report -------------------------------------------------------------------------------

function report({ cold, warm, imported, memory, header }) {
  const out = [header]
  const targets = []

  if (cold) {
    out.push('## Cold start', '')
    out.push(
      '**cold** = wall time in a fresh Node process from immediately before the handler is created (before `secrets()`, ' +
        '`secretsManager()`/`ssm()`, `new SecretsManagerClient()`/`new SSMClient()`, or `middy(handler)` for Powertools, whose provider ' +
        'and client are created by the first `getSecret`) to the settlement of the first invocation, which is called right after creation ' +
        '(no idle time between init and invoke, so a prefetch gets no head start). Before the timer starts, every implementation has ' +
        'imported @middy/core, itself and the AWS SDK client module it uses (middy-secrets imports its client lazily; it is imported ' +
        'here first, so every row loads the same code in the **import** phase). **import + cold** = both phases, the whole ' +
        'implementation-specific cold start. All handlers run inside middy 6.4.5 and get a Lambda-like context. **API calls** = requests ' +
        "the server logged during the child's whole life, by operation. **first / last request sent at** = when the first and the last " +
        'request reached the server, in ms after handler creation began (server clock, 1 ms resolution): the client-side time before ' +
        'the network, and how spread out the requests are. Values read by the handler are checked.',
      '',
    )
    const rows = []
    for (const scenario of COLD_SCENARIOS) {
      for (const impl of COLD_IMPLS) {
        const rs = cold.get(`${scenario.kind}:${scenario.count}:${impl}`)
        const c = rs.map((r) => r.coldMs)
        const i = rs.map((r) => r.importMs)
        const t = rs.map((r) => r.importMs + r.coldMs)
        const first = median(rs.map((r) => r.firstRequestMs))
        const last = median(rs.map((r) => r.lastRequestMs))
        rows.push([scenarioLabel(scenario), implLabel(impl, scenario.kind), `**${ms(median(c))}**`, ms(min(c)), ms(max(c)), `${first} / ${last}`, ms(median(i)), ms(median(t)), callsText(rs)])
      }
    }
    out.push(table(['Scenario', 'Implementation', 'cold ms (median)', 'min', 'max', 'first / last request sent at ms (median)', 'import ms (median)', 'import + cold ms (median)', 'API calls'], rows), '')

    out.push('### Ratios: middy-secrets ÷ peer (medians of the same run; < 1 means middy-secrets is faster / makes fewer calls)', '')
    const ratioRows = []
    for (const scenario of COLD_SCENARIOS) {
      const mine = cold.get(`${scenario.kind}:${scenario.count}:middy-secrets`)
      for (const impl of COLD_IMPLS.slice(1)) {
        const peer = cold.get(`${scenario.kind}:${scenario.count}:${impl}`)
        const calls = median(mine.map((r) => r.totalCalls)) / median(peer.map((r) => r.totalCalls))
        ratioRows.push([
          scenarioLabel(scenario),
          implLabel(impl, scenario.kind),
          ratio(median(mine.map((r) => r.coldMs)) / median(peer.map((r) => r.coldMs))),
          ratio(median(mine.map((r) => r.importMs + r.coldMs)) / median(peer.map((r) => r.importMs + r.coldMs))),
          `${ratio(calls)} (${median(mine.map((r) => r.totalCalls))} vs ${median(peer.map((r) => r.totalCalls))})`,
        ])
      }
    }
    out.push(table(['Scenario', 'Peer', 'cold time', 'import + cold time', 'API calls'], ratioRows), '')

    const get = (kind, count, impl) => cold.get(`${kind}:${count}:${impl}`)
    const sm50 = get('sm', 50, 'middy-secrets')
    const sm50Bare = get('sm', 50, 'bare')
    const sm50Calls = max(sm50.map((r) => r.totalCalls))
    const sm50Ratio = median(sm50.map((r) => r.coldMs)) / median(sm50Bare.map((r) => r.coldMs))
    targets.push(['Cold, 50 secrets: at most 3 API calls', `${sm50Calls} (max over runs)`, sm50Calls <= 3])
    targets.push([
      'Cold, 50 secrets: within 1.15x of the bare BatchGetSecretValue loop',
      `${ratio(sm50Ratio)} (${ms(median(sm50.map((r) => r.coldMs)))} vs ${ms(median(sm50Bare.map((r) => r.coldMs)))} ms)`,
      sm50Ratio <= 1.15,
    ])
    const p50 = get('ssm', 50, 'middy-secrets')
    const p50Peer = get('ssm', 50, 'middy-peer')
    const p50Calls = max(p50.map((r) => r.totalCalls))
    const p50Ratio = median(p50.map((r) => r.coldMs)) / median(p50Peer.map((r) => r.coldMs))
    targets.push(['Cold, 50 SSM parameters: 5 API calls', `${p50Calls} (max over runs)`, p50Calls <= 5])
    targets.push(['Cold, 50 SSM parameters: within 1.1x of @middy/ssm', `${ratio(p50Ratio)} (${ms(median(p50.map((r) => r.coldMs)))} vs ${ms(median(p50Peer.map((r) => r.coldMs)))} ms)`, p50Ratio <= 1.1])
  }

  if (warm) {
    out.push('## Warm invocation', '')
    out.push(
      `Per process: middy with no middleware (handler returns at once) and the implementation's handler with 10 cached secrets, ` +
        `${(warm.get('middy-secrets')[0].invocations).toLocaleString('en-US')} timed invocations each after 5,000 of warm-up, ` +
        'in rounds of 1,000 alternating between the two; ns/invocation = median over rounds; **overhead** = implementation minus ' +
        'no-middleware baseline, measured in the same process. Every invocation gets a new Lambda-like context (with ' +
        '`getRemainingTimeInMillis`, so middy arms its timeout timer in both). Median / min / max over processes. ' +
        '**API calls** = all requests of the process (they all come from the first, cold invocation).',
      '',
    )
    const rows = WARM_IMPLS.map((impl) => {
      const rs = warm.get(impl)
      const o = rs.map((r) => r.overheadNs)
      return [implLabel(impl, 'sm'), `**${ns(median(o))}**`, ns(min(o)), ns(max(o)), ns(median(rs.map((r) => r.baselineNs))), ns(median(rs.map((r) => r.implNs))), callsText(rs)]
    })
    out.push(table(['Implementation', 'overhead ns/invocation (median)', 'min', 'max', 'baseline: middy, no middleware (ns)', 'implementation (ns)', 'API calls'], rows), '')
    const mine = median(warm.get('middy-secrets').map((r) => r.overheadNs))
    const peer = median(warm.get('middy-peer').map((r) => r.overheadNs))
    const pt = median(warm.get('powertools').map((r) => r.overheadNs))
    out.push(`middy-secrets warm overhead ÷ @middy/secrets-manager: **${ratio(mine / peer)}**; ÷ Powertools: **${ratio(mine / pt)}**.`, '')
    targets.push(['Warm, 10 cached secrets: at most 1 µs above middy with no middleware', `${ns(mine)} ns`, mine <= 1000])
  }

  if (imported) {
    out.push('## Import and build size', '')
    out.push(
      '**import ms** = `performance.now()` around the first `await import(specifier)` of a fresh process (the ESM loader is already ' +
        'up). **SDK modules loaded** = CommonJS modules under @aws-sdk/ or @smithy/ in `require.cache` afterwards.',
      '',
    )
    const rows = IMPORT_SPECIFIERS.map((s) => {
      const rs = imported.times.get(s)
      const t = rs.map((r) => r.importMs)
      const label = s === 'middy-secrets' ? '**middy-secrets**' : s === 'lru-cache' || s === 'p-retry' ? `${s} (a dependency of middy-secrets, alone)` : s
      return [label, `**${ms(median(t))}**`, ms(min(t)), ms(max(t)), String(median(rs.map((r) => r.sdkModules)))]
    })
    out.push(table(['Module', 'import ms (median)', 'min', 'max', 'SDK modules loaded'], rows), '')
    const { sm, ssm } = imported.lazy
    out.push(
      '**Lazy SDK loading** (fresh process with a resolve hook recording every ESM URL, plus `require.cache`, after the first invocation of a middy-secrets handler with 10 keys):',
      '',
      table(
        ['Declaration', 'loads @aws-sdk/client-secrets-manager', 'loads @aws-sdk/client-ssm'],
        [
          ['10 secrets only', sm.loadsSecretsManager ? 'yes' : 'no', sm.loadsSsm ? '**yes**' : 'no'],
          ['10 SSM parameters only', ssm.loadsSecretsManager ? '**yes**' : 'no', ssm.loadsSsm ? 'yes' : 'no'],
        ],
      ),
      '',
    )
    const b = imported.build
    const fileRows = [
      ...b.static.perFile.map((f) => [`\`dist/${f.file}\``, 'static', bytes(f.raw), bytes(f.gz)]),
      ...b.dynamic.perFile.map((f) => [`\`dist/${f.file}\``, 'lazy (dynamic import)', bytes(f.raw), bytes(f.gz)]),
      ['**total of the build**', '', `**${bytes(b.static.raw + b.dynamic.raw)}**`, `**${bytes(b.static.gz + b.dynamic.gz)}** (${bytes(b.oneStream)} as one gzip stream)`],
      ...b.deps.perFile.map((f) => [`\`node_modules/${f.file}\``, 'dependency, loaded by the import', bytes(f.raw), bytes(f.gz)]),
    ]
    out.push(
      '**ESM build** as `npm run build` makes it (`.map` files excluded; gzip level 9 per file; the AWS SDK and the dependencies are external). ' +
        'The files are those `dist/index.js` imports, followed transitively; the dependencies it loads are listed below the total for reference.',
      '',
      table(['File', 'loaded', 'bytes', 'gzip bytes'], fileRows),
      '',
      `External imports of the ESM build: ${b.external.map((e) => `\`${e}\``).join(', ')}.`,
      '',
    )
    const imp = median(imported.times.get('middy-secrets').map((r) => r.importMs))
    targets.push(['Import of the package alone under 5 ms', `${ms(imp)} ms`, imp < 5])
    targets.push(['A declaration with only secrets never loads @aws-sdk/client-ssm (and vice versa)', `secrets only: ${sm.loadsSsm ? 'loads' : 'does not load'} client-ssm; parameters only: ${ssm.loadsSecretsManager ? 'loads' : 'does not load'} client-secrets-manager`, !sm.loadsSsm && !ssm.loadsSecretsManager])
    targets.push(['ESM build under 8 KB gzip without the AWS SDK', `${bytes(b.static.gz + b.dynamic.gz)} B gzip (${b.static.perFile.length + b.dynamic.perFile.length} files)`, b.static.gz + b.dynamic.gz < 8192])
  }

  if (memory) {
    out.push('## Memory', '')
    out.push(
      `**heap growth** = \`heapUsed\` after minus before, each after 4 rounds of \`gc()\` (\`node --expose-gc\`): before = after importing ` +
        '@middy/core, the implementation and @aws-sdk/client-secrets-manager; after = one middleware declaring N secrets of 4,096 ' +
        `ASCII characters (middy-secrets: maxEntries 1000), one invocation, its context dropped. Includes what the SDK client keeps after a first call. Median of ${memory.runs} processes.`,
      '',
    )
    const raw = 1000 * MEM_SECRET_BYTES
    const rows = MEMORY_CONFIGS.map((c) => {
      const rs = memory.results.get(`${c.impl}:${c.count}`)
      const h = rs.map((r) => r.heapGrowth)
      const payload = c.count * MEM_SECRET_BYTES
      return [
        c.impl === 'middy-secrets' ? '**middy-secrets**' : '@middy/secrets-manager 6.4.5',
        c.count.toLocaleString('en-US'),
        `${(payload / 1e6).toFixed(3)} MB`,
        `**${(median(h) / 1e6).toFixed(2)} MB**`,
        `${(min(h) / 1e6).toFixed(2)}–${(max(h) / 1e6).toFixed(2)} MB`,
        ratio(median(h) / payload),
        callsText(rs),
      ]
    })
    out.push(table(['Implementation', 'secrets cached', 'raw payload', 'heap growth (median)', 'min–max', 'growth ÷ payload', 'API calls'], rows), '')
    const big = median(memory.results.get('middy-secrets:1000').map((r) => r.heapGrowth))
    const one = median(memory.results.get('middy-secrets:1').map((r) => r.heapGrowth))
    out.push(`middy-secrets per cached secret beyond its 4,096-byte payload: about **${Math.round((big - one - raw) / 999).toLocaleString('en-US')} bytes** ((growth with 1,000 − growth with 1 − 4,096,000) ÷ 999).`, '')
  }

  if (targets.length > 0) {
    out.push('## Issue 3 targets (reported, not asserted)', '')
    out.push(table(['Target', 'Measured', 'Met'], targets.map(([t, m, ok]) => [t, m, ok ? 'yes' : '**no**'])), '')
  }
  return out.join('\n')
}

// ---- main ---------------------------------------------------------------------------------

async function main() {
  progress(`options: latency ${options.latency} ms, ${options.runs} runs, ${options.warmIterations} warm invocations, sections ${options.only.join(',')}`)
  const git = gitDescription()
  snapshot = await makeSnapshot()
  progress(`snapshot of dist/ in ${snapshot.dir}`)
  if (options.profile) mkdirSync(join(ROOT, 'bench', 'profiles'), { recursive: true })
  const { startAwsServer } = await import(pathToFileURL(join(snapshot.pkg, 'dist', 'testing.js')).href)
  server = await startAwsServer({ seed: seed(), latencyMs: options.latency })
  progress(`local AWS server on ${server.endpoint}, ${options.latency} ms per request`)

  const sections = {}
  try {
    await prime()
    if (options.only.includes('cold')) sections.cold = await runCold()
    if (options.only.includes('warm')) sections.warm = await runWarm()
    if (options.only.includes('import')) sections.imported = await runImport()
    if (options.only.includes('memory')) sections.memory = await runMemory()
  } finally {
    await server.close()
    rmSync(snapshot.dir, { recursive: true, force: true })
  }
  const cpu = cpus()
  const date = new Date()
  const header = [
    '# middy-secrets benchmark',
    '',
    `Generated by \`npm run bench\` on ${date.toISOString().slice(0, 10)} (${date.toISOString()}).`,
    '',
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}`,
    `- System load while it ran (1-minute load average; ${cpu.length} cores): ${loads[0].toFixed(1)} at the start, ${loads.at(-1).toFixed(1)} at the end, ` +
      `${Math.max(...loads).toFixed(1)} at most (sampled between measurements). Other processes compete for the CPU when it is above ${cpu.length}: read min columns and ratios with that in mind.`,
    `- Node ${process.version}; middy-secrets ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version} at ${git} (dist/ as built when the run started)`,
    `- Local AWS JSON 1.1 server (middy-secrets/testing \`startAwsServer\`) on 127.0.0.1 with **${options.latency} ms** injected per request; ` +
      `${options.runs} fresh processes per cold/warm/import measurement; AWS SDK v3 clients (client-secrets-manager ` +
      `${JSON.parse(readFileSync(join(ROOT, 'node_modules/@aws-sdk/client-secrets-manager/package.json'), 'utf8')).version}, client-ssm ` +
      `${JSON.parse(readFileSync(join(ROOT, 'node_modules/@aws-sdk/client-ssm/package.json'), 'utf8')).version}) pointed at it.`,
    '',
  ].join('\n')

  const markdown = `${report({ ...sections, header })}\n_Total benchmark time: ${((Date.now() - started) / 1000).toFixed(0)} s._\n`
  writeFileSync(options.out, markdown)
  process.stdout.write(markdown)
  progress(`written to ${relative(process.cwd(), options.out) || options.out}`)
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`)
  if (snapshot) rmSync(snapshot.dir, { recursive: true, force: true })
  process.exit(1)
})
