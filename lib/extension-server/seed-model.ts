/**
 * A parsed seed file -> the in-memory model the server answers from, built through the model's
 * public methods as a script against the AWS API would build it.
 *
 * A version without an "id" gets one derived from the secret's name and the version's value,
 * keyed by a random key drawn once per process (an HMAC, so an id reveals nothing of the value).
 * Reading the same file again gives the same ids: a reload gives a new id to a new value only,
 * as AWS does, and moving AWSCURRENT between versions keeps their ids, as a rotation does.
 * Configurations are deployed with the version numbers they have reached across reloads
 * (seed-appconfig-versions.ts).
 */
import { createHmac, randomBytes } from 'node:crypto'
import { AWSCURRENT, AWSPREVIOUS, ModelError, SecretsModel } from '../testing/model.js'
import { nextVersions, type ConfigurationVersions, type NumberedConfiguration } from './seed-appconfig-versions.js'
import type { SeedFile } from './seed-file.js'
import { SeedFileError } from './seed-json.js'
import type { SeedSecretVersion } from './seed-secrets.js'

const ID_KEY = randomBytes(32)

type IdentifiedVersion = SeedSecretVersion & { readonly id: string }

/** `versions`: the configurations' numbers so far (default: as if read for the first time). */
export function buildModel(seed: SeedFile, path: string, versions: ConfigurationVersions = nextVersions(new Map(), seed.appConfig)): SecretsModel {
  const model = new SecretsModel({ parameters: seed.parameters })
  for (const key of Object.keys(seed.appConfig)) {
    const numbered = versions.get(key)
    if (numbered) deployConfiguration(model, key, numbered)
  }
  for (const [name, versions] of Object.entries(seed.secrets)) {
    try {
      addSecret(model, name, withIds(name, versions))
    } catch (error) {
      // The file was checked already; the model's messages name ids and labels, never values.
      if (error instanceof ModelError) throw new SeedFileError(`${path}: secrets['${name}']: ${error.message}`)
      throw error
    }
  }
  return model
}

/**
 * Deploys the entry as hosted version `version`: the versions before it are placeholders no
 * request reaches (the extension serves the deployed version only).
 */
function deployConfiguration(model: SecretsModel, key: string, { version, entry }: NumberedConfiguration): void {
  const [application, environment, profile] = key.split('/') as [string, string, string]
  const { content, contentType } = typeof entry === 'string' ? { content: entry, contentType: undefined } : entry
  const app = model.appConfig.createApplication(application)
  const env = model.appConfig.createEnvironment(app.id, environment)
  const prof = model.appConfig.createConfigurationProfile(app.id, profile)
  for (let placeholder = 1; placeholder < version; placeholder += 1) model.appConfig.createHostedConfigurationVersion(app.id, prof.id, '', { contentType })
  const hosted = model.appConfig.createHostedConfigurationVersion(app.id, prof.id, content, { contentType })
  model.appConfig.startDeployment(app.id, env.id, prof.id, hosted.versionNumber)
}

function addSecret(model: SecretsModel, name: string, versions: readonly IdentifiedVersion[]): void {
  const current = versions.find((version) => version.stages.includes(AWSCURRENT))
  if (!current) throw new ModelError('InvalidParameterException', `no version has the staging label ${AWSCURRENT}`)
  // createSecret makes a first version, with a generated id, as AWSCURRENT. The file's versions
  // go in beside it without labels, then the labels move onto them; the first version is left
  // without labels (AWS's "deprecated" versions), reachable only by its generated id.
  const created = model.createSecret(name, current.value).versionId
  for (const version of versions) model.putSecretValue(name, version.value, { versionId: version.id, versionStages: [] })
  model.updateSecretVersionStage(name, AWSCURRENT, { moveToVersionId: current.id, removeFromVersionId: created })
  // Moving AWSCURRENT handed AWSPREVIOUS to the first version; the file says where it goes.
  model.updateSecretVersionStage(name, AWSPREVIOUS, { removeFromVersionId: created })
  for (const version of versions) {
    for (const stage of version.stages) if (stage !== AWSCURRENT) model.updateSecretVersionStage(name, stage, { moveToVersionId: version.id })
  }
}

function withIds(name: string, versions: readonly SeedSecretVersion[]): IdentifiedVersion[] {
  const seen = new Map<string, number>()
  return versions.map((version) => {
    if (version.id !== undefined) return { ...version, id: version.id }
    const value = typeof version.value === 'string' ? `s:${version.value}` : `b:${Buffer.from(version.value).toString('base64')}`
    // Two versions with the same value are still two versions.
    const occurrence = (seen.get(value) ?? 0) + 1
    seen.set(value, occurrence)
    return { ...version, id: derivedId(name, value, occurrence) }
  })
}

/** UUID-shaped, as Secrets Manager's version ids are. */
function derivedId(name: string, value: string, occurrence: number): string {
  const hex = createHmac('sha256', ID_KEY).update(JSON.stringify([name, value, occurrence])).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
