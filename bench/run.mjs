#!/usr/bin/env node
/**
 * npm run bench: middy-secrets against its peers and against the lean floor, every measurement
 * in a fresh child process on Node 22 (scripts/node-bin.sh 22; the parent may run on any Node),
 * all of them against one local AWS-protocol server (Secrets Manager, SSM, AppConfigData,
 * DynamoDB) started here on 127.0.0.1 with an injected latency per request. Prints a markdown
 * report and writes it to bench/results.md. Progress goes to stderr. Nothing here asserts a timing.
 *
 *   node bench/run.mjs [--latency 20] [--runs 5] [--extension-runs 5] [--warm-iterations 20000]
 *                      [--only cold,warm,steady,import,memory] [--out bench/results.md] [--profile]
 *                      [--node 22] [--baseline 2f44949|none] [--steady-invocations 10000]
 *                      [--steady-ttl 5] [--steady-work 1] [--steady-gap 9]
 *
 * The extension-store rows talk to a stand-in of the Parameters and Secrets extension that runs
 * as its own child process (bench/child/extension-runner.mjs), started here before the
 * measurements and driven over IPC (its cache is emptied before each "extension cache cold" run).
 *
 * The children run from a snapshot of dist/ (copied to a temporary directory with symlinks to
 * node_modules) so that builds of dist/ made while the benchmark runs cannot mix versions. The
 * baseline (--baseline, default the commit the previous results were measured at) is built once
 * into .cache/bench-baseline/ and imported by the children as `middy-secrets-baseline`.
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

const SECTIONS = ['cold', 'warm', 'steady', 'import', 'memory']

function parseArgs(argv) {
  const options = {
    latency: 20,
    runs: 5,
    coldRuns: 7,
    pairRepeat: 6,
    extensionRuns: undefined,
    warmIterations: 20_000,
    only: SECTIONS,
    out: join(ROOT, 'bench', 'results.md'),
    profile: false,
    node: '22',
    baseline: '2f44949',
    steadyInvocations: 10_000,
    steadyTtl: 5,
    steadyWork: 1,
    steadyGap: 9,
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=')
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case '--latency': options.latency = Number(value()); break
      case '--runs': options.runs = Number(value()); break
      case '--cold-runs': options.coldRuns = Number(value()); break
      case '--pair-repeat': options.pairRepeat = Number(value()); break
      case '--extension-runs': options.extensionRuns = Number(value()); break
      case '--warm-iterations': options.warmIterations = Number(value()); break
      case '--only': options.only = value().split(','); break
      case '--out': options.out = resolve(value()); break
      case '--profile': options.profile = true; break
      case '--node': options.node = value(); break
      case '--baseline': options.baseline = value(); break
      case '--steady-invocations': options.steadyInvocations = Number(value()); break
      case '--steady-ttl': options.steadyTtl = Number(value()); break
      case '--steady-work': options.steadyWork = Number(value()); break
      case '--steady-gap': options.steadyGap = Number(value()); break
      case '--help':
        process.stderr.write(
          'node bench/run.mjs [--latency ms=20] [--runs n=5] [--cold-runs n=7] [--pair-repeat n=6] [--extension-runs n=min(runs, cold-runs)] [--warm-iterations n=20000] [--only cold,warm,steady,import,memory]\n' +
            '                   [--out file] [--profile] [--node major=22] [--baseline rev=2f44949|none] [--steady-invocations n=10000] [--steady-ttl s=5]\n' +
            '                   [--steady-work ms=1] [--steady-gap ms=9]\n',
        )
        process.exit(0)
      default:
        throw new Error(`unknown option ${argv[i]}`)
    }
  }
  if (!(options.latency >= 0)) throw new Error('--latency must be a number of ms >= 0')
  if (!(options.runs >= 1)) throw new Error('--runs must be >= 1')
  if (!(options.coldRuns >= 1)) throw new Error('--cold-runs must be >= 1')
  if (!(options.pairRepeat >= 1)) throw new Error('--pair-repeat must be >= 1')
  options.extensionRuns ??= Math.min(options.runs, options.coldRuns)
  if (!(options.extensionRuns >= 1 && options.extensionRuns <= options.coldRuns)) throw new Error('--extension-runs must be from 1 to --cold-runs')
  if (!/^\d+$/.test(options.node)) throw new Error('--node must be a Node.js major version, e.g. 22')
  for (const name of options.only) if (!SECTIONS.includes(name)) throw new Error(`--only: unknown section ${name} (${SECTIONS.join(', ')})`)
  if (!(options.steadyInvocations >= 100)) throw new Error('--steady-invocations must be >= 100')
  // The gaps move the children's clock ahead of the server's, which refuses signatures 5 minutes off.
  if (!(options.steadyInvocations * options.steadyGap < 240_000)) throw new Error('--steady-invocations x --steady-gap must stay under 240 s (the server refuses signatures 5 minutes off)')
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
/** The q-quantile of sorted numbers (nearest rank). */
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
/**
 * A 95% interval of median(a) / median(b) by the bootstrap (2,000 resamples of each side, a fixed
 * seed, so the same samples give the same interval): how far the ratio could move with other
 * samples of the same run's conditions.
 */
function ratioInterval(a, b) {
  let seed = 12345
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const resample = (xs) => xs.map(() => xs[Math.floor(random() * xs.length)])
  const ratios = Array.from({ length: 2000 }, () => median(resample(a)) / median(resample(b))).sort((x, y) => x - y)
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)]
}
const min = (xs) => Math.min(...xs)
const max = (xs) => Math.max(...xs)
const ms = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : 'n/a')
const ns = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a')
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a')
const bytes = (x) => x.toLocaleString('en-US')
const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
const versionOf = (pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version

// ---- Node binaries and the baseline build --------------------------------------------------

/** The `node` of Node.js `major`: this process's own when it is that major, else scripts/node-bin.sh's. */
function nodeBinary(major) {
  if (process.version.startsWith(`v${major}.`)) return process.execPath
  const dir = execFileSync(join(ROOT, 'scripts', 'node-bin.sh'), [String(major)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()
  return join(dir, 'node')
}

/** `main`: the children's Node (--node); `20`: the Node 20 rows (the previous results ran on Node 20). */
const NODES = {}
function setUpNodes() {
  NODES.main = { bin: nodeBinary(options.node) }
  if (options.node !== '20') NODES['20'] = { bin: nodeBinary('20') }
  for (const node of Object.values(NODES)) node.version = execFileSync(node.bin, ['--version'], { encoding: 'utf8' }).trim()
}

let baseline // { sha, short, subject, dir } or undefined

/** Builds --baseline (a commit) into .cache/bench-baseline/<sha>/dist once; undefined for 'none' or when it cannot be built. */
function setUpBaseline() {
  if (!options.baseline || options.baseline === 'none') return undefined
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  try {
    const sha = git('rev-parse', '--verify', `${options.baseline}^{commit}`)
    const dir = join(ROOT, '.cache', 'bench-baseline', sha.slice(0, 12))
    if (!existsSync(join(dir, 'dist', 'index.js'))) {
      progress(`building the baseline ${sha.slice(0, 7)} into ${relative(ROOT, dir)} (once; rollup of that commit's lib/)`)
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      execFileSync('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', ROOT, sha, dir])
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
    }
    return { sha, short: sha.slice(0, 7), subject: git('log', '-1', '--format=%s', sha), date: git('log', '-1', '--format=%cs', sha), dir }
  } catch (error) {
    progress(`baseline ${options.baseline} unavailable, its rows are skipped: ${String(error?.stderr ?? error?.message ?? error).split('\n').slice(-3).join(' ')}`)
    return undefined
  }
}

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
  // An empty home: no ~/.aws files for the SDK to read (Lambda has none), and none for 'auto' to refuse.
  mkdirSync(join(dir, 'home'))
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === 'middy-secrets') continue
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir')
  }
  cpSync(join(ROOT, 'bench', 'child'), join(dir, 'child'), { recursive: true })
  if (baseline) {
    const base = join(dir, 'node_modules', 'middy-secrets-baseline')
    mkdirSync(base)
    cpSync(join(baseline.dir, 'package.json'), join(base, 'package.json'))
    cpSync(join(baseline.dir, 'dist'), join(base, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') })
  }
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
    // As in Lambda: the function's name, a region and static credentials in the environment, no
    // shared config files (middy-secrets requires its SDK client only in Lambda: sdk-module.ts).
    HOME: join(snapshot.dir, 'home'),
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: server.endpoint,
    AWS_ENDPOINT_URL_SSM: server.endpoint,
    AWS_ENDPOINT_URL_APPCONFIGDATA: server.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: server.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    BENCH_ENDPOINT: server.endpoint,
    BENCH_EXTENSION_TOKEN: EXTENSION_TOKEN,
    ...(extension ? { BENCH_EXTENSION_PORT: String(extension.port) } : {}),
    ...extra,
  }
}

