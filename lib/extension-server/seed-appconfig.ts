/**
 * The seed file's "appConfig" section, in the model's seed shape: each key names
 * `application/environment/profile`, each entry is the deployed configuration:
 *
 *   "shop/prod/settings": "{\"currency\":\"EUR\"}"                    JSON (application/json)
 *   "shop/prod/banner":   { "content": "Sale!", "contentType": "text/plain" }
 *   "shop/prod/model":    { "binary": "<base64>", "contentType": "application/octet-stream" }
 *
 * JSON content (the string shorthand, or a JSON content type) must parse: a client of the
 * AppConfig extension would parse it. Errors name the file and the key, never the content.
 */
import type { ConfigurationSeed } from '../testing/model.js'
import { SeedFileError, decodeBase64, isObject, sectionEntries } from './seed-json.js'

/** `application/environment/profile` -> the configuration to deploy. */
export type SeedConfigurations = Readonly<Record<string, ConfigurationSeed>>

const ENTRY_KEYS = ['content', 'binary', 'contentType']
const SHAPES = 'a JSON string, { "content": "...", "contentType": "..." } or { "binary": "<base64>", "contentType": "..." }'
/** AppConfig identifiers (names or ids) are 1 to 128 characters; content types at most 255. */
const MAX_NAME = 128
const MAX_CONTENT_TYPE = 255
const JSON_CONTENT_TYPE = /^\s*(application\/json|[^;\s]+\+json)\s*(;|$)/i

export function parseConfigurations(section: unknown, path: string): SeedConfigurations {
  const out: Record<string, ConfigurationSeed> = {}
  for (const [key, entry] of sectionEntries(section, 'appConfig', path)) {
    const where = `${path}: appConfig['${key}']`
    checkKey(key, where)
    out[key] = configuration(entry, where)
  }
  return out
}

function checkKey(key: string, where: string): void {
  const parts = key.split('/')
  if (parts.length !== 3 || parts.some((part) => part === '' || part.length > MAX_NAME)) {
    throw new SeedFileError(`${where}: the key names application/environment/profile (three names or ids of 1 to ${MAX_NAME} characters, no other slash)`)
  }
}

function configuration(entry: unknown, where: string): ConfigurationSeed {
  if (typeof entry === 'string') {
    checkJson(entry, where, 'a string entry is JSON (application/json); for other text give { "content": "...", "contentType": "text/plain" }')
    return entry
  }
  if (!isObject(entry)) throw new SeedFileError(`${where} must be ${SHAPES}`)
  const unknown = Object.keys(entry).filter((key) => !ENTRY_KEYS.includes(key))
  if (unknown.length > 0) throw new SeedFileError(`${where} has unknown key(s) ${unknown.map((k) => `'${k}'`).join(', ')}; expected ${SHAPES}`)
  const hasContent = typeof entry.content === 'string'
  const hasBinary = typeof entry.binary === 'string'
  if (hasContent === hasBinary || (entry.content !== undefined && !hasContent) || (entry.binary !== undefined && !hasBinary)) {
    throw new SeedFileError(`${where} must have a "content" (a string) or a "binary" (a base64 string): exactly one`)
  }
  const contentType = checkContentType(entry.contentType, where)
  if (hasBinary) return { content: decodeBase64(entry.binary as string, `${where}.binary`), ...(contentType === undefined ? {} : { contentType }) }
  const content = entry.content as string
  if (contentType === undefined || JSON_CONTENT_TYPE.test(contentType)) checkJson(content, where, `its content type is ${contentType ?? 'application/json (the default)'}`)
  return { content, ...(contentType === undefined ? {} : { contentType }) }
}

function checkContentType(contentType: unknown, where: string): string | undefined {
  if (contentType === undefined) return undefined
  if (typeof contentType !== 'string' || !/^[^\s/]+\/[^\s/]+/.test(contentType) || contentType.length > MAX_CONTENT_TYPE) {
    throw new SeedFileError(`${where}.contentType must be a media type such as "application/json" or "text/plain" (at most ${MAX_CONTENT_TYPE} characters)`)
  }
  return contentType
}

function checkJson(content: string, where: string, why: string): void {
  try {
    JSON.parse(content)
  } catch {
    throw new SeedFileError(`${where} is not valid JSON, and ${why}`)
  }
}
