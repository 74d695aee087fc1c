/**
 * The AWS query protocol (STS's): a request is a form-encoded POST whose `Action` names the
 * operation and whose `Version` the API version; the other fields are the input, as strings. An
 * answer is XML: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…` on success,
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>` on failure. Error names the
 * server uses for every protocol (a refused signature, an unknown operation) are renamed to the
 * query service's own.
 */
import { randomUUID } from 'node:crypto'
import type { Protocol } from './service.js'
import type { Input, Output } from './wire.js'

const FORM = 'application/x-www-form-urlencoded'
const XML = 'text/xml'

export interface QueryOptions {
  /** The API version requests must name (`2011-06-15`). */
  readonly version: string
  /** The XML namespace of answers (`https://sts.amazonaws.com/doc/2011-06-15/`). */
  readonly xmlns: string
  /** Server-wide error names -> this service's (`InvalidSignatureException` -> `SignatureDoesNotMatch`). */
  readonly errorCodes?: Readonly<Record<string, string>>
}

/** What a query service answers for an action it does not have. */
const INVALID_ACTION = 'InvalidAction'
const INVALID_ACTION_MESSAGE = 'The action or operation requested is invalid. Verify that the action is typed correctly.'

export function awsQuery(options: QueryOptions): Protocol {
  return {
    contentType: XML,
    operationOf(request) {
      const type = request.headers['content-type']
      if (request.method !== 'POST' || typeof type !== 'string' || !type.startsWith(FORM)) return undefined
      const form = new URLSearchParams(request.body)
      // A form without this service's version is not addressed to it; one without an action names none.
      return form.get('Version') === options.version ? (form.get('Action') ?? '') : undefined
    },
    input(_operation, request) {
      const input: Record<string, string> = {}
      for (const [field, value] of new URLSearchParams(request.body)) if (field !== 'Action' && field !== 'Version') input[field] = value
      return { input: input as Input }
    },
    success(operation, output) {
      const body =
        `<${operation}Response xmlns="${options.xmlns}">` +
        `<${operation}Result>${xml(output)}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
        `</${operation}Response>`
      return { status: 200, body, contentType: XML }
    },
    error(error) {
      const renamed = options.errorCodes?.[error.code] ?? (error.code === 'UnknownOperationException' ? INVALID_ACTION : error.code)
      const message = error.message ?? (renamed === INVALID_ACTION ? INVALID_ACTION_MESSAGE : undefined)
      const detail: Output = { Type: error.status >= 500 ? 'Receiver' : 'Sender', Code: renamed, Message: message === '' ? undefined : message }
      const body = `<ErrorResponse xmlns="${options.xmlns}"><Error>${xml(detail)}</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
      return { status: error.status, body, contentType: XML }
    },
  }
}

/** An output as the query protocol writes it: members in order, lists as `<member>`, times in ISO 8601. */
export function xml(output: Readonly<Record<string, unknown>>): string {
  return Object.entries(output)
    .filter(([, value]) => value !== undefined)
    .map(([member, value]) => `<${member}>${xmlValue(value)}</${member}>`)
    .join('')
}

function xmlValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map((item) => `<member>${xmlValue(item)}</member>`).join('')
  if (value !== null && typeof value === 'object') return xml(value as Record<string, unknown>)
  return escape(String(value))
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}
