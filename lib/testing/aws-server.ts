/**
 * A local stand-in for the Secrets Manager and SSM endpoints: a node:http server on 127.0.0.1
 * that speaks the AWS JSON 1.1 protocol, so the real AWS SDK v3 clients can be pointed at it
 * (`endpoint: server.endpoint`). State lives in a SecretsModel; latency, faults and
 * per-operation quotas (token buckets) are injectable, and every call is recorded.
 *
 * It never logs anything, and no error message it writes quotes a request body: bodies hold
 * secret values.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import {
  ModelError,
  SecretsModel,
  splitSelector,
  type ModelSeed,
  type ParameterType,
  type ParameterView,
  type SecretValueView,
} from './model.js'

// ---- Public types --------------------------------------------------------------------------

export const SECRETS_MANAGER_OPERATIONS = [
  'GetSecretValue',
  'BatchGetSecretValue',
  'DescribeSecret',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'CreateSecret',
  'ListSecretVersionIds',
] as const

export const SSM_OPERATIONS = ['GetParameter', 'GetParameters', 'GetParametersByPath', 'PutParameter', 'LabelParameterVersion'] as const

export type SecretsManagerOperation = (typeof SECRETS_MANAGER_OPERATIONS)[number]
export type SsmOperation = (typeof SSM_OPERATIONS)[number]
export type Operation = SecretsManagerOperation | SsmOperation

/** Requests per second, per operation. */
export type Quotas = Partial<Record<Operation, number>>

/** Groups of operations that draw from one bucket, as AWS documents for some quotas. */
export type SharedQuotas = readonly (readonly Operation[])[]

export type FaultKind = 'error' | 'status' | 'delay' | 'reset' | 'malformed'

export interface FaultRule {
  /** Only requests of this operation (default: any). */
  operation?: Operation
  /** Only requests naming this secret / parameter (name or ARN); for batch ops, any of them. */
  name?: string
  /** How many matching requests it hits (default Infinity). */
  times?: number
  kind: FaultKind
  /** kind 'error': the AWS error name, e.g. 'ThrottlingException', 'AccessDeniedException'. */
  code?: string
  /** kind 'error': the message (default: an AWS-like message for the code). */
  message?: string
  /** kind 'status': the HTTP status to answer; kind 'error': overrides the status of the code. */
  status?: number
  /** kind 'status': the raw body (default empty), e.g. an HTML page from a load balancer. */
  body?: string
  /** kind 'delay': wait this long, then answer normally. */
  delayMs?: number
  /**
   * kind 'error' on BatchGetSecretValue: report the error for the named secret in the
   * response's `Errors` list (as AWS does for per-secret failures) instead of failing the call.
   */
  perEntry?: boolean
}

export interface CallRecord {
  /** 'Unknown' for a request whose X-Amz-Target is not one of the operations above. */
  readonly operation: Operation | 'Unknown'
  /** Secret ids / parameter names (or the path) as the request gave them. Never values. */
  readonly names: readonly string[]
  /** The HTTP status answered (0 while the request is still pending). */
  readonly status: number
  /** When the request arrived (ms since the epoch). */
  readonly at: number
  readonly throttled: boolean
  /** The fault that hit this request, if any. */
  readonly fault?: FaultKind
}

export interface AwsServerOptions {
  seed?: ModelSeed
  /** Use this model instead of a new one built from `seed`. */
  model?: SecretsModel
  /** Added to every request before answering (default 0). */
  latencyMs?: number
  /** Default 0: a random free port. */
  port?: number
  /** Requests per second per operation; default false (no quotas). */
  quotas?: Quotas | false
  /** Operations that share one bucket (default none); see AWS_DEFAULT_SHARED_QUOTAS. */
  sharedQuotas?: SharedQuotas
  /** Bucket size, in seconds of quota (default 1). */
  burst?: number
}

