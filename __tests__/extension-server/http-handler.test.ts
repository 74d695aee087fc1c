/** extension-server/http-handler.ts: the reply written as given (JSON by default), and a bug in `answer` answered with the interface's 500, not a dropped connection. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { httpHandler, text } from '../../lib/extension-server/http-handler.js'
import type { HttpReply } from '../../lib/extension-server/responses.js'

const FAILED: HttpReply = { status: 500, body: '{"__type":"InternalFailure"}' }

async function serve(answer: (path: string) => Promise<HttpReply>, run: (endpoint: string) => Promise<void>): Promise<void> {
  const server: Server = createServer(httpHandler((req) => answer(req.url ?? '/'), FAILED))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

test('writes the reply: status, headers, content type (JSON unless said) and length', async () => {
  const replies: Record<string, HttpReply> = {
    '/json': { status: 200, body: '{"a":1}', headers: { 'X-Extra': 'yes' } },
    '/text': text(404, 'Not found'),
    '/bytes': { status: 200, body: new Uint8Array([1, 2, 3]), contentType: 'application/octet-stream' },
  }
  await serve(async (path) => replies[path]!, async (endpoint) => {
    const json = await fetch(`${endpoint}/json`)
    expect(json.status).toBe(200)
    expect(json.headers.get('content-type')).toBe('application/json')
    expect(json.headers.get('x-extra')).toBe('yes')
    expect(json.headers.get('content-length')).toBe('7')
    expect(await json.text()).toBe('{"a":1}')
    const plain = await fetch(`${endpoint}/text`)
    expect(plain.status).toBe(404)
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await plain.text()).toBe('Not found')
    const bytes = await fetch(`${endpoint}/bytes`)
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([1, 2, 3])
  })
})

test('an answer that throws is the failed reply', async () => {
  await serve(async () => {
    throw new Error('a bug')
  }, async (endpoint) => {
    const response = await fetch(`${endpoint}/any`)
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('{"__type":"InternalFailure"}')
  })
})

test('a Host that is not a loopback name is refused before anything is answered: a web page that rebinds its DNS name to 127.0.0.1 reads nothing', async () => {
  const { request } = await import('node:http')
  const get = (endpoint: string, host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(endpoint, { headers: { Host: host } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
  let answered = 0
  await serve(async () => ((answered += 1), { status: 200, body: '{}' }), async (endpoint) => {
    expect(await get(endpoint, 'attacker.example:2772')).toBe(403)
    expect(await get(endpoint, 'attacker.example')).toBe(403)
    expect(answered).toBe(0)
    for (const host of ['127.0.0.1:2772', 'localhost:2773', 'LOCALHOST', '[::1]:2773', '127.0.0.1']) expect(await get(endpoint, host)).toBe(200)
    expect(answered).toBe(5)
  })
})
