/**
 * transport/socket-errors.ts: the code of a connection's error names the failure alike on both
 * transports. A network failure is retried; a refused TLS connection is final, and its hint
 * says where to look. (Over a real TLS connection: https.test.ts and isolation.test.ts.)
 */
import { hintFor } from '../../lib/hints.js'
import { toStoreError } from '../../lib/stores/aws-error.js'
import { networkFailure } from '../../lib/transport/errors.js'
import { connectionCodeOf, isTlsRefusal, NETWORK_CODES } from '../../lib/transport/socket-errors.js'

/** What the SDK transport makes of the Node error the SDK's request handler threw (code in `cause` too, as a wrapper would hold it). */
const viaSdk = (code: string, wrapped = false) => {
  const nodeError = Object.assign(new Error('the text Node gives'), { code })
  return toStoreError(wrapped ? Object.assign(new Error('request failed'), { cause: nodeError }) : nodeError, 'GetSecretValue')
}

const REFUSALS = [
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', // a private CA not in the trust store
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', // or a clock far behind
  'ERR_TLS_CERT_ALTNAME_INVALID', // the certificate does not name the host
  'HOSTNAME_MISMATCH',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'EPROTO', // an https:// endpoint that speaks plain HTTP
]

test.each(REFUSALS)('%s: TlsError on both transports, not retryable, with a hint that names the endpoint settings and NODE_EXTRA_CA_CERTS', (code) => {
  expect(isTlsRefusal(code)).toBe(true)
  const lean = networkFailure(code, 'GetSecretValue')
  const expected = { code: 'TlsError', message: `GetSecretValue failed: the TLS connection was refused (${code})`, retryable: false, operation: 'GetSecretValue' }
  expect(lean).toStrictEqual(expected)
  expect(viaSdk(code)).toMatchObject(expected)
  expect(viaSdk(code, true)).toMatchObject(expected)
  const hint = hintFor('TlsError', 'secretsManager', 'prod/db', 'GetSecretValue')
  expect(hint).toContain('clientOptions.endpoint')
  expect(hint).toContain('NODE_EXTRA_CA_CERTS')
})

test.each([...NETWORK_CODES])('%s: NetworkingError on both transports, retryable', (code) => {
  expect(isTlsRefusal(code)).toBe(false)
  const expected = { code: 'NetworkingError', message: `GetSecretValue failed: ${code}`, retryable: true, operation: 'GetSecretValue' }
  expect(networkFailure(code, 'GetSecretValue')).toStrictEqual(expected)
  expect(viaSdk(code)).toMatchObject(expected)
})

test('a handshake that timed out is the network, not a refusal; so is a connection closed mid-answer and an errno the lists do not know', () => {
  expect(networkFailure('ERR_TLS_HANDSHAKE_TIMEOUT', 'GetParameters')).toMatchObject({ code: 'NetworkingError', retryable: true })
  expect(networkFailure('connection closed', 'GetParameters')).toMatchObject({ code: 'NetworkingError', retryable: true })
  expect(networkFailure('EADDRNOTAVAIL', 'GetParameters')).toMatchObject({ code: 'NetworkingError', retryable: true })
  // Names that merely contain a TLS word are not refusals: the set and the prefix are matched whole.
  for (const code of ['CERT', 'XERR_SSL_', 'EPROTONOSUPPORT', 'MY_CERT_HAS_EXPIRED']) expect(isTlsRefusal(code)).toBe(false)
})

