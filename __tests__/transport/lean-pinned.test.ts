/**
 * Behaviours of the lean transport (https.ts, exchange.ts, decode.ts) that a scoped Stryker run
 * over the transport and store suites found no test pinning: each test names the mutant it kills
 * (file:line as Stryker numbers it), and fails with it applied. Over real HTTP on 127.0.0.1 where a
 * real answer shows the behaviour; with fakes where Node does not produce the case on demand: a
 * spy on http.request (the transport reaches node:http through process.getBuiltinModule, the
 * same module object) for a resend that lands on a reused socket and for an IPv6 endpoint without
 * IPv6 on the host, a fake node:http for error codes that are not errnos, and a throwing
 * process.getBuiltinModule for node:http that cannot be loaded.
 */
import { jest } from '@jest/globals'
import { EventEmitter, getEventListeners } from 'node:events'
import http from 'node:http'
import type { Socket } from 'node:net'
import { JSON_DECODERS } from '../../lib/transport/decode.js'
import { createAgent, exchange, type Bounds, type Target } from '../../lib/transport/exchange.js'
import { httpsTransport } from '../../lib/transport/https.js'
import type { HttpsConfig } from '../../lib/transport/choose.js'
import type { SignedRequest } from '../../lib/transport/sign.js'
import { CREDENTIALS, failure, json, localConfig, options, output, startCaptureServer, type CaptureServer } from './support.js'

const GET: SignedRequest = { method: 'GET', path: '/', headers: {} }
const PARAMETER = '{"Parameter":{"Name":"/p","Value":"v"}}'

let server: CaptureServer

beforeEach(async () => {
  server = await startCaptureServer()
})

afterEach(async () => {
  jest.restoreAllMocks()
  await server.close()
})

/** A target on the capture server, with an agent of its own (destroyed by the test). */
function localTarget(): Target {
  return { http, agent: createAgent(http), hostname: '127.0.0.1', port: Number(new URL(server.endpoint).port) }
}

function bounds(overrides: Partial<Bounds> = {}): Bounds {
  return { timeoutMs: 2000, signal: new AbortController().signal, maxBytes: 10, ...overrides }
}

/** The X-Amz-Date a request was signed with, as ms since the epoch. */
function signedAt(index: number): number {
  const stamp = String(server.requests[index]!.headers['x-amz-date'])
  return Date.parse(stamp.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'))
}

const HOUR = 3_600_000

describe('exchange: the size bound is "more than maxBytes"', () => {
  // exchange.ts:106 `declared > maxBytes` -> `>=`, :111 `size > maxBytes` -> `>=`
  test.each([
    ['declared (Content-Length)', (res: http.ServerResponse) => res.end('0123456789')],
    ['streamed (chunked, no Content-Length)', (res: http.ServerResponse) => (res.write('01234'), res.end('56789'))],
  ])('an answer of exactly maxBytes, %s, is an answer', async (_how, respond) => {
    server.answer((_request, res) => respond(res))
    const target = localTarget()
    try {
      const answer = await exchange(target, GET, bounds({ maxBytes: 10 }))
      expect(answer.kind).toBe('response')
      expect(answer.kind === 'response' && answer.body.length).toBe(10)
    } finally {
      target.agent.destroy()
    }
  })
})

describe('exchange: an error code that is not an errno is never the reason', () => {
  /** A node:http whose request fails, once sent, with an error carrying `code` (and a message that must not be read). */
  function failingHttp(code: unknown): Target['http'] {
    const request = (): unknown => {
      const req = Object.assign(new EventEmitter(), { reusedSocket: false, destroy: () => undefined })
      return Object.assign(req, { end: () => setImmediate(() => req.emit('error', Object.assign(new Error('not-to-be-read'), { code }))) })
    }
    return { request } as unknown as Target['http']
  }

  // exchange.ts:124 (the conditional, its `&&`, the typeof check, both anchors of the regex, and 'connection failed')
  test.each([
    ['an errno', 'ECONNRESET', 'ECONNRESET'],
    ['no code', undefined, 'connection failed'],
    ['a number', 42, 'connection failed'],
    ['lower case text', 'not an errno', 'connection failed'],
    ['text before an errno', 'x ECONNRESET', 'connection failed'],
    ['text after an errno', 'ECONNRESET x', 'connection failed'],
  ])('%s', async (_what, code, reason) => {
    const target: Target = { http: failingHttp(code), agent: new http.Agent(), hostname: '127.0.0.1', port: 1 }
    expect(await exchange(target, GET, bounds())).toStrictEqual({ kind: 'network', reason, staleSocket: false })
  })
})

describe('exchange: nothing left behind', () => {
  // exchange.ts:63 `if (timer !== undefined) clearTimeout(timer)` -> never cleared; :64 removeEventListener('abort' -> '')
  test('answered calls leave no timer running and no listener on the deadline signal', async () => {
    server.answer((_request, res) => res.end(PARAMETER))
    const transport = httpsTransport(localConfig('ssm', server.endpoint))
    output(await transport.call('GetParameter', { Name: '/p' }, options())) // a connection in the pool
    const deadline = new AbortController()
    const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
    const before = timers()
    for (let i = 0; i < 3; i += 1) output(await transport.call('GetParameter', { Name: '/p' }, { signal: deadline.signal, timeoutMs: 5000 }))
    // Not one more (a request timer left running would be three more); fewer may be, as a timer of
    // the process's own (the server's keep-alive) can end meanwhile.
    expect(timers()).toBeLessThanOrEqual(before)
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0)
  })
})

