/**
 * The HTTP edge both local interfaces share (Parameters and Secrets, AppConfig): a node:http
 * handler that writes the reply `answer` makes of each request, a bug in it answered with the
 * interface's own 500 (the client sees an error, never a dropped connection), and plain-text replies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HttpReply } from './responses.js'

/** The names this machine's loopback answers to, with or without a port. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i

export function httpHandler(answer: (req: IncomingMessage) => Promise<HttpReply>, failed: HttpReply): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // The server listens on loopback only, but a web page whose DNS name rebinds to 127.0.0.1 can
    // still reach it from a browser, as its own origin: its requests name that page's host.
    if (req.headers.host !== undefined && !LOOPBACK_HOST.test(req.headers.host)) {
      send(res, text(403, 'Forbidden: the Host header is not a loopback name'))
      return
    }
    answer(req)
      .catch(() => failed)
      .then((reply) => send(res, reply))
  }
}

export function text(status: number, body: string): HttpReply {
  return { status, body, contentType: 'text/plain; charset=utf-8' }
}

function send(res: ServerResponse, reply: HttpReply): void {
  const body = Buffer.from(reply.body)
  res.writeHead(reply.status, { ...reply.headers, 'Content-Type': reply.contentType ?? 'application/json', 'Content-Length': body.length })
  res.end(body)
}
