/**
 * An in-memory model of Secrets Manager and SSM Parameter Store state: versions, staging
 * labels, rotation schedule, parameter versions and labels. It follows AWS's rules (moving
 * AWSCURRENT hands AWSPREVIOUS to the version that held it) so that the memory store and the
 * local AWS-protocol server behave like the real services. It has no I/O of its own.
 */
import { canonicalParameterName, relativeName, splitSelector } from '../ssm-names.js'

export const AWSCURRENT = 'AWSCURRENT'
export const AWSPREVIOUS = 'AWSPREVIOUS'
export const AWSPENDING = 'AWSPENDING'

const REGION = 'us-east-1'
const ACCOUNT = '123456789012'

/** An AWS-shaped error: `code` is the AWS error name, `httpStatus` what AWS answers with. */
export class ModelError extends Error {
  constructor(readonly code: string, message: string, readonly httpStatus = 400) {
    super(message)
    this.name = code
  }
}

export interface SecretVersion {
  readonly versionId: string
  readonly secretString?: string
  readonly secretBinary?: Uint8Array
  readonly createdDate: Date
  stages: string[]
}

export interface SecretRecord {
  readonly name: string
  readonly arn: string
  readonly createdDate: Date
  versions: SecretVersion[]
  rotationEnabled: boolean
  rotationDays?: number
  nextRotationDate?: Date
  lastRotatedDate?: Date
  lastChangedDate: Date
}

export interface ParameterVersion {
  readonly version: number
  readonly value: string
  readonly type: ParameterType
  readonly lastModifiedDate: Date
  labels: string[]
}

export type ParameterType = 'String' | 'StringList' | 'SecureString'

export interface ParameterRecord {
  readonly name: string
  readonly arn: string
  versions: ParameterVersion[]
}

/** A parameter seed: a plain string is a String parameter. */
export type ParameterSeed = string | { readonly value: string; readonly type?: ParameterType }

export interface ModelSeed {
  readonly secrets?: Readonly<Record<string, string | Uint8Array>>
  readonly parameters?: Readonly<Record<string, ParameterSeed>>
}

export interface SecretValueView {
  readonly arn: string
  readonly name: string
  readonly versionId: string
  readonly secretString?: string
  readonly secretBinary?: Uint8Array
  readonly versionStages: readonly string[]
  readonly createdDate: Date
}

export interface SecretDescriptionView {
  readonly arn: string
  readonly name: string
  readonly rotationEnabled: boolean
  readonly rotationDays?: number
  readonly nextRotationDate?: Date
  readonly lastRotatedDate?: Date
  readonly lastChangedDate: Date
  readonly createdDate: Date
  readonly versionIdsToStages: Record<string, string[]>
}

export interface ParameterView {
  readonly name: string
  readonly arn: string
  readonly type: ParameterType
  readonly value: string
  readonly version: number
  readonly lastModifiedDate: Date
  /** `:3` or `:label` when the request named a selector, as GetParameter answers. */
  readonly selector?: string
}

let versionCounter = 0
function newVersionId(): string {
  versionCounter += 1
  const hex = versionCounter.toString(16).padStart(12, '0')
  return `00000000-0000-4000-8000-${hex}`
}

function randomSuffix(name: string): string {
  // AWS appends six random characters to secret ARNs; a stable one keeps tests deterministic.
  let hash = 0
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
  return hash.toString(36).padStart(6, '0').slice(-6)
}

/** What SSM answers for a SecureString read without decryption: not the value. */
function fakeCiphertext(name: string, version: number): string {
  return Buffer.from(`encrypted:${name}:${version}`).toString('base64')
}

export class SecretsModel {
  private readonly secrets = new Map<string, SecretRecord>()
  /** Keyed by canonical name (`/name` and `name` are one parameter); a record keeps the name it was created with. */
  private readonly parameters = new Map<string, ParameterRecord>()