export interface AwsServer {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string
  readonly port: number
  readonly model: SecretsModel
  /** Every request, in arrival order. */
  readonly calls: readonly CallRecord[]
  /** Number of calls (of that operation). */
  count(operation?: Operation): number
  resetCalls(): void
  fault(rule: FaultRule): void
  clearFaults(): void
  setLatency(ms: number): void
  setQuotas(quotas: Quotas | false, sharedQuotas?: SharedQuotas): void
  /** Closes the server and destroys open sockets, so jest exits cleanly. */
  close(): Promise<void>
}

// ---- Quotas as AWS documents them -----------------------------------------------------------

/**
 * Default per-account, per-Region quotas (requests/s). Secrets Manager: GetSecretValue 10,000,
 * DescribeSecret 40,000, BatchGetSecretValue 100, PutSecretValue + UpdateSecretVersionStage
 * 50 combined. SSM standard throughput: 40, shared by GetParameter, GetParameters and
 * GetParametersByPath (see AWS_DEFAULT_SHARED_QUOTAS).
 */
export const AWS_DEFAULT_QUOTAS: Readonly<Quotas> = Object.freeze({
  GetSecretValue: 10_000,
  DescribeSecret: 40_000,
  BatchGetSecretValue: 100,
  PutSecretValue: 50,
  UpdateSecretVersionStage: 50,
  GetParameter: 40,
  GetParameters: 40,
  GetParametersByPath: 40,
})

export const AWS_DEFAULT_SHARED_QUOTAS: SharedQuotas = Object.freeze([
  Object.freeze(['GetParameter', 'GetParameters', 'GetParametersByPath'] as const),
  Object.freeze(['PutSecretValue', 'UpdateSecretVersionStage'] as const),
])

/**
 * The same account with SSM higher throughput enabled: GetParameter and GetParameters share
 * 10,000/s; GetParametersByPath has its own 100/s.
 */
export const AWS_HIGH_THROUGHPUT_SSM_QUOTAS: Readonly<Quotas> = Object.freeze({
  ...AWS_DEFAULT_QUOTAS,
  GetParameter: 10_000,
  GetParameters: 10_000,
  GetParametersByPath: 100,
})

export const AWS_HIGH_THROUGHPUT_SSM_SHARED_QUOTAS: SharedQuotas = Object.freeze([
  Object.freeze(['GetParameter', 'GetParameters'] as const),
  Object.freeze(['PutSecretValue', 'UpdateSecretVersionStage'] as const),
])

/**
 * AWS's quotas, scaled (e.g. 0.1 to hit them with few requests), ready to spread into
 * `startAwsServer({ ...awsQuotas('standard') })`.
 */
export function awsQuotas(
  throughput: 'standard' | 'high' = 'standard',
  scale = 1,
): { quotas: Quotas; sharedQuotas: SharedQuotas } {
  const base = throughput === 'high' ? AWS_HIGH_THROUGHPUT_SSM_QUOTAS : AWS_DEFAULT_QUOTAS
  const quotas: Quotas = {}
  for (const [operation, rate] of Object.entries(base) as [Operation, number][]) quotas[operation] = rate * scale
  return { quotas, sharedQuotas: throughput === 'high' ? AWS_HIGH_THROUGHPUT_SSM_SHARED_QUOTAS : AWS_DEFAULT_SHARED_QUOTAS }
}

// ---- Entry point ------------------------------------------------------------------------------

export async function startAwsServer(options: AwsServerOptions = {}): Promise<AwsServer> {
  const server = new LocalAwsServer(options)
  await server.listen(options.port ?? 0)
  return server
}

// ---- Wire helpers ---------------------------------------------------------------------------

type Service = 'secretsmanager' | 'ssm'
type Input = Readonly<Record<string, unknown>>
type Output = Record<string, unknown>

interface Route {
  readonly service: Service
  readonly operation: Operation
}

const ROUTES = new Map<string, Route>([
  ...SECRETS_MANAGER_OPERATIONS.map((operation): [string, Route] => [`secretsmanager.${operation}`, { service: 'secretsmanager', operation }]),
  ...SSM_OPERATIONS.map((operation): [string, Route] => [`AmazonSSM.${operation}`, { service: 'ssm', operation }]),
])

