/**
 * SigV4 signing of one attempt, by aws4 (see runtime.ts for why aws4). The signing time is the
 * transport's corrected clock, passed as X-Amz-Date (aws4 signs with that header when it is
 * set). Each attempt is signed anew: a request signed before a Lambda freeze and sent after the
 * thaw would carry an expired signature. The request carries the invocation's trace headers, as
 * an SDK request does (./trace.ts).
 */
import type { StaticCredentials } from './choose.js'
import type { Aws4Module } from './runtime.js'
import { traceHeaders } from './trace.js'

export interface UnsignedRequest {
  readonly method: 'GET' | 'POST'
  /** Path and query, already encoded (e.g. `/configuration?configuration_token=...`). */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** UTF-8 text (JSON); absent for a GET. */
  readonly body?: string
}

export interface SignedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
}

export interface SigningScope {
  /** The Host header: host[:port], as the URL spells it. */
  readonly host: string
  readonly region: string
  readonly signingName: string
  readonly credentials: StaticCredentials
}

/** `20260101T120000Z` */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, '')
}

export function sign(aws4: Aws4Module, request: UnsignedRequest, scope: SigningScope, at: Date): SignedRequest {
  const signed = aws4.sign(
    {
      method: request.method,
      host: scope.host,
      path: request.path,
      headers: { ...request.headers, ...traceHeaders(), Host: scope.host, 'X-Amz-Date': amzDate(at) },
      body: request.body,
      service: scope.signingName,
      region: scope.region,
    },
    scope.credentials,
  )
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(signed.headers ?? {})) if (value !== undefined) headers[name] = String(value)
  return { method: request.method, path: signed.path ?? request.path, headers, body: request.body }
}
