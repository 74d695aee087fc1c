/**
 * The library's sources as plain ESM in a temp folder, for tests that need a fresh Node
 * process (which modules a call loads, whether the process exits by itself). Each file is
 * transpiled on its own (typescript.transpileModule: types are erased, nothing is bundled), and
 * `node_modules` is either the repository's or one that holds aws4 alone.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** Every source file under lib/ (the transport imports a few shared modules; which, may change). */
function libraryFiles(folder = 'lib'): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? libraryFiles(`${folder}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${folder}/${entry.name}`] : [],
  )
}

/**
 * Records every module URL the ESM loader resolves (hooks run in their own thread: a file it
 * is). With AWS4_URL set, the specifier 'aws4' resolves there, as a bundler's copy would, while
 * `require('aws4')` finds nothing.
 */
const HOOKS = `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = specifier === 'aws4' && process.env.AWS4_URL ? { url: process.env.AWS4_URL, shortCircuit: true } : await next(specifier, context)
  appendFileSync(process.env.MODULE_LOG, result.url + '\\n')
  return result
}
`
/** NO_GET_BUILTIN: run as on Node 20 before 20.16, which has no process.getBuiltinModule. */
const REGISTER = `import { register } from 'node:module'
if (process.env.NO_GET_BUILTIN) delete process.getBuiltinModule
register('./hooks.mjs', import.meta.url)
`

/**
 * Makes one call, prints one JSON line, and ends by itself (no process.exit): what it loaded
 * (CommonJS modules from require.cache; ESM ones are logged by the hooks), the result, and when
 * the call finished.
 */
const CHILD = `import { createRequire } from 'node:module'
const { choose } = await import('./lib/transport/choose.js')
const { httpsTransport } = await import('./lib/transport/https.js')
const { sdkTransport } = await import('./lib/transport/sdk.js')
const service = process.env.SERVICE
const clientOptions = { endpoint: process.env.ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }
const transportCall = () => {
  const transport = process.env.TRANSPORT === 'sdk' ? sdkTransport(service, { clientOptions }) : httpsTransport(choose(service, clientOptions, {}, 'https').config)
  return transport.call(process.env.OPERATION, JSON.parse(process.env.INPUT), { signal: new AbortController().signal, timeoutMs: 5000 })
}
// STORE=dynamodb: INPUT is one item request, read through the DynamoDB store (values decoded too).
const storeRead = async () => {
  const { dynamoDbStore } = await import('./lib/stores/dynamodb.js')
  const store = dynamoDbStore({ clientOptions, transport: process.env.TRANSPORT })
  const quiet = { debug() {}, info() {}, warn() {}, error() {} }
  const [answer] = await store.fetch([JSON.parse(process.env.INPUT)], { signal: new AbortController().signal, requestTimeoutMs: 5000, limit: (task) => task(), logger: quiet })
  return answer
}
const result = process.env.STORE === 'dynamodb' ? await storeRead() : await transportCall()
const cjs = Object.keys(createRequire(import.meta.url).cache)
console.log(JSON.stringify({ ok: result.ok, code: result.ok ? undefined : result.error.code, message: result.ok ? undefined : result.error.message, retryable: result.ok ? undefined : result.error.retryable, value: process.env.STORE && result.ok ? result.value : undefined, cjs, doneAt: Date.now() }))
`

export interface ChildTree {
  readonly dir: string
  remove(): void
}

function transpile(relative: string, into: string): void {
  const source = readFileSync(join(ROOT, relative), 'utf8')
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, fileName: relative })
  const target = join(into, relative.replace(/\.ts$/, '.js'))
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, outputText)
}

export function buildChildTree(modules: 'all' | 'aws4 only' | 'none'): ChildTree {
  const dir = mkdtempSync(join(tmpdir(), 'transport-child-'))
  for (const file of libraryFiles()) transpile(file, dir)
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS)
  writeFileSync(join(dir, 'register.mjs'), REGISTER)
  writeFileSync(join(dir, 'child.mjs'), CHILD)
  if (modules === 'all') symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  else if (modules === 'aws4 only') {
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(join(ROOT, 'node_modules', 'aws4'), join(dir, 'node_modules', 'aws4'), 'dir')
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface ChildRun {
  readonly ok: boolean
  readonly code?: string
  readonly message?: string
  readonly retryable?: boolean
  /** A store read's value (STORE set). */
  readonly value?: unknown
  /** CommonJS modules loaded (absolute paths). */
  readonly cjs: readonly string[]
  /** ESM module URLs resolved. */
  readonly esm: readonly string[]
  /** ms from the end of the call to the exit of the process. */
  readonly exitAfterMs: number
}

/** Runs child.mjs; rejects when it does not exit by itself within `limitMs`. */
export function runChild(tree: ChildTree, env: Record<string, string>, limitMs = 10_000): Promise<ChildRun> {
  const log = join(tree.dir, `modules-${Date.now()}-${Math.random()}.log`)
  writeFileSync(log, '')
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--no-warnings', '--import', './register.mjs', 'child.mjs'],
      { cwd: tree.dir, env: { PATH: process.env.PATH ?? '', MODULE_LOG: log, ...env }, timeout: limitMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const exitedAt = Date.now()
        if (error) return reject(new Error(`child failed or did not exit within ${limitMs} ms: ${error.message}\n${stderr}`))
        const line = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Omit<ChildRun, 'esm' | 'exitAfterMs'> & { doneAt: number }
        const esm = readFileSync(log, 'utf8').split('\n').filter(Boolean)
        resolve({ ok: line.ok, code: line.code, message: line.message, retryable: line.retryable, value: line.value, cjs: line.cjs, esm, exitAfterMs: exitedAt - line.doneAt })
      },
    )
    child.stdin?.end()
  })
}
