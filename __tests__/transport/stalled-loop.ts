/**
 * An answer that arrives while this process's event loop is stalled (as across a Lambda freeze),
 * with the request timeout come due meanwhile. The server runs in a child process (a server in
 * this one would stall with it). It tells this process, over IPC, that the request arrived, and
 * answers 100 ms later; this process busy-waits in the IPC message's callback until the timeout
 * has passed. The answer then sits in the socket, and on the next turn of the event loop the
 * timers run before the poll phase reads it: the order that discarded it.
 */
import { spawn, type ChildProcess } from 'node:child_process'

const SERVER = `
const http = require('node:http')
const body = process.argv[1]
const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    process.send('asked')
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(body), 100)
  })
})
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('disconnect', () => process.exit(0))
`

export interface StallingServer {
  readonly port: number
  /** The timeout to give the request: it comes due during the stall, before the answer is read. */
  readonly timeoutMs: number
  close(): void
}

export async function startStallingServer(body: string): Promise<StallingServer> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER, body], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } })
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)))
  child.on('message', (m) => {
    if (m !== 'asked') return
    const until = Date.now() + 400 // the answer comes at about 100 ms, the timeout at 200 ms
    while (Date.now() < until) {
      // the stalled event loop
    }
  })
  return { port, timeoutMs: 200, close: () => child.disconnect() }
}
