/** Helpers of the transport tests: call options, unwrapping results, small capture servers. */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { StoreError } from '../../lib/store.js'
import type { HttpsConfig } from '../../lib/transport/choose.js'
import type { AwsService, CallOptions, CallResult } from '../../lib/transport/transport.js'

export const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret-key-test', sessionToken: 'session-token-test' }

export function options(overrides: Partial<CallOptions> = {}): CallOptions {
  return { signal: new AbortController().signal, timeoutMs: 2000, ...overrides }
}

export function output<T>(result: CallResult<T>): T {
  if (!result.ok) throw new Error(`expected an output, got ${result.error.code}: ${result.error.message}`)
  return result.output
}

export function failure(result: CallResult<unknown>): StoreError {
  if (result.ok) throw new Error('expected a failure, got an output')
  return result.error
}

/** An HttpsConfig for a local endpoint, built as choose() would (credentials not enumerable). */
export function localConfig(service: AwsService, endpoint: string, systemClockOffset = 0): HttpsConfig {
  const config = { service, region: 'eu-west-1', endpoint, systemClockOffset }
  Object.defineProperty(config, 'credentials', { value: CREDENTIALS, enumerable: false })
  return config as HttpsConfig
}

export interface Captured {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface CaptureServer {
  readonly endpoint: string
  readonly requests: Captured[]
  /** Sets how the next requests are answered. */
  answer(respond: (request: Captured, res: ServerResponse) => void): void
  close(): Promise<void>
}

/** A node:http server on 127.0.0.1 that records every request and answers as told (default: 200 `{}`). */
export async function startCaptureServer(): Promise<CaptureServer> {
  const requests: Captured[] = []
  let respond = (_request: Captured, res: ServerResponse): void => void res.end('{}')
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      requests.push(captured)
      respond(captured, res)
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    answer: (next) => void (respond = next),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Answers JSON with a status and extra headers. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}
