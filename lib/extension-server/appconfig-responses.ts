/**
 * What the local AppConfig interface answers: the configuration's bytes with its Content-Type
 * and Configuration-Version headers, the flags asked for out of a feature flag configuration,
 * and errors in the AWS JSON shape with AppConfigData's statuses.
 *
 * The content type is the one the backend reports when its value carries `contentType` (the
 * `serve --file` backend does); a store that only answers text or bytes gets one inferred:
 * bytes are application/octet-stream, text that parses as JSON application/json, other text
 * text/plain.
 */
import { CONFIGURATION_VERSION_HEADER, errorBody } from '../extension-protocol.js'
import type { StoreError, StoreValue } from '../store.js'
import type { HttpReply } from './responses.js'

/** A store value that may say its content type (the Store interface does not carry one). */
type ConfigurationValue = StoreValue & { readonly contentType?: unknown }

export function configurationReply(value: ConfigurationValue, flags: readonly string[]): HttpReply {
  const headers: Record<string, string> = value.versionId === undefined ? {} : { [CONFIGURATION_VERSION_HEADER]: value.versionId }
  if (flags.length > 0) return flagsReply(value, flags, headers)
  const body = value.value instanceof Uint8Array ? value.value : typeof value.value === 'string' ? value.value : JSON.stringify(value.value)
  return { status: 200, body, contentType: contentTypeOf(value), headers }
}

function contentTypeOf(value: ConfigurationValue): string {
  if (typeof value.contentType === 'string' && value.contentType !== '') return value.contentType
  if (typeof value.value !== 'string') return value.value instanceof Uint8Array ? 'application/octet-stream' : 'application/json'
  return isJson(value.value) ? 'application/json' : 'text/plain'
}

/**
 * `?flag=KEY`: that flag's object; several `flag`s: an object of the flags asked for, as AWS's
 * agent reads a feature flag configuration (AWS documents the requests, not these answers'
 * shape, nor its errors: here a flag the configuration lacks is a 404, a configuration that is
 * not a JSON object a 400).
 */
function flagsReply(value: ConfigurationValue, flags: readonly string[], headers: Record<string, string>): HttpReply {
  const text = value.value instanceof Uint8Array ? Buffer.from(value.value).toString('utf8') : value.value
  const configuration = typeof text === 'string' ? parseObject(text) : undefined
  if (!configuration) return failed(400, 'BadRequestException', 'The flag query parameter applies to feature flag configurations (a JSON object of flags).')
  const missing = flags.find((flag) => !Object.hasOwn(configuration, flag))
  if (missing !== undefined) return failed(404, 'ResourceNotFoundException', `Flag ${missing} is not in the configuration.`)
  const picked = flags.length === 1 ? configuration[flags[0]!] : Object.fromEntries(flags.map((flag) => [flag, configuration[flag]]))
  return { status: 200, body: JSON.stringify(picked), contentType: 'application/json', headers }
}

/** AppConfigData's errors and their statuses. */
const STATUS_OF: Readonly<Record<string, number>> = {
  BadRequestException: 400,
  ResourceNotFoundException: 404,
  ThrottlingException: 429,
  InternalServerException: 500,
}

/** AppConfigData's status for its own errors; else the store's, 5xx for what is worth retrying, 400 the rest. */
export function configurationErrorReply(error: StoreError): HttpReply {
  const status = STATUS_OF[error.code] ?? error.httpStatus ?? (/throttl|toomanyrequests/i.test(error.code) ? 429 : error.retryable ? 500 : 400)
  return failed(status, error.code, error.message)
}

function failed(status: number, code: string, message: string): HttpReply {
  return { status, body: errorBody(code, message) }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(text)
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
