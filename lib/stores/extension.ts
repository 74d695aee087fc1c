/**
 * extensionStore: resolves secrets and parameters through the AWS Parameters and Secrets Lambda
 * Extension's HTTP API on localhost (default port 2773), with node:http only, so a function that
 * runs the extension needs no AWS SDK in its bundle. The extension caches on its side (its own
 * TTL); the middleware's cache still sits in front of it, so a value can be as old as both TTLs.
 *
 * One HTTP GET per request (the extension has no batch endpoint), at most
 * PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS in flight per extension endpoint. While the
 * extension is still starting (connection refused at cold start) requests are retried for a
 * bounded startup wait (extension-http.ts). Errors map to the same codes as the SDK stores
 * (extension-answer.ts) and never carry a value.
 */
import { ENV, RULES, checkInteger, readInteger, type Env } from '../env-vars.js'
import { DEFAULT_HOST, TOKEN_HEADER, requestPath } from '../extension-protocol.js'
import type { FetchOptions, Store, StoreFailure, StoreRequest, StoreResult } from '../store.js'
import { secretsExtensionResult } from './extension-answer.js'
import { deadline, fail, transportFailure, unexpected, type Unreachable } from './extension-failures.js'
import { checkLoopbackHost, checkStartupTimeout, endpointFor, getWithStartupWait } from './extension-http.js'

export interface ExtensionStoreOptions {
  /** Default: PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, else 2773. */
  readonly port?: number
  /** Loopback only: `127.0.0.1` (default), `localhost` or `::1`. */
  readonly host?: string
  /** Default: AWS_SESSION_TOKEN, read at each call. */
  readonly token?: string
  /** Requests in flight at once. Default: PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS, else 3. */
  readonly maxConnections?: number
  /** How long connection refused is retried while the extension starts (ms, default 2000). */
  readonly startupTimeoutMs?: number
  /** Shown in errors and logs (default `extension`). */
  readonly name?: string
  /** Where the variables above are read (default `process.env`). */
  readonly env?: Env
}

/** Secrets are at most 64 KiB; anything far larger is not the extension talking. */
const MAX_BODY_BYTES = 4 * 1024 * 1024

export function extensionStore(options: ExtensionStoreOptions = {}): Store {
  const env = options.env ?? process.env
  const host = checkLoopbackHost(options.host ?? DEFAULT_HOST)
  const port = options.port === undefined ? readInteger(env, ENV.port, RULES.port) : checkInteger('port', options.port, RULES.port)
  const maxConnections =
    options.maxConnections === undefined
      ? readInteger(env, ENV.maxConnections, RULES.maxConnections)
      : checkInteger('maxConnections', options.maxConnections, RULES.maxConnections)
  const unreachable: Unreachable = {
    startupTimeoutMs: checkStartupTimeout(options.startupTimeoutMs),
    hint: `add the AWS Parameters and Secrets Lambda Extension layer, and check that ${ENV.port} is the same for the function and the extension`,
  }
  const endpoint = endpointFor(host, port, maxConnections)

  async function fetchOne(request: StoreRequest, path: string, token: string, fetchOptions: FetchOptions): Promise<StoreResult> {
    if (fetchOptions.signal.aborted) return deadline(request)
    const get = { path, headers: { [TOKEN_HEADER]: token }, maxBodyBytes: MAX_BODY_BYTES }
    const answer = await getWithStartupWait(endpoint, get, unreachable.startupTimeoutMs, fetchOptions)
    return answer.kind === 'response' ? secretsExtensionResult(answer, request) : transportFailure(answer, request, endpoint, unreachable)
  }

  return {
    name: options.name ?? 'extension',
    async fetch(requests, fetchOptions) {
      return Promise.all(
        requests.map((request) => {
          // What needs no HTTP call is answered at once, outside the connection bound.
          const path = requestPath(request)
          if (path === undefined) return unsupported(request)
          const token = options.token ?? env.AWS_SESSION_TOKEN
          if (!token) return missingToken(request)
          return fetchOptions
            .limit(() => endpoint.limiter.run(() => fetchOne(request, path, token, fetchOptions)))
            .catch((error: unknown) => unexpected(request, error))
        }),
      )
    },
  }
}

function unsupported(request: StoreRequest): StoreFailure {
  const message =
    request.kind === 'parameters'
      ? `the Parameters and Secrets extension cannot read a parameter path ('${request.name}'): it has no GetParametersByPath; resolve paths with the SDK ssm store (ssmStore())`
      : request.kind === 'appConfig'
        ? `the Parameters and Secrets extension does not serve AppConfig ('${request.name}'): read configurations with appConfigExtensionStore() (the AppConfig extension) or the SDK AppConfig store`
        : `the Parameters and Secrets extension serves secrets and parameters only, not a ${request.kind} request ('${request.name}')`
  return fail(request, { code: 'ExtensionUnsupported', message, retryable: false })
}

function missingToken(request: StoreRequest): StoreFailure {
  return fail(request, {
    code: 'ExtensionTokenRejected',
    message: `AWS_SESSION_TOKEN is not set, and the extension requires it in the ${TOKEN_HEADER} header; it is set in Lambda, elsewhere pass the token option`,
    retryable: false,
  })
}
