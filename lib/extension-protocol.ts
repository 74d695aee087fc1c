/**
 * The extension's HTTP interface as AWS documents it, shared by the client (extension store) and
 * the local server so the two cannot drift apart:
 *
 *   GET /secretsmanager/get?secretId=NAME[&versionId=ID][&versionStage=LABEL]
 *       -> the GetSecretValue JSON (ARN, Name, VersionId, SecretString | SecretBinary, VersionStages)
 *   GET /systemsmanager/parameters/get?name=NAME[&version=N | &label=L][&withDecryption=true]
 *       -> the GetParameter JSON ({ "Parameter": { Name, Type, Value, Version, ARN, ... } })
 *
 * Every request carries `X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN`. Errors are answered
 * in the AWS JSON 1.1 shape, `{ "__type": "ResourceNotFoundException", "message": "..." }`, except
 * an unknown query parameter: 400 `unknown parameter: NAME` in plain text, as AWS's agent answers.
 *
 * The AppConfig Lambda extension (AppConfig Agent) on localhost:2772, with no token header:
 *
 *   GET /applications/APP/environments/ENV/configurations/PROFILE[?flag=KEY[&flag=KEY2]]
 *       -> the configuration's bytes as the body; headers Content-Type, Configuration-Version
 *          (the version number) and the version label when there is one
 *
 * Each segment is a name or an id, URL-encoded (a name with a slash needs it). `flag` picks flags
 * out of a feature flag configuration. AWS documents no error format for this interface (a
 * missing configuration is a 404): clients go by the status, and take an AWS error name from the
 * body when there is one; the local server answers errors in the AWS JSON shape.
 */
import { shownErrorCode } from './classify.js'
import { splitSelector } from './ssm-names.js'
import type { StoreRequest } from './store.js'

export const TOKEN_HEADER = 'X-Aws-Parameters-Secrets-Token'
export const SECRETS_PATH = '/secretsmanager/get'
export const PARAMETERS_PATH = '/systemsmanager/parameters/get'
export const DEFAULT_HOST = '127.0.0.1'

export const CONFIGURATION_VERSION_HEADER = 'Configuration-Version'
/** AWS names it in prose only ("configuration version label"): GetLatestConfiguration's header. */
export const VERSION_LABEL_HEADER = 'Version-Label'
export const FLAG_QUERY = 'flag'

/** The hosts a client may talk to: the extension only ever listens on the loopback interface. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1']

/** GetSecretValue as the extension answers it (null where AWS has no value). */
export interface SecretValueBody {
  readonly ARN?: string
  readonly Name?: string
  readonly VersionId?: string
  readonly SecretString?: string | null
  /** Base64. */
  readonly SecretBinary?: string | null
  readonly VersionStages?: readonly string[]
  readonly CreatedDate?: string | number
}

export interface ParameterBody {
  readonly Parameter: {
    readonly ARN?: string
    readonly Name?: string
    readonly Type?: string
    readonly Value?: string | null
    readonly Version?: number
    readonly Selector?: string | null
    readonly DataType?: string | null
    readonly SourceResult?: string | null
    readonly LastModifiedDate?: string | number
  }
}

/** AWS JSON 1.1 error body. */
export interface ErrorBody {
  readonly __type: string
  readonly message: string
}

/** The path and query for one request; undefined for kinds the extension cannot serve (paths). */
export function requestPath(request: StoreRequest): string | undefined {
  if (request.kind === 'secret') {
    const query = new URLSearchParams({ secretId: request.name })
    if (request.versionId !== undefined) query.set('versionId', request.versionId)
    if (request.versionStage !== undefined) query.set('versionStage', request.versionStage)
    return `${SECRETS_PATH}?${query}`
  }
  if (request.kind === 'parameter') {
    const query = new URLSearchParams({ name: request.name })
    if (request.version !== undefined) query.set('version', String(request.version))
    if (request.label !== undefined) query.set('label', request.label)
    // The extension does not decrypt unless asked; the package decrypts unless told not to.
    if (request.decrypt !== false) query.set('withDecryption', 'true')
    return `${PARAMETERS_PATH}?${query}`
  }
  return undefined
}

/** The three resources an AppConfig request names (names or ids). */
export interface ConfigurationTarget {
  readonly application: string
  readonly environment: string
  readonly profile: string
}

/** The request's application, environment and profile, or else its name split in three. */
export function configurationTarget(request: StoreRequest): ConfigurationTarget | undefined {
  const { application, environment, profile } = request
  if (application !== undefined && environment !== undefined && profile !== undefined) return { application, environment, profile }
  const parts = request.name.split('/')
  if (parts.length !== 3 || parts.some((part) => part === '')) return undefined
  return { application: parts[0]!, environment: parts[1]!, profile: parts[2]! }
}

export function configurationPath(target: ConfigurationTarget): string {
  const segment = encodeURIComponent
  return `/applications/${segment(target.application)}/environments/${segment(target.environment)}/configurations/${segment(target.profile)}`
}

const CONFIGURATION_PATH = /^\/applications\/([^/]+)\/environments\/([^/]+)\/configurations\/([^/]+)$/