const CONTENT_TYPE = 'application/x-amz-json-1.1'

/** What the server writes back: status, extra headers and body text. */
interface Answer {
  readonly status: number
  readonly body: string
  readonly errorType?: string
}

function jsonAnswer(payload: Output): Answer {
  return { status: 200, body: JSON.stringify(payload) }
}

/**
 * A JSON 1.1 error: `__type` and the x-amzn-ErrorType header carry the name the SDK uses as
 * `error.name`. Secrets Manager's error shapes spell the message `Message`, SSM's `message`.
 */
function errorAnswer(service: Service, error: ModelError): Answer {
  const body: Output = { __type: error.code }
  if (error.message !== '') body[service === 'secretsmanager' ? 'Message' : 'message'] = error.message
  return { status: error.httpStatus, body: JSON.stringify(body), errorType: error.code }
}

/** What both services answer when a quota is exceeded. */
function throttleAnswer(): Answer {
  return { status: 400, body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }), errorType: 'ThrottlingException' }
}

function unknownOperationAnswer(): Answer {
  return { status: 400, body: JSON.stringify({ __type: 'com.amazon.coral.service#UnknownOperationException' }), errorType: 'UnknownOperationException' }
}

function serializationAnswer(): Answer {
  // A fixed message: a JSON parse error would quote the body, which may hold a secret.
  return {
    status: 400,
    body: JSON.stringify({ __type: 'com.amazon.coral.service#SerializationException', message: 'The request body is not valid JSON.' }),
    errorType: 'SerializationException',
  }
}

function epochSeconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000
}

function base64(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('base64')
}

// ---- Input readers (AWS validation errors) --------------------------------------------------

function memberName(field: string): string {
  return field.charAt(0).toLowerCase() + field.slice(1)
}

function validation(field: string, constraint: string, value = 'null'): ModelError {
  return new ModelError('ValidationException', `1 validation error detected: Value ${value} at '${memberName(field)}' failed to satisfy constraint: ${constraint}`)
}

function wrongType(field: string): ModelError {
  return new ModelError('SerializationException', `Field ${field} has the wrong type.`)
}

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw wrongType(field)
  return value
}

function requiredString(input: Input, field: string): string {
  const value = optionalString(input, field)
  if (value === undefined) throw validation(field, 'Member must not be null')
  return value
}

function optionalStringList(input: Input, field: string): string[] | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw wrongType(field)
  return value as string[]
}

function optionalInteger(input: Input, field: string): number | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(field)
  return value
}

function optionalBoolean(input: Input, field: string): boolean {
  const value = input[field]
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw wrongType(field)
  return value
}

function listLength(field: string, list: readonly string[], min: number, max: number): void {
  const shown = `'[${list.join(', ')}]'`
  if (list.length < min) throw validation(field, `Member must have length greater than or equal to ${min}`, shown)
  if (list.length > max) throw validation(field, `Member must have length less than or equal to ${max}`, shown)
}

function maxResults(input: Input, max: number, fallback: number): number {
  const value = optionalInteger(input, 'MaxResults')
  if (value === undefined) return fallback
  if (value < 1) throw validation('MaxResults', 'Member must have value greater than or equal to 1', `'${value}'`)
  if (value > max) throw validation('MaxResults', `Member must have value less than or equal to ${max}`, `'${value}'`)
  return value
}

// ---- Paging ---------------------------------------------------------------------------------

/** NextToken is opaque to clients; here it is the offset of the next item. */
function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64')
}

function decodeToken(token: string | undefined, errorCode: string): number {
  if (token === undefined) return 0
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset
  } catch {
    // falls through to the AWS error below
  }
  throw new ModelError(errorCode, 'The NextToken value is invalid.')
}

function page<T>(items: readonly T[], offset: number, size: number): { items: T[]; nextToken?: string } {
  const end = offset + size
  return { items: items.slice(offset, end), nextToken: end < items.length ? encodeToken(end) : undefined }
}

// ---- Secrets Manager ------------------------------------------------------------------------

