/**
 * What the seed file's section parsers share: the error they throw and the checks on JSON
 * shapes. Messages name the file, the section, the key and the rule, never a value.
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
