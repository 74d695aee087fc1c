/**
 * What the code of a connection's error says, read alike on both transports: the lean one gets
 * it from node:https, the SDK path from what the SDK's request handler threw (the same Node
 * error). So a failure has one name and one class whichever transport met it.
 *
 * - NetworkingError: the connection failed or was cut (reset, refused, DNS): worth another
 *   attempt, and a stale value may serve meanwhile. The SDK retries these too.
 * - TlsError: the TLS connection was refused. The endpoint's certificate is not trusted, has
 *   expired or does not name the host, or the endpoint does not speak TLS. Another attempt
 *   meets the same certificate, so it is final (the SDK does not retry it either), and its hint
 *   says where to look. It used to be a NetworkingError on the lean transport: ten retries
 *   until the deadline, then "AWS failed after retries".
 * - MalformedResponse: Node's HTTP parser refused the answer (`HPE_...`): what answered does not
 *   speak HTTP as AWS does (a proxy, a wrong port). Retried, as a body that does not parse is.
 *   The SDK path said `Error` (not retried) and the lean one NetworkingError, until a review.
 */

/**
 * The network failures known by their code alone, with no socket call to tell (undici's
 * UND_ERR_SOCKET, a handshake that timed out); connectionCodeOf() adds any errno of a socket call.
 */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'ERR_TLS_HANDSHAKE_TIMEOUT',
])

/**
 * OpenSSL's certificate verification failures as Node names them (`error.code`), and Node's
 * own check of the host name.
 */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
])

/**
 * A refused TLS connection: a certificate failure, an OpenSSL error (`ERR_SSL_...`), or EPROTO,
 * which Node reports when the other end does not speak TLS (an https:// endpoint that is plain
 * HTTP). A handshake that timed out (ERR_TLS_HANDSHAKE_TIMEOUT) is not one: the network was slow.
 */
export function isTlsRefusal(code: string): boolean {
  return CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || code === 'EPROTO'
}

/** The socket calls of a Node system error (its `syscall`) that make its errno the network's. */
const SOCKET_CALLS: ReadonlySet<string> = new Set(['connect', 'getaddrinfo', 'read', 'write', 'writev', 'shutdown'])

/**
 * The code of a Node error when it names a connection's failure: a network code, a refused TLS
 * connection, or any errno of a socket call (EADDRNOTAVAIL when a busy function runs out of
 * ephemeral ports, ENETDOWN...), as the lean transport reads every socket errno. The same errno
 * from a file (ENOENT on open) is not the network, nor is Node's own ERR_... (a bad argument).
 * Undefined otherwise.
 */
export function connectionCodeOf(error: { readonly code?: unknown; readonly syscall?: unknown }): string | undefined {
  const { code, syscall } = error
  if (typeof code !== 'string') return undefined
  if (NETWORK_CODES.has(code) || isTlsRefusal(code) || isNotHttp(code)) return code
  return (SOCKET_CALLS as ReadonlySet<unknown>).has(syscall) && /^E(?!RR_)[A-Z0-9_]+$/.test(code) ? code : undefined
}

/** Node's HTTP parser refused the answer (HPE_INVALID_HEADER_TOKEN, HPE_INVALID_CONSTANT...). */
export function isNotHttp(code: string): boolean {
  return /^HPE_[A-Z_]+$/.test(code)
}

/** The StoreError code and message of a connection that failed with this code (an errno, 'connection closed', or a parser's HPE_...). */
export function connectionFailure(reason: string, operation: string): { code: 'TlsError' | 'NetworkingError' | 'MalformedResponse'; message: string } {
  if (isTlsRefusal(reason)) return { code: 'TlsError', message: `${operation} failed: the TLS connection was refused (${reason})` }
  if (isNotHttp(reason)) return { code: 'MalformedResponse', message: `${operation} answered something that is not HTTP (${reason})` }
  return { code: 'NetworkingError', message: `${operation} failed: ${reason}` }
}
