/**
 * The real `middy-secrets serve` process, as npx runs it: `node dist/cli.js` (Node 20 cannot run
 * the TypeScript entry; `npm test` builds dist/ before jest runs). Every process started here is
 * remembered so that `killAll()` (afterEach) ends it; every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(root, 'dist', 'cli.js')

/** Fails early, with what to do, when dist/cli.js is missing or older than the sources. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)')
  const built = statSync(CLI).mtimeMs
  const lib = join(root, 'lib')
  const newer = (readdirSync(lib, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts') && statSync(join(lib, file)).mtimeMs > built)
  if (newer.length > 0) throw new Error(`dist/cli.js is older than lib/${newer[0]}: run \`npm run build\` first (npm test does)`)
}

/** The child's environment: no jest NODE_OPTIONS, no session token (tests pass --token). */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { AWS_SESSION_TOKEN: _token, ...env } = process.env
  return { ...env, NODE_OPTIONS: '', ...extra }
}

const started = new Set<ChildProcess>()
const pids = new Set<number>()

/** Remembers a process id (e.g. a grandchild) for killAll(). */
export function track(pid: number): void {
  pids.add(pid)
}

export function killAll(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  started.clear()
  pids.clear()
}

export interface Running {
  readonly child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves with the match once `pattern` appears in stdout (or stderr); rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Resolves with the exit code (or signal) once the process ends; rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv = cliEnv()): Running {
  const child = spawn(process.execPath, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  started.add(child)
  if (child.pid !== undefined) track(child.pid)
  let out = ''
  let err = ''
  const onOutput = new Set<() => void>()
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    onOutput.forEach((listener) => listener())
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString()
    onOutput.forEach((listener) => listener())
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })))
  const transcript = (): string => `${args.join(' ')}\nstdout: ${out}\nstderr: ${err}`

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = out.match(pattern) ?? err.match(pattern)
          if (match) (stop(), resolve(match))
        }
        const timer = setTimeout(() => (stop(), reject(new Error(`no /${pattern.source}/ after ${timeoutMs} ms: ${transcript()}`))), timeoutMs)
        const stop = (): void => {
          clearTimeout(timer)
          onOutput.delete(check)
        }
        onOutput.add(check)
        check()
      }),
    exited: (timeoutMs = 10_000) => {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms: ${transcript()}`)), timeoutMs)
      })
      return Promise.race([exit, late]).finally(() => clearTimeout(timer))
    },
  }
}

/** The CLI: `node dist/cli.js ...args`. */
export function spawnCli(args: readonly string[], env?: NodeJS.ProcessEnv): Running {
  return spawnNode([CLI, ...args], env)
}

/**
 * Starts `serve` and waits for the banner; the ports come from it (use --port 0 and, with --file,
 * --appconfig-port 0: the AppConfig interface's default port is shared by every test).
 */
export async function startServe(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Running & { port: number; appConfigPort?: number }> {
  const running = spawnCli(['serve', ...args], env)
  await running.waitFor(/Ctrl-C to stop/)
  const [, port] = running.stdout().match(/Secrets extension API on http:\/\/127\.0\.0\.1:(\d+)/) ?? []
  const [, appConfigPort] = running.stdout().match(/AppConfig extension API on http:\/\/127\.0\.0\.1:(\d+)/) ?? []
  return { ...running, port: Number(port), ...(appConfigPort === undefined ? {} : { appConfigPort: Number(appConfigPort) }) }
}

export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setTimeout(1000)
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => (socket.destroy(), resolve(false)))
  })
}

/** Polls until nothing listens on `port`; returns how long it took, or throws after `timeoutMs`. */
export async function waitUntilClosed(port: number, timeoutMs = 5000): Promise<number> {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    if (!(await acceptsConnections(port))) return Date.now() - start
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`port ${port} still accepts connections after ${timeoutMs} ms`)
}
