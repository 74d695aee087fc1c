/**
 * The HTTP client both extension stores share (the Parameters and Secrets extension on 2773, the
 * AppConfig extension on 2772): one endpoint per extension with its connection bound, a GET
 * bounded by a timeout, the deadline signal and a body size, and the start-up wait.
 *
 * node:http is loaded on the first request through `process.getBuiltinModule`
 * (transport/runtime.ts), never by a static ESM import: on Node 22 that import costs 20-25 ms of
 * cold start (it reads the lazy WebSocket getters, which load undici).
 */
import type { Agent, IncomingHttpHeaders } from 'node:http'
import { ConfigError } from '../errors.js'
import { LOOPBACK_HOSTS } from '../extension-protocol.js'
import { createLimiter, type Limiter } from '../limit.js'
import { sleep } from '../sleep.js'
import type { FetchOptions } from '../store.js'
import { loadHttp, type HttpModule } from '../transport/runtime.js'

export const DEFAULT_STARTUP_TIMEOUT_MS = 2000

/** One extension's HTTP endpoint, shared by every store that talks to it. */
export interface ExtensionEndpoint {
  readonly host: string
  readonly port: number
  readonly maxConnections: number
  readonly limiter: Limiter
  /** Made with the first request, once node:http is loaded. */
  agent?: Agent
  /** Set once any request got an HTTP answer: from then on, refused means down, not starting. */
  ready: boolean
  /** When the first refused connection was seen: the startup wait counts from there. */
  firstRefusedAt?: number
}

/** What one GET came to. */
export type ExtensionAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer }
  | { readonly kind: 'refused' }
  | { readonly kind: 'network'; readonly errno: string }
  | { readonly kind: 'tooLarge'; readonly limit: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }

export type ExtensionResponse = Extract<ExtensionAnswer, { kind: 'response' }>

export interface ExtensionGet {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** Larger answers are cut off: nothing that large is the extension answering. */
  readonly maxBodyBytes: number
}

// The secretsManager and ssm stores usually both point at the same extension: they share its
// connection bound and its startup state.
const endpoints = new Map<string, ExtensionEndpoint>()

export function endpointFor(host: string, port: number, maxConnections: number): ExtensionEndpoint {
  const key = `${host}:${port}:${maxConnections}`
  let endpoint = endpoints.get(key)
  if (!endpoint) {
    endpoint = { host, port, maxConnections, limiter: createLimiter(maxConnections), ready: false }
    endpoints.set(key, endpoint)
  }
  return endpoint
}

export function checkLoopbackHost(host: string): string {
  if (!LOOPBACK_HOSTS.includes(host)) {
    throw new ConfigError('host', `must be a loopback address (${LOOPBACK_HOSTS.join(', ')}): the extension only listens on localhost, got '${host}'`)
  }
  return host
}

export function checkStartupTimeout(ms: number | undefined): number {
  const value = ms ?? DEFAULT_STARTUP_TIMEOUT_MS
  if (!Number.isFinite(value) || value < 0) throw new ConfigError('startupTimeoutMs', `must be a number of milliseconds >= 0, got ${value}`)
  return value
}

let httpModule: Promise<HttpModule> | undefined

function loadNodeHttp(): Promise<HttpModule> {
  // loadHttp(false) is node:http; its type covers node:https as well.
  httpModule ??= loadHttp(false) as Promise<HttpModule>
  return httpModule
}

async function httpGet(endpoint: ExtensionEndpoint, get: ExtensionGet, timeoutMs: number, signal: AbortSignal): Promise<ExtensionAnswer> {
  const http = await loadNodeHttp()
  endpoint.agent ??= new http.Agent({ keepAlive: true, maxSockets: endpoint.maxConnections })
  const agent = endpoint.agent
  return new Promise((resolve) => {
    let settled = false
    const finish = (answer: ExtensionAnswer): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      resolve(answer)
    }
    const req = http.request({ host: endpoint.host, port: endpoint.port, path: get.path, method: 'GET', agent, headers: get.headers }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= get.maxBodyBytes) return void chunks.push(chunk)
        finish({ kind: 'tooLarge', limit: get.maxBodyBytes })
        req.destroy()
      })
      res.on('end', () => finish({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'network', errno: error.code ?? error.message }))
    })
    const timer = timeoutMs > 0 ? setTimeout(() => (finish({ kind: 'timeout' }), req.destroy()), timeoutMs) : undefined
    const onAbort = (): void => {
      finish({ kind: 'aborted' })
      req.destroy()
    }
    signal.addEventListener('abort', onAbort, { once: true })
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish(error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'network', errno: error.code ?? error.message }),
    )
    req.end()
  })
}

/**
 * GET with the two retries that belong to the transport, not to the resolver: once on a network
 * error (a keep-alive socket the extension closed), and on connection refused while the
 * extension is still starting, with short backoff up to the startup wait.
 */
export async function getWithStartupWait(endpoint: ExtensionEndpoint, get: ExtensionGet, startupTimeoutMs: number, options: FetchOptions): Promise<ExtensionAnswer> {
  for (let attempt = 0; ; attempt += 1) {
    const answer = await httpGet(endpoint, get, options.requestTimeoutMs, options.signal)
    if (answer.kind === 'response') {
      endpoint.ready = true
      return answer
    }
    if (answer.kind === 'network' && attempt === 0) continue
    if (answer.kind !== 'refused' || endpoint.ready) return answer
    endpoint.firstRefusedAt ??= Date.now()
    const left = endpoint.firstRefusedAt + startupTimeoutMs - Date.now()
    if (left <= 0) return answer
    const delay = Math.min(10 * 2 ** attempt, 100, left)
    options.logger.debug('extension not listening yet; retrying', { host: endpoint.host, port: endpoint.port, delayMs: delay })
    if (!(await sleep(delay, options.signal))) return { kind: 'aborted' }
  }
}

/** `host:port` as errors show it. */
export function where(endpoint: ExtensionEndpoint): string {
  return `${endpoint.host}:${endpoint.port}`
}
