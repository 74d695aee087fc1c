/**
 * The HTTP layer's bounds: an answer over the size bound is refused (declared or streamed), a
 * keep-alive socket found dead on reuse is replaced once (the request never reached the server),
 * a fresh connection that fails is not, and the timeout and the deadline destroy the request on
 * the server's side too.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createAgent, exchange } from '../../lib/transport/exchange.js'
import { httpsTransport } from '../../lib/transport/https.js'
import { loadHttp } from '../../lib/transport/runtime.js'
import type { SignedRequest } from '../../lib/transport/sign.js'
import { startStallingServer } from './stalled-loop.js'
import { failure, localConfig, options, output } from './support.js'

interface TestServer {
  readonly port: number
  readonly endpoint: string
  /** Requests seen, with the number of the connection each came on. */
  readonly seen: Array<{ connection: number; url: string }>
  /** Connections that closed (from either side). */
  closed: number
  close(): Promise<void>
}

/** A server whose handler gets the request's connection number and its index on that connection. */
async function serve(handle: (res: import('node:http').ServerResponse, connection: number, nth: number, socket: Socket) => void): Promise<TestServer> {
  const sockets = new Map<Socket, { id: number; requests: number }>()
  let connections = 0
  const server: Server = createServer((req, res) => {
    const state = sockets.get(req.socket)!
    state.requests += 1
    result.seen.push({ connection: state.id, url: req.url ?? '' })
    req.resume()
    req.on('end', () => handle(res, state.id, state.requests, req.socket))
  })
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { id: (connections += 1), requests: 0 })
    socket.on('close', () => {
      sockets.delete(socket)
      result.closed += 1
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const result: TestServer = {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    seen: [],
    closed: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets.keys()) socket.destroy()
        server.close(() => resolve())
      }),
  }
  return result
}

const GET: SignedRequest = { method: 'GET', path: '/', headers: {} }

describe('the size bound', () => {
  const bounds = { timeoutMs: 2000, signal: new AbortController().signal, maxBytes: 1000 }

  test('an answer declaring more than maxBytes is refused before its body arrives, and its connection dropped', async () => {
    const server = await serve((res) => res.writeHead(200, { 'content-length': 10 * 1024 * 1024 }).flushHeaders()) // and never a byte more
    const http = await loadHttp(false)
    const answer = await exchange({ http, agent: createAgent(http), hostname: '127.0.0.1', port: server.port }, GET, bounds)
    expect(answer.kind).toBe('tooLarge')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.closed).toBe(1)
    await server.close()
  })

  test('an answer streaming more than maxBytes (no Content-Length) is refused, and its connection dropped', async () => {
    const server = await serve((res) => {
      res.writeHead(200)
      res.write(Buffer.alloc(4096, 'a')) // and never an end
    })
    const http = await loadHttp(false)
    const answer = await exchange({ http, agent: createAgent(http), hostname: '127.0.0.1', port: server.port }, GET, bounds)
    expect(answer.kind).toBe('tooLarge')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.closed).toBe(1)
    await server.close()
  })

  test('through the transport: a 9 MiB answer from Secrets Manager -> MalformedResponse, retryable', async () => {
    const server = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(Buffer.alloc(9 * 1024 * 1024, ' '))
    })
    const error = failure(await httpsTransport(localConfig('secretsmanager', server.endpoint)).call('GetSecretValue', { SecretId: 'x' }, options()))
    expect(error).toMatchObject({ code: 'MalformedResponse', httpStatus: 200, retryable: true, message: 'GetSecretValue answered more than 8388608 bytes; refused' })
    await server.close()
  })
})