/** Runs one child to its end; returns its BENCH_RESULT and the server's calls during its life. */
function runChild(script, args, { node = 'main', nodeArgs = [], env = {}, timeoutMs = 120_000, keepCalls = false } = {}) {
  server.resetCalls()
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODES[node].bin, [...nodeArgs, join(snapshot.dir, 'child', script), ...args.map(String)], {
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
        reject(new Error(`${script} ${args.join(' ')} (Node ${NODES[node].version}) failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-2000)}`))
        return
      }
      const calls = {}
      let failedCalls = 0
      for (const c of server.calls) {
        calls[c.operation] = (calls[c.operation] ?? 0) + 1
        // Status 0: still unanswered when the child exited (a background refresh the measurement did not wait for).
        if (c.status !== 0 && (c.status < 200 || c.status >= 300)) failedCalls++
      }
      const result = JSON.parse(line.slice('BENCH_RESULT '.length))
      const arrivals = server.calls.map((c) => c.at)
      // When the first / last request reached the server, from the child's handler creation (ms, 1 ms resolution).
      if (result.createdAt !== undefined && arrivals.length > 0) {
        result.firstRequestMs = Math.min(...arrivals) - result.createdAt
        result.lastRequestMs = Math.max(...arrivals) - result.createdAt
      }
      const callLog = keepCalls ? server.calls.map((c) => ({ operation: c.operation, at: c.at, status: c.status })) : undefined
      resolvePromise({ ...result, calls, totalCalls: server.calls.length, failedCalls, callLog })
    })
  })
}

/**
 * Starts bench/child/extension-runner.mjs (the extension stand-in, its own process) and waits
 * until it listens and its backends have made a first call. Returns { port, settings,
 * startupMs, clear(), close() }; clear() empties its cache, over IPC.
 */
function startExtensionRunner(env = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODES.main.bin, [join(snapshot.dir, 'child', 'extension-runner.mjs')], {
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
  if (result.failedCalls > 0) throw new Error(`${label}: ${result.failedCalls} AWS call(s) did not succeed`)
}

const callsText = (results) => {
  const shapes = new Set(results.map((r) => Object.entries(r.calls).sort().map(([op, n]) => `${n} ${op}`).join(' + ') || '0'))
  const totals = results.map((r) => r.totalCalls)
  const total = min(totals) === max(totals) ? `${totals[0]}` : `${min(totals)}–${max(totals)}`
  return `**${total}** (${[...shapes].join(' / ')})`
}

// ---- labels ---------------------------------------------------------------------------------

const V = {}
function readVersions() {
  V.core = versionOf('@middy/core')
  V.peerSm = versionOf('@middy/secrets-manager')
  V.peerSsm = versionOf('@middy/ssm')
  V.powertools = versionOf('@aws-lambda-powertools/parameters')
  V.sdkSm = versionOf('@aws-sdk/client-secrets-manager')
  V.sdkSsm = versionOf('@aws-sdk/client-ssm')
  V.sdkAppConfig = versionOf('@aws-sdk/client-appconfigdata')
  V.sdkDynamoDb = versionOf('@aws-sdk/client-dynamodb')
  V.aws4 = versionOf('aws4')
}

const KIND_NAMES = { sm: 'secret', ssm: 'SSM parameter', appconfig: 'AppConfig configuration', ddb: 'DynamoDB item' }
const scenarioLabel = ({ kind, count }) => (kind === 'ssm' ? `${count} SSM parameters` : `${count} ${KIND_NAMES[kind]}${count > 1 ? 's' : ''}`)
const node20 = () => NODES['20']?.version ?? 'v20'

function rowLabel(row, kind) {
  const sm = kind === 'sm'
  const get = { sm: 'getSecret', ssm: 'getParameter', appconfig: 'getAppConfig (transform json)', ddb: 'DynamoDBProvider.get' }[kind]
  switch (row) {
    case 'ms-https': return "**middy-secrets, `transport: 'https'`** (the lean transport: aws4 + node:https, no SDK)"
    case 'ms-sdk': return "middy-secrets, `transport: 'sdk'` (AWS SDK v3 client)"
    case 'ms-sdk@20': return `middy-secrets, \`transport: 'sdk'\`, on **Node ${node20()}**`
    case 'base': return `middy-secrets at ${baseline?.short} (the build of the previous results: SDK only)`
    case 'ms-sdk-pre': return "middy-secrets, `transport: 'sdk'`, the SDK client imported by the handler first"
    case 'base-pre': return `middy-secrets at ${baseline?.short}, the SDK client imported by the handler first`
    case 'base@20': return `middy-secrets at ${baseline?.short} (the previous results' build), on **Node ${node20()}**`
    case 'middy-peer': return sm ? `@middy/secrets-manager ${V.peerSm} (setToContext; a 6.x middleware on @middy/core ${V.core}: the newest on the registry)` : `@middy/ssm ${V.peerSsm} (setToContext)`
    case 'pt-seq': return `Powertools ${V.powertools} ${get}, sequential awaits (as documented), in middy`
    case 'pt-all': return kind === 'appconfig' ? `Powertools ${V.powertools} ${get}, in middy` : `Powertools ${V.powertools} ${get}, Promise.all, in middy`
    case 'pt-bare': return `Powertools ${V.powertools} ${get}, Promise.all, no middy`
    case 'sdk-get': return sm ? 'raw SDK: one GetSecretValue per key, Promise.all, in middy' : 'raw SDK: one GetParameter per key, Promise.all, in middy'
    case 'sdk-batch': return sm ? 'raw SDK batch floor: BatchGetSecretValue, chunks of 20 in parallel, in middy' : 'raw SDK batch floor: GetParameters, chunks of 10 in parallel, in middy'
    case 'lean': return 'lean floor: the same requests, aws4 + node:http, JSON by hand, no middy'
    case 'lean-middy': return '**lean floor in middy**: the same, inside a bare `middy()` handler'
    case 'ext-cold': return '**middy-secrets + extension store**, extension cache cold (emptied before the run: a new execution environment)'
    case 'ext-warm': return "**middy-secrets + extension store**, extension cache warm (a second function instance in the same environment: values in the extension's cache)"
    case 'ext-cold-wide': return `middy-secrets + extension store, extension cache cold, \`PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS=${WIDE}\` (read by the function and the extension)`
    case 'ext-warm-wide': return `middy-secrets + extension store, extension cache warm, \`PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS=${WIDE}\``
    default: return row
  }
}

// ---- cold ---------------------------------------------------------------------------------

const COLD_SCENARIOS = [
  { kind: 'sm', count: 1 },
  { kind: 'sm', count: 10 },
  { kind: 'sm', count: 50 },
  { kind: 'ssm', count: 10 },
  { kind: 'ssm', count: 50 },
  { kind: 'appconfig', count: 1 },
  { kind: 'ddb', count: 10 },
]
/** Display order of the rows of a scenario. */
const ROW_ORDER = ['ms-https', 'lean-middy', 'lean', 'ms-sdk', 'ms-sdk@20', 'base', 'base@20', 'ms-sdk-pre', 'base-pre', 'middy-peer', 'pt-seq', 'pt-all', 'pt-bare', 'sdk-get', 'sdk-batch', 'ext-cold', 'ext-warm', 'ext-cold-wide', 'ext-warm-wide']
const WIDE_MIN_COUNT = 50

/**
 * The units of a scenario, each one child (`ext`: the extension rows, several children in a row;
 * `x@20`: x on Node 20), in groups. The rows of a group run back to back (their order alternating),
 * so that the ratios the targets read compare processes that ran under the same load: middy-secrets
 * and the lean floor in middy, and the SDK transport now and at the baseline commit, on each Node.
 * These pairs also run `--pair-repeat` times per run: on a shared machine the medians of a target
 * ratio need more samples than the other rows.
 */
function coldGroups({ kind, count }) {
  const pair = (units) => ({ units, repeat: options.pairRepeat })
  const one = (unit) => ({ units: [unit], repeat: 1 })
  if (kind !== 'sm' && kind !== 'ssm') return [one('ms-https'), one('ms-sdk'), one('pt-all')] // no lean floor for AppConfig / DynamoDB
  const groups = [pair(['ms-https', 'lean-middy']), one('lean'), baseline ? pair(['ms-sdk', 'base']) : one('ms-sdk')]
  if (NODES['20']) groups.push(baseline ? pair(['ms-sdk@20', 'base@20']) : one('ms-sdk@20'))
  // The package's own code on the SDK transport, the SDK's load set aside (common.mjs): one scenario.
  if (baseline && kind === 'sm' && count === 10) groups.push(pair(['ms-sdk-pre', 'base-pre']))
  groups.push(one('middy-peer'), one('pt-all'), one('pt-bare'), one('sdk-get'), one('sdk-batch'), one('ext'))
  if (count > 1) groups.push(one('pt-seq')) // one key: the same code as Promise.all
  return groups
}
const coldUnits = (scenario) => coldGroups(scenario).flatMap((g) => g.units)

/** The units of a scenario in the order of run `run`: the groups rotate, and the rows of a group alternate. */
function coldOrder(scenario, run) {
  const groups = coldGroups(scenario)
  return groups.flatMap((_, i) => {
    const group = groups[(i + run) % groups.length]
    return Array.from({ length: group.repeat }, (_, rep) => ((run + rep) % 2 ? [...group.units].reverse() : group.units)).flat()
  })
}

const unitImpl = (unit) => unit.split('@')[0]
const unitNode = (unit) => (unit.includes('@') ? unit.split('@')[1] : 'main')

/** One discarded child per implementation and Node, so the OS file cache is warm for all of them alike. */
async function prime() {
  const seen = new Set()
  for (const scenario of COLD_SCENARIOS) {
    for (const unit of coldUnits(scenario)) {
      const key = `${scenario.kind}:${unit}`
      if (seen.has(key)) continue
      seen.add(key)
      if (unit === 'ext') {
        if (!extension) continue
        await extension.clear()
        checkCorrect(`priming ${key}`, await runChild('cold.mjs', ['ms-ext', scenario.kind, 10]))
        continue
      }
      checkCorrect(`priming ${key}`, await runChild('cold.mjs', [unitImpl(unit), scenario.kind, Math.min(10, scenario.count > 1 ? 10 : 1)], { node: unitNode(unit) }))
    }
  }
  progress(`primed: one discarded cold start per implementation and kind (${seen.size}; file cache warm for all)`)
}

async function runCold() {
  const results = new Map() // `${kind}:${count}:${row}` -> [result]
  let total = 0
  for (let run = 0; run < options.coldRuns; run++) {
    for (const scenario of COLD_SCENARIOS) {
      for (const unit of coldOrder(scenario, run)) {
        if (unit !== 'ext') total++
        else if (run < options.extensionRuns) total += scenario.count >= WIDE_MIN_COUNT ? 4 : 2
      }
    }
  }
  let done = 0
  const measure = async (scenario, row, impl, run, { node = 'main', nodeArgs = [], env = {} } = {}) => {
    const key = `${scenario.kind}:${scenario.count}:${row}`
    const result = await runChild('cold.mjs', [impl, scenario.kind, scenario.count], { node, nodeArgs, env })
    checkCorrect(key, result)
    if (!results.has(key)) results.set(key, [])
    results.get(key).push(result)
    done++
    progress(`cold ${done}/${total}  ${scenarioLabel(scenario).padEnd(26)} ${row.padEnd(13)} run ${run + 1}: import + cold ${ms(result.importMs + result.coldMs)} ms (cold ${ms(result.coldMs)}), ${result.totalCalls} calls`)
  }
  for (let run = 0; run < options.coldRuns; run++) {
    for (const scenario of COLD_SCENARIOS) {
      // A different implementation goes first in each run, so none always gets the same slot.
      const order = coldOrder(scenario, run).filter((u) => u !== 'ext' || run < options.extensionRuns)
      for (const unit of order) {
        if (unit === 'ext') {
          // A new execution environment: the extension is up, its cache empty; then a second
          // function instance (a new process) in the same environment, the values in its cache.
          await extension.clear()
          await measure(scenario, 'ext-cold', 'ms-ext', run)
          await measure(scenario, 'ext-warm', 'ms-ext', run)
          if (scenario.count >= WIDE_MIN_COUNT) {
            // The variable is in the function's environment and the extension's (Lambda gives both the same).
            const env = { BENCH_EXTENSION_PORT: String(extensionWide.port), PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: String(WIDE) }
            await extensionWide.clear()
            await measure(scenario, 'ext-cold-wide', 'ms-ext', run, { env })
            await measure(scenario, 'ext-warm-wide', 'ms-ext', run, { env })
          }
          continue
        }
        const profiled = options.profile && run === 0 && ((unit === 'ms-https' && scenario.kind === 'sm' && (scenario.count === 1 || scenario.count === 50)) || (unit === 'lean-middy' && scenario.kind === 'sm' && scenario.count === 1))
        const nodeArgs = profiled ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'profiles'), '--cpu-prof-name', `cold-${unit}-${scenario.kind}-${scenario.count}.cpuprofile`] : []
        await measure(scenario, unit, unitImpl(unit), run, { node: unitNode(unit), nodeArgs })
      }
    }
  }
  return results
}

