/**
 * Turning what a store returned into what the handler gets: json, base64, binary, auto, and
 * the pick of one JSON field. Errors here say what was wrong with the format, never the value
 * (JSON.parse's own message quotes the text, so it is never passed on).
 */
import { printsAs } from './json-number.js'

export type Transform = 'json' | 'base64' | 'binary' | 'auto'

/** Transforms after `auto` has looked at the name. */
export type ConcreteTransform = 'none' | 'json' | 'base64' | 'binary'

export const TRANSFORMS: readonly Transform[] = ['json', 'base64', 'binary', 'auto']

/** Thrown by a transform; the message describes the format problem only. */
export class TransformError extends Error {
  override readonly name = 'TransformError'
}

/** `auto` as Powertools does it: `.json` -> json, `.binary` -> binary, anything else as is. */
export function concreteTransform(transform: Transform | undefined, name: string): ConcreteTransform {
  if (transform === undefined) return 'none'
  if (transform !== 'auto') return transform
  const lower = name.toLowerCase()
  if (lower.endsWith('.json')) return 'json'
  if (lower.endsWith('.binary')) return 'binary'
  return 'none'
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Text as it is, bytes decoded as UTF-8 (TransformError if they are not). */
export function asText(raw: string | Uint8Array): string {
  if (typeof raw === 'string') return raw
  try {
    return decoder.decode(raw)
  } catch {
    throw new TransformError('is binary and not valid UTF-8 text')
  }
}

function decodeBase64(raw: string | Uint8Array): Uint8Array {
  if (typeof raw !== 'string') return raw // SecretBinary already arrives as bytes
  const text = raw.trim()
  const body = text.replace(/=+$/, '')
  const padding = text.length - body.length
  // Unpadded (base64url) text may end mid-quantum by 2 or 3 characters, never by 1; padding completes a quantum.
  if (!/^[A-Za-z0-9+/_-]*$/.test(body) || padding > 2 || body.length % 4 === 1 || (padding > 0 && text.length % 4 !== 0)) {
    throw new TransformError('is not valid base64')
  }
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/** Applies one concrete transform to one raw value (a DynamoDB value may be a number, a map...). */
export function applyTransform(transform: ConcreteTransform, raw: unknown): unknown {
  if (transform === 'none') return raw
  if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
    throw new TransformError(`is ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : `a ${typeof raw === 'object' ? 'map' : typeof raw}`}, not text, so transform '${transform}' cannot apply; declare no transform (a map arrives as an object)`)
  }
  switch (transform) {
    case 'json': {
      const text = asText(raw)
      try {
        return JSON.parse(text) as unknown
      } catch {
        // Not even its length: a short password's length narrows the guess.
        throw new TransformError(text.trim() === '' ? 'is empty, not JSON' : 'is not valid JSON')
      }
    }
    case 'base64':
      return decodeBase64(raw)
    case 'binary':
      return asText(decodeBase64(raw))
  }
}

/** One top-level field of a parsed JSON object, like ECS's `json-key`. */
export function pickField(parsed: unknown, field: string): unknown {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TransformError(`is not a JSON object, so field '${field}' cannot be picked`)
  }
  if (!Object.prototype.hasOwnProperty.call(parsed, field)) {
    // The field names of a JSON secret are part of the secret: count them, never list them.
    const count = Object.keys(parsed).length
    throw new TransformError(`has no field '${field}' (it has ${count} field${count === 1 ? '' : 's'})`)
  }
  return (parsed as Record<string, unknown>)[field]
}

/** In unicode mode \p{Cs} matches only the surrogates that are not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * A value written to process.env must be text: strings as they are, numbers and booleans printed.
 * `spelled` is a number's text in the JSON it was read from (json-number.ts), when it was.
 */
export function envText(value: unknown, spelled?: string): string {
  if (typeof value === 'string') {
    // Node silently cuts an environment variable at a NUL character: refuse rather than alter.
    if (value.includes('\u0000')) throw new TransformError('contains a NUL character, which an environment variable cannot hold')
    // A lone surrogate (a JSON \ud800 escape, say) is not text Node can encode: it would write U+FFFD.
    if (LONE_SURROGATE.test(value)) throw new TransformError('contains a lone UTF-16 surrogate, which an environment variable cannot hold')
    return value
  }
  // An integer beyond the safe ones (an account id, say; 2^53 too, which 2^53 + 1 also parses to)
  // or past the largest double may stand for other digits, or be Infinity: written as text it could
  // be a different value. Refuse, as for DynamoDB.
  if (typeof value === 'number' && (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)))) {
    throw new TransformError('is a number too large to be read exactly (beyond 2^53 - 1); store it as a string')
  }
  // Read from JSON as the nearest double (1e-400 as 0, twenty digits as seventeen): other digits too.
  if (typeof value === 'number' && spelled !== undefined && !printsAs(value, spelled)) {
    throw new TransformError('is a number with more precision than JSON numbers are read with (a double); store it as a string')
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (value instanceof Uint8Array) throw new TransformError("is binary; declare transform 'binary' to inject it as text")
  throw new TransformError(`is ${value === null ? 'null' : typeof value}, and environment variables hold text; pick a text field with 'field'`)
}