interface HandlerContext {
  readonly model: SecretsModel
  /** A per-entry fault (BatchGetSecretValue) for this secret id, if one is armed. */
  entryFault(secretId: string): ModelError | undefined
}

type Handler = (input: Input, ctx: HandlerContext) => Output

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

// ---- SSM --------------------------------------------------------------------------------------

function parameterJson(view: ParameterView): Output {
  return {
    Name: view.name,
    Type: view.type,
    Value: view.value,
    Version: view.version,
    Selector: view.selector,
    LastModifiedDate: epochSeconds(view.lastModifiedDate),
    ARN: view.arn,
    DataType: 'text',
  }
}

const getParameter: Handler = (input, { model }) => ({
  Parameter: parameterJson(model.getParameter(requiredString(input, 'Name'), { decrypt: optionalBoolean(input, 'WithDecryption') })),
})

/** Errors that GetParameters reports in InvalidParameters instead of failing the call. */
const INVALID_PARAMETER_CODES = new Set(['ParameterNotFound', 'ParameterVersionNotFound', 'ParameterVersionLabelNotFound'])

const getParameters: Handler = (input, { model }) => {
  const names = optionalStringList(input, 'Names')
  if (names === undefined) throw validation('Names', 'Member must not be null')
  listLength('Names', names, 1, 10)
  const decrypt = optionalBoolean(input, 'WithDecryption')
  const parameters: Output[] = []
  const invalid: string[] = []
  for (const name of new Set(names)) {
    try {
      parameters.push(parameterJson(model.getParameter(name, { decrypt })))
    } catch (error) {
      if (!(error instanceof ModelError) || !INVALID_PARAMETER_CODES.has(error.code)) throw error
      invalid.push(name)
    }
  }
  return { Parameters: parameters, InvalidParameters: invalid }
}

const getParametersByPath: Handler = (input, { model }) => {
  const path = requiredString(input, 'Path')
  if (!path.startsWith('/')) {
    throw new ModelError('ValidationException', 'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".')
  }
  const views = model.getParametersByPath(path, { recursive: optionalBoolean(input, 'Recursive'), decrypt: optionalBoolean(input, 'WithDecryption') })
  const result = page(views, decodeToken(optionalString(input, 'NextToken'), 'InvalidNextToken'), maxResults(input, 10, 10))
  return { Parameters: result.items.map(parameterJson), NextToken: result.nextToken }
}

const PARAMETER_TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString']

const putParameter: Handler = (input, { model }) => {
  const name = requiredString(input, 'Name')
  const value = requiredString(input, 'Value')
  const type = optionalString(input, 'Type')
  if (type !== undefined && !PARAMETER_TYPES.includes(type as ParameterType)) {
    throw validation('Type', `Member must satisfy enum value set: [${PARAMETER_TYPES.join(', ')}]`, `'${type}'`)
  }
  if (type === undefined && !model.parameterNames().includes(name)) {
    throw new ModelError('ValidationException', 'A parameter type is required when you create a parameter.')
  }
  const version = model.putParameter(name, value, { type: type as ParameterType | undefined, overwrite: optionalBoolean(input, 'Overwrite') })
  return { Version: version, Tier: 'Standard' }
}

/** AWS label rules: letters, digits, `.`, `-`, `_`; not starting with a digit, `aws` or `ssm`. */
function validLabel(label: string): boolean {
  return /^[A-Za-z0-9._-]{1,100}$/.test(label) && !/^([0-9]|aws|ssm)/i.test(label)
}

const labelParameterVersion: Handler = (input, { model }) => {
  const name = requiredString(input, 'Name')
  const labels = optionalStringList(input, 'Labels')
  if (labels === undefined) throw validation('Labels', 'Member must not be null')
  listLength('Labels', labels, 1, 10)
  const record = model.parameterRecord(name)
  const version = optionalInteger(input, 'ParameterVersion') ?? record.versions.at(-1)!.version
  if (!record.versions.some((v) => v.version === version)) {
    throw new ModelError('ParameterVersionNotFound', `Systems Manager could not find version ${version} of ${name}.`)
  }
  const valid = labels.filter(validLabel)
  if (valid.length > 0) model.labelParameterVersion(name, valid, version)
  return { InvalidLabels: labels.filter((label) => !validLabel(label)), ParameterVersion: version }
}

