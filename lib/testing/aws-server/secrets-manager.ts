/**
 * Secrets Manager (AWS JSON 1.1, `secretsmanager.<Operation>`): the operations the package and
 * rotation tests use, over the model's secrets and staging labels.
 */
import { ModelError } from '../model.js'
import { batchGetSecretValue, batchNames } from './secrets-manager-batch.js'
import { sameValue, secretValueInput, secretValueJson } from './secrets-manager-values.js'
import type { Handler, ServiceModule } from './service.js'
import { awsJson, epochSeconds, namesIn, optionalBoolean, optionalString, optionalStringList, requestedPage, requiredString } from './wire.js'

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

const getSecretValue: Handler = (input, { model }) =>
  secretValueJson(
    model.getSecretValue(requiredString(input, 'SecretId'), {
      versionId: optionalString(input, 'VersionId'),
      versionStage: optionalString(input, 'VersionStage'),
    }),
  )

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
  const result = requestedPage(versions, input, 100, 'InvalidNextTokenException')
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
