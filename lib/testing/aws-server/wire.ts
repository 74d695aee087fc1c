/**
 * What travels on the wire: requests as the server reads them, the AWS JSON 1.0/1.1 protocol
 * (answers and errors), input readers with AWS's validation errors, and paging tokens. No
 * error written here quotes a request body: bodies hold secret values.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { ModelError } from '../model.js'
import type { Protocol } from './service.js'

export type Input = Readonly<Record<string, unknown>>
export type Output = Record<string, unknown>

/** One HTTP request, read whole. */
export interface RawRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** What the server writes back. */
export interface Answer {
  readonly status: number
  readonly body: string | Uint8Array
  readonly contentType: string
  /** The error name, sent as x-amzn-ErrorType. */
  readonly errorType?: string
  /** More headers (REST protocols carry output members in headers). */
  readonly headers?: Readonly<Record<string, string>>
}

/** An AWS error as a protocol writes it. */
export interface WireError {
  readonly code: string
  readonly message?: string
  readonly status: number
  /** `com.amazon.coral.service` for errors AWS's front end answers before the service sees the request. */
  readonly namespace?: string
  /** Default `message`. */
  readonly messageField?: 'message' | 'Message'
  /** More members of the error shape (AppConfigData's `Reason`, `Details`, `ResourceType`). */
  readonly fields?: Readonly<Record<string, unknown>>
}

const FRONT_END = 'com.amazon.coral.service'

export const UNKNOWN_OPERATION: WireError = { code: 'UnknownOperationException', status: 400, namespace: FRONT_END }
/** A fixed message: a JSON parse error would quote the body, which may hold a secret. */
export const NOT_JSON: WireError = { code: 'SerializationException', message: 'The request body is not valid JSON.', status: 400, namespace: FRONT_END }
/** What Secrets Manager and SSM answer when a quota is exceeded. */
export const THROTTLED: WireError = { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 }

/** The whole request, or undefined when the client went away first. */
export function readRequest(req: IncomingMessage): Promise<RawRequest | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = parseUrl(req.url)
      resolve({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
    })
    req.on('error', () => resolve(undefined))
  })
}

/** The request target; one that does not parse (only a hand-made request sends one) reads as `/`. */
function parseUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1')
  } catch {
    return new URL('/', 'http://127.0.0.1')
  }
}

/**
 * AWS JSON 1.0 / 1.1: every request is a POST whose X-Amz-Target header is `<prefix>.<Operation>`
 * (`secretsmanager.GetSecretValue`, `AmazonSSM.GetParameter`, `DynamoDB_20120810.GetItem`) and
 * whose body is the input as JSON. `__type` and x-amzn-ErrorType carry the name the SDK uses as
 * `error.name`; `errorNamespace` prefixes `__type` as the service does (DynamoDB's
 * `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`).
 */
export function awsJson(version: '1.0' | '1.1', targetPrefix: string, options: { errorNamespace?: (code: string) => string } = {}): Protocol {
  const contentType = `application/x-amz-json-${version}`
  return {
    contentType,
    operationOf(request) {
      const target = request.headers['x-amz-target']
      if (typeof target !== 'string') return undefined
      const dot = target.lastIndexOf('.')
      return dot !== -1 && target.slice(0, dot) === targetPrefix ? target.slice(dot + 1) : undefined
    },
    input(_operation, request) {
      const input = parseObject(request.body)
      return input ? { input } : { error: NOT_JSON }
    },
    success: (_operation, output) => ({ status: 200, body: JSON.stringify(output), contentType }),
    error(error) {
      const namespace = error.namespace ?? options.errorNamespace?.(error.code)
      const body: Output = { __type: namespace === undefined ? error.code : `${namespace}#${error.code}`, ...error.fields }
      if (error.message !== undefined && error.message !== '') body[error.messageField ?? 'message'] = error.message
      return { status: error.status, body: JSON.stringify(body), contentType, errorType: error.code }
    },
  }
}

/** How the server answers a request no service recognises. */
export const FALLBACK_PROTOCOL: Protocol = awsJson('1.1', '')

/** The body as a JSON object (an empty body is `{}`), or undefined. */
export function parseObject(body: string): Input | undefined {
  try {
    const value: unknown = JSON.parse(body === '' ? '{}' : body)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Input) : undefined
  } catch {
    return undefined
  }
}

export function epochSeconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000
}

export function base64(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('base64')
}

// ---- Input readers (AWS validation errors) --------------------------------------------------

function memberName(field: string): string {
  return field.charAt(0).toLowerCase() + field.slice(1)
}

export function validation(field: string, constraint: string, value = 'null'): ModelError {
  return new ModelError('ValidationException', `1 validation error detected: Value ${value} at '${memberName(field)}' failed to satisfy constraint: ${constraint}`)
}

export function wrongType(field: string): ModelError {
  return new ModelError('SerializationException', `Field ${field} has the wrong type.`)
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw wrongType(field)
  return value
}

export function requiredString(input: Input, field: string): string {
  const value = optionalString(input, field)
  if (value === undefined) throw validation(field, 'Member must not be null')
  return value
}

export function optionalStringList(input: Input, field: string): string[] | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw wrongType(field)
  return value as string[]
}

export function optionalInteger(input: Input, field: string): number | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(field)
  return value
}

export function optionalBoolean(input: Input, field: string): boolean {
  const value = input[field]
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw wrongType(field)
  return value
}

export function listLength(field: string, list: readonly string[], min: number, max: number): void {
  const shown = `'[${list.join(', ')}]'`
  if (list.length < min) throw validation(field, `Member must have length greater than or equal to ${min}`, shown)
  if (list.length > max) throw validation(field, `Member must have length less than or equal to ${max}`, shown)
}

/** The strings of `input[field]`, a string or a list, for the call log; never throws. */
export function namesIn(input: Input, field: string): string[] {
  const value = input[field]
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

// ---- Paging ---------------------------------------------------------------------------------

/** NextToken is opaque to clients; here it is the offset of the next item. */
function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64')
}

function decodeToken(token: string | undefined, errorCode: string): number {
  if (token === undefined) return 0
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset
  } catch {
    // falls through to the AWS error below
  }
  throw new ModelError(errorCode, 'The NextToken value is invalid.')
}

function maxResults(input: Input, max: number): number {
  const value = optionalInteger(input, 'MaxResults')
  if (value === undefined) return max
  if (value < 1) throw validation('MaxResults', 'Member must have value greater than or equal to 1', `'${value}'`)
  if (value > max) throw validation('MaxResults', `Member must have value less than or equal to ${max}`, `'${value}'`)
  return value
}

/**
 * The page of `items` a request asks for with NextToken and MaxResults (1 to `max`, default
 * `max`), and the token of the next one; a token this server did not make is `tokenError`.
 */
export function requestedPage<T>(items: readonly T[], input: Input, max: number, tokenError: string): { items: T[]; nextToken?: string } {
  const offset = decodeToken(optionalString(input, 'NextToken'), tokenError)
  const end = offset + maxResults(input, max)
  return { items: items.slice(offset, end), nextToken: end < items.length ? encodeToken(end) : undefined }
}