describe('the keep-alive resend: only before any answer, and only once', () => {
  // exchange.ts:96 `answered = true` -> false: a reused socket reset after the answer began looked dead on reuse, and was sent again
  test('a reused connection reset after the answer began: NetworkingError, not sent again', async () => {
    server.answer((_request, res) => {
      const nth = server.requests.length
      if (nth === 2) {
        res.writeHead(200, { 'content-length': 100 }).flushHeaders()
        setTimeout(() => (res.socket as Socket).resetAndDestroy(), 200) // well after the client read the headers (a reset discards what it has not read)
      } else res.end(PARAMETER)
    })
    const transport = httpsTransport(localConfig('ssm', server.endpoint))
    output(await transport.call('GetParameter', { Name: '/p' }, options())) // leaves its connection in the pool
    const error = failure(await transport.call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'NetworkingError', message: 'GetParameter failed: ECONNRESET', retryable: true })
    expect(server.requests).toHaveLength(2)
  })

  // https.ts:108 `attempt === 1` -> true. Node reuses a socket for the resend only when the agent's
  // 50 sockets are all busy (the resend waits for one of them); the fake marks every socket reused.
  test('a resend that also dies on a reused socket is not sent a third time', async () => {
    const request = http.request
    jest.spyOn(http, 'request').mockImplementation(((...args: Parameters<typeof http.request>) => {
      const req = request(...args)
      Object.defineProperty(req, 'reusedSocket', { get: () => true, set: () => undefined })
      return req
    }) as typeof http.request)
    server.answer((_request, res) => (server.requests.length <= 2 ? (res.socket as Socket).destroy() : res.end(PARAMETER)))
    const error = failure(await httpsTransport(localConfig('ssm', server.endpoint)).call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'NetworkingError', retryable: true })
    expect(server.requests).toHaveLength(2)
  })
})

describe('what the transport makes of an answer', () => {
  // https.ts:71 `answer.status >= 200` -> true (a 101 reaches settle as a 'response'); `< 300` -> `<= 300`
  test.each([
    ['101, a protocol switch nobody asked for', 101, (res: http.ServerResponse) => (res.socket as Socket).end('HTTP/1.1 101 Switching Protocols\r\n\r\n')],
    ['300, a redirect with a JSON body', 300, (res: http.ServerResponse) => json(res, 300, {})],
  ])('only a 2xx is an output: %s -> MalformedResponse', async (_what, status, respond) => {
    server.answer((_request, res) => respond(res))
    const error = failure(await httpsTransport(localConfig('ssm', server.endpoint)).call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'MalformedResponse', httpStatus: status, retryable: true })
  })

  // https.ts:74 the catch's block -> {}: the 2xx answer fell through to the error path and was read as the AWS error it named
  test('a 2xx whose member will not decode is MalformedResponse, even when it names an AWS error', async () => {
    server.answer((_request, res) => json(res, 200, { __type: 'ResourceNotFoundException', message: 'm', SecretString: 'x', CreatedDate: 'soon' }))
    const error = failure(await httpsTransport(localConfig('secretsmanager', server.endpoint)).call('GetSecretValue', { SecretId: 's' }, options()))
    expect(error).toMatchObject({ code: 'MalformedResponse', httpStatus: 200, retryable: true })
  })

  // https.ts:138 'x-amzn-request-id' -> '', 'x-amz-request-id' -> ''
  test.each(['x-amzn-request-id', 'x-amz-request-id'])('the request id is read from %s too', async (name) => {
    server.answer((_request, res) => json(res, 400, { __type: 'ParameterNotFound', message: 'm' }, { [name]: 'request-7' }))
    const error = failure(await httpsTransport(localConfig('ssm', server.endpoint)).call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'ParameterNotFound', requestId: 'request-7' })
  })

  // exchange.ts:118 'connection closed' -> ''
  test('a body cut short by the far end -> NetworkingError naming the closed connection', async () => {
    server.answer((_request, res) => {
      res.writeHead(200, { 'content-length': 100 })
      res.write('{"Parameter":', () => (res.socket as Socket).destroy())
    })
    const error = failure(await httpsTransport(localConfig('ssm', server.endpoint)).call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'NetworkingError', message: 'GetParameter failed: connection closed', retryable: true })
  })
})

