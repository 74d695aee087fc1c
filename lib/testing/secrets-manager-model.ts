/**
 * Secrets Manager's state: secrets, their versions and staging labels, and the rotation
 * schedule. It follows AWS's rules (moving AWSCURRENT hands AWSPREVIOUS to the version that held
 * it) so that the memory store and the AWS stand-in behave like the real service.
 */
import { arn } from './aws-account.js'
import { ModelError } from './model-error.js'

export const AWSCURRENT = 'AWSCURRENT'
export const AWSPREVIOUS = 'AWSPREVIOUS'
export const AWSPENDING = 'AWSPENDING'

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

export class SecretsManagerModel {
  private readonly secrets = new Map<string, SecretRecord>()

  secretNames(): string[] {
    return [...this.secrets.keys()]
  }

  createSecret(name: string, value: string | Uint8Array): SecretValueView {
    if (this.secrets.has(name)) throw new ModelError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`)
    const now = new Date()
    const record: SecretRecord = {
      name,
      arn: arn('secretsmanager', `secret:${name}-${randomSuffix(name)}`),
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
}