  constructor(seed: ModelSeed = {}) {
    for (const [name, value] of Object.entries(seed.secrets ?? {})) this.createSecret(name, value)
    for (const [name, parameter] of Object.entries(seed.parameters ?? {})) {
      const { value, type } = typeof parameter === 'string' ? { value: parameter, type: undefined } : parameter
      this.putParameter(name, value, { type })
    }
  }

  // ---- Secrets Manager ----------------------------------------------------------------

  secretNames(): string[] {
    return [...this.secrets.keys()]
  }

  createSecret(name: string, value: string | Uint8Array): SecretValueView {
    if (this.secrets.has(name)) throw new ModelError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`)
    const now = new Date()
    const record: SecretRecord = {
      name,
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${randomSuffix(name)}`,
      createdDate: now,
      versions: [],
      rotationEnabled: false,
      lastChangedDate: now,
    }
    this.secrets.set(name, record)
    this.putSecretValue(name, value)
    return this.getSecretValue(name)
  }

  /** Adds a version. With AWSCURRENT among its stages, the old AWSCURRENT becomes AWSPREVIOUS. */
  putSecretValue(
    nameOrArn: string,
    value: string | Uint8Array,
    options: { versionStages?: readonly string[]; versionId?: string } = {},
  ): string {
    const record = this.secretRecord(nameOrArn)
    const versionId = options.versionId ?? newVersionId()
    if (record.versions.some((v) => v.versionId === versionId)) {
      throw new ModelError('ResourceExistsException', `A version with id ${versionId} already exists for ${record.name}.`)
    }
    const stages = [...(options.versionStages ?? [AWSCURRENT])]
    record.versions.push({
      versionId,
      ...(typeof value === 'string' ? { secretString: value } : { secretBinary: new Uint8Array(value) }),
      createdDate: new Date(),
      stages: [],
    })
    for (const stage of stages) this.moveStage(record, stage, versionId)
    record.lastChangedDate = new Date()
    return versionId
  }

  /** UpdateSecretVersionStage: move `stage` to `moveToVersionId`, or remove it from `removeFromVersionId`. */
  updateSecretVersionStage(
    nameOrArn: string,
    stage: string,
    options: { moveToVersionId?: string; removeFromVersionId?: string },
  ): void {
    const record = this.secretRecord(nameOrArn)
    const holder = record.versions.find((v) => v.stages.includes(stage))
    if (options.removeFromVersionId !== undefined && holder && holder.versionId !== options.removeFromVersionId) {
      throw new ModelError('InvalidParameterException', `The staging label ${stage} is currently attached to version ${holder.versionId}, not ${options.removeFromVersionId}.`)
    }
    if (options.moveToVersionId !== undefined) {
      if (holder && holder.versionId !== options.moveToVersionId && options.removeFromVersionId === undefined) {
        throw new ModelError('InvalidParameterException', `The staging label ${stage} is currently attached to version ${holder.versionId}; name it in RemoveFromVersionId.`)
      }
      this.moveStage(record, stage, options.moveToVersionId)
    } else if (holder) {
      holder.stages = holder.stages.filter((s) => s !== stage)
    }
    record.lastChangedDate = new Date()
  }

  /**
   * What a completed rotation does: the new value becomes AWSCURRENT, the old AWSCURRENT
   * becomes AWSPREVIOUS, AWSPENDING is cleared. Returns the new version id.
   */
  rotate(nameOrArn: string, value: string | Uint8Array): string {
    const record = this.secretRecord(nameOrArn)
    const pending = record.versions.find((v) => v.stages.includes(AWSPENDING))
    if (pending) pending.stages = pending.stages.filter((s) => s !== AWSPENDING)
    const versionId = this.putSecretValue(nameOrArn, value)
    this.markRotated(record)
    return versionId
  }

  /** Rotation step 1 (createSecret): a new version labelled only AWSPENDING. */
  stagePending(nameOrArn: string, value: string | Uint8Array): string {
    return this.putSecretValue(nameOrArn, value, { versionStages: [AWSPENDING] })
  }

  /** Rotation step 4 (finishSecret): AWSCURRENT moves to the AWSPENDING version. */
  finishRotation(nameOrArn: string): string {
    const record = this.secretRecord(nameOrArn)
    const pending = record.versions.find((v) => v.stages.includes(AWSPENDING))
    if (!pending) throw new ModelError('InvalidRequestException', `Secret ${record.name} has no AWSPENDING version to finish.`)
    const current = record.versions.find((v) => v.stages.includes(AWSCURRENT))
    this.updateSecretVersionStage(record.name, AWSCURRENT, { moveToVersionId: pending.versionId, removeFromVersionId: current?.versionId })
    pending.stages = pending.stages.filter((s) => s !== AWSPENDING)
    this.markRotated(record)
    return pending.versionId
  }

  setRotation(nameOrArn: string, options: { enabled: boolean; everyDays?: number; nextRotationDate?: Date }): void {
    const record = this.secretRecord(nameOrArn)
    record.rotationEnabled = options.enabled
    record.rotationDays = options.everyDays
    record.nextRotationDate = options.enabled
      ? options.nextRotationDate ?? new Date(Date.now() + (options.everyDays ?? 30) * 86_400_000)
      : undefined
  }

  deleteSecret(nameOrArn: string): void {
    const record = this.secretRecord(nameOrArn)
    this.secrets.delete(record.name)
  }

  getSecretValue(nameOrArn: string, options: { versionId?: string; versionStage?: string } = {}): SecretValueView {
    const record = this.secretRecord(nameOrArn)
    const stage = options.versionStage ?? (options.versionId === undefined ? AWSCURRENT : undefined)
    const version = record.versions.find(
      (v) => (options.versionId === undefined || v.versionId === options.versionId) && (stage === undefined || v.stages.includes(stage)),
    )
    if (!version) {
      const selector = [options.versionId && `VersionId ${options.versionId}`, stage && `staging label ${stage}`].filter(Boolean).join(' and ')
      throw new ModelError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${selector}.`)
    }
    return {
      arn: record.arn,
      name: record.name,
      versionId: version.versionId,
      secretString: version.secretString,
      secretBinary: version.secretBinary,
      versionStages: [...version.stages],
      createdDate: version.createdDate,
    }
  }

  describeSecret(nameOrArn: string): SecretDescriptionView {
    const record = this.secretRecord(nameOrArn)
    const versionIdsToStages: Record<string, string[]> = {}
    for (const v of record.versions) if (v.stages.length > 0) versionIdsToStages[v.versionId] = [...v.stages]
    return {
      arn: record.arn,
      name: record.name,
      rotationEnabled: record.rotationEnabled,
      rotationDays: record.rotationDays,
      nextRotationDate: record.nextRotationDate,
      lastRotatedDate: record.lastRotatedDate,
      lastChangedDate: record.lastChangedDate,
      createdDate: record.createdDate,
      versionIdsToStages,
    }
  }

  /** Finds a secret by name, full ARN, or ARN without the random suffix, as AWS does. */
  secretRecord(nameOrArn: string): SecretRecord {
    const byName = this.secrets.get(nameOrArn)
    if (byName) return byName
    for (const record of this.secrets.values()) {
      if (record.arn === nameOrArn || record.arn.slice(0, -7) === nameOrArn) return record
    }
    throw new ModelError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")
  }

  private moveStage(record: SecretRecord, stage: string, versionId: string): void {
    const target = record.versions.find((v) => v.versionId === versionId)
    if (!target) throw new ModelError('ResourceNotFoundException', `Secrets Manager can't find version ${versionId} of ${record.name}.`)
    const holder = record.versions.find((v) => v.stages.includes(stage))
    if (holder === target) return
    if (holder) holder.stages = holder.stages.filter((s) => s !== stage)
    if (stage === AWSCURRENT && holder) {
      // AWS hands AWSPREVIOUS to the version that held AWSCURRENT.
      for (const v of record.versions) v.stages = v.stages.filter((s) => s !== AWSPREVIOUS)
      holder.stages.push(AWSPREVIOUS)
    }
    target.stages.push(stage)
  }

  private markRotated(record: SecretRecord): void {
    record.lastRotatedDate = new Date()
    if (record.rotationEnabled) record.nextRotationDate = new Date(Date.now() + (record.rotationDays ?? 30) * 86_400_000)
  }

  // ---- SSM Parameter Store -------------------------------------------------------------

  parameterNames(): string[] {
    return [...this.parameters.values()].map((record) => record.name)
  }

  hasParameter(name: string): boolean {
    return this.parameters.has(canonicalParameterName(name))
  }

  putParameter(name: string, value: string, options: { type?: ParameterType; overwrite?: boolean } = {}): number {
    const existing = this.parameters.get(canonicalParameterName(name))
    if (existing && options.overwrite === false) {
      throw new ModelError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.')
    }
    const record: ParameterRecord = existing ?? { name, arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`, versions: [] }
    const last = record.versions.at(-1)
    const version = (last?.version ?? 0) + 1
    record.versions.push({ version, value, type: options.type ?? last?.type ?? 'String', lastModifiedDate: new Date(), labels: [] })
    this.parameters.set(canonicalParameterName(record.name), record)
    return version
  }

  labelParameterVersion(name: string, labels: readonly string[], version?: number): void {
    const record = this.parameterRecord(name)
    const target = version === undefined ? record.versions.at(-1) : record.versions.find((v) => v.version === version)
    if (!target) throw new ModelError('ParameterVersionNotFound', `Systems Manager could not find version ${version} of ${name}.`)
    for (const v of record.versions) v.labels = v.labels.filter((l) => !labels.includes(l))
    target.labels.push(...labels)
  }

  deleteParameter(name: string): void {
    this.parameters.delete(canonicalParameterName(this.parameterRecord(name).name))
  }

  /**
   * GetParameter: `name`, `name:3` or `name:label`; an ARN works in place of the name, and `/name`
   * for `name` (and the reverse). The answer carries the name the parameter was created with.
   */
  getParameter(nameWithSelector: string, options: { decrypt?: boolean } = {}): ParameterView {
    const { name, selector } = splitSelector(nameWithSelector)
    const record = this.parameterRecord(name)
    let version: ParameterVersion | undefined
    if (selector === undefined) version = record.versions.at(-1)
    else if (/^\d+$/.test(selector)) {
      version = record.versions.find((v) => v.version === Number(selector))
      if (!version) throw new ModelError('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${name}.`)
    } else {
      version = record.versions.find((v) => v.labels.includes(selector))
      if (!version) throw new ModelError('ParameterVersionLabelNotFound', `Systems Manager could not find label ${selector} of ${name}.`)
    }
    if (!version) throw new ModelError('ParameterNotFound', '')
    return this.parameterView(record, version, options.decrypt ?? false, selector === undefined ? undefined : `:${selector}`)
  }

  /** GetParametersByPath: every parameter below `path` (direct children unless recursive). */
  getParametersByPath(path: string, options: { recursive?: boolean; decrypt?: boolean } = {}): ParameterView[] {
    const views: ParameterView[] = []
    for (const record of this.parameters.values()) {
      const rest = relativeName(path, record.name)
      if (rest === undefined || (!options.recursive && rest.includes('/'))) continue
      views.push(this.parameterView(record, record.versions.at(-1)!, options.decrypt ?? false, undefined))
    }
    return views.sort((a, b) => a.name.localeCompare(b.name))
  }

  parameterRecord(nameOrArn: string): ParameterRecord {
    const direct = this.parameters.get(canonicalParameterName(nameOrArn))
    if (direct) return direct
    for (const record of this.parameters.values()) if (record.arn === nameOrArn) return record
    throw new ModelError('ParameterNotFound', '')
  }

  private parameterView(record: ParameterRecord, version: ParameterVersion, decrypt: boolean, selector: string | undefined): ParameterView {
    const hidden = version.type === 'SecureString' && !decrypt
    return {
      name: record.name,
      arn: record.arn,
      type: version.type,
      value: hidden ? fakeCiphertext(record.name, version.version) : version.value,
      version: version.version,
      lastModifiedDate: version.lastModifiedDate,
      selector,
    }
  }
}
