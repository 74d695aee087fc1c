/**
 * Secrets Manager (AWS JSON 1.1, `secretsmanager.<Operation>`): the operations the package and
 * rotation tests use, over the model's secrets and staging labels.
 */
import { ModelError, type SecretValueView } from '../model.js'
import type { Handler, HandlerContext, ServiceModule } from './service.js'
import {
  awsJson,
  base64,
  decodeToken,
  epochSeconds,
  listLength,
  maxResults,
  namesIn,
  optionalBoolean,
  optionalString,
  optionalStringList,
  page,
  requiredString,
  validation,
  wrongType,
  type Input,
  type Output,
} from './wire.js'

export const SECRETS_MANAGER_OPERATIONS = [
  'GetSecretValue',
  'BatchGetSecretValue',
  'DescribeSecret',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'CreateSecret',
  'ListSecretVersionIds',
] as const

export type SecretsManagerOperation = (typeof SECRETS_MANAGER_OPERATIONS)[number]

function secretValueJson(view: SecretValueView): Output {
  return {
    ARN: view.arn,
    Name: view.name,
    VersionId: view.versionId,
    SecretString: view.secretString,
    SecretBinary: base64(view.secretBinary),
    VersionStages: [...view.versionStages],
    CreatedDate: epochSeconds(view.createdDate),
  }
}

/** SecretString or SecretBinary (base64 on the wire), exactly one. */
function secretValueInput(input: Input): string | Uint8Array {
  const text = optionalString(input, 'SecretString')
  const binary = optionalString(input, 'SecretBinary')
  if (text !== undefined && binary !== undefined) {
    throw new ModelError('InvalidParameterException', 'You can specify SecretString or SecretBinary, but not both.')
  }
  if (text !== undefined) return text
  if (binary !== undefined) return new Uint8Array(Buffer.from(binary, 'base64'))
  throw new ModelError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.')
}

function sameValue(a: string | Uint8Array | undefined, b: string | Uint8Array): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b
  return a !== undefined && Buffer.from(a).equals(Buffer.from(b))
}

const getSecretValue: Handler = (input, { model }) =>
  secretValueJson(
    model.getSecretValue(requiredString(input, 'SecretId'), {
      versionId: optionalString(input, 'VersionId'),
      versionStage: optionalString(input, 'VersionStage'),
    }),
  )

const BATCH_FILTER_KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'])

interface SecretFilter {
  readonly key: string
  readonly values: readonly string[]
}

function secretFilters(input: Input): SecretFilter[] | undefined {
  const value = input.Filters
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value)) throw wrongType('Filters')
  return value.map((item: unknown) => {
    const filter = (item ?? {}) as Input
    const key = requiredString(filter, 'Key')
    if (!BATCH_FILTER_KEYS.has(key)) throw validation('Key', `Member must satisfy enum value set: [${[...BATCH_FILTER_KEYS].join(', ')}]`, `'${key}'`)
    return { key, values: optionalStringList(filter, 'Values') ?? [] }
  })
}

/** `name` (and `all`) filters match a name prefix, case-insensitively; `!` negates. */
function matchesFilter(name: string, filter: SecretFilter): boolean {
  if (filter.key !== 'name' && filter.key !== 'all') return false // the model has no tags or descriptions
  const lower = name.toLowerCase()
  return filter.values.some((value) =>
    value.startsWith('!') ? !lower.startsWith(value.slice(1).toLowerCase()) : lower.startsWith(value.toLowerCase()),
  )
}

/** One secret of a batch: its value, or its entry in `Errors`. */
function batchEntry(id: string, ctx: HandlerContext): { value?: Output; error?: Output } {
  try {
    const injected = ctx.entryFault(id)
    if (injected) throw injected
    return { value: secretValueJson(ctx.model.getSecretValue(id)) }
  } catch (error) {
    if (!(error instanceof ModelError)) throw error
    return { error: { SecretId: id, ErrorCode: error.code, Message: error.message } }
  }
}

const batchGetSecretValue: Handler = (input, ctx) => {
  const ids = optionalStringList(input, 'SecretIdList')
  const filters = secretFilters(input)
  if ((ids === undefined) === (filters === undefined)) {
    throw new ModelError('InvalidParameterException', 'You must specify either SecretIdList or Filters, but not both.')
  }
  let selected: string[]
  let nextToken: string | undefined
  if (ids !== undefined) {
    listLength('SecretIdList', ids, 1, 20)
    if (input.MaxResults !== undefined || input.NextToken !== undefined) {
      throw new ModelError('InvalidParameterException', 'MaxResults and NextToken can be used only with Filters.')
    }
    selected = ids
  } else {
    const names = ctx.model.secretNames().filter((name) => filters!.every((filter) => matchesFilter(name, filter))).sort()
    const result = page(names, decodeToken(optionalString(input, 'NextToken'), 'InvalidNextTokenException'), maxResults(input, 20, 20))
    selected = result.items
    nextToken = result.nextToken
  }
  const entries = selected.map((id) => batchEntry(id, ctx))
  return {
    SecretValues: entries.flatMap((entry) => (entry.value ? [entry.value] : [])),
    Errors: entries.flatMap((entry) => (entry.error ? [entry.error] : [])),
    NextToken: nextToken,
  }
}

