/** aws-server/rest-json.ts: REST-JSON routing, input from body and query, output to headers, payload or JSON, and error bodies. */
import { restJson } from '../../../lib/testing/aws-server/rest-json.js'
import type { RawRequest } from '../../../lib/testing/aws-server/wire.js'

const protocol = restJson({
  Start: { method: 'POST', path: '/sessions', status: 201, headers: { Id: 'X-Id' } },
  Read: { method: 'GET', path: '/read', status: 200, query: { token: 'Token' }, headers: { ContentType: 'Content-Type', Next: 'Next-Token' }, payload: 'Data' },
})

function request(method: string, target: string, body = ''): RawRequest {
  const url = new URL(target, 'http://127.0.0.1')
  return { method, path: url.pathname, query: url.searchParams, headers: {}, body }
}

test('an operation is its method and path', () => {
  expect(protocol.operationOf(request('POST', '/sessions'))).toBe('Start')
  expect(protocol.operationOf(request('GET', '/read?token=t'))).toBe('Read')
  expect(protocol.operationOf(request('GET', '/sessions'))).toBeUndefined()
  expect(protocol.operationOf(request('POST', '/'))).toBeUndefined()
})

test('input: the JSON body, and query parameters into their members; a GET has no body; a body that is not JSON is a SerializationException', () => {
  expect(protocol.input('Start', request('POST', '/sessions', '{"A":1}'))).toEqual({ input: { A: 1 } })
  expect(protocol.input('Read', request('GET', '/read?token=t1&other=x', 'ignored'))).toEqual({ input: { Token: 't1' } })
  expect(protocol.input('Start', request('POST', '/sessions', '{"A":'))).toEqual({ error: expect.objectContaining({ code: 'SerializationException', status: 400 }) })
})

test('output: header-bound members in headers (Content-Type as the content type), the payload raw, the rest as JSON', () => {
  const bytes = new Uint8Array([1, 2])
  expect(protocol.success('Read', { ContentType: 'text/plain', Next: 'n', Data: bytes })).toEqual({ status: 200, body: bytes, contentType: 'text/plain', headers: { 'Next-Token': 'n' } })
  expect(protocol.success('Read', { Next: 'n' })).toEqual({ status: 200, body: '', contentType: 'application/json', headers: { 'Next-Token': 'n' } })
  expect(protocol.success('Start', { Id: 7, Token: 't' })).toEqual({ status: 201, body: '{"Token":"t"}', contentType: 'application/json', headers: { 'X-Id': '7' } })
})

test('errors: the status, x-amzn-ErrorType, and a JSON body with Message and the shape\'s members', () => {
  const answer = protocol.error({ code: 'BadRequestException', message: 'Request too early', status: 400, fields: { Reason: 'InvalidParameters' } })
  expect(answer).toEqual({ status: 400, contentType: 'application/json', errorType: 'BadRequestException', body: '{"Reason":"InvalidParameters","Message":"Request too early"}' })
  expect(protocol.error({ code: 'UnknownOperationException', status: 400 }).body).toBe('{}')
})
