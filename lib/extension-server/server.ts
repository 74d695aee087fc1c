/**
 * startExtensionServer: a local server speaking the AWS Parameters and Secrets Lambda
 * Extension's HTTP interface, so code written against the extension (AWS's samples, curl, the
 * extension store) runs unchanged on a laptop. Values come from any Store: `memoryStore(seed)`
 * for a file, `secretsManagerStore()` / `ssmStore()` for real AWS.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createResponseCache } from './cache.js'
import { createHandler } from './handler.js'
import { createLimiter } from '../limit.js'
import { levelLogger } from './log.js'
import { resolveServerSettings, type ExtensionServerOptions, type ServerSettings } from './settings.js'

export interface ExtensionServer {
  readonly port: number
  readonly host: string
  /** e.g. `http://127.0.0.1:2773`. */
  readonly url: string
  /** The settings in effect (the token is not among them). */
  readonly settings: Omit<ServerSettings, 'token'>
  /** Empties the cache, as a new execution environment would start. */
  clearCache(): void
  /** Stops listening, ends open connections and aborts backend calls in flight. */
  close(): Promise<void>
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
  const port = await listen(server, settings.host, settings.port)
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`
  const { token: _token, ...shown } = settings
  logger.info(
    `listening on ${url}; cache ${settings.cacheEnabled && settings.cacheSize > 0 ? `on (${settings.cacheSize} entries, secrets ${settings.secretsTtl} s, parameters ${settings.ssmTtl} s)` : 'off'}, max connections ${settings.maxConnections}`,
  )
  return {
    port,
    host: settings.host,
    url,
    settings: { ...shown, port },
    clearCache: () => cache.clear(),
    close: () => close(server, closing),
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const why = error.code === 'EADDRINUSE' ? 'is in use' : `cannot be opened (${error.code ?? error.message})`
      reject(new Error(`middy-secrets: port ${port} on ${host} ${why}; choose another with --port or PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`))
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
