/**
 * STS (AWS query protocol, version 2011-06-15): AssumeRole, which issues temporary credentials
 * for a role ARN, as `fromTemporaryCredentials` of `@aws-sdk/credential-providers` asks for them.
 * The server keeps what it issued (`TemporaryCredentials`), so that every call it records says
 * which access key signed it and, for a key it issued, which role; a request signed with an issued
 * key must carry that key's session token, as AWS's must. `roleDenial` is the server option
 * `roles`: what an assumed role's credentials may read, to show a denied cross-account read.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { ModelError, type SecretsModel } from '../model.js'
import type { RoleGrant } from './index.js'
import { awsQuery } from './query.js'
import type { Handler, Route, ServiceModule } from './service.js'
import { namesIn, type Input } from './wire.js'

export const STS_OPERATIONS = ['AssumeRole'] as const

export type StsOperation = (typeof STS_OPERATIONS)[number]

/** Temporary credentials AssumeRole issued. */
export interface IssuedCredentials {
  /** The role assumed, as the request named it. */
  readonly roleArn: string
  readonly roleSessionName: string
  /** `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`: the principal AWS names in errors. */
  readonly assumedRoleArn: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken: string
  /** On the server's clock. */
  readonly expiration: Date
}

/** Who signed a request. */
export interface Caller {
  /** The access key id of the SigV4 `Authorization` header (`Credential=AKID/...`); undefined when unsigned. */
  readonly accessKeyId?: string
  /** What this server issued under that key, if it did. */
  readonly issued?: IssuedCredentials
}

/** The temporary credentials one server issued, by access key id. */
export class TemporaryCredentials {
  private readonly byKey = new Map<string, IssuedCredentials>()

  get all(): readonly IssuedCredentials[] {
    return [...this.byKey.values()]
  }

