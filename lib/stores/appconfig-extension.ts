/**
 * appConfigExtensionStore: reads AppConfig configurations through the AWS AppConfig Lambda
 * extension (AppConfig Agent) on localhost (default port 2772), with node:http only: no AWS SDK
 * in the function's bundle. The extension keeps each configuration in its cache and polls
 * AppConfig for changes on its own (every AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS), so
 * this store makes one GET per request and keeps no session or token of its own.
 *
 * At most AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS requests in flight (the extension makes no more
 * AppConfig calls than that at a time: more would only queue there). While the extension is
 * still starting (connection refused at cold start) requests are retried for a bounded start-up
 * wait; after it, ExtensionUnavailable. It answers `appConfig` requests only.
 */
import { checkInteger, readInteger, type Env } from '../env-vars.js'
import { DEFAULT_HOST, configurationPath, configurationTarget } from '../extension-protocol.js'
import type { FetchOptions, Store, StoreFailure, StoreRequest, StoreResult } from '../store.js'
import { configurationResult } from './appconfig-extension-answer.js'
import { APPCONFIG_ENV, APPCONFIG_RULES } from './appconfig-extension-env.js'
import { deadline, fail, transportFailure, unexpected, type Unreachable } from './extension-failures.js'
import { checkLoopbackHost, checkStartupTimeout, endpointFor, getWithStartupWait } from './extension-http.js'

export interface AppConfigExtensionStoreOptions {
  /** Default: AWS_APPCONFIG_EXTENSION_HTTP_PORT, else 2772. */
  readonly port?: number
  /** Loopback only: `127.0.0.1` (default), `localhost` or `::1`. */
  readonly host?: string
  /** Requests in flight at once. Default: AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS, else 3. */
  readonly maxConnections?: number
  /** How long connection refused is retried while the extension starts (ms, default 2000). */
  readonly startupTimeoutMs?: number
  /** Shown in errors and logs (default `appConfigExtension`). */
  readonly name?: string
  /** Where the variables above are read (default `process.env`). */
  readonly env?: Env
}

/** AppConfig's largest configuration is 4 MB (hosted, with a raised quota); leave room for that. */
const MAX_BODY_BYTES = 8 * 1024 * 1024

export function appConfigExtensionStore(options: AppConfigExtensionStoreOptions = {}): Store {
  const env = options.env ?? process.env
  const host = checkLoopbackHost(options.host ?? DEFAULT_HOST)
  const port = options.port === undefined ? readInteger(env, APPCONFIG_ENV.port, APPCONFIG_RULES.port) : checkInteger('port', options.port, APPCONFIG_RULES.port)
  const maxConnections =
    options.maxConnections === undefined
      ? readInteger(env, APPCONFIG_ENV.maxConnections, APPCONFIG_RULES.maxConnections)
      : checkInteger('maxConnections', options.maxConnections, APPCONFIG_RULES.maxConnections)
  const unreachable: Unreachable = {
    startupTimeoutMs: checkStartupTimeout(options.startupTimeoutMs),
    hint: `add the AWS AppConfig Lambda extension layer (AWS-AppConfig-Extension), and check that ${APPCONFIG_ENV.port} is the same for the function and the extension`,
  }
  const endpoint = endpointFor(host, port, maxConnections)

  async function fetchOne(request: StoreRequest, path: string, fetchOptions: FetchOptions): Promise<StoreResult> {
    if (fetchOptions.signal.aborted) return deadline(request)
    const answer = await getWithStartupWait(endpoint, { path, headers: {}, maxBodyBytes: MAX_BODY_BYTES }, unreachable.startupTimeoutMs, fetchOptions)
    return answer.kind === 'response' ? configurationResult(answer, request) : transportFailure(answer, request, endpoint, unreachable)
  }

  return {
    name: options.name ?? 'appConfigExtension',
    async fetch(requests, fetchOptions) {
      return Promise.all(
        requests.map((request) => {
          // What needs no HTTP call is answered at once, outside the connection bound.
          if (request.kind !== 'appConfig') return unsupported(request)
          const target = configurationTarget(request)
          if (target === undefined) return unnamed(request)
          const path = configurationPath(target)
          return fetchOptions
            .limit(() => endpoint.limiter.run(() => fetchOne(request, path, fetchOptions)))
            .catch((error: unknown) => unexpected(request, error))
        }),
      )
    },
  }
}

function unsupported(request: StoreRequest): StoreFailure {
  return fail(request, {
    code: 'ExtensionUnsupported',
    message: `the AppConfig extension serves AppConfig configurations only, not a ${request.kind} request ('${request.name}'); read secrets and parameters with extensionStore() (the Parameters and Secrets extension) or the SDK stores`,
    retryable: false,
  })
}

function unnamed(request: StoreRequest): StoreFailure {
  return fail(request, { code: 'BadRequestException', message: `an AppConfig request names application/environment/profile, not '${request.name}'`, retryable: false })
}