// ---- warm ---------------------------------------------------------------------------------

const WARM_UNITS = [
  { impl: 'ms', kind: 'sm' },
  { impl: 'middy-peer', kind: 'sm' },
  { impl: 'powertools', kind: 'sm' },
  { impl: 'map', kind: 'sm' },
  { impl: 'inject', kind: 'sm' },
  { impl: 'noop', kind: 'sm' },
  { impl: 'ms', kind: 'appconfig' },
  { impl: 'powertools', kind: 'appconfig' },
  { impl: 'ms', kind: 'ddb' },
  { impl: 'powertools', kind: 'ddb' },
]
const warmKey = ({ impl, kind }) => `${kind}:${impl}`

async function runWarm() {
  const results = new Map()
  let done = 0
  for (let run = 0; run < options.runs; run++) {
    for (const unit of WARM_UNITS) {
      const profiled = options.profile && unit.impl === 'ms' && unit.kind === 'sm' && run === 0
      const nodeArgs = profiled ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'profiles'), '--cpu-prof-name', 'warm-ms-sm.cpuprofile'] : []
      // Powertools' default maxAge is 5 s: make sure its cache holds for the whole process.
      const result = await runChild('warm.mjs', [unit.impl, unit.kind, options.warmIterations], { nodeArgs, env: { POWERTOOLS_PARAMETERS_MAX_AGE: '3600' } })
      checkCorrect(`warm ${warmKey(unit)}`, result)
      if (!results.has(warmKey(unit))) results.set(warmKey(unit), [])
      results.get(warmKey(unit)).push(result)
      done++
      progress(`warm ${done}/${options.runs * WARM_UNITS.length}  ${warmKey(unit).padEnd(16)} run ${run + 1}: +${ns(result.overheadNs)} ns/invocation (baseline ${ns(result.baselineNs)} ns), ${result.totalCalls} calls`)
    }
  }
  return results
}

function warmLabel({ impl, kind }) {
  switch (`${kind}:${impl}`) {
    case 'sm:ms': return '**middy-secrets** (defaults), 10 secrets'
    case 'sm:middy-peer': return `@middy/secrets-manager ${V.peerSm} (setToContext), 10 secrets`
    case 'sm:powertools': return `Powertools ${V.powertools} getSecret x10 in the handler (its cache), inside middy`
    case 'sm:map': return 'bare Map lookup x10 in the handler, inside middy'
    case 'sm:inject': return 'reference: a `before` middleware assigning 10 constant strings to the context, handler reading them'
    case 'sm:noop': return 'reference: one no-op `before` middleware (the cost of any middleware in middy)'
    case 'appconfig:ms': return "**middy-secrets**, 1 AppConfig configuration (`appConfig(..., { field: 'v' })`)"
    case 'appconfig:powertools': return `Powertools ${V.powertools} getAppConfig (transform json) in the handler, inside middy`
    case 'ddb:ms': return '**middy-secrets**, 10 DynamoDB items (`item()`)'
    case 'ddb:powertools': return `Powertools ${V.powertools} DynamoDBProvider.get x10 in the handler, inside middy`
    default: return `${kind}:${impl}`
  }
}

// ---- steady -------------------------------------------------------------------------------

const STEADY_IMPLS = ['none', 'ms', 'ms-off', 'middy-peer', 'pt-all']

function steadyLabel(impl, refreshAhead) {
  switch (impl) {
    case 'none': return 'reference: middy, no middleware, the same 1 ms of work (the machine\'s own spread)'
    case 'ms': return refreshAhead === 'unsupported' ? '**middy-secrets**, defaults (this build has no `refreshAhead`)' : '**middy-secrets**, defaults: `refreshAhead` on (0.1)'
    case 'ms-off': return 'middy-secrets, `refreshAhead: 0`'
    case 'middy-peer': return `@middy/secrets-manager ${V.peerSm}, \`cacheExpiry: ${options.steadyTtl * 1000}\``
    case 'pt-all': return `Powertools ${V.powertools} getSecret x10, Promise.all, \`maxAge: ${options.steadyTtl}\`, in middy`
    default: return impl
  }
}

const SLOW_MS = () => Math.max(5, options.latency / 2)

async function runSteady() {
  const results = new Map()
  let done = 0
  for (const impl of STEADY_IMPLS) {
    const args = [impl, options.steadyInvocations, options.steadyTtl, options.steadyWork, options.steadyGap, SLOW_MS()]
    const result = await runChild('steady.mjs', args, { keepCalls: true, timeoutMs: 600_000 })
    done++
    if (result.unsupported) {
      results.set(impl, result)
      progress(`steady ${done}/${STEADY_IMPLS.length}  ${impl}: refreshAhead is not an option of this build; skipped`)
      continue
    }
    checkCorrect(`steady ${impl}`, result)
    results.set(impl, summarizeSteady(result))
    const s = results.get(impl)
    progress(`steady ${done}/${STEADY_IMPLS.length}  ${impl.padEnd(10)}: ${s.waited} waited on a fetch, p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms, ${s.callsAfterFirst} calls after the first invocation, ${(s.realSpanMs / 1000).toFixed(1)} s real`)
  }
  return results
}

/** The steady child's durations and slow invocations, matched with the server's call log. */
function summarizeSteady(result) {
  // Invocation time with the work at its nominal duration: the busy loop's own preemptions by other
  // processes of this busy machine are not the middleware's (the raw times are reported as well).
  const overheads = [...result.overheads].sort((a, b) => a - b)
  const sorted = overheads.map((o) => o + options.steadyWork)
  const raw = [...result.durations].sort((a, b) => a - b)
  const calls = (result.callLog ?? []).map((c) => c.at).sort((a, b) => a - b)
  let waited = 0
  let noise = 0
  const waits = []
  for (const s of result.slow) {
    // A request in flight during the invocation: it reached the server before the invocation ended,
    // and its answer (latency later) came after the invocation began.
    const inFlight = calls.some((at) => at <= s.endEpoch + 1 && at + options.latency >= s.startEpoch - 1)
    if (inFlight) {
      waited++
      waits.push(s.ms)
    } else noise++
  }
  return {
    ...result,
    durations: undefined,
    overheads: undefined,
    callLog: undefined,
    invocations: result.durations.length + 1,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted.at(-1),
    rawP50: quantile(raw, 0.5),
    rawP99: quantile(raw, 0.99),
    overheadP50: quantile(overheads, 0.5),
    overheadP99: quantile(overheads, 0.99),
    waited,
    waitMs: waits.length ? median(waits) : undefined,
    noise,
    crossings: Math.floor(result.functionSpanMs / (options.steadyTtl * 1000)),
    // The first invocation's calls reached the server before it ended.
    callsAfterFirst: calls.filter((at) => at > result.firstEndEpoch).length,
  }
}

