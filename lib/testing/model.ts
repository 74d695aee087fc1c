/**
 * The in-memory model of AWS state that the memory store and the AWS stand-in share: Secrets
 * Manager and Parameter Store (whose methods SecretsModel offers directly, as it always has),
 * AppConfig (`model.appConfig`) and DynamoDB (`model.dynamodb`). One seed fills all four. It
 * follows AWS's rules so that both test doubles behave like the real services, and has no I/O.
 */
import { AppConfigModel, type ConfigurationSeed } from './appconfig-model.js'
import { DynamoDbModel, type TableSeed } from './dynamodb-model.js'
import { ParameterStoreModel, type ParameterSeed, type ParameterType, type ParameterView, type ParameterRecord } from './parameter-store-model.js'
import { SecretsManagerModel, type SecretDescriptionView, type SecretRecord, type SecretValueView } from './secrets-manager-model.js'

export { ModelError } from './model-error.js'
export { AWSCURRENT, AWSPENDING, AWSPREVIOUS, type SecretDescriptionView, type SecretRecord, type SecretValueView, type SecretVersion } from './secrets-manager-model.js'
export type { ParameterRecord, ParameterSeed, ParameterType, ParameterVersion, ParameterView } from './parameter-store-model.js'
export { AppConfigModel, type AppConfigResource, type AppConfigTarget, type ConfigurationSeed, type DeployedConfiguration, type DeployOptions, type HostedConfigurationVersion } from './appconfig-model.js'
export { DynamoDbModel, type KeySchema, type PrimaryKey, type TableDescription, type TableSeed } from './dynamodb-model.js'
export type { Item, ItemInput, ItemValue, ItemValueInput, KeyValue } from './dynamodb-values.js'

export interface ModelSeed {
  /** Secret name -> SecretString (text) or SecretBinary (bytes). */
  readonly secrets?: Readonly<Record<string, string | Uint8Array>>
  readonly parameters?: Readonly<Record<string, ParameterSeed>>
  /** `application/environment/profile` (names) -> the deployed configuration (a string: JSON). */
  readonly appConfig?: Readonly<Record<string, ConfigurationSeed>>
  /** Table name -> key schema and items. */
  readonly dynamodb?: Readonly<Record<string, TableSeed>>
}

export class SecretsModel {
  readonly appConfig = new AppConfigModel()
  readonly dynamodb = new DynamoDbModel()
  private readonly secretsManager = new SecretsManagerModel()
  private readonly parameterStore = new ParameterStoreModel()

  constructor(seed: ModelSeed = {}) {
    this.load(seed)
  }

  /** Adds what a seed holds (a memory store given a model and a seed loads the seed this way). */
  load(seed: ModelSeed): void {
    for (const [name, value] of Object.entries(seed.secrets ?? {})) this.createSecret(name, value)
    for (const [name, parameter] of Object.entries(seed.parameters ?? {})) {
      const { value, type } = typeof parameter === 'string' ? { value: parameter, type: undefined } : parameter
      this.putParameter(name, value, { type })
    }
    for (const [path, configuration] of Object.entries(seed.appConfig ?? {})) {
      const [application, environment, profile, ...rest] = path.split('/')
      if (!application || !environment || !profile || rest.length > 0) {
        throw new TypeError(`An appConfig seed is keyed 'application/environment/profile', not '${path}'.`)
      }
      const { content, ...options } = typeof configuration === 'string' ? { content: configuration } : configuration
      this.appConfig.deploy(application, environment, profile, content, options)
    }
    for (const [name, { items = [], ...schema }] of Object.entries(seed.dynamodb ?? {})) {
      this.dynamodb.createTable(name, schema)
      for (const item of items) this.dynamodb.putItem(name, item)
    }
  }

  // ---- Secrets Manager (see SecretsManagerModel) ----------------------------------------

  secretNames(): string[] {
    return this.secretsManager.secretNames()
  }

  createSecret(name: string, value: string | Uint8Array): SecretValueView {
    return this.secretsManager.createSecret(name, value)
  }

  /** Adds a version. With AWSCURRENT among its stages, the old AWSCURRENT becomes AWSPREVIOUS. */
  putSecretValue(nameOrArn: string, value: string | Uint8Array, options?: { versionStages?: readonly string[]; versionId?: string }): string {
    return this.secretsManager.putSecretValue(nameOrArn, value, options)
  }

  /** UpdateSecretVersionStage: move `stage` to `moveToVersionId`, or remove it from `removeFromVersionId`. */
  updateSecretVersionStage(nameOrArn: string, stage: string, options: { moveToVersionId?: string; removeFromVersionId?: string }): void {
    this.secretsManager.updateSecretVersionStage(nameOrArn, stage, options)
  }

  /** A completed rotation: the new value becomes AWSCURRENT, the old one AWSPREVIOUS. Returns the new version id. */
  rotate(nameOrArn: string, value: string | Uint8Array): string {
    return this.secretsManager.rotate(nameOrArn, value)
  }

  /** Rotation step 1 (createSecret): a new version labelled only AWSPENDING. */
  stagePending(nameOrArn: string, value: string | Uint8Array): string {
    return this.secretsManager.stagePending(nameOrArn, value)
  }

  /** Rotation step 4 (finishSecret): AWSCURRENT moves to the AWSPENDING version. */
  finishRotation(nameOrArn: string): string {
    return this.secretsManager.finishRotation(nameOrArn)
  }

  setRotation(nameOrArn: string, options: { enabled: boolean; everyDays?: number; nextRotationDate?: Date }): void {
    this.secretsManager.setRotation(nameOrArn, options)
  }

  deleteSecret(nameOrArn: string): void {
    this.secretsManager.deleteSecret(nameOrArn)
  }

  getSecretValue(nameOrArn: string, options?: { versionId?: string; versionStage?: string }): SecretValueView {
    return this.secretsManager.getSecretValue(nameOrArn, options)
  }

  describeSecret(nameOrArn: string): SecretDescriptionView {
    return this.secretsManager.describeSecret(nameOrArn)
  }

  /** Finds a secret by name, full ARN, or ARN without the random suffix, as AWS does. */
  secretRecord(nameOrArn: string): SecretRecord {
    return this.secretsManager.secretRecord(nameOrArn)
  }

  // ---- SSM Parameter Store (see ParameterStoreModel) ------------------------------------

  parameterNames(): string[] {
    return this.parameterStore.parameterNames()
  }

  hasParameter(name: string): boolean {
    return this.parameterStore.hasParameter(name)
  }

  putParameter(name: string, value: string, options?: { type?: ParameterType; overwrite?: boolean }): number {
    return this.parameterStore.putParameter(name, value, options)
  }

  labelParameterVersion(name: string, labels: readonly string[], version?: number): void {
    this.parameterStore.labelParameterVersion(name, labels, version)
  }

  deleteParameter(name: string): void {
    this.parameterStore.deleteParameter(name)
  }

  /** GetParameter: `name`, `name:3` or `name:label`; an ARN in place of the name, `/name` for `name`. */
  getParameter(nameWithSelector: string, options?: { decrypt?: boolean }): ParameterView {
    return this.parameterStore.getParameter(nameWithSelector, options)
  }

  /** GetParametersByPath: every parameter below `path` (direct children unless recursive). */
  getParametersByPath(path: string, options?: { recursive?: boolean; decrypt?: boolean }): ParameterView[] {
    return this.parameterStore.getParametersByPath(path, options)
  }

  parameterRecord(nameOrArn: string): ParameterRecord {
    return this.parameterStore.parameterRecord(nameOrArn)
  }
}