const HANDLERS: Readonly<Record<Operation, Handler>> = {
  GetSecretValue: getSecretValue,
  BatchGetSecretValue: batchGetSecretValue,
  DescribeSecret: describeSecret,
  PutSecretValue: putSecretValue,
  UpdateSecretVersionStage: updateSecretVersionStage,
  CreateSecret: createSecret,
  ListSecretVersionIds: listSecretVersionIds,
  GetParameter: getParameter,
  GetParameters: getParameters,
  GetParametersByPath: getParametersByPath,
  PutParameter: putParameter,
  LabelParameterVersion: labelParameterVersion,
}

/** The secret ids / parameter names a request names, for the call log and fault matching. */
function requestNames(operation: Operation, input: Input): string[] {
  const pick = (field: string): string[] => {
    const value = input[field]
    if (typeof value === 'string') return [value]
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
  }
  switch (operation) {
    case 'BatchGetSecretValue':
      return input.SecretIdList !== undefined ? pick('SecretIdList') : filterValues(input)
    case 'CreateSecret':
    case 'GetParameter':
    case 'PutParameter':
    case 'LabelParameterVersion':
      return pick('Name')
    case 'GetParameters':
      return pick('Names')
    case 'GetParametersByPath':
      return pick('Path')
    default:
      return pick('SecretId')
  }
}

function filterValues(input: Input): string[] {
  if (!Array.isArray(input.Filters)) return []
  return input.Filters.flatMap((filter: unknown) => {
    const values = (filter as Input | null)?.Values
    return Array.isArray(values) ? values.filter((item): item is string => typeof item === 'string') : []
  })
}

// ---- Faults -----------------------------------------------------------------------------------

function defaultStatus(code: string): number {
  if (/^Internal(Service|Server)Error$|^InternalFailure$/.test(code)) return 500
  if (/^ServiceUnavailable(Exception)?$/.test(code)) return 503
  return 400
}

/** An AWS-like message for an injected error; it names the action and the resource, never a value. */
function defaultMessage(code: string, route: Route, name: string | undefined): string {
  const action = `${route.service === 'ssm' ? 'ssm' : 'secretsmanager'}:${route.operation}`
  switch (code) {
    case 'ThrottlingException':
      return 'Rate exceeded'
    case 'AccessDeniedException':
      return `User: arn:aws:sts::123456789012:assumed-role/test-role/test is not authorized to perform: ${action} on resource: ${name ?? '*'} because no identity-based policy allows the ${action} action`
    case 'DecryptionFailure':
      return "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
    case 'InternalServiceError':
    case 'InternalServerError':
      return 'An error occurred on the server side.'
    case 'ServiceUnavailable':
      return 'Service Unavailable'
    default:
      return `${code} (injected by the test server)`
  }
}

function injectedError(rule: FaultRule, route: Route, name: string | undefined): ModelError {
  const code = rule.code ?? 'InternalServiceError'
  return new ModelError(code, rule.message ?? defaultMessage(code, route, name), rule.status ?? defaultStatus(code))
}

interface ArmedFault {
  readonly rule: FaultRule
  remaining: number
}

// ---- Quotas -----------------------------------------------------------------------------------

/** A token bucket: `rate` tokens a second, at most `capacity`, starting full. */
class TokenBucket {
  private tokens: number
  private last = Date.now()

  constructor(private readonly rate: number, private readonly capacity: number) {
    this.tokens = capacity
  }

