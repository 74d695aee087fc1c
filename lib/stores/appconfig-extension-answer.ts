/**
 * The AppConfig extension's HTTP answers -> store results. A 200 is the configuration itself:
 * text for a textual content type, bytes otherwise (appconfig-content.ts, as the SDK store reads
 * it), its version label (else its version number) as the version id, as the memory store and
 * AppConfigData report it. An error goes by the AWS
 * error name in the body when there is one, else by the status, with the codes the SDK store
 * uses (AppConfigData: 404 ResourceNotFoundException, 400 BadRequestException, 429
 * ThrottlingException, 500 InternalServerException). Never quotes a body in an error.
 */
import { isRetryable } from '../classify.js'
import { CONFIGURATION_VERSION_HEADER, VERSION_LABEL_HEADER, parseErrorBody } from '../extension-protocol.js'
import type { StoreFailure, StoreRequest, StoreResult } from '../store.js'
import { configurationValue } from './appconfig-content.js'
import { APPCONFIG_ENV } from './appconfig-extension-env.js'
import { fail } from './extension-failures.js'
import type { ExtensionResponse } from './extension-http.js'

export function configurationResult(response: ExtensionResponse, request: StoreRequest): StoreResult {
  if (response.status !== 200) return httpFailure(response.status, response.body.toString('utf8'), request)
  const value = configurationValue(response.body, header(response, 'content-type'))
  const versionId = header(response, VERSION_LABEL_HEADER) ?? header(response, CONFIGURATION_VERSION_HEADER)
  return { ok: true, value, ...(versionId === undefined ? {} : { versionId }) }
}

function header(response: ExtensionResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()]
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined || first === '' ? undefined : first
}

const BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BadRequestException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  429: 'ThrottlingException',
  503: 'ServiceUnavailable',
}

function httpFailure(status: number, body: string, request: StoreRequest): StoreFailure {
  const named = parseErrorBody(body)
  const code = named.code ?? BY_STATUS[status] ?? (status >= 500 ? 'InternalServerException' : undefined)
  if (code === undefined) {
    return fail(request, {
      code: 'ExtensionRequestFailed',
      message: `the AppConfig extension answered HTTP ${status} for '${request.name}' without saying why (it logs the AWS error to CloudWatch Logs; set ${APPCONFIG_ENV.logLevel}=debug to see it)`,
      retryable: false,
      httpStatus: status,
    })
  }
  const message = named.message ?? defaultMessage(status, request)
  return fail(request, { code, message, retryable: isRetryable({ code, httpStatus: status, message }), httpStatus: status })
}

function defaultMessage(status: number, request: StoreRequest): string {
  if (status === 404) {
    return `the AppConfig extension answered 404 for '${request.name}': no such application, environment or configuration profile, or nothing deployed to that environment`
  }
  return `the AppConfig extension answered HTTP ${status} for '${request.name}'`
}
