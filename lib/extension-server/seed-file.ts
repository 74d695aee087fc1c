/**
 * The `serve --file` JSON: one object whose keys are sections.
 *
 *   { "secrets":    { "prod/db": "{\"username\":\"u\"}", "prod/cert": { "binary": "<base64>" },
 *                     "prod/api": { "versions": [...] } },             (seed-secrets.ts)
 *     "parameters": { "/prod/url": "https://...", "/prod/key": { "value": "k", "type": "SecureString" } },
 *     "appConfig":  { "shop/prod/settings": "{...}",
 *                     "shop/prod/banner": { "content": "...", "contentType": "text/plain" } } }
 *                                                                      (seed-appconfig.ts)
 *
 * Each section has its parser in SECTIONS, and the parsed file's type follows from that table:
 * a new section is one more entry. Errors name the file, the key
 * and what is wrong, never a value (not even the JSON parser's excerpt of the text, which could
 * be one).
 */
import { readFile } from 'node:fs/promises'
import type { ParameterSeed, ParameterType } from '../testing/model.js'
import { parseConfigurations } from './seed-appconfig.js'
import { SeedFileError, isObject, sectionEntries } from './seed-json.js'
import { parseSecrets } from './seed-secrets.js'

export { SeedFileError } from './seed-json.js'

const SECTIONS = {
  secrets: parseSecrets,
  parameters: parseParameters,
  appConfig: parseConfigurations,
} satisfies Record<string, (section: unknown, path: string) => unknown>

type Section = keyof typeof SECTIONS

/** The parsed file: every section, empty when the file leaves it out. */
export type SeedFile = { readonly [K in Section]: ReturnType<(typeof SECTIONS)[K]> }

const TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString']

export async function loadSeedFile(path: string): Promise<SeedFile> {
  return parseSeed(await readSeedText(path), path)
}

export async function readSeedText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new SeedFileError(`${path}: cannot be read (${code})`)
  }
}

export function parseSeed(text: string, path = 'the seed file'): SeedFile {
  const json = parseJson(text, path)
  const sections = Object.keys(SECTIONS) as Section[]
  const expected = sections.map((key) => `"${key}"`).join(', ')
  if (!isObject(json)) throw new SeedFileError(`${path}: expected an object whose keys are sections: ${expected}`)
  // Counted, not named (as checkKnownKeys does): a JSON secret given as the seed file has its field names here.
  const unknown = Object.keys(json).filter((key) => !(sections as string[]).includes(key)).length
  if (unknown > 0) throw new SeedFileError(`${path}: ${unknown === 1 ? 'a top-level key' : `${unknown} top-level keys`} other than the sections (not named: if this file is a secret's value, put it in a section); expected ${expected}`)
  return Object.fromEntries(sections.map((key) => [key, SECTIONS[key](json[key], path)])) as SeedFile
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

function parseParameters(section: unknown, path: string): Record<string, ParameterSeed> {
  const out: Record<string, ParameterSeed> = {}
  for (const [name, value] of sectionEntries(section, 'parameters', path)) {
    if (typeof value === 'string') out[name] = value
    else if (isObject(value) && typeof value.value === 'string' && (value.type === undefined || TYPES.includes(value.type as ParameterType))) {
      out[name] = { value: value.value, type: value.type as ParameterType | undefined }
    } else {
      throw new SeedFileError(`${path}: parameters['${name}'] must be a string, or { "value": "...", "type": ${TYPES.map((t) => `"${t}"`).join(' | ')} }`)
    }
  }
  return out
}
