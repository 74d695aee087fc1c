#!/usr/bin/env node
/**
 * npm run bench: middy-secrets against its peers, every measurement in a fresh child process,
 * all of them against one local AWS-protocol server (Secrets Manager + SSM, JSON 1.1) started
 * here on 127.0.0.1 with an injected latency per request. Prints a markdown table and writes it
 * to bench/results.md. Progress goes to stderr. Nothing here asserts a timing.
 *
 *   node bench/run.mjs [--latency 20] [--runs 5] [--extension-runs 5] [--warm-iterations 20000]
 *                      [--only cold,warm,import,memory] [--out bench/results.md] [--profile]
 *
 * The extension-store rows talk to a stand-in of the Parameters and Secrets extension that runs
 * as its own child process (bench/child/extension-runner.mjs), started here before the
 * measurements and driven over IPC (its cache is emptied before each "extension cache cold" run).
 *
 * The children run from a snapshot of dist/ (copied to a temporary directory with symlinks to
 * node_modules) so that builds of dist/ made while the benchmark runs cannot mix versions.
 */
import { spawn, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
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
  const options = { latency: 20, runs: 5, extensionRuns: undefined, warmIterations: 20_000, only: ['cold', 'warm', 'import', 'memory'], out: join(ROOT, 'bench', 'results.md'), profile: false }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=')
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case '--latency': options.latency = Number(value()); break
      case '--runs': options.runs = Number(value()); break
      case '--extension-runs': options.extensionRuns = Number(value()); break
      case '--warm-iterations': options.warmIterations = Number(value()); break
      case '--only': options.only = value().split(','); break
      case '--out': options.out = resolve(value()); break
      case '--profile': options.profile = true; break
      case '--help':
        process.stderr.write('node bench/run.mjs [--latency ms=20] [--runs n=5] [--extension-runs n=runs] [--warm-iterations n=20000] [--only cold,warm,import,memory] [--out file] [--profile]\n')
        process.exit(0)
      default:
        throw new Error(`unknown option ${argv[i]}`)
    }
  }
  if (!(options.latency >= 0)) throw new Error('--latency must be a number of ms >= 0')
  if (!(options.runs >= 1)) throw new Error('--runs must be >= 1')
  options.extensionRuns ??= options.runs
  if (!(options.extensionRuns >= 1 && options.extensionRuns <= options.runs)) throw new Error('--extension-runs must be from 1 to --runs')
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
    const broken = ['index.js', 'testing.js', 'extension.js'].flatMap((entry) => {
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
let extension // the extension runner, when a section needs it
let extensionWide // a second one, started with PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS=WIDE (cold section)
const WIDE = 20
const EXTENSION_TOKEN = randomBytes(16).toString('hex')

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
    BENCH_EXTENSION_TOKEN: EXTENSION_TOKEN,
    ...(extension ? { BENCH_EXTENSION_PORT: String(extension.port) } : {}),
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

/**
 * Starts bench/child/extension-runner.mjs (the extension stand-in, its own process) and waits
 * until it listens and its SDK backends have made a first call. Returns { port, settings,
 * startupMs, clear(), close() }; clear() empties its cache, over IPC.
 */
function startExtensionRunner(env = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(snapshot.dir, 'child', 'extension-runner.mjs')], {
      cwd: snapshot.dir,
      env: childEnv(env),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    let nextId = 1
    const waiting = new Map()
    const request = (op) =>
      new Promise((res, rej) => {
        const id = nextId++
        waiting.set(id, { res, rej })
        child.send({ id, op })
      })
    child.on('message', (message) => {
      if (message?.ready) {
        resolvePromise({
          port: message.port,
          settings: message.settings,
          startupMs: message.startupMs,
          stderr: () => stderr,
          clear: () => request('clear'),
          close: () => (child.exitCode === null && child.connected ? request('close').catch(() => {}) : Promise.resolve()),
          kill: () => child.exitCode === null && child.kill('SIGKILL'),
        })
        return
      }
      const pending = waiting.get(message?.id)
      if (!pending) return
      waiting.delete(message.id)
      if (message.ok) pending.res()
      else pending.rej(new Error(`extension runner: ${message.error}`))
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      const error = new Error(`the extension runner exited (${signal ?? `exit ${code}`}):\n${stderr.slice(-2000)}`)
      for (const pending of waiting.values()) pending.rej(error)
      waiting.clear()
      reject(error) // no effect once it was ready
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
/** The extension-store rows: 'ext' runs both, cold first (it fills the extension's cache), then warm. */
const EXT_IMPLS = ['ext-cold', 'ext-warm']
/** The same with PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS=WIDE for function and extension, 50-key scenarios only. */
const EXT_WIDE_IMPLS = ['ext-cold-wide', 'ext-warm-wide']
const WIDE_MIN_COUNT = 50
const COLD_UNITS = [...COLD_IMPLS, 'ext']
const COLD_ROWS = [...COLD_IMPLS, ...EXT_IMPLS, ...EXT_WIDE_IMPLS]

function implLabel(impl, kind) {
  const sm = kind === 'sm'
  switch (impl) {
    case 'middy-secrets': return '**middy-secrets** (defaults: prefetch + batching)'
    case 'middy-peer': return sm ? '@middy/secrets-manager 6.4.5 (setToContext)' : '@middy/ssm 6.4.5 (setToContext)'
    case 'powertools-seq': return `Powertools 2.35.0 ${sm ? 'getSecret' : 'getParameter'}, sequential awaits (as documented)`
    case 'powertools-all': return `Powertools 2.35.0 ${sm ? 'getSecret' : 'getParameter'}, Promise.all`
    case 'bare': return sm ? 'bare SDK: BatchGetSecretValue, chunks of 20 in parallel' : 'bare SDK: GetParameters, chunks of 10 in parallel'
    case 'ext-cold': return '**middy-secrets + extension store**, extension cache cold (emptied before the run: a new execution environment)'
    case 'ext-warm': return "**middy-secrets + extension store**, extension cache warm (a second function instance in the same environment: values in the extension's cache)"
    case 'ext-cold-wide': return `middy-secrets + extension store, extension cache cold, \`PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS=${WIDE}\` (read by the function and the extension)`
    case 'ext-warm-wide': return `middy-secrets + extension store, extension cache warm, \`PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS=${WIDE}\``
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
    if (extension) {
      await extension.clear()
      const result = await runChild('cold.mjs', ['middy-secrets-ext', kind, 10])
      checkCorrect(`priming ${kind} middy-secrets + extension store`, result)
    }
  }
  progress('primed: one discarded cold start per implementation (file cache warm for all)')
}

async function runCold() {
  const results = new Map() // `${kind}:${count}:${impl}` -> [result]
  const wideScenarios = COLD_SCENARIOS.filter((s) => s.count >= WIDE_MIN_COUNT).length
  const total = COLD_SCENARIOS.length * (options.runs * COLD_IMPLS.length + options.extensionRuns * EXT_IMPLS.length) + wideScenarios * options.extensionRuns * EXT_WIDE_IMPLS.length
  let done = 0
  const measure = async (scenario, impl, childImpl, run, nodeArgs = [], env = {}) => {
    const key = `${scenario.kind}:${scenario.count}:${impl}`
    const result = await runChild('cold.mjs', [childImpl, scenario.kind, scenario.count], { nodeArgs, env })
    checkCorrect(key, result)
    if (!results.has(key)) results.set(key, [])
    results.get(key).push(result)
    done++
    progress(`cold ${done}/${total}  ${scenarioLabel(scenario).padEnd(17)} ${impl.padEnd(15)} run ${run + 1}: cold ${ms(result.coldMs)} ms, import ${ms(result.importMs)} ms, ${result.totalCalls} calls`)
  }
  for (let run = 0; run < options.runs; run++) {
    const units = run < options.extensionRuns ? COLD_UNITS : COLD_IMPLS
    for (const scenario of COLD_SCENARIOS) {
      // A different implementation goes first in each run, so none always gets the same slot.
      const order = units.map((_, i) => units[(i + run) % units.length])
      for (const impl of order) {
        if (impl === 'ext') {
          // A new execution environment: the extension is up, its cache empty; then a second
          // function instance (a new process) in the same environment, the values in its cache.
          await extension.clear()
          await measure(scenario, 'ext-cold', 'middy-secrets-ext', run)
          await measure(scenario, 'ext-warm', 'middy-secrets-ext', run)
          if (scenario.count >= WIDE_MIN_COUNT) {
            // The variable is in the function's environment and the extension's (Lambda gives both the same).
            const env = { BENCH_EXTENSION_PORT: String(extensionWide.port), PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: String(WIDE) }
            await extensionWide.clear()
            await measure(scenario, 'ext-cold-wide', 'middy-secrets-ext', run, [], env)
            await measure(scenario, 'ext-warm-wide', 'middy-secrets-ext', run, [], env)
          }
          continue
        }
        const profile = options.profile && impl === 'middy-secrets' && scenario.count === 50 && run === 0
        const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'profiles'), '--cpu-prof-name', `cold-${scenario.kind}-50.cpuprofile`] : []
        await measure(scenario, impl, impl, run, nodeArgs)
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

const TRIVIAL = './trivial.mjs' // bench/child/trivial.mjs, resolved from bench/child/import.mjs
const EXT_BOTH = 'middy-secrets/extension+middy-secrets'
const EXT_BUILTINS = 'node:http+node:crypto'
const IMPORT_SPECIFIERS = [
  TRIVIAL,
  'middy-secrets',
  'middy-secrets/extension',
  EXT_BOTH,
  EXT_BUILTINS,
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
  for (const mode of ['sm', 'ssm', 'ext']) {
    const log = join(snapshot.dir, `resolved-${mode}.log`)
    writeFileSync(log, '')
    if (mode === 'ext') await extension.clear()
    const result = await runChild('lazy.mjs', [mode], { nodeArgs: ['--import', pathToFileURL(join(snapshot.dir, 'child', 'hooks', 'register.mjs')).href], env: { BENCH_HOOK_LOG: log } })
    checkCorrect(`lazy ${mode}`, result)
    lazy[mode] = result
    const a = result.afterFirst
    progress(`lazy ${mode}: client-secrets-manager ${a.loadsSecretsManager}, client-ssm ${a.loadsSsm}, SDK modules ${a.sdkModules}, p-retry ${a.loadsPRetry}; ${result.totalCalls} calls`)
  }
  return { times, lazy, build: buildSizes(lazy) }
}

/** Bytes and gzip bytes (level 9, per file) of files; `base` is where their names are relative to. */
function sizeOf(files, base) {
  const perFile = files.map((f) => {
    const code = readFileSync(f)
    return { file: relative(base, f), raw: code.length, gz: gzipSync(code, { level: 9 }).length }
  })
  const all = Buffer.concat(files.map((f) => readFileSync(f)))
  return { perFile, raw: all.length, gz: perFile.reduce((a, f) => a + f.gz, 0), gzOneStream: files.length ? gzipSync(all, { level: 9 }).length : 0 }
}

/**
 * The ESM build's sizes. The static graphs of dist/index.js and dist/extension.js are followed
 * in the files (static `import ... from` only); what a first fetch adds is what lazy.mjs saw
 * loaded (its resolve-hook log), so dynamic `import()` chunks count only once really loaded.
 */
function buildSizes(lazy) {
  const dist = join(snapshot.pkg, 'dist')
  const modules = join(ROOT, 'node_modules')
  const index = moduleGraph(join(dist, 'index.js'))
  const ext = moduleGraph(join(dist, 'extension.js'))
  const distFiles = (names) => names.map((name) => join(snapshot.pkg, name))
  const depFiles = (names) => names.map((name) => join(modules, name)).filter((f) => existsSync(f))
  const loadedBy = (seen) => sizeOf([...distFiles(seen.dist), ...depFiles(seen.deps)], snapshot.pkg)
  // p-retry and what it imports: loaded only when a retry is needed (sizes for reference).
  const retryDeps = [join(modules, 'p-retry', 'index.js'), join(modules, 'is-network-error', 'index.js')].filter((f) => existsSync(f))
  const union = [...new Set([...ext.staticFiles, ...index.staticFiles])]
  const rel = (files) => files.map((f) => relative(snapshot.pkg, f)).sort()
  // Per file of either graph, by its name in the package (`dist/...`): the report is written after the snapshot is gone.
  const all = [...new Set([...index.staticFiles, ...index.dynamicFiles, ...ext.staticFiles, ...ext.dynamicFiles])]
  const files = Object.fromEntries(sizeOf(all, snapshot.pkg).perFile.map((f) => [f.file, f]))
  return {
    index,
    ext,
    files,
    static: sizeOf(index.staticFiles, dist),
    dynamic: sizeOf(index.dynamicFiles, dist),
    whole: sizeOf([...index.staticFiles, ...index.dynamicFiles], dist),
    extStatic: sizeOf(ext.staticFiles, dist),
    extBoth: sizeOf(union, dist),
    retryDeps: sizeOf(retryDeps, modules),
    // Measured: what had loaded after the import, and by the end of the first invocation.
    smImport: loadedBy(lazy.sm.atImport),
    smFirst: loadedBy(lazy.sm.afterFirst),
    ssmFirst: loadedBy(lazy.ssm.afterFirst),
    extFirst: loadedBy(lazy.ext.afterFirst),
    // The file analysis and the hook log must agree on what `import 'middy-secrets'` loads.
    staticMismatch: rel(index.staticFiles).join() !== [...lazy.sm.atImport.dist].sort().join() ? { files: rel(index.staticFiles), hook: lazy.sm.atImport.dist } : undefined,
    extMismatch: rel(union).join() !== [...lazy.ext.atImport.dist].sort().join() ? { files: rel(union), hook: lazy.ext.atImport.dist } : undefined,
  }
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
        'here first, so every row loads the same code in the **import** phase; the extension-store rows import @middy/core, ' +
        '`middy-secrets/extension` and `middy-secrets`, and no SDK, which is the point of that store). **import + cold** = both phases, the whole ' +
        'implementation-specific cold start. All handlers run inside middy 6.4.5 and get a Lambda-like context. **API calls** = requests ' +
        "the server logged during the child's whole life, by operation. **first / last request sent at** = when the first and the last " +
        'request reached the server, in ms after handler creation began (server clock, 1 ms resolution): the client-side time before ' +
        'the network, and how spread out the requests are. Values read by the handler are checked.',
      '',
    )
    const rows = []
    for (const scenario of COLD_SCENARIOS) {
      for (const impl of COLD_ROWS) {
        const rs = cold.get(`${scenario.kind}:${scenario.count}:${impl}`)
        if (!rs) continue
        const c = rs.map((r) => r.coldMs)
        const i = rs.map((r) => r.importMs)
        const t = rs.map((r) => r.importMs + r.coldMs)
        const withCalls = rs.filter((r) => r.firstRequestMs !== undefined)
        const sentAt = withCalls.length === 0 ? 'none' : `${median(withCalls.map((r) => r.firstRequestMs))} / ${median(withCalls.map((r) => r.lastRequestMs))}`
        let calls = callsText(rs)
        if (impl === 'ext-cold' || impl === 'ext-cold-wide') calls += ': one per key, the extension does not batch'
        if (impl === 'ext-warm' || impl === 'ext-warm-wide') calls += ": all from the extension's cache"
        let label = implLabel(impl, scenario.kind)
        if (impl === 'ext-cold' && scenario.kind === 'ssm') label += '; `parameters()` paths are not supported by the extension'
        const runs = rs.length === options.runs ? '' : ` (${rs.length} runs)`
        rows.push([scenarioLabel(scenario), label + runs, `**${ms(median(c))}**`, ms(min(c)), ms(max(c)), sentAt, ms(median(i)), ms(median(t)), calls])
      }
    }
    out.push(table(['Scenario', 'Implementation', 'cold ms (median)', 'min', 'max', 'first / last request sent at ms (median)', 'import ms (median)', 'import + cold ms (median)', 'API calls'], rows), '')
    if (cold.has('sm:1:ext-cold')) {
      const s = extension.settings
      out.push(
        '**Extension-store rows.** The handler is `secrets({ context, stores: { secretsManager: extensionStore({ port, token }), ssm: extensionStore({ port, token }) } })` ' +
          '(`extensionStore` from `middy-secrets/extension`, its defaults otherwise: at most 3 requests to the extension at once). The extension is a stand-in: ' +
          '`startExtensionServer` from `middy-secrets/testing` in **its own process** (`bench/child/extension-runner.mjs`), as the real extension is a separate ' +
          'process of the execution environment. It was started before the measurements (ready in ' +
          `${ms(extension.startupMs)} ms, including one warm-up call per service) and is backed by \`secretsManagerStore()\` / \`ssmStore()\` (AWS SDK, \`batch: false\`: one ` +
          'GetSecretValue / GetParameter per key, as the extension calls AWS) against the same local AWS server with the same latency; its AWS calls are the ones counted. ' +
          `Its settings are the extension's defaults: cache ${s.cacheEnabled ? `on, ${s.cacheSize} entries` : 'off'}, TTL ${s.secretsTtl} s (secrets) / ${s.ssmTtl} s (parameters), ` +
          `${s.maxConnections} connections to AWS. **Extension cache cold** = its cache emptied (over IPC) right before the run; its own SDK clients are loaded and have ` +
          "made calls before, as in an environment whose extension started during init (a real extension's first calls also pay a TLS handshake, which this local " +
          "HTTP server does not have). **Extension cache warm** = the next process, run right after the cold one with the same keys: a second function instance in the same " +
          "execution environment (any other process of the environment that reads through the extension: another runtime, a process the handler spawns; environments are never shared between functions); the middleware's own cache is empty in both, every process being new. " +
          'The extension has no batch API: **one AWS call per key**, against 1 call per 20 secrets or 10 parameters for the SDK stores. It has no GetParametersByPath: ' +
          "SSM **paths** (`parameters()`) are **not supported** through it. Each value passes through two caches in series (the middleware's TTL in front of the extension's). " +
          (extensionWide
            ? `**Max connections ${WIDE}** rows (50-key scenarios): a second stand-in process, started the same way with \`PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS=${WIDE}\`, ` +
              "and the same variable in the function's environment (Lambda gives the function and its extensions the same variables): the extension store then sends " +
              `up to ${WIDE} requests at once and the extension makes up to ${WIDE} AWS calls at once, against 3 and 3 by default.`
            : ''),
        '',
      )
    }

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

    if (cold.has('sm:1:ext-cold')) {
      out.push('### Ratios: middy-secrets + extension store ÷ middy-secrets with its SDK stores (medians of the same run; < 1 means the extension store is faster / makes fewer AWS calls)', '')
      const extRows = []
      for (const scenario of COLD_SCENARIOS) {
        const sdk = cold.get(`${scenario.kind}:${scenario.count}:middy-secrets`)
        for (const impl of [...EXT_IMPLS, ...EXT_WIDE_IMPLS]) {
          const rs = cold.get(`${scenario.kind}:${scenario.count}:${impl}`)
          if (!rs) continue
          const calls = median(rs.map((r) => r.totalCalls))
          const sdkCalls = median(sdk.map((r) => r.totalCalls))
          extRows.push([
            scenarioLabel(scenario),
            { 'ext-cold': 'extension cache cold', 'ext-warm': 'extension cache warm', 'ext-cold-wide': `extension cache cold, max connections ${WIDE}`, 'ext-warm-wide': `extension cache warm, max connections ${WIDE}` }[impl],
            `${ratio(median(rs.map((r) => r.coldMs)) / median(sdk.map((r) => r.coldMs)))} (${ms(median(rs.map((r) => r.coldMs)))} vs ${ms(median(sdk.map((r) => r.coldMs)))} ms)`,
            `${ratio(median(rs.map((r) => r.importMs + r.coldMs)) / median(sdk.map((r) => r.importMs + r.coldMs)))} (${ms(median(rs.map((r) => r.importMs + r.coldMs)))} vs ${ms(median(sdk.map((r) => r.importMs + r.coldMs)))} ms)`,
            `${calls} vs ${sdkCalls}`,
          ])
        }
      }
      out.push(table(['Scenario', 'Extension store', 'cold time', 'import + cold time', 'AWS API calls'], extRows), '')
    }

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
        'up; `a` then `b` = two awaited imports in a row, timed together). **above the trivial module** = median minus the median of ' +
        "a one-line local `.mjs` file imported the same way: the ESM loader's fixed cost for one module on this machine, which any " +
        'package pays. **SDK modules loaded** = CommonJS modules under @aws-sdk/ or @smithy/ in `require.cache` afterwards.',
      '',
    )
    const trivial = median(imported.times.get(TRIVIAL).map((r) => r.importMs))
    const importLabel = (s) => {
      switch (s) {
        case TRIVIAL: return "a trivial ESM module (`export const trivial = 1`, a local .mjs file): the loader's fixed cost"
        case 'middy-secrets': return '**middy-secrets**'
        case 'middy-secrets/extension': return '`middy-secrets/extension` alone'
        case EXT_BOTH: return '**`middy-secrets/extension` then `middy-secrets`** (what a function on the extension store imports)'
        case EXT_BUILTINS: return 'reference: `node:http` then `node:crypto`, the built-ins `middy-secrets/extension` imports (the AWS SDK loads them too)'
        case 'lru-cache': return 'lru-cache (no longer a dependency: middy-secrets has its own Map LRU; for reference)'
        case 'p-retry': return 'p-retry (a dependency of middy-secrets, imported only when a retry is needed), alone'
        default: return s
      }
    }
    const rows = IMPORT_SPECIFIERS.map((s) => {
      const rs = imported.times.get(s)
      const t = rs.map((r) => r.importMs)
      const above = s === TRIVIAL ? '(the baseline)' : `+${ms(median(t) - trivial)}`
      return [importLabel(s), `**${ms(median(t))}**`, ms(min(t)), ms(max(t)), above, String(median(rs.map((r) => r.sdkModules)))]
    })
    out.push(table(['Module', 'import ms (median)', 'min', 'max', 'above the trivial module, ms (medians)', 'SDK modules loaded'], rows), '')
    const { sm, ssm, ext } = imported.lazy
    const yes = (b, bad = false) => (b ? (bad ? '**yes**' : 'yes') : 'no')
    const sdkCell = (a) =>
      a.sdkModules === 0 && a.otherModules === 0
        ? '**none**'
        : `${a.sdkModules} @aws-sdk/ + @smithy/ (${bytes(a.sdkBytes)} bytes) + ${a.otherModules} of their dependencies (${bytes(a.otherBytes)} bytes)`
    out.push(
      '**Lazy loading** (a fresh process with a resolve hook recording every ESM URL, plus `require.cache`; state after the first invocation, ' +
        'which succeeds at its first attempt; the extension row talks to the extension runner described under Cold start):',
      '',
      table(
        ['Declaration', 'loads @aws-sdk/client-secrets-manager', 'loads @aws-sdk/client-ssm', 'AWS SDK modules loaded (bytes on disk, not gzipped)', 'loads p-retry'],
        [
          ['10 secrets only (SDK stores)', yes(sm.afterFirst.loadsSecretsManager), yes(sm.afterFirst.loadsSsm, true), sdkCell(sm.afterFirst), yes(sm.afterFirst.loadsPRetry, true)],
          ['10 SSM parameters only (SDK stores)', yes(ssm.afterFirst.loadsSecretsManager, true), yes(ssm.afterFirst.loadsSsm), sdkCell(ssm.afterFirst), yes(ssm.afterFirst.loadsPRetry, true)],
          ['10 secrets + 10 SSM parameters, both roles on `extensionStore()`', yes(ext.afterFirst.loadsSecretsManager, true), yes(ext.afterFirst.loadsSsm, true), sdkCell(ext.afterFirst), yes(ext.afterFirst.loadsPRetry, true)],
        ],
      ),
      '',
      '**AWS SDK modules** = modules under @aws-sdk/ and @smithy/, and the other node_modules packages loaded that are neither middy-secrets, ' +
        'its dependencies (p-retry, is-network-error) nor @middy/*: the SDK\'s own dependencies (@aws-crypto/*, tslib...). ' +
        `After the import alone, before any fetch: ${[sm, ssm, ext].every((r) => r.atImport.sdkModules === 0 && r.atImport.otherModules === 0) ? 'none in any of the three' : `${sm.atImport.sdkModules + sm.atImport.otherModules} / ${ssm.atImport.sdkModules + ssm.atImport.otherModules} / ${ext.atImport.sdkModules + ext.atImport.otherModules}`}.`,
      '',
    )

    const b = imported.build
    const inSet = (list, file) => list.includes(file)
    const fileRows = [...b.index.staticFiles, ...b.index.dynamicFiles].map((f) => {
      const name = relative(snapshot.pkg, f)
      return [
        `\`${name}\``,
        inSet(sm.atImport.dist, name) ? 'yes' : 'no',
        inSet(sm.afterFirst.dist, name) ? 'yes' : 'no',
        inSet(ssm.afterFirst.dist, name) ? 'yes' : 'no',
        bytes(b.files[name].raw),
        bytes(b.files[name].gz),
      ]
    })
    for (const f of b.retryDeps.perFile) {
      fileRows.push([`\`node_modules/${f.file}\` (only when a retry is needed)`, 'no', inSet(sm.afterFirst.deps, f.file) ? '**yes**' : 'no', inSet(ssm.afterFirst.deps, f.file) ? '**yes**' : 'no', bytes(f.raw), bytes(f.gz)])
    }
    const total = (label, size) => [label, '', '', '', `**${bytes(size.raw)}**`, `**${bytes(size.gz)}** (${bytes(size.gzOneStream)} as one gzip stream)`]
    const pRetryNote = (seen) => (seen.loadsPRetry ? 'p-retry included: it was loaded' : 'p-retry not loaded, so not counted')
    fileRows.push(
      total(`**\`import 'middy-secrets'\`: the static graph** (${b.static.perFile.length} files; the issue 3 size target)`, b.static),
      total(`**by the end of a first Secrets Manager fetch** (${b.smFirst.perFile.length} files; ${pRetryNote(sm.afterFirst)})`, b.smFirst),
      total(`by the end of a first SSM fetch (${b.ssmFirst.perFile.length} files; ${pRetryNote(ssm.afterFirst)})`, b.ssmFirst),
      total(`every file \`dist/index.js\` can load (${b.whole.perFile.length} files, dependencies excluded)`, b.whole),
    )
    out.push(
      '**ESM build** as `npm run build` makes it (`.map` files excluded; gzip level 9 per file, summed; the AWS SDK is external and not counted). ' +
        '**loaded by the import** = the static graph: `dist/index.js` and the chunks it imports with static `import ... from`, followed in the files and ' +
        'checked against the resolve-hook log of `import("middy-secrets")`. The two fetch columns are what the hook log shows loaded by the end of the first ' +
        'invocation of a handler with 10 secrets / 10 SSM parameters (the `import()` chunks that load on the first fetch).',
      '',
      table(['File', "loaded by `import 'middy-secrets'`", 'by the end of a first Secrets Manager fetch', 'by the end of a first SSM fetch', 'bytes', 'gzip bytes'], fileRows),
      '',
    )
    if (b.staticMismatch) out.push(`**Warning**: the static graph read from the files (${b.staticMismatch.files.join(', ')}) differs from what the hook log saw after the import (${b.staticMismatch.hook.join(', ')}).`, '')

    const extRows = [...new Set([...b.ext.staticFiles, ...b.index.staticFiles])].map((f) => {
      const name = relative(snapshot.pkg, f)
      return [`\`${name}\``, inSet(b.ext.staticFiles, f) ? 'yes' : 'no', inSet(b.index.staticFiles, f) ? 'yes' : 'no', inSet(ext.afterFirst.dist, name) ? 'yes' : 'no', bytes(b.files[name].raw), bytes(b.files[name].gz)]
    })
    const extTotal = (label, size) => [label, '', '', '', `**${bytes(size.raw)}**`, `**${bytes(size.gz)}** (${bytes(size.gzOneStream)} as one gzip stream)`]
    extRows.push(
      extTotal(`\`import 'middy-secrets/extension'\`: its static graph (${b.extStatic.perFile.length} files)`, b.extStatic),
      extTotal(`**\`middy-secrets/extension\` + \`middy-secrets\`: both static graphs** (${b.extBoth.perFile.length} files)`, b.extBoth),
      extTotal(`**by the end of a first fetch through the extension store** (${b.extFirst.perFile.length} files, measured; ${pRetryNote(ext.afterFirst)}; AWS SDK modules loaded: ${ext.afterFirst.sdkModules + ext.afterFirst.otherModules})`, b.extFirst),
    )
    out.push(
      "**The extension store's ESM** (same method): what a function using `extensionStore()` for both roles loads. No AWS SDK at all: " +
        `compare the SDK store's first Secrets Manager fetch, which also loads ${sm.afterFirst.sdkModules + sm.afterFirst.otherModules} AWS SDK modules (${bytes(sm.afterFirst.sdkBytes + sm.afterFirst.otherBytes)} bytes on disk, not gzipped; ` +
        'in Lambda the Node.js runtime provides the SDK, but it is still loaded and parsed, and a bundle that includes it carries it). ' +
        "`middy-secrets/extension` also exports the local stand-in (`startExtensionServer`), which is in its static graph.",
      '',
      table(['File', "loaded by `import 'middy-secrets/extension'`", "loaded by `import 'middy-secrets'`", 'by the end of a first fetch through the extension', 'bytes', 'gzip bytes'], extRows),
      '',
      `External imports: \`dist/index.js\` graph: ${b.index.external.map((e) => `\`${e}\``).join(', ')}; \`dist/extension.js\` graph: ${b.ext.external.map((e) => `\`${e}\``).join(', ')}.`,
      '',
    )
    if (b.extMismatch) out.push(`**Warning**: the static graphs read from the files (${b.extMismatch.files.join(', ')}) differ from what the hook log saw after the imports (${b.extMismatch.hook.join(', ')}).`, '')

    const imp = median(imported.times.get('middy-secrets').map((r) => r.importMs))
    targets.push(['Import of the package alone under 5 ms', `${ms(imp)} ms; **${ms(imp - trivial)} ms above a trivial ESM module** (${ms(trivial)} ms)`, imp < 5])
    targets.push([
      'A declaration with only secrets never loads @aws-sdk/client-ssm (and vice versa)',
      `secrets only: ${sm.afterFirst.loadsSsm ? 'loads' : 'does not load'} client-ssm; parameters only: ${ssm.afterFirst.loadsSecretsManager ? 'loads' : 'does not load'} client-secrets-manager`,
      !sm.afterFirst.loadsSsm && !ssm.afterFirst.loadsSecretsManager,
    ])
    targets.push([
      "ESM build under 8 KB gzip without the AWS SDK: what `import 'middy-secrets'` loads statically",
      `${bytes(b.static.gz)} B gzip (${b.static.perFile.map((f) => `\`${f.file}\``).join(' + ')})`,
      b.static.gz < 8192,
    ])
    targets.push([
      'For reference, no target: everything loaded by the end of a first Secrets Manager fetch (static graph + the `import()` chunks of that fetch)',
      `${bytes(b.smFirst.gz)} B gzip (${b.smFirst.perFile.length} files; ${pRetryNote(sm.afterFirst)}${sm.afterFirst.loadsPRetry ? '' : `; it would add ${bytes(b.retryDeps.gz)} B`})`,
      null,
    ])
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
    out.push(table(['Target', 'Measured', 'Met'], targets.map(([t, m, ok]) => [t, m, ok === null ? 'n/a' : ok ? 'yes' : '**no**'])), '')
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
    if (options.only.includes('cold') || options.only.includes('import')) {
      extension = await startExtensionRunner()
      progress(`extension stand-in (its own process) on 127.0.0.1:${extension.port}, ready in ${ms(extension.startupMs)} ms`)
    }
    if (options.only.includes('cold')) {
      extensionWide = await startExtensionRunner({ PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: String(WIDE) })
      progress(`second extension stand-in (max connections ${extensionWide.settings.maxConnections}) on 127.0.0.1:${extensionWide.port}`)
    }
    await prime()
    if (options.only.includes('cold')) sections.cold = await runCold()
    if (options.only.includes('warm')) sections.warm = await runWarm()
    if (options.only.includes('import')) sections.imported = await runImport()
    if (options.only.includes('memory')) sections.memory = await runMemory()
  } finally {
    for (const runner of [extension, extensionWide]) {
      if (!runner) continue
      await Promise.race([runner.close(), new Promise((r) => setTimeout(r, 2000))])
      runner.kill()
    }
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
      `${options.runs} fresh processes per cold/warm/import measurement (${options.extensionRuns} for the extension-store rows); AWS SDK v3 clients (client-secrets-manager ` +
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
