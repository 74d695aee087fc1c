/**
 * The Parameters and Secrets extension's HTTP answers -> store results: GetSecretValue's and
 * GetParameter's JSON for 200, AWS's error names where the extension passes them through, the
 * status otherwise. Never quotes a body in an error: it is where the value would be.
 */
import { isRetryable } from '../classify.js'
import { ENV } from '../env-vars.js'
import { TOKEN_HEADER, parseErrorBody, type ParameterBody, type SecretValueBody } from '../extension-protocol.js'
import type { StoreFailure, StoreRequest, StoreResult } from '../store.js'
import { toBytes } from '../transport/decode.js'
import { fail } from './extension-failures.js'
import type { ExtensionResponse } from './extension-http.js'

export function secretsExtensionResult(response: ExtensionResponse, request: StoreRequest): StoreResult {
  const body = response.body.toString('utf8')
  return response.status === 200 ? decode(body, request) : httpFailure(response.status, body, request)
}

function decode(body: string, request: StoreRequest): StoreResult {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  if (typeof json !== 'object' || json === null) {
    return fail(request, { code: 'MalformedResponse', message: `the extension answered 200 with a body that is not a JSON object for '${request.name}'`, retryable: true })
  }
  return request.kind === 'secret' ? decodeSecret(json as SecretValueBody, request) : decodeParameter(json as ParameterBody, request)
}

function base64Bytes(text: string): Uint8Array | undefined {
  try {
    return toBytes(text)
  } catch {
    return undefined
  }
}

function decodeSecret(body: SecretValueBody, request: StoreRequest): StoreResult {
  const common = { versionId: body.VersionId, versionStages: body.VersionStages, arn: body.ARN }
  if (typeof body.SecretString === 'string') return { ok: true, value: body.SecretString, ...common }
  if (typeof body.SecretBinary === 'string') {
    // Strictly, as the lean transport decodes AWS's answer: Buffer.from would skip what is not base64 and alter the bytes.
    const bytes = base64Bytes(body.SecretBinary)
    if (bytes !== undefined) return { ok: true, value: bytes, ...common }
    return fail(request, { code: 'MalformedResponse', message: `the extension's answer for secret '${request.name}' has a SecretBinary that is not base64`, retryable: false })
  }
  return fail(request, { code: 'MalformedResponse', message: `the extension's answer for secret '${request.name}' has neither SecretString nor SecretBinary`, retryable: false })
}

function decodeParameter(body: ParameterBody, request: StoreRequest): StoreResult {
  const parameter = body.Parameter
  if (!parameter || typeof parameter.Value !== 'string') {
    return fail(request, { code: 'MalformedResponse', message: `the extension's answer for parameter '${request.name}' has no Parameter.Value`, retryable: false })
  }
  return {
    ok: true,
    value: parameter.Value,
    versionId: parameter.Version === undefined ? undefined : String(parameter.Version),
    arn: parameter.ARN,
  }
}

/**
 * An HTTP error. The extension passes AWS errors through where it can (`__type` / `message`);
 * where it cannot (the Lambda extension's generic 400 "an unexpected error occurred"), the
 * status decides, and the message says where the detail is.
 */
function httpFailure(status: number, body: string, request: StoreRequest): StoreFailure {
  const { code, message } = parseErrorBody(body)
  if (status === 401 || (status === 403 && code === undefined)) {
    return fail(request, {
      code: 'ExtensionTokenRejected',
      message: `the extension rejected the ${TOKEN_HEADER} header (HTTP ${status}); check that AWS_SESSION_TOKEN is set in the function's environment (or pass the token option) and is the one the extension was started with`,
      retryable: false,
      httpStatus: status,
    })
  }
  if (code !== undefined) {
    return fail(request, { code, message: message ?? `HTTP ${status}`, retryable: isRetryable({ code, httpStatus: status, message: message ?? '' }) || status === 429, httpStatus: status })
  }
  if (status === 429) return fail(request, { code: 'ThrottlingException', message: 'the extension is over its connection limit (HTTP 429)', retryable: true, httpStatus: status })
  // A missing secret or parameter is AWS's error, passed through with its name (above). A bare 404
  // is the agent's answer to a path it does not serve: something else listens on the port, or an
  // extension of another interface. Never "not found", which would give an optional key its default.
  if (status === 404) {
    return fail(request, { code: 'ExtensionPathNotFound', message: `the server on the extension's port answered 404 for the ${request.kind} path, naming no AWS error`, retryable: false, httpStatus: status })
  }
  if (status >= 500) {
    return fail(request, { code: status === 503 ? 'ServiceUnavailable' : 'InternalFailure', message: `the extension answered HTTP ${status}`, retryable: true, httpStatus: status })
  }
  return fail(request, {
    code: 'ExtensionRequestFailed',
    message: `the extension answered HTTP ${status} without saying why (it logs the AWS error, e.g. a missing ${request.kind === 'secret' ? 'secretsmanager:GetSecretValue' : 'ssm:GetParameter'} permission or an unknown name or version, to CloudWatch Logs; set ${ENV.logLevel}=debug to see it)`,
    retryable: false,
    httpStatus: status,
  })
}
