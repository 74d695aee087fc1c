/**
 * AppConfigData over REST-JSON, the two operations a configuration read needs:
 *
 * - StartConfigurationSession: `POST /configurationsessions`, the input as a JSON body, answered
 *   201 with `{ InitialConfigurationToken }`.
 * - GetLatestConfiguration: `GET /configuration?configuration_token=...`, answered with the
 *   configuration's raw bytes as the body and the rest in headers (Next-Poll-Configuration-Token,
 *   Next-Poll-Interval-In-Seconds, Content-Type, Version-Label).
 *
 * The outputs have the SDK's shapes, with one normalisation: an empty body (the configuration has
 * not changed since the token was issued) is an empty Uint8Array, where the SDK itself says null.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { MalformedMember } from './decode.js'
import { encodeJson, parseObject } from './protocol-json.js'
import type { UnsignedRequest } from './sign.js'

/** RFC 3986 encoding of a query value, as the SDK's extendedEncodeURIComponent. */
function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** Undefined when `operation` is not one of the two. `base`: the endpoint path without its trailing slash. */
export function restRequest(base: string, operation: string, input: Readonly<Record<string, unknown>>): UnsignedRequest | undefined {
  if (operation === 'StartConfigurationSession') {
    return { method: 'POST', path: `${base}/configurationsessions`, headers: { 'Content-Type': 'application/json' }, body: encodeJson(input) }
  }
  if (operation === 'GetLatestConfiguration') {
    const token = input.ConfigurationToken
    const query = typeof token === 'string' ? `?configuration_token=${encodeQueryValue(token)}` : ''
    return { method: 'GET', path: `${base}/configuration${query}`, headers: {} }
  }
  return undefined
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** A successful answer -> the SDK's output shape. Throws MalformedMember when it cannot be one. */
export function restOutput(operation: string, headers: IncomingHttpHeaders, body: Buffer): Record<string, unknown> {
  if (operation === 'StartConfigurationSession') {
    const out = parseObject(body)
    if (!out) throw new MalformedMember()
    return out
  }
  const out: Record<string, unknown> = { Configuration: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) }
  const token = header(headers, 'next-poll-configuration-token')
  if (token !== undefined) out.NextPollConfigurationToken = token
  const interval = header(headers, 'next-poll-interval-in-seconds')
  if (interval !== undefined) {
    if (!/^-?\d+$/.test(interval.trim())) throw new MalformedMember()
    out.NextPollIntervalInSeconds = Number(interval)
  }
  const contentType = header(headers, 'content-type')
  if (contentType !== undefined) out.ContentType = contentType
  const versionLabel = header(headers, 'version-label')
  if (versionLabel !== undefined) out.VersionLabel = versionLabel
  return out
}
