/**
 * startExtensionServer: a local server speaking the AWS Parameters and Secrets Lambda
 * Extension's HTTP interface, and with the `appConfig` option the AWS AppConfig Lambda
 * extension's as well (on its own port, as in Lambda), so code written against the extensions
 * (AWS's samples, curl, the extension stores) runs unchanged on a laptop. Values come from any
 * Store: `memoryStore(seed)` for a file, `secretsManagerStore()` / `ssmStore()` for real AWS.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createConfigurationCache, type ConfigurationCache } from './appconfig-cache.js'
import { createAppConfigHandler, type AppConfigHandlerContext } from './appconfig-handler.js'
import type { AppConfigServerSettings } from './appconfig-settings.js'
import { createResponseCache } from './cache.js'
import { createHandler } from './handler.js'
import { createLimiter } from '../limit.js'
import { levelLogger } from './log.js'
import { resolveServerSettings, type ExtensionServerOptions, type ServerSettings } from './settings.js'
import { ENV } from '../env-vars.js'
import { APPCONFIG_ENV } from '../stores/appconfig-extension-env.js'

export interface ExtensionServer {
  readonly port: number
  readonly host: string
  /** e.g. `http://127.0.0.1:2773`. */
  readonly url: string
  /** The settings in effect (the token is not among them). */
  readonly settings: Omit<ServerSettings, 'token'>
  /** The AppConfig extension's interface, when the server was started with `appConfig`. */
  readonly appConfig?: AppConfigEndpoint
  /** Empties the caches, as a new execution environment would start. */
  clearCache(): void
  /** Stops listening, ends open connections and aborts backend calls in flight. */
  close(): Promise<void>
}

export interface AppConfigEndpoint {
  readonly port: number
  /** e.g. `http://127.0.0.1:2772`. */
  readonly url: string
  /** The settings in effect, with the port listened on. */
  readonly settings: AppConfigServerSettings
}

export async function startExtensionServer(options: ExtensionServerOptions): Promise<ExtensionServer> {
  const settings = resolveServerSettings(options)
  const logger = levelLogger(options.logger ?? console, settings.logLevel)
  const cache = createResponseCache({ enabled: settings.cacheEnabled, size: settings.cacheSize, secretsTtl: settings.secretsTtl, ssmTtl: settings.ssmTtl })
  const closing = new AbortController()
  const handler = createHandler({
    token: settings.token,
    backend: options.backend,
    cache,
    limiter: createLimiter(settings.maxConnections),
    secretsTimeoutMs: settings.secretsTimeoutMs,
    ssmTimeoutMs: settings.ssmTimeoutMs,
    logger,
    closing: closing.signal,
  })
  const server = createServer(handler)
  const port = await listen(server, settings.host, settings.port, `--port or ${ENV.port}`)
  const url = urlOf(settings.host, port)
  logger.info(
    `listening on ${url}; cache ${settings.cacheEnabled && settings.cacheSize > 0 ? `on (${settings.cacheSize} entries, secrets ${settings.secretsTtl} s, parameters ${settings.ssmTtl} s)` : 'off'}, max connections ${settings.maxConnections}`,
  )
  const appConfig =
    settings.appConfig && options.backend.appConfig
      ? await startAppConfigInterface(settings.host, settings.appConfig, { backend: options.backend.appConfig, logger, closing: closing.signal }).catch(
          async (error: unknown) => {
            await close(server, closing)
            throw error
          },
        )
      : undefined
  const { token: _token, ...shown } = settings
  return {
    port,
    host: settings.host,
    url,
    settings: { ...shown, port, ...(appConfig && { appConfig: appConfig.endpoint.settings }) },
    ...(appConfig && { appConfig: appConfig.endpoint }),
    clearCache: () => (cache.clear(), appConfig?.cache.clear()),
    close: () => Promise.all([close(server, closing), appConfig && close(appConfig.server, closing)]).then(() => undefined),
  }
}

interface AppConfigInterface {
  readonly server: Server
  readonly cache: ConfigurationCache
  readonly endpoint: AppConfigEndpoint
}

async function startAppConfigInterface(
  host: string,
  settings: AppConfigServerSettings,
  context: Pick<AppConfigHandlerContext, 'backend' | 'logger' | 'closing'>,
): Promise<AppConfigInterface> {
  const cache = createConfigurationCache({ pollIntervalSeconds: settings.pollIntervalSeconds })
  const handler = createAppConfigHandler({ ...context, cache, limiter: createLimiter(settings.maxConnections), pollTimeoutMs: settings.pollTimeoutMs })
  const server = createServer(handler)
  const port = await listen(server, host, settings.port, `--appconfig-port or ${APPCONFIG_ENV.port}`)
  const endpoint = { port, url: urlOf(host, port), settings: { ...settings, port } }
  context.logger.info(`AppConfig extension interface on ${endpoint.url}; poll interval ${settings.pollIntervalSeconds} s, max connections ${settings.maxConnections}`)
  return { server, cache, endpoint }
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** `choose` says how to pick another port, e.g. `--port or PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`. */
function listen(server: Server, host: string, port: number, choose: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const why = error.code === 'EADDRINUSE' ? 'is in use' : `cannot be opened (${error.code ?? error.message})`
      reject(new Error(`middy-secrets: port ${port} on ${host} ${why}; choose another with ${choose}`))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function close(server: Server, closing: AbortController): Promise<void> {
  closing.abort()
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
