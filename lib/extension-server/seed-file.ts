/**
 * The `serve --file` JSON, in memoryStore's seed shape:
 *
 *   { "secrets":    { "prod/db": "{\"username\":\"u\"}", "prod/cert": { "binary": "<base64>" } },
 *     "parameters": { "/prod/url": "https://...", "/prod/key": { "value": "k", "type": "SecureString" } } }
 *
 * Errors name the file, the key and what is wrong, never a value (not even the JSON parser's
 * excerpt of the text, which could be one).
 */
import { readFile } from 'node:fs/promises'
import type { ModelSeed, ParameterSeed, ParameterType } from '../testing/model.js'

const TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString']

export class SeedFileError extends Error {
  override readonly name = 'SeedFileError'
}

export async function loadSeedFile(path: string): Promise<ModelSeed> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new SeedFileError(`${path}: cannot be read (${code})`)
  }
  return parseSeed(text, path)
}

export function parseSeed(text: string, path = 'the seed file'): ModelSeed {
  const json = parseJson(text, path)
  if (!isObject(json)) throw new SeedFileError(`${path}: expected an object { "secrets": {...}, "parameters": {...} }`)
  const unknown = Object.keys(json).filter((key) => key !== 'secrets' && key !== 'parameters')
  if (unknown.length > 0) throw new SeedFileError(`${path}: unknown top-level key(s) ${unknown.map((k) => `'${k}'`).join(', ')}; expected "secrets" and "parameters"`)
  return { secrets: secrets(json.secrets, path), parameters: parameters(json.parameters, path) }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    // Keep only the position: V8's message quotes the text around it.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1]
    throw new SeedFileError(`${path}: not valid JSON${position === undefined ? '' : ` (at ${lineAndColumn(text, Number(position))})`}`)
  }
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n')
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

function secrets(section: unknown, path: string): Record<string, string | Uint8Array> {
  const out: Record<string, string | Uint8Array> = {}
  for (const [name, value] of entries(section, 'secrets', path)) {
    if (typeof value === 'string') out[name] = value
    else if (isObject(value) && typeof value.binary === 'string' && Object.keys(value).length === 1) out[name] = new Uint8Array(Buffer.from(value.binary, 'base64'))
    else throw new SeedFileError(`${path}: secrets['${name}'] must be a string, or { "binary": "<base64>" }`)
  }
  return out
}

function parameters(section: unknown, path: string): Record<string, ParameterSeed> {
  const out: Record<string, ParameterSeed> = {}
  for (const [name, value] of entries(section, 'parameters', path)) {
    if (typeof value === 'string') out[name] = value
    else if (isObject(value) && typeof value.value === 'string' && (value.type === undefined || TYPES.includes(value.type as ParameterType))) {
      out[name] = { value: value.value, type: value.type as ParameterType | undefined }
    } else {
      throw new SeedFileError(`${path}: parameters['${name}'] must be a string, or { "value": "...", "type": ${TYPES.map((t) => `"${t}"`).join(' | ')} }`)
    }
  }
  return out
}

function entries(section: unknown, key: string, path: string): Array<[string, unknown]> {
  if (section === undefined) return []
  if (!isObject(section)) throw new SeedFileError(`${path}: "${key}" must be an object of name -> value`)
  return Object.entries(section)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
