/**
 * The seed file's "secrets" section. Each secret is one of:
 *
 *   "prod/api": "text"                          one version, AWSCURRENT
 *   "prod/cert": { "binary": "<base64>" }       one binary version, AWSCURRENT
 *   "prod/db": { "versions": [                  versions with their staging labels
 *     { "value": "{...}", "stages": ["AWSPREVIOUS"] },
 *     { "value": "{...}", "stages": ["AWSCURRENT"], "id": "optional-version-id" },
 *     { "binary": "<base64>", "stages": ["AWSPENDING"] } ] }
 *
 * checked as Secrets Manager would have them: a staging label on one version at most, exactly
 * one AWSCURRENT, version ids unique. Rehearsing a rotation is editing the file so AWSCURRENT
 * moves to the new version and AWSPREVIOUS to the old one.
 */
import { AWSCURRENT } from '../testing/model.js'
import { SeedFileError, checkKnownKeys, decodeBase64, isObject, sectionEntries, textOrBinary } from './seed-json.js'

export interface SeedSecretVersion {
  /** SecretString as text, SecretBinary as bytes. */
  readonly value: string | Uint8Array
  /** Staging labels; none is a version only `versionId=` reaches. */
  readonly stages: readonly string[]
  /** The version id; absent, one is derived when the model is built (seed-model.ts). */
  readonly id?: string
}

/** Secret name -> its versions, in file order. */
export type SeedSecrets = Readonly<Record<string, readonly SeedSecretVersion[]>>

const VERSION_KEYS = ['value', 'binary', 'stages', 'id']
const SHAPES = 'a string, { "binary": "<base64>" } or { "versions": [...] }'
const VERSION_SHAPE = '{ "value": "..." } or { "binary": "<base64>" }, with "stages": [...] and an optional "id"'

export function parseSecrets(section: unknown, path: string): SeedSecrets {
  const out: Record<string, readonly SeedSecretVersion[]> = {}
  for (const [name, entry] of sectionEntries(section, 'secrets', path)) {
    const where = `${path}: secrets['${name}']`
    out[name] = secretVersions(entry, where)
    checkVersions(out[name], where)
  }
  return out
}

function secretVersions(entry: unknown, where: string): SeedSecretVersion[] {
  if (typeof entry === 'string') return [{ value: entry, stages: [AWSCURRENT] }]
  if (isObject(entry) && Object.keys(entry).length === 1) {
    if (typeof entry.binary === 'string') return [{ value: decodeBase64(entry.binary, `${where}.binary`), stages: [AWSCURRENT] }]
    if (entry.versions !== undefined) {
      if (!Array.isArray(entry.versions) || entry.versions.length === 0) throw new SeedFileError(`${where}.versions must be a non-empty array of ${VERSION_SHAPE}`)
      return entry.versions.map((version, index) => secretVersion(version, `${where}.versions[${index}]`))
    }
  }
  throw new SeedFileError(`${where} must be ${SHAPES}`)
}

function secretVersion(entry: unknown, where: string): SeedSecretVersion {
  if (!isObject(entry)) throw new SeedFileError(`${where} must be ${VERSION_SHAPE}`)
  checkKnownKeys(entry, VERSION_KEYS, where, VERSION_SHAPE)
  const value = textOrBinary(entry, 'value', where)
  if (entry.id !== undefined && (typeof entry.id !== 'string' || entry.id === '')) throw new SeedFileError(`${where}.id must be a non-empty string`)
  return { value, stages: stages(entry.stages, `${where}.stages`), ...(entry.id === undefined ? {} : { id: entry.id }) }
}

function stages(entry: unknown, where: string): string[] {
  if (!Array.isArray(entry) || !entry.every((stage) => typeof stage === 'string' && stage.length > 0 && stage.length <= 256)) {
    throw new SeedFileError(`${where} must be an array of staging labels (1 to 256 characters), e.g. ["${AWSCURRENT}"]; [] for none`)
  }
  const twice = entry.find((stage, index) => entry.indexOf(stage) !== index)
  if (twice !== undefined) throw new SeedFileError(`${where} lists '${twice}' twice`)
  return entry as string[]
}

/** Secrets Manager's rules across the versions of one secret. */
function checkVersions(versions: readonly SeedSecretVersion[], where: string): void {
  const labelHolder = new Map<string, number>()
  const idHolder = new Map<string, number>()
  versions.forEach((version, index) => {
    for (const stage of version.stages) {
      const other = labelHolder.get(stage)
      if (other !== undefined) throw new SeedFileError(`${where}: the staging label '${stage}' is on versions[${other}] and versions[${index}]; a label can be on one version only`)
      labelHolder.set(stage, index)
    }
    if (version.id === undefined) return
    const other = idHolder.get(version.id)
    if (other !== undefined) throw new SeedFileError(`${where}: the version id '${version.id}' is on versions[${other}] and versions[${index}]; version ids must be unique`)
    idHolder.set(version.id, index)
  })
  if (!labelHolder.has(AWSCURRENT)) throw new SeedFileError(`${where}: no version has the staging label ${AWSCURRENT}; exactly one must`)
}
