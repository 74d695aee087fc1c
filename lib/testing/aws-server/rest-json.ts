/**
 * AWS REST-JSON (AppConfigData's protocol): an operation is a method and a path; input members
 * come from the JSON body and from query parameters; output members go in response headers, in
 * a raw payload (a blob, sent as the body), or else in a JSON body. Errors are the status AWS
 * uses for the code, x-amzn-ErrorType, and a JSON body with `Message` and the shape's members.
 */
import type { Protocol } from './service.js'
import { NOT_JSON, parseObject, type Input, type Output } from './wire.js'

export interface RestOperation {
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** The status of a successful answer (201 for StartConfigurationSession). */
  readonly status: number
  /** Query parameter -> input member. */
  readonly query?: Readonly<Record<string, string>>
  /** Output member -> response header (`Content-Type` also sets the answer's content type). */
  readonly headers?: Readonly<Record<string, string>>
  /** The output member sent as the raw body; without one, the unbound members are a JSON body. */
  readonly payload?: string
}

const JSON_TYPE = 'application/json'

export function restJson(operations: Readonly<Record<string, RestOperation>>): Protocol {
  return {
    contentType: JSON_TYPE,
    operationOf: (request) => Object.keys(operations).find((name) => operations[name]!.method === request.method && operations[name]!.path === request.path),
    input(operation, request) {
      const body = request.method === 'GET' ? {} : parseObject(request.body)
      if (body === undefined) return { error: NOT_JSON }
      const input: Record<string, unknown> = { ...body }
      for (const [parameter, member] of Object.entries(operations[operation]!.query ?? {})) {
        const value = request.query.get(parameter)
        if (value !== null) input[member] = value
      }
      return { input: input as Input }
    },
    success(operation, output) {
      const { status, headers: bound = {}, payload } = operations[operation]!
      const headers: Record<string, string> = {}
      const rest: Output = { ...output }
      for (const [member, header] of Object.entries(bound)) {
        if (output[member] !== undefined) headers[header] = String(output[member])
        delete rest[member]
      }
      const contentType = headers['Content-Type'] ?? JSON_TYPE
      delete headers['Content-Type']
      if (payload === undefined) return { status, body: JSON.stringify(rest), contentType, headers }
      const body = output[payload]
      return { status, body: body instanceof Uint8Array || typeof body === 'string' ? body : '', contentType, headers }
    },
    error(error) {
      const body: Output = { ...error.fields }
      if (error.message !== undefined && error.message !== '') body[error.messageField ?? 'Message'] = error.message
      return { status: error.status, body: JSON.stringify(body), contentType: JSON_TYPE, errorType: error.code }
    },
  }
}
