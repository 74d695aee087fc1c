/**
 * What a configuration's bytes become: text for a textual content type (JSON, YAML, XML, TOML,
 * text/*, any +json/+xml/+yaml), bytes otherwise, as the memory store reads them
 * (lib/testing/memory-reads.ts; __tests__/stores/appconfig.test.ts checks that they agree).
 */
const TEXTUAL_CONTENT_TYPE = /^\s*(text\/[^;\s]+|application\/(json|xml|yaml|x-yaml|toml|javascript|ecmascript)|[^;\s]+\+(json|xml|yaml))\s*(;|$)/i

export function isTextualContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXTUAL_CONTENT_TYPE.test(contentType)
}

/** The configuration as the store answers it. A copy of the bytes: the answer's buffer may be pooled. */
export function configurationValue(bytes: Uint8Array, contentType: string | undefined): string | Uint8Array {
  return isTextualContentType(contentType) ? new TextDecoder().decode(bytes) : new Uint8Array(bytes)
}

/** Whether two answers hold the same configuration, so the previous value (and its memoized transform) can serve. */
export function sameConfiguration(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b
  return a.length === b.length && Buffer.compare(a, b) === 0
}