// ---- import -------------------------------------------------------------------------------

const TRIVIAL = './trivial.mjs' // bench/child/trivial.mjs, resolved from bench/child/import.mjs
const LEAN = './lean.mjs'
const EXT_BOTH = 'middy-secrets/extension+middy-secrets'
const EXT_BUILTINS = 'node:http+node:crypto'
const IMPORT_SPECIFIERS = [
  TRIVIAL,
  'middy-secrets',
  LEAN,
  'middy-secrets/extension',
  EXT_BOTH,
  EXT_BUILTINS,
  'aws4',
  'p-retry',
  '@middy/core',
  '@middy/secrets-manager',
  '@middy/ssm',
  '@aws-lambda-powertools/parameters/secrets',
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-ssm',
]
const LAZY_MODES = ['sm', 'ssm', 'sm-sdk', 'ddb', 'ext']

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
  for (const mode of LAZY_MODES) {
    const log = join(snapshot.dir, `resolved-${mode}.log`)
    writeFileSync(log, '')
    if (mode === 'ext') await extension.clear()
    const result = await runChild('lazy.mjs', [mode], { nodeArgs: ['--import', pathToFileURL(join(snapshot.dir, 'child', 'hooks', 'register.mjs')).href], env: { BENCH_HOOK_LOG: log } })
    checkCorrect(`lazy ${mode}`, result)
    lazy[mode] = result
    const a = result.afterFirst
    progress(`lazy ${mode}: client-secrets-manager ${a.loadsSecretsManager}, client-ssm ${a.loadsSsm}, SDK modules ${a.sdkModules}, aws4 ${a.loadsAws4}, p-retry ${a.loadsPRetry}; ${result.totalCalls} calls`)
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
 * loaded (its resolve-hook log and require.cache), so dynamic `import()` chunks and lazily
 * required dependencies (aws4) count only once really loaded.
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
  const deps = Object.fromEntries(sizeOf(depFiles([...new Set(Object.values(lazy).flatMap((l) => l.afterFirst.deps))]), modules).perFile.map((f) => [f.file, f]))
  return {
    index,
    ext,
    files,
    deps,
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
  { impl: 'ms', count: 1000 },
  { impl: 'ms', count: 1 },
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

// ---- the previous results ---------------------------------------------------------------

/**
 * middy-secrets' rows of the previous bench/results.md (2026-11-27, commit 2f44949, Node 20.20.2,
 * @middy/core 6.4.5, load 1.1-1.6): medians of 5, ms. Its only transport was the SDK, and its
 * cold column, as here for `transport: 'sdk'`, started after the SDK client module was imported.
 */
const PREVIOUS = {
  date: '2026-11-27',
  commit: '2f44949',
  node: 'v20.20.2',
  rows: {
    'sm:1': { cold: 54.9, total: 151.0 },
    'sm:10': { cold: 59.6, total: 152.1 },
    'sm:50': { cold: 72.7, total: 159.5 },
    'ssm:10': { cold: 61.5, total: 236.4 },
    'ssm:50': { cold: 72.5, total: 230.1 },
  },
  warmNs: 1395,
}
/** "Not slower" allows the run-to-run spread of these medians on this machine (see the report). */
const NOT_SLOWER = 1.05

// ---- report -------------------------------------------------------------------------------

const totalOf = (r) => r.importMs + r.coldMs
const cpuOf = (r) => r.importCpuMs + r.coldCpuMs

function report({ cold, warm, steady, imported, memory, header }) {
  const out = [header]
  const targets = []
  const earlier = []

  if (cold) {
    const get = (kind, count, row) => cold.get(`${kind}:${count}:${row}`)
    const med = (rs, f = totalOf) => (rs ? median(rs.map(f)) : Number.NaN)
    // The summary: one line per scenario, the rows a reader compares (the README's Cold start table).
    const SUMMARY = [
      ['ms-https', "middy-secrets, `'https'`"],
      ['lean-middy', 'lean floor in middy'],
      ['ms-sdk', "middy-secrets, `'sdk'`"],
      ['middy-peer', '@middy/secrets-manager / @middy/ssm'],
      ['pt-all', 'Powertools, Promise.all, in middy'],
      ['sdk-batch', 'raw SDK batch floor, in middy'],
    ]
    const cellOf = (scenario, row) => {
      const rs = get(scenario.kind, scenario.count, row)
      return rs ? `${row === 'ms-https' ? '**' : ''}${ms(med(rs))}${row === 'ms-https' ? '**' : ''} (${median(rs.map((r) => r.totalCalls))})` : '–'
    }
    out.push(
      '## Summary: import + first invocation',
      '',
      `ms, medians of this run (AWS calls in parentheses), Node ${NODES.main.version}, ${options.latency} ms per AWS request; the tables below have every row, its spread and its CPU time.`,
      '',
      table(['Scenario', ...SUMMARY.map(([, label]) => label)], COLD_SCENARIOS.map((scenario) => [scenarioLabel(scenario), ...SUMMARY.map(([row]) => cellOf(scenario, row))])),
      '',
    )
    out.push('## Cold start: import + first invocation', '')
    out.push(
      '**import + cold** (the rows\' main figure) = wall time in a fresh Node process from just before its first `import()` of the implementation ' +
        '(@middy/core first, unless the row runs without middy; then the implementation; then the AWS SDK client module it imports itself, if any) to the ' +
        'settlement of the first invocation, called right after the handler is created (no idle time between init and invoke, so a prefetch gets ' +
        'no head start). **cold** = its second part alone: from just before the handler is created (`secrets()`, the peer\'s middleware, ' +
        '`new Client()`, `middy(handler)`) to the end of the first invocation. middy-secrets on the lean transport imports no SDK; on `transport: \'sdk\'` ' +
        'it loads its client on its first call, in the cold phase, as a function that uses it gets it (its ESM build with `require`, the baseline with `import()`); ' +
        'the rows "the SDK client imported by the handler first" import it in the import phase instead, as this bench did before 2026-12-05. The **lean floor** is ' +
        '`bench/child/lean.mjs`: the requests middy-secrets makes (1 secret: GetSecretValue; more: BatchGetSecretValue by 20; parameters: ' +
        'GetParameters by 10; in parallel), signed by aws4 and sent over node:http with the JSON by hand, nothing else; "in middy" = inside a bare ' +
        '`middy()` handler, so @middy/core\'s import counts on both sides of the ratio. Every handler gets a Lambda-like context. **API calls** = ' +
        "requests the server logged during the child's whole life, by operation. **first / last request** = when the first and the last request " +
        'reached the server, in ms after handler creation began (server clock, 1 ms resolution). Values read by the handler are checked. ' +
        `Children on Node ${NODES.main.version} unless the row says otherwise.`,
      '',
    )
    const rows = []
    for (const scenario of COLD_SCENARIOS) {
      for (const row of ROW_ORDER) {
        const rs = get(scenario.kind, scenario.count, row)
        if (!rs) continue
        const t = rs.map(totalOf)
        const withCalls = rs.filter((r) => r.firstRequestMs !== undefined)
        const sentAt = withCalls.length === 0 ? 'none' : `${median(withCalls.map((r) => r.firstRequestMs))} / ${median(withCalls.map((r) => r.lastRequestMs))}`
        let calls = callsText(rs)
        if (row === 'ext-cold' || row === 'ext-cold-wide') calls += ': one per key, the extension does not batch'
        if (row === 'ext-warm' || row === 'ext-warm-wide') calls += ": all from the extension's cache"
        let label = rowLabel(row, scenario.kind)
        if (row === 'ext-cold' && scenario.kind === 'ssm') label += '; `parameters()` paths are not supported by the extension'
        const runs = rs.length === options.coldRuns ? '' : ` (${rs.length} runs)`
        rows.push([scenarioLabel(scenario), label + runs, `**${ms(median(t))}**`, ms(min(t)), ms(max(t)), ms(med(rs, (r) => r.coldMs)), ms(med(rs, (r) => r.importMs)), ms(med(rs, cpuOf)), sentAt, calls])
      }
    }
    out.push(table(['Scenario', 'Implementation', 'import + cold ms (median)', 'min', 'max', 'cold ms (median)', 'import ms (median)', 'CPU ms, import + cold (median)', 'first / last request at ms (median)', 'API calls'], rows), '')
    if (get('sm', 1, 'ext-cold')) {
      const s = extension.settings
      out.push(
        '**Extension-store rows.** The handler is `secrets({ context, stores: { secretsManager: extensionStore({ port, token }), ssm: extensionStore({ port, token }) } })` ' +
          '(`extensionStore` from `middy-secrets/extension`, its defaults otherwise: at most 3 requests to the extension at once). The extension is a stand-in: ' +
          '`startExtensionServer` from `middy-secrets/testing` in **its own process** (`bench/child/extension-runner.mjs`), as the real extension is a separate ' +
          'process of the execution environment. It was started before the measurements (ready in ' +
          `${ms(extension.startupMs)} ms, including one warm-up call per service) and is backed by \`secretsManagerStore()\` / \`ssmStore()\` (\`batch: false\`: one ` +
          'GetSecretValue / GetParameter per key, as the extension calls AWS) against the same local AWS server with the same latency; its AWS calls are the ones counted. ' +
          `Its settings are the extension's defaults: cache ${s.cacheEnabled ? `on, ${s.cacheSize} entries` : 'off'}, TTL ${s.secretsTtl} s (secrets) / ${s.ssmTtl} s (parameters), ` +
          `${s.maxConnections} connections to AWS. **Extension cache cold** = its cache emptied (over IPC) right before the run. **Extension cache warm** = the next process, ` +
          'run right after the cold one with the same keys: a second function instance in the same execution environment. The extension has no batch API: ' +
          '**one AWS call per key**, and no GetParametersByPath: SSM **paths** (`parameters()`) are **not supported** through it. ' +
          (extensionWide
            ? `**Max connections ${WIDE}** rows (50-key scenarios): a second stand-in process started with \`PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS=${WIDE}\`, ` +
              "and the same variable in the function's environment: up to 20 requests at once on both sides, against 3 by default."
            : ''),
        '',
      )
    }

    // Ratios of the lean transport to every other row.
    out.push("### Ratios: middy-secrets on `transport: 'https'` ÷ each row (medians of the same run; < 1: middy-secrets is faster / makes fewer calls)", '')
    const ratioRows = []
    for (const scenario of COLD_SCENARIOS) {
      const mine = get(scenario.kind, scenario.count, 'ms-https')
      if (!mine) continue
      for (const row of ROW_ORDER) {
        const peer = get(scenario.kind, scenario.count, row)
        if (!peer || row === 'ms-https') continue
        const calls = median(mine.map((r) => r.totalCalls)) / median(peer.map((r) => r.totalCalls))
        ratioRows.push([
          scenarioLabel(scenario),
          rowLabel(row, scenario.kind),
          `**${ratio(med(mine) / med(peer))}** (${ms(med(mine))} vs ${ms(med(peer))} ms)`,
          ratio(med(mine, (r) => r.coldMs) / med(peer, (r) => r.coldMs)),
          `${ratio(med(mine, cpuOf) / med(peer, cpuOf))} (${ms(med(mine, cpuOf))} vs ${ms(med(peer, cpuOf))} ms)`,
          `${Number.isFinite(calls) ? ratio(calls) : 'n/a'} (${median(mine.map((r) => r.totalCalls))} vs ${median(peer.map((r) => r.totalCalls))})`,
        ])
      }
    }
    out.push(table(['Scenario', 'Row', 'import + cold', 'cold', 'CPU, import + cold', 'API calls'], ratioRows), '')

    // Where the time goes: the four phases of a cold start, CPU and wall.
    const PHASE_ROWS = ['ms-https', 'lean-middy', 'ms-sdk', 'base', 'middy-peer', 'pt-all']
    const phaseRows = []
    for (const scenario of COLD_SCENARIOS.filter((s) => s.kind === 'sm' || s.kind === 'ssm')) {
      for (const row of PHASE_ROWS) {
        const rs = get(scenario.kind, scenario.count, row)?.filter((r) => r.phases)
        if (!rs?.length) continue
        const cell = (i) => `${ms(median(rs.map((r) => r.phases.cpu[i])))} / ${ms(median(rs.map((r) => r.phases.ms[i])))}`
        phaseRows.push([scenarioLabel(scenario), rowLabel(row, scenario.kind), cell(0), cell(1), cell(2), cell(3), `**${ms(med(rs, cpuOf))}** / ${ms(med(rs))}`])
      }
    }
    out.push(
      '### Where the time goes: the phases of a cold start',
      '',
      'CPU ms / wall ms, medians, per phase: importing @middy/core (none for the rows without middy), importing the implementation (and the SDK client module, ' +
        'for the rows that import it themselves), creating the handler (`secrets()` and `middy()`: for middy-secrets, option validation, the store and transport choice, and the start of the ' +
        'prefetch), and the first invocation (for middy-secrets on the lean transport, loading aws4, signing, the request, the answer and its injection; the ' +
        'wait for the 20 ms of injected latency is wall time, not CPU). CPU time (user + system, all threads) moves much less than wall time when other ' +
        'processes share the cores: it is the better guide to what each implementation costs.',
      '',
      table(['Scenario', 'Row', '@middy/core import', 'implementation import', 'handler creation', 'first invocation', 'import + cold'], phaseRows),
      '',
    )

    // The SDK transport against the previous results.
    const sdkRows = []
    for (const scenario of COLD_SCENARIOS.filter((s) => PREVIOUS.rows[`${s.kind}:${s.count}`])) {
      const prev = PREVIOUS.rows[`${scenario.kind}:${scenario.count}`]
      const g = (row) => get(scenario.kind, scenario.count, row)
      const cell = (rs) => (rs ? `${ms(med(rs))} (${ms(med(rs, (r) => r.coldMs))})` : 'n/a')
      sdkRows.push([
        scenarioLabel(scenario),
        cell(g('ms-sdk')),
        cell(g('base')),
        cell(g('ms-sdk@20')),
        cell(g('base@20')),
        `${ms(prev.total)} (${ms(prev.cold)})`,
        g('base@20') ? `**${ratio(med(g('ms-sdk@20')) / med(g('base@20')))}** (${ratio(med(g('ms-sdk@20'), (r) => r.coldMs) / med(g('base@20'), (r) => r.coldMs))}; CPU ${ratio(med(g('ms-sdk@20'), cpuOf) / med(g('base@20'), cpuOf))})` : 'n/a',
        g('base') ? `**${ratio(med(g('ms-sdk')) / med(g('base')))}** (${ratio(med(g('ms-sdk'), (r) => r.coldMs) / med(g('base'), (r) => r.coldMs))}; CPU ${ratio(med(g('ms-sdk'), cpuOf) / med(g('base'), cpuOf))})` : 'n/a',
        `${ratio(med(g('ms-sdk@20')) / prev.total)} (${ratio(med(g('ms-sdk@20'), (r) => r.coldMs) / prev.cold)})`,
        `${ratio(med(g('ms-sdk')) / prev.total)} (${ratio(med(g('ms-sdk'), (r) => r.coldMs) / prev.cold)})`,
      ])
    }
    out.push(
      "### `transport: 'sdk'` against the previous results",
      '',
      `Each cell: import + cold ms (cold ms), medians; the ratio cells: import + cold (cold; CPU time of import + cold). **Previous** = middy-secrets' rows of the previous \`bench/results.md\` (${PREVIOUS.date}, commit ${PREVIOUS.commit}, ` +
        `Node ${PREVIOUS.node}, @middy/core 6.4.5, another day's load). ${baseline ? `**${baseline.short}** = that same commit, built (\`--baseline\`) and measured in this run, on @middy/core ${V.core} like every row here` : 'The baseline build was not available in this run'}: ` +
        'the fair comparison, same machine, same load, same Node. The Node 20 rows import @middy/core 7 too (its `engines` says Node 22, but it loads and runs on Node 20). ' +
        'On the SDK transport the package loads its SDK client on the first fetch as before, now with `require` from its ESM build (on Node 20 and 22 faster than the ' +
        "baseline's `import()`: lib/transport/sdk-module.ts), and its own code is bigger (AppConfig, DynamoDB, the lean transport it carries): the next table shows that " +
        "part alone. The previous results' cold column started after the SDK client was imported: against them the import + cold ratios compare, the cold ones do not.",
      '',
      table(
        [
          'Scenario',
          `now, Node ${NODES.main.version}`,
          `${baseline?.short ?? 'baseline'}, Node ${NODES.main.version}`,
          `now, Node ${node20()}`,
          `${baseline?.short ?? 'baseline'}, Node ${node20()}`,
          `previous results (Node ${PREVIOUS.node})`,
          `now ÷ ${baseline?.short ?? 'baseline'}, Node 20`,
          `now ÷ ${baseline?.short ?? 'baseline'}, Node ${options.node}`,
          'now (Node 20) ÷ previous',
          `now (Node ${options.node}) ÷ previous`,
        ],
        sdkRows,
      ),
      '',
    )
    // The package's own code: the SDK client imported by the handler first, on both sides.
    const pre = get('sm', 10, 'ms-sdk-pre')
    const basePre = get('sm', 10, 'base-pre')
    if (pre && basePre) {
      out.push(
        "### `transport: 'sdk'`, the package's own code",
        '',
        `10 secrets, the SDK client module imported by the handler before the package, on both sides (as this bench did before 2026-12-05): the SDK's load ` +
          `is then the same for both, and what differs is the package's code. Medians of ${pre.length} and ${basePre.length}, run back to back.`,
        '',
        table(
          ['Row', 'import + cold', 'cold', 'CPU, import + cold'],
          [
            [rowLabel('ms-sdk-pre', 'sm'), ms(med(pre)), ms(med(pre, (r) => r.coldMs)), ms(med(pre, cpuOf))],
            [rowLabel('base-pre', 'sm'), ms(med(basePre)), ms(med(basePre, (r) => r.coldMs)), ms(med(basePre, cpuOf))],
            [
              `now ÷ ${baseline.short}`,
              `**${ratio(med(pre) / med(basePre))}** (${ratioInterval(pre.map(totalOf), basePre.map(totalOf)).map((x) => x.toFixed(2)).join('-')})`,
              ratio(med(pre, (r) => r.coldMs) / med(basePre, (r) => r.coldMs)),
              ratio(med(pre, cpuOf) / med(basePre, cpuOf)),
            ],
          ],
        ),
        '',
      )
    }

    // Targets (issue 13). The ratio of the medians decides; the median of the per-run ratios of two
    // rows that ran back to back (same load) is given beside it.
    const paired = (a, b, f = totalOf) => median(a.slice(0, Math.min(a.length, b.length)).map((r, i) => f(r) / f(b[i])))
    const interval = (a, b, f = totalOf) => {
      const [lo, hi] = ratioInterval(a.map(f), b.map(f))
      return `95% interval ${lo.toFixed(2)}-${hi.toFixed(2)}`
    }
    const t1 = get('sm', 1, 'ms-https')
    const floor1 = get('sm', 1, 'lean-middy')
    targets.push([
      'Import + first invocation, 1 secret: at most 1.15x the lean floor in middy',
      `${ratio(med(t1) / med(floor1))} (${ms(med(t1))} vs ${ms(med(floor1))} ms; ${interval(t1, floor1)}; per-run pairs: ${ratio(paired(t1, floor1))}; CPU time: ${ratio(med(t1, cpuOf) / med(floor1, cpuOf))})`,
      med(t1) / med(floor1) <= 1.15,
    ])
    const peers1 = ['middy-peer', 'pt-all', 'pt-seq'].map((row) => ({ row, rs: get('sm', 1, row) })).filter((p) => p.rs)
    const best = peers1.sort((a, b) => med(a.rs) - med(b.rs))[0]
    targets.push([
      'Import + first invocation, 1 secret: at most 0.75x the best SDK-based middleware peer (@middy/secrets-manager, Powertools in middy)',
      `${ratio(med(t1) / med(best.rs))} (${ms(med(t1))} vs ${ms(med(best.rs))} ms, ${rowLabel(best.row, 'sm').replace(/\*\*/g, '')}; ${interval(t1, best.rs)}; CPU time: ${ratio(med(t1, cpuOf) / med(best.rs, cpuOf))})`,
      med(t1) / med(best.rs) <= 0.75,
    ])
    for (const [kind, count] of [['sm', 10], ['sm', 50], ['ssm', 50]]) {
      const mine = get(kind, count, 'ms-https')
      const floor = get(kind, count, 'lean-middy')
      targets.push([
        `Import + first invocation, ${scenarioLabel({ kind, count })}: at most 1.2x the lean floor in middy`,
        `${ratio(med(mine) / med(floor))} (${ms(med(mine))} vs ${ms(med(floor))} ms; ${interval(mine, floor)}; per-run pairs: ${ratio(paired(mine, floor))}; CPU time: ${ratio(med(mine, cpuOf) / med(floor, cpuOf))})`,
        med(mine) / med(floor) <= 1.2,
      ])
    }
    // The whole cold start (import + cold) decides; the cold phase alone and CPU time are given beside it.
    const sdkWorst = (row, versus) => {
      let worst
      for (const scenario of COLD_SCENARIOS.filter((s) => PREVIOUS.rows[`${s.kind}:${s.count}`])) {
        const a = get(scenario.kind, scenario.count, row)
        const b = typeof versus === 'string' ? get(scenario.kind, scenario.count, versus) : undefined
        if (!a || (typeof versus === 'string' && !b)) continue
        const prev = PREVIOUS.rows[`${scenario.kind}:${scenario.count}`]
        const r = med(a) / (b ? med(b) : prev.total)
        const cold = med(a, (x) => x.coldMs) / (b ? med(b, (x) => x.coldMs) : prev.cold)
        const cpu = b ? med(a, cpuOf) / med(b, cpuOf) : Number.NaN
        if (!worst || r > worst.r) worst = { r, where: scenarioLabel(scenario), range: b ? ratioInterval(a.map(totalOf), b.map(totalOf)) : undefined }
        if (!worst.cold || cold > worst.cold.r) worst.cold = { r: cold, where: scenarioLabel(scenario) }
        if (b && (!worst.cpu || cpu > worst.cpu.r)) worst.cpu = { r: cpu, where: scenarioLabel(scenario) }
      }
      const range = worst.range ? `, 95% interval ${worst.range[0].toFixed(2)}-${worst.range[1].toFixed(2)}` : ''
      const text = `worst import + cold ${ratio(worst.r)} (${worst.where}${range}); worst cold phase ${ratio(worst.cold.r)} (${worst.cold.where})`
      return { ...worst, text: worst.cpu ? `${text}; worst CPU ${ratio(worst.cpu.r)} (${worst.cpu.where})` : text }
    }
    if (get('sm', 1, 'base@20')) {
      const w = sdkWorst('ms-sdk@20', 'base@20')
      targets.push([
        `\`transport: 'sdk'\`: nothing slower than the previous results: this run, Node 20, now ÷ ${baseline.short} (the fair comparison; "not slower" = at most ${NOT_SLOWER}x)`,
        `${w.text}; every scenario in the table above`,
        w.r <= NOT_SLOWER,
      ])
    }
    if (get('sm', 1, 'base')) {
      const w = sdkWorst('ms-sdk', 'base')
      targets.push([`\`transport: 'sdk'\`, the same on Node ${options.node}: now ÷ ${baseline.short}`, w.text, w.r <= NOT_SLOWER])
    }
    {
      const w = sdkWorst(NODES['20'] ? 'ms-sdk@20' : 'ms-sdk', undefined)
      targets.push([
        `\`transport: 'sdk'\` against the figures recorded in the previous results (${PREVIOUS.date}, Node ${PREVIOUS.node}; another day's load: indicative)`,
        `${w.text} (now on Node ${NODES['20'] ? node20() : NODES.main.version})`,
        w.r <= NOT_SLOWER,
      ])
    }

    const sm50 = get('sm', 50, 'ms-https')
    const sm50Calls = max(sm50.map((r) => r.totalCalls))
    earlier.push(['Cold, 50 secrets: at most 3 API calls', `${sm50Calls} (max over runs)`, sm50Calls <= 3])
    const p50 = get('ssm', 50, 'ms-https')
    const p50Calls = max(p50.map((r) => r.totalCalls))
    earlier.push(['Cold, 50 SSM parameters: 5 API calls', `${p50Calls} (max over runs)`, p50Calls <= 5])
  }

  if (warm) {
    out.push('## Warm invocation', '')
    const any = warm.values().next().value[0]
    out.push(
      `Per process: middy with no middleware (handler returns at once) and the implementation's handler with its values cached, ` +
        `${any.invocations.toLocaleString('en-US')} timed invocations each after 5,000 of warm-up, ` +
        'in rounds of 1,000 alternating between the two; ns/invocation = median over rounds; **overhead** = implementation minus ' +
        'no-middleware baseline, measured in the same process. Every invocation gets a new Lambda-like context (with ' +
        '`getRemainingTimeInMillis`, so middy arms its timeout timer in both). Median / min / max over processes. ' +
        `**API calls** = all requests of the process (they all come from the first, cold invocation). Node ${NODES.main.version}.`,
      '',
    )
    const rows = WARM_UNITS.filter((u) => warm.has(warmKey(u))).map((unit) => {
      const rs = warm.get(warmKey(unit))
      const o = rs.map((r) => r.overheadNs)
      return [warmLabel(unit), `**${ns(median(o))}**`, ns(min(o)), ns(max(o)), ns(median(rs.map((r) => r.baselineNs))), ns(median(rs.map((r) => r.implNs))), callsText(rs)]
    })
    out.push(table(['Implementation', 'overhead ns/invocation (median)', 'min', 'max', 'baseline: middy, no middleware (ns)', 'implementation (ns)', 'API calls'], rows), '')
    const w = (impl, kind) => median(warm.get(`${kind}:${impl}`).map((r) => r.overheadNs))
    const mine = w('ms', 'sm')
    out.push(
      `middy-secrets warm overhead (10 secrets) ÷ @middy/secrets-manager: **${ratio(mine / w('middy-peer', 'sm'))}**; ÷ Powertools: **${ratio(mine / w('powertools', 'sm'))}**; ` +
        `AppConfig ÷ Powertools getAppConfig: **${ratio(w('ms', 'appconfig') / w('powertools', 'appconfig'))}**; DynamoDB ÷ Powertools DynamoDBProvider: **${ratio(w('ms', 'ddb') / w('powertools', 'ddb'))}**. ` +
        `The previous results measured ${ns(PREVIOUS.warmNs)} ns for 10 secrets (Node ${PREVIOUS.node}).`,
      '',
    )
    targets.push(['Warm overhead with 10 keys (secrets): at most 1 µs over bare middy', `${ns(mine)} ns`, mine <= 1000])
  }

  if (steady) {
    out.push('## Steady run: one warm environment, the TTL crossed again and again', '')
    const any = [...steady.values()].find((s) => !s.unsupported)
    const crossings = any?.crossings
    out.push(
      `One process per row (Node ${NODES.main.version}), ${options.steadyInvocations.toLocaleString('en-US')} invocations of a handler that reads 10 secrets, cached with a TTL of ` +
        `**${options.steadyTtl} s**, ${options.latency} ms injected per AWS request. Each invocation does **${options.steadyWork} ms of work** (a busy loop in the handler). ` +
        `Between two invocations the event loop turns once (the runtime posting the answer and polling for the next event), then the environment is **frozen for ${options.steadyGap} ms**: ` +
        '`bench/child/freeze-clock.mjs` moves `Date.now()` forward and brings the global `setTimeout` timers forward with it (those due during the gap fire at the thaw, ' +
        'before the next invocation), while nothing runs, as in Lambda between invocations. So the run covers ' +
        `${any ? `${(any.functionSpanMs / 1000).toFixed(0)} s` : 'n/a'} of the function's time (**${crossings ?? 'n/a'} TTL boundaries**) in about ${any ? `${(any.realSpanMs / 1000).toFixed(0)} s` : 'n/a'} of real time. ` +
        'This is harder on a background refresh than Lambda, never easier: a request in flight does not progress during a gap (in Lambda its answer would be waiting ' +
        'in the socket at the thaw), so a refresh needs its full latency of *running* time. A real clock would cross the boundary ' +
        `once per ${options.steadyTtl} s: ${options.steadyInvocations.toLocaleString('en-US')} invocations of ${options.steadyWork} ms would see it twice. ` +
        `**Invocation time** (p50, p99...) = real time around \`await handler(event, context)\` with the work counted at its nominal ${options.steadyWork} ms, over the invocations after the first: ` +
        'what the middleware, middy and any wait add to the work. On this busy machine a 1 ms busy loop is itself often preempted by other processes ' +
        '(the reference row\'s raw p99): those preemptions are the machine\'s, so they are taken out here, and the last column gives the raw times. **Waited on a fetch** = ' +
        `an invocation more than ${SLOW_MS()} ms slower than its work while a request was in flight at the server (the call log); a slow invocation with no request in flight ` +
        'is counted as the machine\'s noise. Every invocation\'s values are checked.',
      '',
    )
    const rows = STEADY_IMPLS.filter((impl) => steady.has(impl)).map((impl) => {
      const s = steady.get(impl)
      if (s.unsupported) return [steadyLabel(impl, s.refreshAhead), 'not run: `secrets()` refuses `refreshAhead` (ConfigError) in this build', '', '', '', '', '', '', '', '']
      return [
        steadyLabel(impl, s.refreshAhead),
        s.totalCalls === 0 ? '0' : `${s.callsAfterFirst} (${Object.entries(s.calls).sort().map(([op, n]) => `${n} ${op}`).join(' + ')} in all)`,
        `**${s.waited}**${s.waited ? ` (median wait ${ms(s.waitMs)} ms)` : ''}`,
        String(s.noise),
        ms(s.p50),
        ms(s.p99),
        `**${ratio(s.p99 / s.p50)}**`,
        ms(s.p999),
        ms(s.max),
        `${ms(s.rawP50)} / ${ms(s.rawP99)} (${ratio(s.rawP99 / s.rawP50)})`,
      ]
    })
    out.push(
      table(['Implementation', 'AWS calls after the first invocation', 'invocations after the first that waited on a fetch', 'slow, no request in flight (noise)', 'p50 ms', 'p99 ms', 'p99 ÷ p50', 'p99.9 ms', 'max ms', 'raw p50 / p99 ms (the work as measured)'], rows),
      '',
    )
    const mine = steady.get('ms')
    if (mine && !mine.unsupported) {
      const ahead = mine.refreshAhead !== 'unsupported'
      targets.push([
        `Steady run: 0 invocations after the first wait on a fetch while the store answers (middy-secrets, defaults${ahead ? ': refreshAhead on' : '; this build has no refreshAhead'})`,
        `${mine.waited} of ${(mine.invocations - 1).toLocaleString('en-US')} (${mine.crossings} TTL boundaries, ${mine.callsAfterFirst} AWS calls after the first invocation)`,
        mine.waited === 0,
      ])
      targets.push([
        'Steady run: warm p99 within 1.5x of warm p50 (middy-secrets, defaults)',
        `${ratio(mine.p99 / mine.p50)} (p50 ${ms(mine.p50)} ms, p99 ${ms(mine.p99)} ms; middy alone: ${steady.has('none') ? ratio(steady.get('none').p99 / steady.get('none').p50) : 'n/a'})`,
        mine.p99 / mine.p50 <= 1.5,
      ])
    }
  }

  if (imported) {
    out.push('## Import and build size', '')
    out.push(
      '**import ms** = `performance.now()` around the first `await import(specifier)` of a fresh process (the ESM loader is already ' +
        'up; `a` then `b` = two awaited imports in a row, timed together). **above the trivial module** = median minus the median of ' +
        "a one-line local `.mjs` file imported the same way: the ESM loader's fixed cost for one module on this machine, which any " +
        `package pays. **SDK modules loaded** = CommonJS modules under @aws-sdk/ or @smithy/ in \`require.cache\` afterwards. Node ${NODES.main.version}.`,
      '',
    )
    const trivial = median(imported.times.get(TRIVIAL).map((r) => r.importMs))
    const importLabel = (s) => {
      switch (s) {
        case TRIVIAL: return "a trivial ESM module (`export const trivial = 1`, a local .mjs file): the loader's fixed cost"
        case 'middy-secrets': return '**middy-secrets**'
        case LEAN: return '`bench/child/lean.mjs`, the lean floor (it loads node:http and aws4 at its top)'
        case 'middy-secrets/extension': return '`middy-secrets/extension` alone'
        case EXT_BOTH: return '**`middy-secrets/extension` then `middy-secrets`** (what a function on the extension store imports)'
        case EXT_BUILTINS: return 'reference: an ESM `import` of `node:http` then `node:crypto` (on Node 22 node:http\'s namespace loads undici: the package and the floor use `process.getBuiltinModule`)'
        case 'aws4': return `aws4 ${V.aws4} through \`import()\` (for reference: the package carries its own copy of it, lib/transport/aws4-module.ts; the lean floor \`require\`s it)`
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
    const lazyRows = [
      ['sm', "10 secrets, defaults (`transport: 'auto'`)"],
      ['ssm', "10 SSM parameters, defaults (`transport: 'auto'`)"],
      ['sm-sdk', "10 secrets, `transport: 'sdk'`"],
      ['ddb', "10 DynamoDB items, defaults (`transport: 'auto'`)"],
      ['ext', '10 secrets + 10 SSM parameters, both roles on `extensionStore()`'],
    ]
      .filter(([mode]) => imported.lazy[mode])
      .map(([mode, label]) => {
        const a = imported.lazy[mode].afterFirst
        return [label, yes(a.loadsSecretsManager, mode !== 'sm-sdk'), yes(a.loadsSsm, true), sdkCell(a), yes(a.loadsAws4), yes(a.loadsPRetry, true)]
      })
    out.push(
      '**Lazy loading** (a fresh process with a resolve hook recording every ESM URL, plus `require.cache`; state after the first invocation, ' +
        "which succeeds at its first attempt; the environment is Lambda's: static credentials and a region in the environment, no shared config files, " +
        "so `'auto'` chooses the lean transport; the extension row talks to the extension runner described under Cold start):",
      '',
      table(['Declaration', 'loads @aws-sdk/client-secrets-manager', 'loads @aws-sdk/client-ssm', 'AWS SDK modules loaded (bytes on disk, not gzipped)', 'loads aws4', 'loads p-retry'], lazyRows),
      '',
      '**AWS SDK modules** = modules under @aws-sdk/ and @smithy/, and the other node_modules packages loaded that are neither middy-secrets, ' +
        "its dependencies (p-retry, is-network-error; aws4 is carried in its build) nor @middy/*: the SDK's own dependencies (@aws-crypto/*, tslib...). " +
        `After the import alone, before any fetch: ${[sm, ssm, ext].every((r) => r.atImport.sdkModules === 0 && r.atImport.otherModules === 0) ? 'none in any of them' : `${sm.atImport.sdkModules + sm.atImport.otherModules} / ${ssm.atImport.sdkModules + ssm.atImport.otherModules} / ${ext.atImport.sdkModules + ext.atImport.otherModules}`}.`,
      '',
    )

    const b = imported.build
    const inSet = (list, file) => list.includes(file)
    const fileRows = [...b.index.staticFiles, ...b.index.dynamicFiles].map((f) => {
      const name = relative(snapshot.pkg, f)
      return [`\`${name}\``, inSet(sm.atImport.dist, name) ? 'yes' : 'no', inSet(sm.afterFirst.dist, name) ? 'yes' : 'no', inSet(ssm.afterFirst.dist, name) ? 'yes' : 'no', bytes(b.files[name].raw), bytes(b.files[name].gz)]
    })
    for (const [file, f] of Object.entries(b.deps)) {
      fileRows.push([`\`node_modules/${file}\` (a dependency, required by the first lean request)`, 'no', inSet(sm.afterFirst.deps, file) ? 'yes' : 'no', inSet(ssm.afterFirst.deps, file) ? 'yes' : 'no', bytes(f.raw), bytes(f.gz)])
    }
    for (const f of b.retryDeps.perFile) {
      if (b.deps[f.file]) continue
      fileRows.push([`\`node_modules/${f.file}\` (only when a retry is needed)`, 'no', inSet(sm.afterFirst.deps, f.file) ? '**yes**' : 'no', inSet(ssm.afterFirst.deps, f.file) ? '**yes**' : 'no', bytes(f.raw), bytes(f.gz)])
    }
    const total = (label, size) => [label, '', '', '', `**${bytes(size.raw)}**`, `**${bytes(size.gz)}** (${bytes(size.gzOneStream)} as one gzip stream)`]
    const pRetryNote = (seen) => (seen.loadsPRetry ? 'p-retry included: it was loaded' : 'p-retry not loaded, so not counted')
    fileRows.push(
      total(`**\`import 'middy-secrets'\`: the static graph** (${b.static.perFile.length} files)`, b.static),
      total(`**by the end of a first Secrets Manager fetch** (${b.smFirst.perFile.length} files, dependencies included; ${pRetryNote(sm.afterFirst)})`, b.smFirst),
      total(`by the end of a first SSM fetch (${b.ssmFirst.perFile.length} files; ${pRetryNote(ssm.afterFirst)})`, b.ssmFirst),
      total(`every file \`dist/index.js\` can load (${b.whole.perFile.length} files, dependencies excluded)`, b.whole),
    )
    out.push(
      '**ESM build** as `npm run build` makes it (`.map` files excluded; gzip level 9 per file, summed; the AWS SDK is external and not counted). ' +
        '**loaded by the import** = the static graph: `dist/index.js` and the chunks it imports with static `import ... from`, followed in the files and ' +
        'checked against the resolve-hook log of `import("middy-secrets")`. The two fetch columns are what was loaded by the end of the first ' +
        'invocation of a handler with 10 secrets / 10 SSM parameters on the default transport (the `import()` chunks and the dependencies `require`d on the first fetch).',
      '',
      table(['File', "loaded by `import 'middy-secrets'`", 'by the end of a first Secrets Manager fetch', 'by the end of a first SSM fetch', 'bytes', 'gzip bytes'], fileRows),
      '',
    )
    if (b.staticMismatch) out.push(`**Warning**: the static graph read from the files (${b.staticMismatch.files.join(', ')}) differs from what the hook log saw after the import (${b.staticMismatch.hook.join(', ')}).`, '')

    const extRows = [...new Set([...b.ext.staticFiles, ...b.index.staticFiles])].map((f) => {
      const name = relative(snapshot.pkg, f)
      return [`\`${name}\``, inSet(b.ext.staticFiles, f) ? 'yes' : 'no', inSet(b.index.staticFiles, f) ? 'yes' : 'no', inSet(ext.afterFirst.dist, name) ? 'yes' : 'no', bytes(b.files[name].raw), bytes(b.files[name].gz)]
    })
    extRows.push(
      total(`\`import 'middy-secrets/extension'\`: its static graph (${b.extStatic.perFile.length} files)`, b.extStatic),
      total(`**\`middy-secrets/extension\` + \`middy-secrets\`: both static graphs** (${b.extBoth.perFile.length} files)`, b.extBoth),
      total(`**by the end of a first fetch through the extension store** (${b.extFirst.perFile.length} files, measured; ${pRetryNote(ext.afterFirst)}; AWS SDK modules loaded: ${ext.afterFirst.sdkModules + ext.afterFirst.otherModules})`, b.extFirst),
    )
    out.push(
      "**The extension store's ESM** (same method): what a function using `extensionStore()` for both roles loads. " +
        "`middy-secrets/extension` also exports the local stand-in (`startExtensionServer`), which is in its static graph.",
      '',
      table(['File', "loaded by `import 'middy-secrets/extension'`", "loaded by `import 'middy-secrets'`", 'by the end of a first fetch through the extension', 'bytes', 'gzip bytes'], extRows),
      '',
      `External imports: \`dist/index.js\` graph: ${b.index.external.map((e) => `\`${e}\``).join(', ')}; \`dist/extension.js\` graph: ${b.ext.external.map((e) => `\`${e}\``).join(', ')}.`,
      '',
    )
    if (b.extMismatch) out.push(`**Warning**: the static graphs read from the files (${b.extMismatch.files.join(', ')}) differ from what the hook log saw after the imports (${b.extMismatch.hook.join(', ')}).`, '')

    const imp = median(imported.times.get('middy-secrets').map((r) => r.importMs))
    earlier.push(['Import of the package alone under 5 ms', `${ms(imp)} ms; ${ms(imp - trivial)} ms above a trivial ESM module (${ms(trivial)} ms)`, imp < 5])
    earlier.push([
      'A declaration with only secrets never loads @aws-sdk/client-ssm (and vice versa)',
      `secrets only: ${sm.afterFirst.loadsSsm ? 'loads' : 'does not load'} client-ssm; parameters only: ${ssm.afterFirst.loadsSecretsManager ? 'loads' : 'does not load'} client-secrets-manager`,
      !sm.afterFirst.loadsSsm && !ssm.afterFirst.loadsSecretsManager,
    ])
    earlier.push(["ESM build under 8 KB gzip without the AWS SDK: what `import 'middy-secrets'` loads statically", `${bytes(b.static.gz)} B gzip (${b.static.perFile.map((f) => `\`${f.file}\``).join(' + ')})`, b.static.gz < 8192])
  }

  if (memory) {
    out.push('## Memory', '')
    out.push(
      `**heap growth** = \`heapUsed\` after minus before, each after 4 rounds of \`gc()\` (\`node --expose-gc\`): before = after importing ` +
        '@middy/core and the implementation (@middy/secrets-manager imports its SDK client; middy-secrets on its default transport, the lean one here, loads none); ' +
        'after = one middleware declaring N secrets of 4,096 ' +
        `ASCII characters (middy-secrets: maxEntries 1000), one invocation, its context dropped. Includes what the transport keeps after a first call (the SDK client; the lean transport's agent). Median of ${memory.runs} processes.`,
      '',
    )
    const raw = 1000 * MEM_SECRET_BYTES
    const rows = MEMORY_CONFIGS.map((c) => {
      const rs = memory.results.get(`${c.impl}:${c.count}`)
      const h = rs.map((r) => r.heapGrowth)
      const payload = c.count * MEM_SECRET_BYTES
      return [
        c.impl === 'ms' ? '**middy-secrets**' : `@middy/secrets-manager ${V.peerSm}`,
        c.count.toLocaleString('en-US'),
        `${(payload / 1e6).toFixed(3)} MB`,
        `**${(median(h) / 1e6).toFixed(2)} MB**`,
        `${(min(h) / 1e6).toFixed(2)}–${(max(h) / 1e6).toFixed(2)} MB`,
        ratio(median(h) / payload),
        callsText(rs),
      ]
    })
    out.push(table(['Implementation', 'secrets cached', 'raw payload', 'heap growth (median)', 'min–max', 'growth ÷ payload', 'API calls'], rows), '')
    const big = median(memory.results.get('ms:1000').map((r) => r.heapGrowth))
    const one = median(memory.results.get('ms:1').map((r) => r.heapGrowth))
    out.push(`middy-secrets per cached secret beyond its 4,096-byte payload: about **${Math.round((big - one - raw) / 999).toLocaleString('en-US')} bytes** ((growth with 1,000 − growth with 1 − 4,096,000) ÷ 999).`, '')
  }

  const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'yes' : '**no**')
  if (targets.length > 0) {
    out.push(`## Targets (issue 13; reported, not asserted; medians of this one run, Node ${NODES.main.version} unless said)`, '')
    out.push(
      'The ratio of the medians decides. Beside it: a 95% interval of that ratio by the bootstrap (resampling this run\'s samples: how far it could ' +
        'move under the same conditions), the median of the per-run ratios of the two rows that ran back to back, and the ratio of CPU times. ' +
        `On a machine this loaded (1-minute load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${cpus().length} cores), a verdict whose interval straddles the target is not settled by one run.`,
      '',
    )
    out.push(table(['Target', 'Measured', 'Met'], targets.map(([t, m, ok]) => [t, m, verdict(ok)])), '')
  }
  if (earlier.length > 0) {
    out.push('### Earlier targets (issue 3), for reference', '')
    out.push(table(['Target', 'Measured', 'Met'], earlier.map(([t, m, ok]) => [t, m, verdict(ok)])), '')
  }
  return out.join('\n')
}