describe("the signing clock learns from the answer's Date", () => {
  const ahead = (): string => new Date(Date.now() + HOUR).toUTCString()

  // https.ts:112 `answer.kind === 'tooLarge'` -> false
  test('of an answer refused as too large too', async () => {
    server.answer((_request, res) => {
      if (server.requests.length === 1) res.writeHead(200, { date: ahead(), 'content-length': 9 * 1024 * 1024 }).flushHeaders()
      else json(res, 200, { SecretString: 'x' })
    })
    const transport = httpsTransport(localConfig('secretsmanager', server.endpoint))
    expect(failure(await transport.call('GetSecretValue', { SecretId: 's' }, options())).code).toBe('MalformedResponse')
    output(await transport.call('GetSecretValue', { SecretId: 's' }, options()))
    expect(Math.abs(signedAt(1) - Date.now() - HOUR)).toBeLessThan(60_000)
  })

  // https.ts:113 `answer.headers.age !== undefined` -> false
  test('but not of a cached answer (an Age header)', async () => {
    server.answer((_request, res) => res.writeHead(200, { date: ahead(), age: '30' }).end(PARAMETER))
    const transport = httpsTransport(localConfig('ssm', server.endpoint))
    output(await transport.call('GetParameter', { Name: '/p' }, options()))
    output(await transport.call('GetParameter', { Name: '/p' }, options()))
    expect(Math.abs(signedAt(1) - Date.now())).toBeLessThan(60_000)
  })
})

describe('failures before a request is sent: a TransportClientError, never a throw, and nothing sent', () => {
  /** An HttpsConfig with these credentials, built as localConfig builds one. */
  function configWith(credentials: object, systemClockOffset = 0): HttpsConfig {
    const config = { service: 'ssm', region: 'eu-west-1', endpoint: server.endpoint, systemClockOffset }
    Object.defineProperty(config, 'credentials', { value: credentials, enumerable: false })
    return config as HttpsConfig
  }

  // https.ts:63 case 'clientError' (no test reached it through the transport)
  test('a header node refuses (a session token with a line break)', async () => {
    const transport = httpsTransport(configWith({ ...CREDENTIALS, sessionToken: 'token\nwith-a-line-break' }))
    const error = failure(await transport.call('GetParameter', { Name: '/p' }, options()))
    expect(error).toStrictEqual({ code: 'TransportClientError', message: 'unexpected TypeError while calling GetParameter', retryable: false, operation: 'GetParameter' })
    expect(server.requests).toHaveLength(0)
  })

  // https.ts:104 the sign catch's block -> {}. choose() takes any finite systemClockOffset.
  test('a signing time out of Date range (systemClockOffset 8.64e15)', async () => {
    const error = failure(await httpsTransport(configWith(CREDENTIALS, 8.64e15)).call('GetParameter', { Name: '/p' }, options()))
    expect(error).toStrictEqual({ code: 'TransportClientError', message: 'unexpected RangeError while calling GetParameter', retryable: false, operation: 'GetParameter' })
    expect(server.requests).toHaveLength(0)
  })

  // https.ts:95-96 the load catch's block -> {}, its message -> ''
  test('node:http that cannot be loaded', async () => {
    const transport = httpsTransport(localConfig('ssm', server.endpoint))
    jest.spyOn(process, 'getBuiltinModule').mockImplementation(() => {
      throw new Error('no builtins here')
    })
    const error = failure(await transport.call('GetParameter', { Name: '/p' }, options()))
    expect(error).toStrictEqual({ code: 'TransportClientError', message: 'unexpected failure to load node:https or aws4 while calling GetParameter', retryable: false, operation: 'GetParameter' })
  })
})

