/**
 * What the seed file's section parsers share: the error they throw and the checks on JSON
 * shapes (known keys only, text or base64 bytes). Messages name the file, the section, the key
 * and the rule, never a value.
 */

export class SeedFileError extends Error {
  override readonly name = 'SeedFileError'
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A section's `name -> entry` pairs; an absent section is empty. */
export function sectionEntries(section: unknown, key: string, path: string): Array<[string, unknown]> {
  if (section === undefined) return []
  if (!isObject(section)) throw new SeedFileError(`${path}: "${key}" must be an object of name -> value`)
  return Object.entries(section)
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/

/** Base64 (padding optional) -> bytes; `where` names the field in the error. */
export function decodeBase64(text: string, where: string): Uint8Array {
  if (!BASE64.test(text)) throw new SeedFileError(`${where} is not base64`)
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/**
 * Refuses keys outside `known`, counting them and saying the shape expected. The keys are not
 * named: an object here may be the value itself written inline (a JSON secret or configuration
 * as an object, not as a string), whose field names are part of the secret.
 */
export function checkKnownKeys(entry: Record<string, unknown>, known: readonly string[], where: string, shape: string): void {
  const count = Object.keys(entry).filter((key) => !known.includes(key)).length
  if (count > 0) {
    const keys = count === 1 ? 'a key' : `${count} keys`
    throw new SeedFileError(`${where} has ${keys} other than ${known.map((k) => `"${k}"`).join(', ')} (not named: if this object is the value itself, write it as a JSON string); expected ${shape}`)
  }
}

/** The entry's text under `textKey`, or its bytes under "binary" (base64): exactly one of the two. */
export function textOrBinary(entry: Record<string, unknown>, textKey: string, where: string): string | Uint8Array {
  const text = entry[textKey]
  const hasText = typeof text === 'string'
  const hasBinary = typeof entry.binary === 'string'
  if (hasText === hasBinary || (text !== undefined && !hasText) || (entry.binary !== undefined && !hasBinary)) {
    throw new SeedFileError(`${where} must have a "${textKey}" (a string) or a "binary" (a base64 string): exactly one`)
  }
  return hasBinary ? decodeBase64(entry.binary as string, `${where}.binary`) : (text as string)
}