  issue(role: ParsedRole, roleSessionName: string, durationSeconds: number, now: number): IssuedCredentials {
    const issued: IssuedCredentials = {
      roleArn: role.arn,
      roleSessionName,
      assumedRoleArn: `arn:aws:sts::${role.account}:assumed-role/${role.name}/${roleSessionName}`,
      accessKeyId: `ASIA${base32(randomBytes(10))}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(120).toString('base64'),
      expiration: new Date(Math.floor(now / 1000) * 1000 + durationSeconds * 1000),
    }
    this.byKey.set(issued.accessKeyId, issued)
    return issued
  }

  /** Who signed a request with these headers. */
  caller(headers: IncomingHttpHeaders): Caller {
    const accessKeyId = signingKey(headers.authorization)
    return accessKeyId === undefined ? {} : { accessKeyId, issued: this.byKey.get(accessKeyId) }
  }
}

/** The access key id of a SigV4 Authorization header: `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, ...`. */
export function signingKey(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : /\bCredential=([^/,\s]+)\//.exec(authorization)?.[1]
}

/**
 * Why AWS refuses a request signed with a key this server issued, in AWS's words: its session
 * token is missing or is another key's. The server answers it as `UnrecognizedClientException`,
 * which each protocol names its own way (STS: `InvalidClientTokenId`).
 */
export function tokenRefusal(caller: Caller, headers: IncomingHttpHeaders): string | undefined {
  if (caller.issued === undefined || headers['x-amz-security-token'] === caller.issued.sessionToken) return undefined
  return 'The security token included in the request is invalid.'
}

/**
 * The AccessDeniedException a role's grant gives a Secrets Manager request for `id` (undefined:
 * allowed). Only credentials this server issued for a role listed in `roles` are limited.
 */
export function roleDenial(roles: Readonly<Record<string, RoleGrant>> | undefined, caller: Caller, route: Route, id: string, model: SecretsModel): ModelError | undefined {
  const grant = caller.issued === undefined ? undefined : roles?.[caller.issued.roleArn]
  if (grant?.secrets === undefined || route.service.name !== 'secretsmanager') return undefined
  const canonical = route.service.canonicalId(model, id)
  if (grant.secrets.some((allowed) => allowed === id || route.service.canonicalId(model, allowed) === canonical)) return undefined
  // A batch reads each of its secrets with GetSecretValue's permission.
  const action = `secretsmanager:${route.operation === 'BatchGetSecretValue' ? 'GetSecretValue' : route.operation}`
  return new ModelError(
    'AccessDeniedException',
    `User: ${caller.issued!.assumedRoleArn} is not authorized to perform: ${action} on resource: ${id} because no identity-based policy allows the ${action} action`,
  )
}

// ---- AssumeRole ---------------------------------------------------------------------------

/** A role ARN, read. */
export interface ParsedRole {
  readonly arn: string
  readonly account: string
  readonly name: string
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/
const SESSION_NAME = /^[\w+=,.@-]*$/
const MIN_DURATION = 900
const MAX_DURATION = 43_200
const DEFAULT_DURATION = 3_600

function validationError(field: string, value: string, constraint: string): ModelError {
  return new ModelError('ValidationError', `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`)
}

function required(input: Input, member: string, field: string): string {
  const value = input[member]
  if (typeof value !== 'string') throw validationError(field, 'null', 'Member must not be null')
  return value
}

function role(input: Input): ParsedRole {
  const arn = required(input, 'RoleArn', 'roleArn')
  if (arn.length < 20 || arn.length > 2048) throw validationError('roleArn', arn, 'Member must have length between 20 and 2048')
  const match = ROLE_ARN.exec(arn)
  if (!match) throw new ModelError('ValidationError', `${arn} is not a valid role ARN`)
  return { arn, account: match[1]!, name: match[2]! }
}

function sessionName(input: Input): string {
  const name = required(input, 'RoleSessionName', 'roleSessionName')
  if (name.length < 2 || name.length > 64) throw validationError('roleSessionName', name, 'Member must have length between 2 and 64')
  if (!SESSION_NAME.test(name)) throw validationError('roleSessionName', name, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*')
  return name
}

function duration(input: Input): number {
  const text = input.DurationSeconds
  if (text === undefined) return DEFAULT_DURATION
  const seconds = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : NaN
  if (!(seconds >= MIN_DURATION && seconds <= MAX_DURATION)) {
    throw validationError('durationSeconds', String(text), `Member must have value between ${MIN_DURATION} and ${MAX_DURATION}`)
  }
  return seconds
}

/** A stable `AROA…` id per role, as IAM gives each role one. */
function roleId(arn: string): string {
  return `AROA${base32(createHash('sha256').update(arn).digest().subarray(0, 10))}`
}

function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return out
}

const assumeRole: Handler = (input, ctx) => {
  const parsed = role(input)
  const session = sessionName(input)
  const issued = ctx.credentials.issue(parsed, session, duration(input), ctx.now())
  return {
    AssumedRoleUser: { AssumedRoleId: `${roleId(parsed.arn)}:${session}`, Arn: issued.assumedRoleArn },
    Credentials: { AccessKeyId: issued.accessKeyId, SecretAccessKey: issued.secretAccessKey, SessionToken: issued.sessionToken, Expiration: issued.expiration },
  }
}

export const sts: ServiceModule<StsOperation> = {
  name: 'sts',
  protocol: awsQuery({
    version: '2011-06-15',
    xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/',
    errorCodes: { InvalidSignatureException: 'SignatureDoesNotMatch', UnrecognizedClientException: 'InvalidClientTokenId' },
  }),
  operations: STS_OPERATIONS,
  handlers: { AssumeRole: assumeRole },
  messageField: 'Message',
  internalErrorCode: 'InternalFailure',
  throttleError: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
  errorStatus: { AccessDenied: 403, InvalidSignatureException: 403, SignatureDoesNotMatch: 403, UnrecognizedClientException: 403, InvalidClientTokenId: 403, InternalFailure: 500 },
  perEntryOperations: [],
  requestNames: (_operation, input) => namesIn(input, 'RoleArn'),
  canonicalId: (_model, id) => id,
}