// ---- main ---------------------------------------------------------------------------------

async function main() {
  progress(`options: latency ${options.latency} ms, ${options.coldRuns} cold runs, ${options.runs} runs of the other sections, ${options.warmIterations} warm invocations, sections ${options.only.join(',')}`)
  setUpNodes()
  readVersions()
  progress(`children on Node ${NODES.main.version} (${NODES.main.bin})${NODES['20'] ? `; Node 20 rows on ${NODES['20'].version}` : ''}; this process: Node ${process.version}`)
  const git = gitDescription()
  if (options.only.includes('cold')) baseline = setUpBaseline()
  snapshot = await makeSnapshot()
  progress(`snapshot of dist/ in ${snapshot.dir}${baseline ? ` (with the baseline ${baseline.short})` : ''}`)
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
      await prime()
      sections.cold = await runCold()
    }
    if (options.only.includes('warm')) sections.warm = await runWarm()
    if (options.only.includes('steady')) sections.steady = await runSteady()
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
    `- **Node ${NODES.main.version}** for every child (the measured processes)${NODES['20'] ? `, except the rows marked Node ${NODES['20'].version}` : ''}; the parent ran on Node ${process.version}. ` +
      `middy-secrets ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version} at ${git} (dist/ as built when the run started)` +
      (baseline ? `; baseline: ${baseline.short} (${baseline.date}, "${baseline.subject}"), built into .cache/bench-baseline/` : ''),
    `- Peers: @middy/core ${V.core}, @middy/secrets-manager ${V.peerSm} (the newest on the registry: a 6.x middleware on @middy/core ${V.core}), @middy/ssm ${V.peerSsm}, ` +
      `Powertools Parameters ${V.powertools}; AWS SDK v3 clients (client-secrets-manager ${V.sdkSm}, client-ssm ${V.sdkSsm}, client-appconfigdata ${V.sdkAppConfig}, client-dynamodb ${V.sdkDynamoDb}); aws4 ${V.aws4}.`,
    `- Local AWS server (middy-secrets/testing \`startAwsServer\`: Secrets Manager, SSM, AppConfigData, DynamoDB) on 127.0.0.1 with **${options.latency} ms** injected per request; ` +
      `${options.coldRuns} fresh processes per cold measurement (${options.extensionRuns} for the extension-store rows), ${options.runs} per warm/import measurement. Every SDK client and middy-secrets get ` +
      '`{ endpoint, region, credentials }`; Powertools builds its own clients from `AWS_ENDPOINT_URL_*` and the credentials in the environment.',
    '',
  ].join('\n')

  // Every sample, for a closer look (ignored by git): .cache/bench-last-run.json
  const raw = Object.fromEntries(Object.entries(sections).map(([name, value]) => [name, value instanceof Map ? Object.fromEntries(value) : value?.results instanceof Map ? Object.fromEntries(value.results) : name === 'imported' ? { times: Object.fromEntries(value.times), lazy: value.lazy } : value]))
  mkdirSync(join(ROOT, '.cache'), { recursive: true })
  writeFileSync(join(ROOT, '.cache', 'bench-last-run.json'), JSON.stringify({ date: new Date().toISOString(), options, nodes: NODES, ...raw }))

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
