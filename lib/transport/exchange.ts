/**
 * One HTTP request and its whole answer, over a keep-alive agent, bounded three ways: the
 * request timeout and the deadline's abort signal destroy the request, and an answer larger
 * than `maxBytes` is refused (and its connection dropped). It never throws: every outcome is
 * one of the Exchange kinds, and the promise never rejects.
 *
 * The agent's idle sockets do not keep the process alive (Node unrefs a socket while it sits in
 * the agent's free pool).
 */
import type { Agent, ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { errorName } from './errors.js'
import { afterPendingIo } from './pending-io.js'
import { isNotHttp } from './socket-errors.js'
import type { HttpModule, HttpsModule } from './runtime.js'
import type { SignedRequest } from './sign.js'

export type Exchange =
  | { readonly kind: 'response'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer }
  | { readonly kind: 'tooLarge'; readonly status: number; readonly headers: IncomingHttpHeaders }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'deadline' }
  /** `reason` is an errno such as ECONNRESET; `staleSocket`: a reused keep-alive socket failed before any answer. */
  | { readonly kind: 'network'; readonly reason: string; readonly staleSocket: boolean }
  /** node refused the request before sending it (an invalid header...): `what` is the error's name. */
  | { readonly kind: 'clientError'; readonly what: string }

export interface Target {
  readonly http: HttpModule | HttpsModule
  readonly agent: Agent
  /** Without IPv6 brackets. */
  readonly hostname: string
  readonly port: number | undefined
}

export interface Bounds {
  readonly timeoutMs: number
  readonly signal: AbortSignal
  readonly maxBytes: number
}

export function createAgent(http: HttpModule | HttpsModule): Agent {
  // As the SDK's NodeHttpHandler: keep-alive, at most 50 sockets per host.
  return new http.Agent({ keepAlive: true, maxSockets: 50 })
}

/**
 * Closes the agent's idle keep-alive sockets. After a Lambda freeze the far end has closed them
 * all: once one turns out dead, a resend would otherwise get the next idle socket, just as dead.
 */
export function dropIdleSockets(agent: Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy()
}

export function exchange(target: Target, request: SignedRequest, bounds: Bounds): Promise<Exchange> {
  return new Promise((resolve) => {
    if (bounds.signal.aborted) return resolve({ kind: 'deadline' })
    let settled = false
    let answered = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let req: ClientRequest | undefined
    const finish = (outcome: Exchange): void => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      bounds.signal.removeEventListener('abort', onAbort)
      resolve(outcome)
    }
    const stop = (outcome: Exchange): void => {
      finish(outcome)
      req?.destroy()
    }
    function onAbort(): void {
      afterPendingIo(() => stop({ kind: 'deadline' }))
    }
    bounds.signal.addEventListener('abort', onAbort, { once: true })
    if (bounds.timeoutMs > 0) timer = setTimeout(() => afterPendingIo(() => stop({ kind: 'timeout' })), bounds.timeoutMs)

    try {
      req = target.http.request({
        hostname: target.hostname,
        port: target.port,
        method: request.method,
        path: request.path,
        headers: request.headers,
        agent: target.agent,
      })
    } catch (error) {
      return finish({ kind: 'clientError', what: errorName(error) })
    }
    req.on('error', (error: NodeJS.ErrnoException) => {
      const reason = errno(error)
      // An answer Node's parser refused (HPE_...) is an answer: the request reached the far end, so
      // it is no dead keep-alive socket, and is not sent again (the SDK transport does not either).
      finish({ kind: 'network', reason, staleSocket: !answered && req?.reusedSocket === true && !isNotHttp(reason) })
    })
    req.on('response', (res: IncomingMessage) => {
      answered = true
      readBody(res, bounds.maxBytes, (outcome) => (outcome.kind === 'tooLarge' ? stop(outcome) : finish(outcome)))
    })
    req.end(request.body)
  })
}

function readBody(res: IncomingMessage, maxBytes: number, done: (outcome: Exchange) => void): void {
  const status = res.statusCode ?? 0
  const declared = Number(res.headers['content-length'])
  if (declared > maxBytes) return done({ kind: 'tooLarge', status, headers: res.headers })
  const chunks: Buffer[] = []
  let size = 0
  res.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > maxBytes) return done({ kind: 'tooLarge', status, headers: res.headers })
    chunks.push(chunk)
  })
  res.on('end', () => done({ kind: 'response', status, headers: res.headers, body: Buffer.concat(chunks, size) }))
  // A connection cut in the middle of the body: 'close' without 'end'. (Node emits no 'error' on
  // the response then unless it has an 'error' listener; 'close' always comes.)
  res.on('close', () => {
    if (!res.complete) done({ kind: 'network', reason: 'connection closed', staleSocket: false })
  })
}

/** The error's code (ECONNRESET, ECONNREFUSED, ENOTFOUND...), never its message. */
function errno(error: NodeJS.ErrnoException): string {
  return typeof error.code === 'string' && /^[A-Z0-9_]+$/.test(error.code) ? error.code : 'connection failed'
}