  take(): boolean {
    const now = Date.now()
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/** One bucket per operation; operations of a shared group point at the same bucket. */
function buildBuckets(quotas: Quotas | false, shared: SharedQuotas, burst: number): Map<Operation, TokenBucket> {
  const buckets = new Map<Operation, TokenBucket>()
  if (quotas === false) return buckets
  const bucket = (rate: number): TokenBucket => new TokenBucket(rate, rate > 0 ? Math.max(1, rate * burst) : 0)
  for (const group of shared) {
    const rates = group.map((operation) => quotas[operation]).filter((rate): rate is number => rate !== undefined)
    if (rates.length === 0) continue
    const groupBucket = bucket(Math.max(...rates))
    for (const operation of group) buckets.set(operation, groupBucket)
  }
  for (const [operation, rate] of Object.entries(quotas) as [Operation, number][]) {
    if (!buckets.has(operation)) buckets.set(operation, bucket(rate))
  }
  return buckets
}

// ---- The server -----------------------------------------------------------------------------

interface MutableCallRecord {
  operation: Operation | 'Unknown'
  names: readonly string[]
  status: number
  at: number
  throttled: boolean
  fault?: FaultKind
}

type Delivery = 'normal' | 'reset' | 'malformed'

class LocalAwsServer implements AwsServer {
  readonly model: SecretsModel
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly records: MutableCallRecord[] = []
  private faults: ArmedFault[] = []
  private latencyMs: number
  private buckets: Map<Operation, TokenBucket>
  private readonly burst: number
  private boundPort = 0
  private closed = false

  constructor(options: AwsServerOptions) {
    this.model = options.model ?? new SecretsModel(options.seed)
    this.latencyMs = options.latencyMs ?? 0
    this.burst = options.burst ?? 1
    this.buckets = buildBuckets(options.quotas ?? false, options.sharedQuotas ?? [], this.burst)
    this.server = createServer((req, res) => {
      // A bug here must not become an unhandled rejection; the client sees a dropped connection.
      this.handle(req, res).catch(() => res.destroy())
    })
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.boundPort}`
  }

  get port(): number {
    return this.boundPort
  }

  get calls(): readonly CallRecord[] {
    return this.records
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject)
        this.boundPort = (this.server.address() as AddressInfo).port
        resolve()
      })
    })
  }

  count(operation?: Operation): number {
    return operation === undefined ? this.records.length : this.records.filter((r) => r.operation === operation).length
  }

  resetCalls(): void {
    this.records.length = 0
  }

  fault(rule: FaultRule): void {
    this.faults.push({ rule: { ...rule }, remaining: rule.times ?? Infinity })
  }

  clearFaults(): void {
    this.faults = []
  }

  setLatency(ms: number): void {
    this.latencyMs = ms
  }

  /** Replaces every bucket (full again); sharing is only what `sharedQuotas` says. */
  setQuotas(quotas: Quotas | false, sharedQuotas: SharedQuotas = []): void {
    this.buckets = buildBuckets(quotas, sharedQuotas, this.burst)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Pending delays never answer: their sockets are destroyed below.
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    await done
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now()
    const body = await readBody(req)
    if (body === undefined) return
    const route = ROUTES.get(String(req.headers['x-amz-target'] ?? ''))
    if (!route) return this.answerUnrouted(res, at, unknownOperationAnswer())
    const input = parseInput(body)
    if (!input) return this.answerUnrouted(res, at, serializationAnswer())

    const record: MutableCallRecord = { operation: route.operation, names: requestNames(route.operation, input), status: 0, at, throttled: false }
    this.records.push(record)
    const allowed = this.buckets.get(route.operation)?.take() ?? true // decided on arrival, as AWS does
    await this.sleep(this.latencyMs)
    if (!allowed) {
      record.throttled = true
      return this.send(res, record, throttleAnswer(), 'normal')
    }
    const fault = this.takeFault(route, record.names)
    if (fault) record.fault = fault.kind
    if (fault?.kind === 'error') return this.send(res, record, errorAnswer(route.service, injectedError(fault, route, record.names[0])), 'normal')
    if (fault?.kind === 'status') return this.send(res, record, { status: fault.status ?? 503, body: fault.body ?? '' }, 'normal')
    if (fault?.kind === 'delay') await this.sleep(fault.delayMs ?? 0)
    const answer = this.dispatch(route, input)
    const delivery: Delivery = fault?.kind === 'reset' || fault?.kind === 'malformed' ? fault.kind : 'normal'
    this.send(res, record, answer, delivery)
  }

  private answerUnrouted(res: ServerResponse, at: number, answer: Answer): Promise<void> {
    const record: MutableCallRecord = { operation: 'Unknown', names: [], status: 0, at, throttled: false }
    this.records.push(record)
    return this.sleep(this.latencyMs).then(() => this.send(res, record, answer, 'normal'))
  }

  private dispatch(route: Route, input: Input): Answer {
    const ctx: HandlerContext = { model: this.model, entryFault: (id) => this.takeEntryFault(route, id) }
    try {
      return jsonAnswer(HANDLERS[route.operation](input, ctx))
    } catch (error) {
      if (error instanceof ModelError) return errorAnswer(route.service, error)
      // A bug in the stand-in: answer as AWS does for server faults, naming only the error class.
      const name = error instanceof Error ? error.name : 'Error'
      const code = route.service === 'ssm' ? 'InternalServerError' : 'InternalServiceError'
      return errorAnswer(route.service, new ModelError(code, `The test server failed (${name}).`, 500))
    }
  }

  private send(res: ServerResponse, record: MutableCallRecord, answer: Answer, delivery: Delivery): void {
    record.status = delivery === 'malformed' ? 200 : answer.status
    if (res.destroyed || res.writableEnded) return
    const body = delivery === 'normal' ? answer.body : answer.body.slice(0, Math.floor(answer.body.length / 2))
    const payload = Buffer.from(body)
    const headers: Record<string, string | number> = {
      'content-type': CONTENT_TYPE,
      'x-amzn-RequestId': randomUUID(),
      // A reset promises the whole body, then cuts the connection half way through it.
      'content-length': delivery === 'reset' ? Buffer.byteLength(answer.body) : payload.length,
    }
    if (answer.errorType && delivery === 'normal') headers['x-amzn-ErrorType'] = answer.errorType
    res.writeHead(record.status, headers)
    if (delivery === 'reset') res.write(payload, () => res.socket?.destroy())
    else res.end(payload)
  }

  // ---- faults ----

  private takeFault(route: Route, names: readonly string[]): FaultRule | undefined {
    const armed = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.rule.operation === undefined || f.rule.operation === route.operation) &&
        !(f.rule.perEntry && route.operation === 'BatchGetSecretValue') &&
        (f.rule.name === undefined || names.some((n) => this.sameResource(route.service, n, f.rule.name!))),
    )
    return armed ? this.consume(armed) : undefined
  }

  private takeEntryFault(route: Route, secretId: string): ModelError | undefined {
    const armed = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        f.rule.perEntry === true &&
        f.rule.kind === 'error' &&
        (f.rule.operation === undefined || f.rule.operation === route.operation) &&
        (f.rule.name === undefined || this.sameResource(route.service, secretId, f.rule.name)),
    )
    return armed ? injectedError(this.consume(armed), route, secretId) : undefined
  }

  private consume(armed: ArmedFault): FaultRule {
    armed.remaining -= 1
    if (armed.remaining <= 0) this.faults = this.faults.filter((f) => f !== armed)
    return armed.rule
  }

  /** Whether two ids name the same secret / parameter (name, ARN, or parameter selector). */
  private sameResource(service: Service, a: string, b: string): boolean {
    return a === b || this.canonical(service, a) === this.canonical(service, b)
  }

  private canonical(service: Service, id: string): string {
    try {
      if (service === 'secretsmanager') return this.model.secretRecord(id).name
      return this.model.parameterRecord(splitSelector(id).name).name
    } catch {
      return service === 'ssm' ? splitSelector(id).name : id
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        resolve()
      }, ms)
      this.timers.add(timer)
    })
  }
}

/** The whole request body, or undefined when the client went away first. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => resolve(undefined))
  })
}

function parseInput(body: string): Input | undefined {
  try {
    const value: unknown = JSON.parse(body === '' ? '{}' : body)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Input) : undefined
  } catch {
    return undefined
  }
}
