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
import type { Env } from '../env-vars.js'
import { configurationPath, configurationTarget } from '../extension-protocol.js'
import type { Store, StoreFailure, StoreRequest } from '../store.js'
import { configurationResult } from './appconfig-extension-answer.js'
import { APPCONFIG_ENV, APPCONFIG_RULES } from './appconfig-extension-env.js'
import { extensionConnection, type ExtensionVariables } from './extension-connection.js'
import { fail } from './extension-failures.js'

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

const APPCONFIG_EXTENSION: ExtensionVariables = {
  port: APPCONFIG_ENV.port,
  maxConnections: APPCONFIG_ENV.maxConnections,
  rules: APPCONFIG_RULES,
  layer: 'AWS AppConfig Lambda extension layer (AWS-AppConfig-Extension)',
}

/** AppConfig's largest configuration is 4 MB (hosted, with a raised quota); leave room for that. */
const MAX_BODY_BYTES = 8 * 1024 * 1024

export function appConfigExtensionStore(options: AppConfigExtensionStoreOptions = {}): Store {
  const connection = extensionConnection(options, options.env ?? process.env, APPCONFIG_EXTENSION)

  return {
    name: options.name ?? 'appConfigExtension',
    async fetch(requests, fetchOptions) {
      return Promise.all(
        requests.map((request) => {
          // What needs no HTTP call is answered at once, outside the connection bound.
          if (request.kind !== 'appConfig') return unsupported(request)
          const target = configurationTarget(request)
          if (target === undefined) return unnamed(request)
          const http = { path: configurationPath(target), headers: {}, maxBodyBytes: MAX_BODY_BYTES }
          return connection.get(request, http, fetchOptions, configurationResult)
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
