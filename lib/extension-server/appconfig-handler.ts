/**
 * One HTTP request to the local AppConfig interface, answered as the AppConfig extension does:
 * GET /applications/APP/environments/ENV/configurations/PROFILE[?flag=...], no token (the
 * extension asks for none), then the poll cache, then the backend store within the connection
 * bound and the poll timeout.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { FLAG_QUERY, errorBody, parseConfigurationPath, type ConfigurationTarget } from '../extension-protocol.js'
import type { Limiter } from '../limit.js'
import type { Store, StoreRequest } from '../store.js'
import type { ConfigurationCache } from './appconfig-cache.js'
import { configurationErrorReply, configurationReply } from './appconfig-responses.js'
import { callStore, type BackendCallContext } from './backend-call.js'
import { httpHandler, text } from './http-handler.js'
import type { HttpReply } from './responses.js'
import { redacted } from '../redact.js'

export interface AppConfigHandlerContext extends BackendCallContext {
  /** Answers `appConfig` requests. */
  readonly backend: Store
  readonly cache: ConfigurationCache
  readonly limiter: Limiter
  /** Milliseconds, 0 = none. */
  readonly pollTimeoutMs: number
}

export function createAppConfigHandler(context: AppConfigHandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return httpHandler((req) => answer(context, req), { status: 500, body: errorBody('InternalServerException', 'the local AppConfig extension server failed') })
}

async function answer(context: AppConfigHandlerContext, req: IncomingMessage): Promise<HttpReply> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (req.method !== 'GET') return text(405, 'Method not allowed: use GET')
  const target = parseConfigurationPath(url.pathname)
  if (!target) return text(404, 'Not found: the path is /applications/APPLICATION/environments/ENVIRONMENT/configurations/PROFILE')
  const request = configurationRequest(target)
  const { result, source, pollError } = await context.cache.get(JSON.stringify([target.application, target.environment, target.profile]), () =>
    context.limiter.run(() => callStore(context.backend, request, context.pollTimeoutMs, context)),
  )
  const describe = `configuration '${request.name}'`
  if (!result.ok) {
    context.logger.warn(`${describe}: ${result.error.code}: ${redacted(result.error.message)}`)
    return configurationErrorReply(result.error)
  }
  if (pollError) context.logger.warn(`${describe}: the poll failed (${pollError.code}: ${redacted(pollError.message)}); serving the cached copy`)
  else context.logger.debug(`${describe}: ${source === 'cache' ? 'cache hit' : `polled ${context.backend.name}`}`)
  return configurationReply(result, url.searchParams.getAll(FLAG_QUERY))
}

function configurationRequest(target: ConfigurationTarget): StoreRequest {
  return { kind: 'appConfig', name: `${target.application}/${target.environment}/${target.profile}`, ...target }
}
