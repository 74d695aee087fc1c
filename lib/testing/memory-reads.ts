/**
 * What the memory store answers for each kind of request: the model read as the AWS operation
 * would read it (GetSecretValue, GetParameter, GetParametersByPath, GetLatestConfiguration,
 * GetItem, Query). A failure is thrown as a ModelError with AWS's code, or the package's own
 * (`ItemNotFound`, `AttributeNotFound`); messages name resources and attributes, never values.
 */
import { relativeName, selectorName } from '../ssm-names.js'
import type { StoreRequest, StoreValue } from '../store.js'
import type { ItemValue } from './dynamodb-values.js'
import { ModelError } from './model-error.js'
import type { SecretsModel } from './model.js'

/** Content types whose configuration reads as text; any other is bytes. */
const TEXTUAL_CONTENT_TYPE = /^\s*(text\/[^;\s]+|application\/(json|xml|yaml|x-yaml|toml|javascript|ecmascript)|[^;\s]+\+(json|xml|yaml))\s*(;|$)/i

export function isTextualContentType(contentType: string): boolean {
  return TEXTUAL_CONTENT_TYPE.test(contentType)
}

export function readFromModel(model: SecretsModel, request: StoreRequest): StoreValue {
  switch (request.kind) {
    case 'secret':
      return readSecret(model, request)
    case 'parameter':
    case 'parameters':
      return readParameters(model, request)
    case 'appConfig':
      return readConfiguration(model, request)
    case 'item':
      return readItem(model, request)
    case 'items':
      return readPartition(model, request)
  }
}

function readSecret(model: SecretsModel, request: StoreRequest): StoreValue {
  const v = model.getSecretValue(request.name, { versionId: request.versionId, versionStage: request.versionStage })
  return { ok: true, value: v.secretString ?? v.secretBinary ?? '', versionId: v.versionId, versionStages: v.versionStages, arn: v.arn }
}

function readParameters(model: SecretsModel, request: StoreRequest): StoreValue {
  const decrypt = request.decrypt ?? true
  if (request.kind === 'parameter') {
    const p = model.getParameter(selectorName(request), { decrypt })
    return { ok: true, value: p.value, versionId: String(p.version), arn: p.arn }
  }
  const views = model.getParametersByPath(request.name, { recursive: request.recursive, decrypt })
  // fromEntries defines own properties: `/app/__proto__` stays a key instead of setting the prototype.
  return { ok: true, value: Object.fromEntries(views.map((p) => [relativeName(request.name, p.name) ?? p.name, p.value])) }
}

/** The deployed configuration: text for a textual content type, else bytes; its label, else its number. */
function readConfiguration(model: SecretsModel, request: StoreRequest): StoreValue {
  const [application, environment, profile] = configurationTarget(request)
  const { version } = model.appConfig.deployed(application, environment, profile)
  const value = isTextualContentType(version.contentType) ? new TextDecoder().decode(version.content) : new Uint8Array(version.content)
  return { ok: true, value, versionId: version.versionLabel ?? String(version.versionNumber) }
}

/** The request's application, environment and profile, or else its name split in three. */
function configurationTarget(request: StoreRequest): [string, string, string] {
  const { application, environment, profile } = request
  if (application !== undefined && environment !== undefined && profile !== undefined) return [application, environment, profile]
  const parts = request.name.split('/')
  if (parts.length !== 3 || parts.some((part) => part === '')) {
    throw new ModelError('BadRequestException', 'An AppConfig request names application/environment/profile.')
  }
  return parts as [string, string, string]
}

/** GetItem: the value attribute of the item with the request's key. */
function readItem(model: SecretsModel, request: StoreRequest): StoreValue {
  const key = requiredKey(request)
  // Computed keys define own properties: an attribute named __proto__ stays a key.
  const primaryKey = { [key.attribute]: key.value, ...(request.sortKey && { [request.sortKey.attribute]: request.sortKey.value }) }
  const item = model.dynamodb.getItem(request.name, primaryKey)
  if (item === undefined) throw new ModelError('ItemNotFound', `Table ${request.name} has no item with this key.`)
  const attribute = request.valueAttribute ?? 'value'
  if (!Object.hasOwn(item, attribute)) throw new ModelError('AttributeNotFound', `The item of table ${request.name} has no attribute ${attribute}.`)
  return { ok: true, value: item[attribute]! }
}

/** Query by partition: sort key value -> value attribute, for every item that has both. */
function readPartition(model: SecretsModel, request: StoreRequest): StoreValue {
  const key = requiredKey(request)
  const sortKeyAttribute = request.sortKeyAttribute ?? 'sk'
  const valueAttribute = request.valueAttribute ?? 'value'
  const entries = model.dynamodb
    .query(request.name, key.value)
    .filter((item) => Object.hasOwn(item, sortKeyAttribute) && Object.hasOwn(item, valueAttribute))
    .map((item) => [entryName(item[sortKeyAttribute]!), item[valueAttribute]!] as const)
  // fromEntries defines own properties: a sort key named __proto__ stays a key.
  return { ok: true, value: Object.fromEntries(entries) }
}

function requiredKey(request: StoreRequest): NonNullable<StoreRequest['key']> {
  if (request.key === undefined) throw new ModelError('ValidationException', `A ${request.kind} request on table ${request.name} needs its partition key.`)
  return request.key
}

/** A sort key value as an object key: strings as they are, numbers as text, bytes in base64. */
function entryName(value: ItemValue): string {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value)
}