/** The target a path names, or undefined for any other path (or a segment that does not decode). */
export function parseConfigurationPath(pathname: string): ConfigurationTarget | undefined {
  const match = CONFIGURATION_PATH.exec(pathname)
  if (!match) return undefined
  try {
    return { application: decodeURIComponent(match[1]!), environment: decodeURIComponent(match[2]!), profile: decodeURIComponent(match[3]!) }
  } catch {
    return undefined
  }
}

/**
 * A request the server could not parse: the AWS error name and message to answer with, or the
 * plain text AWS's agent answers for a query it does not understand.
 */
export type BadRequest =
  | { readonly ok: false; readonly code: string; readonly message: string }
  | { readonly ok: false; readonly text: string }

/** `refreshNow`: the caller asks the agent to read AWS, not its cache (the agent's query parameter). */
export type ParsedRequest = { readonly ok: true; readonly request: StoreRequest; readonly refreshNow?: boolean } | BadRequest

function bad(code: string, message: string): BadRequest {
  return { ok: false, code, message }
}

const SECRET_QUERY: readonly string[] = ['secretId', 'versionId', 'versionStage', 'refreshNow']
/** The agent's spellings of refreshNow (any case); anything else is its 400 "invalid refreshNow value". */
const REFRESH_NOW: Readonly<Record<string, boolean>> = { true: true, 1: true, false: false, 0: false }
const PARAMETER_QUERY: readonly string[] = ['name', 'version', 'label', 'withDecryption']

/**
 * AWS's agent refuses a query parameter it does not know (`unknown parameter: versionstage`,
 * HTTP 400) rather than ignore it: a misspelt `versionStage` must not quietly read AWSCURRENT.
 */
function unknownParameter(query: URLSearchParams, known: readonly string[]): BadRequest | undefined {
  for (const key of query.keys()) if (!known.includes(key)) return { ok: false, text: `unknown parameter: ${key}` }
  return undefined
}

export function parseSecretQuery(query: URLSearchParams): ParsedRequest {
  const unknown = unknownParameter(query, SECRET_QUERY)
  if (unknown) return unknown
  const secretId = query.get('secretId')
  if (!secretId) return bad('InvalidParameterException', 'The secretId query parameter is required.')
  const versionId = query.get('versionId') || undefined
  const versionStage = query.get('versionStage') || undefined
  const refreshText = query.get('refreshNow')
  const refreshNow = refreshText === null ? false : REFRESH_NOW[refreshText.toLowerCase()]
  if (refreshNow === undefined) return { ok: false, text: 'invalid refreshNow value' }
  return { ok: true, request: { kind: 'secret', name: secretId, versionId, versionStage }, refreshNow }
}

export function parseParameterQuery(query: URLSearchParams): ParsedRequest {
  const unknown = unknownParameter(query, PARAMETER_QUERY)
  if (unknown) return unknown
  const raw = query.get('name')
  if (!raw) return bad('ValidationException', 'The name query parameter is required.')
  const { name, selector } = splitSelector(raw)
  const versionText = query.get('version') ?? (selector !== undefined && /^\d+$/.test(selector) ? selector : undefined)
  const label = query.get('label') ?? (selector !== undefined && !/^\d+$/.test(selector) ? selector : undefined)
  if (versionText !== undefined && label !== undefined) {
    return bad('ValidationException', 'Specify either a version or a label, not both.')
  }
  if (versionText !== undefined && !/^[1-9]\d*$/.test(versionText)) {
    return bad('ValidationException', `The version '${versionText}' is not a positive integer.`)
  }
  const decrypt = (query.get('withDecryption') ?? '').toLowerCase() === 'true'
  const version = versionText === undefined ? undefined : Number(versionText)
  return { ok: true, request: { kind: 'parameter', name, version, label: label || undefined, decrypt } }
}

export function errorBody(code: string, message: string): string {
  const body: ErrorBody = { __type: code, message }
  return JSON.stringify(body)
}

/** Longest error message kept from a response; longer ones are cut (they only ever name resources). */
const MAX_MESSAGE = 500

/**
 * The AWS error name and message in an error response, if it names one. Reads the AWS JSON shapes
 * (`__type` possibly namespaced, `code`, `Code`, `Error.Code`) and, for plain-text bodies such as
 * the extension's own, only an AWS-looking error name, never the rest of the text.
 */
export function parseErrorBody(body: string): { code?: string; message?: string } {
  const json = parseJson(body)
  if (json && typeof json === 'object') {
    const record = json as Record<string, unknown>
    const nested = typeof record.Error === 'object' && record.Error !== null ? (record.Error as Record<string, unknown>) : {}
    const type = firstString(record.__type, record.code, record.Code, nested.Code)
    const message = firstString(record.message, record.Message, nested.Message)
    return {
      code: type === undefined ? undefined : shownErrorCode(type.slice(type.lastIndexOf('#') + 1).split(':')[0]!),
      message: message?.slice(0, MAX_MESSAGE),
    }
  }
  const named = /\b([A-Z][A-Za-z]*(?:Exception|NotFound|Failure))\b/.exec(body)
  return named ? { code: named[1] } : {}
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v.length > 0)
}
