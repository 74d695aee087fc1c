/**
 * Store results -> the JSON bodies the extension answers with: GetSecretValue's and
 * GetParameter's shapes for values, the AWS JSON 1.1 error shape with AWS's status for failures.
 * Fields the Store interface does not carry (CreatedDate, the parameter Type) are left out
 * rather than invented.
 */
import { selectorSuffix } from '../ssm-names.js'
import type { StoreError, StoreRequest, StoreValue } from '../store.js'
import { errorBody, type ParameterBody, type SecretValueBody } from '../extension-protocol.js'
import { redacted } from '../redact.js'

export interface HttpReply {
  readonly status: number
  readonly body: string | Uint8Array
  /** Default `application/json`. */
  readonly contentType?: string
  readonly headers?: Readonly<Record<string, string>>
}

export function secretReply(request: StoreRequest, value: StoreValue): HttpReply {
  const body: SecretValueBody = {
    ARN: value.arn,
    Name: secretName(request.name, value.arn),
    VersionId: value.versionId,
    ...(value.value instanceof Uint8Array
      ? { SecretBinary: Buffer.from(value.value).toString('base64') }
      : { SecretString: typeof value.value === 'string' ? value.value : JSON.stringify(value.value) }),
    VersionStages: value.versionStages,
  }
  return { status: 200, body: JSON.stringify(body) }
}

export function parameterReply(request: StoreRequest, value: StoreValue): HttpReply {
  const selector = selectorSuffix(request) || null
  const body: ParameterBody = {
    Parameter: {
      ARN: value.arn,
      Name: request.name,
      Value: typeof value.value === 'string' ? value.value : null,
      Version: value.versionId === undefined ? undefined : Number(value.versionId),
      Selector: selector,
      SourceResult: null,
      DataType: 'text',
    },
  }
  return { status: 200, body: JSON.stringify(body) }
}

/** AWS answers most service errors with 400, throttling included; 5xx for its own faults. */
export function errorReply(error: StoreError): HttpReply {
  const status = error.httpStatus ?? (error.retryable && !/throttl|toomanyrequests/i.test(error.code) ? 500 : 400)
  // AWS's message, as the extension passes it on, less what must never leave the process (a
  // signature error quotes the signed headers, session token included: ../redact.ts).
  return { status, body: errorBody(error.code, redacted(error.message)) }
}

/** The secret's name: from its ARN (`...:secret:NAME-AbCdEf`) when the request named it by ARN. */
function secretName(requested: string, arn: string | undefined): string {
  if (!requested.startsWith('arn:') || arn === undefined) return requested
  const afterSecret = arn.slice(arn.indexOf(':secret:') + ':secret:'.length)
  return afterSecret.replace(/-[A-Za-z0-9]{6}$/, '')
}