test('an errno of a socket call that the list does not name is the network on both transports; the same errno from a file is not', () => {
  for (const [code, syscall] of [['EADDRNOTAVAIL', 'connect'], ['ENETDOWN', 'read'], ['EADDRINUSE', 'connect'], ['EAI_FAIL', 'getaddrinfo'], ['ECONNRESET', 'write']]) {
    const nodeError = Object.assign(new Error(`${syscall} ${code} 10.0.0.1:443`), { code, syscall, errno: -99 })
    const expected = { code: 'NetworkingError', message: `GetSecretValue failed: ${code}`, retryable: true }
    expect(toStoreError(nodeError, 'GetSecretValue')).toMatchObject(expected)
    expect(toStoreError(Object.assign(new Error('outer'), { cause: nodeError }), 'GetSecretValue')).toMatchObject(expected)
    expect(networkFailure(code!, 'GetSecretValue')).toMatchObject(expected)
  }
  // Not the network: a file's errno, an errno with no socket call, a code that is no errno.
  expect(connectionCodeOf({ code: 'ENOENT', syscall: 'open' })).toBeUndefined()
  expect(connectionCodeOf({ code: 'EADDRNOTAVAIL' })).toBeUndefined()
  expect(connectionCodeOf({ code: 'ERR_INVALID_ARG_TYPE', syscall: 'write' })).toBeUndefined()
  expect(connectionCodeOf({ code: 42, syscall: 'connect' })).toBeUndefined()
  for (const code of ['XECONNLOST', 'ECONN LOST', 'econnlost']) expect(connectionCodeOf({ code, syscall: 'connect' })).toBeUndefined()
  expect(toStoreError(Object.assign(new Error('no such file'), { code: 'ENOENT', syscall: 'open' }), 'GetSecretValue')).toMatchObject({ code: 'Error', retryable: false })
})

test("the SDK's handler renames a reset, a broken pipe or a socket's ETIMEDOUT 'TimeoutError' (keeping its code): NetworkingError, as on the lean transport; its own timeouts stay TimeoutError", () => {
  // @smithy/node-http-handler: ECONNRESET, EPIPE and ETIMEDOUT are rejected with name 'TimeoutError'. Found by review: its hint said to raise requestTimeoutMs.
  for (const [code, syscall] of [['ECONNRESET', undefined], ['EPIPE', 'write'], ['ETIMEDOUT', 'connect']]) {
    const renamed = Object.assign(new Error('socket hang up'), { code, syscall, name: 'TimeoutError' })
    expect(toStoreError(renamed, 'GetSecretValue')).toMatchObject({ code: 'NetworkingError', message: `GetSecretValue failed: ${code}`, retryable: true })
  }
  // Its connection timeout (no code) and its request timeout (ETIMEDOUT, no socket call: aws-error.test.ts, over a real socket).
  for (const timeout of [Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }), Object.assign(new Error('request timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' })]) {
    expect(toStoreError(timeout, 'GetSecretValue')).toMatchObject({ code: 'TimeoutError', message: 'GetSecretValue did not answer in time' })
  }
  // Our own timeout, whatever the error says, is a timeout.
  expect(toStoreError(Object.assign(new Error('x'), { code: 'ECONNRESET', name: 'TimeoutError' }), 'GetSecretValue', { timedOut: true, deadline: false })).toMatchObject({ code: 'TimeoutError' })
})

test("an answer Node's HTTP parser refuses (HPE_...): MalformedResponse on both transports, retryable, the parser's words never passed on", () => {
  for (const code of ['HPE_INVALID_HEADER_TOKEN', 'HPE_INVALID_CONSTANT', 'HPE_UNEXPECTED_CONTENT_LENGTH']) {
    const expected = { code: 'MalformedResponse', message: `GetSecretValue answered something that is not HTTP (${code})`, retryable: true, operation: 'GetSecretValue' }
    expect(networkFailure(code, 'GetSecretValue')).toStrictEqual(expected)
    // Node's parse error carries the raw packet (which could hold a value): only the code is read.
    const parseError = Object.assign(new Error('Parse Error: Invalid header token'), { code, bytesParsed: 17, rawPacket: Buffer.from('HTTP/1.1 200 OK\r\nBad {"SecretString":"pw"}') })
    expect(viaSdk(code)).toMatchObject(expected)
    expect(JSON.stringify(toStoreError(parseError, 'GetSecretValue'))).not.toMatch(/pw|Bad|Parse/)
  }
  expect(connectionCodeOf({ code: 'HPE_' })).toBeUndefined()
})