// https.ts:44 /^\[(.*)\]$/ -> /^\[(.)\]$/, '$1' -> '': Node must be asked for ::1, not [::1] (a name to look up) or ''.
test('an IPv6 endpoint: Node is asked for the address without its brackets', async () => {
  const asked: Array<{ hostname?: unknown; port?: unknown }> = []
  jest.spyOn(http, 'request').mockImplementation(((target: { hostname?: unknown; port?: unknown }) => {
    asked.push({ hostname: target.hostname, port: target.port })
    throw new TypeError('not sent') // no IPv6 needed on this host
  }) as unknown as typeof http.request)
  const error = failure(await httpsTransport(localConfig('ssm', 'http://[::1]:2773')).call('GetParameter', { Name: '/p' }, options()))
  expect(error.code).toBe('TransportClientError')
  expect(asked).toStrictEqual([{ hostname: '::1', port: 2773 }])
})

describe('decode: the wire types AWS may send', () => {
  const decode = (operation: string, out: Record<string, unknown>): Record<string, unknown> => {
    JSON_DECODERS[operation]!(out)
    return out
  }

  // decode.ts:19, :26, :39, :76, :88 (the nullish guards)
  test('a null member is absent, not malformed', () => {
    expect(decode('GetSecretValue', { CreatedDate: null, SecretBinary: null })).toStrictEqual({ CreatedDate: undefined, SecretBinary: undefined })
    expect(() => decode('GetParameters', { Parameters: null })).not.toThrow()
    expect(() => decode('GetItem', { Item: { a: null, b: { L: [null] } } })).not.toThrow()
    expect(() => decode('BatchGetItem', { UnprocessedKeys: { t: null } })).not.toThrow()
  })

  // decode.ts:20 (the string branch: no test sent one), :21
  test('a timestamp may come as a numeric string; an empty, blank or non-numeric one is malformed', () => {
    expect((decode('GetSecretValue', { CreatedDate: '1700000000.25' }).CreatedDate as Date).getTime()).toBe(1_700_000_000_250)
    expect((decode('GetSecretValue', { CreatedDate: 1_700_000_000.25 }).CreatedDate as Date).getTime()).toBe(1_700_000_000_250)
    for (const bad of ['', '  ', 'soon', true]) expect(() => decode('GetSecretValue', { CreatedDate: bad })).toThrow()
  })

  // decode.ts:27, and the BASE64 pattern (a static mutant Stryker's run ignores)
  test('a blob is strict base64: whole quads of the alphabet, padded', () => {
    for (const [wire, bytes] of [['AAEC+v8=', [0, 1, 2, 250, 255]], ['AAECAw==', [0, 1, 2, 3]], ['AAEC', [0, 1, 2]]] as const) {
      expect(Array.from(decode('GetSecretValue', { SecretBinary: wire }).SecretBinary as Uint8Array)).toEqual(bytes)
    }
    for (const bad of ['abc', 'ab$=', 'A===', [], 5]) expect(() => decode('GetSecretValue', { SecretBinary: bad })).toThrow()
  })

  // decode.ts:34
  test('a structure that is not an object is malformed', () => {
    for (const bad of [[], '', 0, 'x']) expect(() => decode('GetParameter', { Parameter: bad })).toThrow()
  })

  // decode.ts:63-64
  test("DescribeSecret: every timestamp is a Date, its replicas' too", () => {
    const names = ['LastRotatedDate', 'LastChangedDate', 'LastAccessedDate', 'DeletedDate', 'NextRotationDate', 'CreatedDate']
    const out = decode('DescribeSecret', { ...Object.fromEntries(names.map((name) => [name, 1_700_000_000])), ReplicationStatus: [{ Region: 'eu-west-2', LastAccessedDate: 1_700_000_000 }] })
    for (const name of names) expect(out[name]).toStrictEqual(new Date(1_700_000_000_000))
    expect(out.ReplicationStatus).toStrictEqual([{ Region: 'eu-west-2', LastAccessedDate: new Date(1_700_000_000_000) }])
  })
})
