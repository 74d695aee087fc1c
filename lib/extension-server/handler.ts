/**
 * One HTTP request to the local server, answered as the extension does: GET only, no
 * X-Forwarded-For (it only serves the local machine), the token header required (401 missing,
 * 403 wrong), then the cache, then the backend store within the connection bound and timeout.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Store, StoreRequest, StoreResult } from '../store.js'
import type { ResponseCache } from './cache.js'
import type { Limiter } from '../limit.js'
import { PARAMETERS_PATH, SECRETS_PATH, TOKEN_HEADER, errorBody, parseParameterQuery, parseSecretQuery } from '../extension-protocol.js'
import { callStore, type BackendCallContext } from './backend-call.js'
import { httpHandler, text } from './http-handler.js'
import { errorReply, parameterReply, secretReply, type HttpReply } from './responses.js'
import { redacted } from '../redact.js'

export interface Backend {
  /** Answers `secret` requests. */
  readonly secretsManager: Store
  /** Answers `parameter` requests. */
  readonly ssm: Store
  /** Answers `appConfig` requests, for the AppConfig extension's interface (`appConfig` option). */
  readonly appConfig?: Store
}

export interface HandlerContext extends BackendCallContext {
  readonly token: string
  readonly backend: Backend
  readonly cache: ResponseCache
  readonly limiter: Limiter
  /** Milliseconds, 0 = none. */
  readonly secretsTimeoutMs: number
  readonly ssmTimeoutMs: number
}

export function createHandler(context: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return httpHandler((req) => answer(context, req), { status: 500, body: errorBody('InternalFailure', 'the local extension server failed') })
}

async function answer(context: HandlerContext, req: IncomingMessage): Promise<HttpReply> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const refused = refuse(context, req)
  if (refused) {
    context.logger.warn(`${req.method} ${url.pathname} -> ${refused.status}`)
    return refused
  }
  const parsed =
    url.pathname === SECRETS_PATH ? parseSecretQuery(url.searchParams)
    : url.pathname === PARAMETERS_PATH ? parseParameterQuery(url.searchParams)
    : undefined
  if (!parsed) return text(404, 'Not found')
  if (!parsed.ok) return 'text' in parsed ? text(400, parsed.text) : { status: 400, body: errorBody(parsed.code, parsed.message) }
  return resolve(context, parsed.request, parsed.refreshNow === true)
}

/** The SSRF checks, before anything is looked up. */
function refuse(context: HandlerContext, req: IncomingMessage): HttpReply | undefined {
  if (req.method !== 'GET') return text(405, 'Method not allowed: use GET')
  if (req.headers['x-forwarded-for'] !== undefined) return text(400, 'Forwarded requests are refused')
  const sent = req.headers[TOKEN_HEADER.toLowerCase()]
  if (sent === undefined) return text(401, `Unauthorized: the ${TOKEN_HEADER} header is missing`)
  if (typeof sent !== 'string' || !sameToken(sent, context.token)) return text(403, `Forbidden: the ${TOKEN_HEADER} header does not match`)
  return undefined
}

function sameToken(sent: string, expected: string): boolean {
  const a = Buffer.from(sent)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function resolve(context: HandlerContext, request: StoreRequest, refreshNow: boolean): Promise<HttpReply> {
  const describe = `${request.kind} '${request.name}'`
  const cached = refreshNow ? undefined : context.cache.get(request)
  if (cached) {
    context.logger.debug(`${describe}: cache hit`)
    return reply(request, cached)
  }
  const isSecret = request.kind === 'secret'
  const store = isSecret ? context.backend.secretsManager : context.backend.ssm
  const timeoutMs = isSecret ? context.secretsTimeoutMs : context.ssmTimeoutMs
  const result = await context.limiter.run(() => callStore(store, request, timeoutMs, context))
  if (!result.ok) {
    context.logger.warn(`${describe}: ${result.error.code}: ${redacted(result.error.message)}`)
    return errorReply(result.error)
  }
  context.cache.set(request, result)
  context.logger.debug(`${describe}: fetched from ${store.name}`)
  return reply(request, result)
}

function reply(request: StoreRequest, value: Extract<StoreResult, { ok: true }>): HttpReply {
  return request.kind === 'secret' ? secretReply(request, value) : parameterReply(request, value)
}