describe('a dead keep-alive socket', () => {
  test('found dead on reuse: the request is sent once more on a new connection', async () => {
    // The server drops every connection on its second request, without answering (as a socket
    // closed by AWS while the Lambda environment was frozen).
    const server = await serve((res, _connection, nth, socket) => (nth >= 2 ? socket.destroy() : res.end('{"Parameter":{"Name":"/p"}}')))
    const transport = httpsTransport(localConfig('ssm', server.endpoint))
    output(await transport.call('GetParameter', { Name: '/p' }, options()))
    output(await transport.call('GetParameter', { Name: '/p' }, options()))
    expect(server.seen.map((s) => s.connection)).toEqual([1, 1, 2])
    await server.close()
  })

  // After a freeze every idle socket of the pool is dead: the resend must not take the next one.
  test.each([2, 3])('%i pooled sockets all dead after a thaw: the resend opens a new connection, and the call is answered', async (pooled) => {
    let deadUpTo = 0 // connections opened before the "freeze" are dropped on their next request
    let connections = 0
    const server = await serve((res, connection, _nth, socket) => {
      connections = Math.max(connections, connection)
      if (connection <= deadUpTo) return void socket.destroy()
      setTimeout(() => res.end('{"Parameter":{"Name":"/p"}}'), 20) // slow enough that calls at once open connections of their own
    })
    try {
      const transport = httpsTransport(localConfig('ssm', server.endpoint))
      await Promise.all(Array.from({ length: pooled }, () => transport.call('GetParameter', { Name: '/p' }, options()).then(output)))
      deadUpTo = connections
      output(await transport.call('GetParameter', { Name: '/p' }, options()))
      expect(server.seen.at(-1)!.connection).toBe(pooled + 1)
      expect(server.seen).toHaveLength(pooled + 2) // the calls, the dead reuse, the resend
    } finally {
      await server.close()
    }
  })

  test('a new connection that fails is not sent again', async () => {
    const server = await serve((_res, _connection, _nth, socket) => socket.destroy())
    const error = failure(await httpsTransport(localConfig('ssm', server.endpoint)).call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'NetworkingError', retryable: true })
    expect(server.seen).toHaveLength(1)
    await server.close()
  })
})

describe('the timeout and the deadline destroy the request', () => {
  test.each(['timeout', 'deadline'] as const)('%s: the server sees the connection close', async (which) => {
    const server = await serve(() => undefined) // never answers
    const deadline = new AbortController()
    const transport = httpsTransport(localConfig('ssm', server.endpoint))
    const pending = transport.call('GetParameter', { Name: '/p' }, which === 'timeout' ? options({ timeoutMs: 100 }) : options({ signal: deadline.signal, timeoutMs: 0 }))
    if (which === 'deadline') setTimeout(() => deadline.abort(), 100)
    expect(failure(await pending).code).toBe(which === 'timeout' ? 'TimeoutError' : 'DeadlineExceeded')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.closed).toBe(1)
    await server.close()
  })

  test('many calls on one deadline signal leave no listener behind', async () => {
    const server = await serve((res) => res.end('{}'))
    const deadline = new AbortController()
    let listeners = 0
    const add = deadline.signal.addEventListener.bind(deadline.signal)
    const remove = deadline.signal.removeEventListener.bind(deadline.signal)
    deadline.signal.addEventListener = ((...args: Parameters<typeof add>) => ((listeners += 1), add(...args))) as typeof add
    deadline.signal.removeEventListener = ((...args: Parameters<typeof remove>) => ((listeners -= 1), remove(...args))) as typeof remove
    const transport = httpsTransport(localConfig('ssm', server.endpoint))
    for (let i = 0; i < 5; i += 1) output(await transport.call('GetParameter', { Name: '/p' }, options({ signal: deadline.signal })))
    expect(listeners).toBe(0)
    await server.close()
  })
})

test('a header node refuses -> TransportClientError, never a throw', async () => {
  const http = await loadHttp(false)
  const answer = await exchange({ http, agent: createAgent(http), hostname: '127.0.0.1', port: 1 }, { method: 'GET', path: '/', headers: { 'x-bad': 'a\nb' } }, { timeoutMs: 0, signal: new AbortController().signal, maxBytes: 10 })
  expect(answer).toEqual({ kind: 'clientError', what: 'TypeError' })
})

// After a Lambda freeze, the timers that came due run before the sockets are read.
test('an answer that arrived while the event loop stalled past the timeout is read, not discarded by the timeout', async () => {
  const server = await startStallingServer('{"answer":1}')
  try {
    const http = await loadHttp(false)
    const answer = await exchange({ http, agent: createAgent(http), hostname: '127.0.0.1', port: server.port }, GET, { timeoutMs: server.timeoutMs, signal: new AbortController().signal, maxBytes: 1000 })
    expect(answer).toMatchObject({ kind: 'response', status: 200 })
  } finally {
    server.close()
  }
})
