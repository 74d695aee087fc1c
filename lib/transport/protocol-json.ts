/**
 * The AWS JSON protocols (1.1: Secrets Manager, SSM; 1.0: DynamoDB): every operation is a POST
 * to the endpoint's path with `X-Amz-Target: <prefix>.<Operation>` and the input as a JSON body;
 * blobs travel as base64 and timestamps as epoch seconds. Answers are JSON; errors name
 * themselves in `__type` (`namespace#Name`), a `code` member or the x-amzn-ErrorType header.
 */
import { shownErrorCode } from '../classify.js'
import type { ServiceFacts } from './services.js'
import type { UnsignedRequest } from './sign.js'

/** The input as the wire wants it: Uint8Array -> base64, Date -> epoch seconds. */
export function encodeJson(input: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(input, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key] // before toJSON: a Buffer would otherwise arrive as { type, data }
    if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')
    if (raw instanceof Date) return raw.getTime() / 1000
    return value
  })
}

/** `base` is the endpoint path without its trailing slash ('' for `https://host/`). */
export function jsonRequest(facts: ServiceFacts, base: string, operation: string, input: Readonly<Record<string, unknown>>): UnsignedRequest {
  const version = facts.protocol === 'awsJson1_0' ? '1.0' : '1.1'
  return {
    method: 'POST',
    path: `${base}/`,
    headers: { 'Content-Type': `application/x-amz-json-${version}`, 'X-Amz-Target': `${facts.targetPrefix}.${operation}` },
    body: encodeJson(input),
  }
}

type Headers = Readonly<Record<string, string | string[] | undefined>>

/** `aws.protocols#Name:http://...,more` -> `Name`, as the SDK's sanitizeErrorCode does. */
export function sanitizeErrorCode(raw: string): string {
  let code = raw.split(',')[0]!
  code = code.split(':')[0]!
  return code.includes('#') ? code.split('#')[1]! : code
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The member named `code` in any letter case (the SDK's findKey). */
function codeMember(body: Readonly<Record<string, unknown>>): unknown {
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'code')
  return key === undefined ? undefined : body[key]
}

/**
 * The AWS error name, in the SDK's order: JSON RPC looks at `__type`, then `code`, then the
 * header; REST-JSON at the header, then `code`, then `__type`. Undefined when none is there.
 */
export function errorCode(headers: Headers, body: Readonly<Record<string, unknown>>, order: 'rpc' | 'rest'): string | undefined {
  const fromType = (): unknown => body.__type
  const fromCode = (): unknown => codeMember(body)
  const fromHeader = (): unknown => header(headers, 'x-amzn-errortype')
  const sources = order === 'rpc' ? [fromType, fromCode, fromHeader] : [fromHeader, fromCode, fromType]
  for (const source of sources) {
    const value = source()
    if (typeof value === 'string' && value) return shownErrorCode(sanitizeErrorCode(value))
    if (typeof value === 'number') return String(value)
  }
  return undefined
}

/**
 * AWS's message: `message`, else `Message` (Secrets Manager spells it so), else `UnknownError`,
 * which is what the SDK's error says when AWS gave no message.
 */
export function errorMessage(body: Readonly<Record<string, unknown>>): string {
  const message = body.message ?? body.Message ?? 'UnknownError'
  return typeof message === 'string' ? message : 'UnknownError'
}

/** The body as a JSON object, or undefined when it is not one. An empty body is `{}`, as in the SDK. */
export function parseObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return {}
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'))
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