const describeSecret: Handler = (input, { model }) => {
  const view = model.describeSecret(requiredString(input, 'SecretId'))
  return {
    ARN: view.arn,
    Name: view.name,
    RotationEnabled: view.rotationEnabled,
    RotationRules: view.rotationDays === undefined ? undefined : { AutomaticallyAfterDays: view.rotationDays },
    LastRotatedDate: epochSeconds(view.lastRotatedDate),
    LastChangedDate: epochSeconds(view.lastChangedDate),
    NextRotationDate: epochSeconds(view.nextRotationDate),
    VersionIdsToStages: view.versionIdsToStages,
    CreatedDate: epochSeconds(view.createdDate),
  }
}

const putSecretValue: Handler = (input, { model }) => {
  const secretId = requiredString(input, 'SecretId')
  const value = secretValueInput(input)
  const token = optionalString(input, 'ClientRequestToken')
  const record = model.secretRecord(secretId)
  const existing = token === undefined ? undefined : record.versions.find((v) => v.versionId === token)
  // AWS treats a retried token with the same value as a no-op, and a different value as a conflict.
  if (existing && !sameValue(existing.secretString ?? existing.secretBinary, value)) {
    throw new ModelError('ResourceExistsException', `A version with ClientRequestToken ${token} already exists with a different value.`)
  }
  const versionId = existing
    ? existing.versionId
    : model.putSecretValue(secretId, value, { versionStages: optionalStringList(input, 'VersionStages'), versionId: token })
  const view = model.getSecretValue(secretId, { versionId })
  return { ARN: view.arn, Name: view.name, VersionId: view.versionId, VersionStages: [...view.versionStages] }
}

const updateSecretVersionStage: Handler = (input, { model }) => {
  const secretId = requiredString(input, 'SecretId')
  const stage = requiredString(input, 'VersionStage')
  const moveToVersionId = optionalString(input, 'MoveToVersionId')
  const removeFromVersionId = optionalString(input, 'RemoveFromVersionId')
  if (moveToVersionId === undefined && removeFromVersionId === undefined) {
    throw new ModelError('InvalidParameterException', 'You must specify MoveToVersionId, RemoveFromVersionId, or both.')
  }
  model.updateSecretVersionStage(secretId, stage, { moveToVersionId, removeFromVersionId })
  const record = model.secretRecord(secretId)
  return { ARN: record.arn, Name: record.name }
}

const SECRET_NAME = /^[A-Za-z0-9/_+=.@!-]{1,512}$/

const createSecret: Handler = (input, { model }) => {
  const name = requiredString(input, 'Name')
  if (!SECRET_NAME.test(name)) {
    throw new ModelError('ValidationException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!')
  }
  // The model always creates a first version, so this stand-in needs a value (AWS does not).
  const view = model.createSecret(name, secretValueInput(input))
  return { ARN: view.arn, Name: view.name, VersionId: view.versionId }
}

const listSecretVersionIds: Handler = (input, { model }) => {
  const record = model.secretRecord(requiredString(input, 'SecretId'))
  const includeDeprecated = optionalBoolean(input, 'IncludeDeprecated')
  const versions = record.versions.filter((v) => includeDeprecated || v.stages.length > 0)
  const result = page(versions, decodeToken(optionalString(input, 'NextToken'), 'InvalidNextTokenException'), maxResults(input, 100, 100))
  return {
    Versions: result.items.map((v) => ({ VersionId: v.versionId, VersionStages: [...v.stages], CreatedDate: epochSeconds(v.createdDate) })),
    ARN: record.arn,
    Name: record.name,
    NextToken: result.nextToken,
  }
}

const HANDLERS: Readonly<Record<SecretsManagerOperation, Handler>> = {
  GetSecretValue: getSecretValue,
  BatchGetSecretValue: batchGetSecretValue,
  DescribeSecret: describeSecret,
  PutSecretValue: putSecretValue,
  UpdateSecretVersionStage: updateSecretVersionStage,
  CreateSecret: createSecret,
  ListSecretVersionIds: listSecretVersionIds,
}

/** The secret ids a batch names: its list, or the values of its filters. */
function batchNames(input: Input): string[] {
  if (input.SecretIdList !== undefined) return namesIn(input, 'SecretIdList')
  if (!Array.isArray(input.Filters)) return []
  return input.Filters.flatMap((filter: unknown) => {
    const values = (filter as Input | null)?.Values
    return Array.isArray(values) ? values.filter((item): item is string => typeof item === 'string') : []
  })
}

export const secretsManager: ServiceModule<SecretsManagerOperation> = {
  name: 'secretsmanager',
  protocol: awsJson('1.1', 'secretsmanager'),
  operations: SECRETS_MANAGER_OPERATIONS,
  handlers: HANDLERS,
  messageField: 'Message',
  internalErrorCode: 'InternalServiceError',
  perEntryOperations: ['BatchGetSecretValue'],
  requestNames(operation, input) {
    if (operation === 'BatchGetSecretValue') return batchNames(input)
    return namesIn(input, operation === 'CreateSecret' ? 'Name' : 'SecretId')
  },
  canonicalId(model, id) {
    try {
      return model.secretRecord(id).name
    } catch {
      return id
    }
  },
}
