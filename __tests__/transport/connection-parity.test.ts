/**
 * transport/socket-errors.ts over real sockets: a connection's failure has one code, message and
 * class whichever transport met it (README: the same error codes and hints, the same retryable
 * classification). A raw TCP server on 127.0.0.1 gives the broken answers; each transport runs in
 * a fresh Node process (child.ts), as isolation.test.ts does: under jest the SDK's handler gets
 * Node's errors from another realm, and loses their code. Found by review: a reset was a
 * TimeoutError on the SDK transport, and an answer that is not HTTP was `Error` (final) there and
 * NetworkingError on the lean one.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { buildChildTree, runChild, type ChildTree } from './child.js'

let tree: ChildTree
let server: Server
let reply: (socket: Socket) => void = (socket) => socket.destroy()
const sockets = new Set<Socket>()
let requests = 0

beforeAll(async () => {
  tree = buildChildTree('all')
  server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let seen = ''
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1')
      // The whole request (headers and its small JSON body) has arrived: answer it.
      if (seen.includes('\r\n\r\n') && seen.endsWith('}')) {
        seen = ''
        requests += 1
        reply(socket)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})

afterAll(async () => {
  tree.remove()
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => server.close(resolve))
})

const call = (transport: 'https' | 'sdk') =>
  runChild(tree, {
    TRANSPORT: transport,
    SERVICE: 'secretsmanager',
    ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    OPERATION: 'GetSecretValue',
    INPUT: JSON.stringify({ SecretId: 'prod/db' }),
  })

const failureOf = (run: { ok: boolean; code?: string; message?: string; retryable?: boolean }) => ({ ok: run.ok, code: run.code, message: run.message, retryable: run.retryable })

test('a connection reset before any answer (a fresh connection): NetworkingError ECONNRESET on both transports, not a TimeoutError on the SDK one', async () => {
  reply = (socket) => socket.destroy() // what a load balancer or a NAT that drops the flow does: no answer, the connection cut
  const [lean, sdk] = await Promise.all([call('https'), call('sdk')])
  expect(failureOf(lean)).toEqual({ ok: false, code: 'NetworkingError', message: 'GetSecretValue failed: ECONNRESET', retryable: true })
  expect(failureOf(sdk)).toEqual(failureOf(lean))
})

test.each([
  ['a header line that is not a header', 'HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 2\r\n\r\n{}'],
  ['two Content-Length headers that disagree', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
  ['a status line that is not HTTP', 'garbage\r\n\r\n'],
])('an answer that is not valid HTTP (%s): the same code and the same retryable class on both transports', async (_what, answer) => {
  reply = (socket) => socket.end(answer)
  const [lean, sdk] = await Promise.all([call('https'), call('sdk')])
  expect(lean.ok).toBe(false)
  expect(failureOf(lean)).toMatchObject({ ok: false, code: 'MalformedResponse', message: expect.stringMatching(/^GetSecretValue answered something that is not HTTP \(HPE_[A-Z_]+\)$/), retryable: true })
  expect(failureOf(sdk)).toEqual(failureOf(lean))
})
