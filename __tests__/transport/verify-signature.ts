/**
 * An independent check of a captured request's SigV4 signature: the AWS SDK's own signer
 * (@smithy/signature-v4, which the SDK clients sign with) signs the same method, path, query,
 * headers and body at the request's X-Amz-Date; its Authorization header must be the one the
 * request carried.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import type { Captured } from './support.js'

type SourceData = string | ArrayBuffer | ArrayBufferView

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

/** The SDK's hash interface over node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret))
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
}

/** `20260101T120000Z` -> Date */
function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) throw new Error(`not an X-Amz-Date: ${value}`)
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])))
}

export async function expectedAuthorization(
  request: Captured,
  scope: { region: string; service: string; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } },
): Promise<string> {
  const url = new URL(request.url, `http://${String(request.headers.host)}`)
  const query: Record<string, string> = {}
  url.searchParams.forEach((value, key) => (query[key] = value))
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) if (name !== 'authorization' && typeof value === 'string') headers[name] = value
  const signer = new SignatureV4({ ...scope, sha256: Sha256, applyChecksum: false })
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body: request.body || undefined },
    { signingDate: parseAmzDate(String(request.headers['x-amz-date'])) },
  )
  return String(signed.headers.authorization)
}
