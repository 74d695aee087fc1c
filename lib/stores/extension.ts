/**
 * extensionStore: resolves secrets and parameters through the AWS Parameters and Secrets Lambda
 * Extension's HTTP API on localhost (default port 2773), with node:http only, so a function that
 * runs the extension needs no AWS SDK in its bundle. The extension caches on its side (its own
 * TTL); the middleware's cache still sits in front of it, so a value can be as old as both TTLs.
 *
 * One HTTP GET per request (the extension has no batch endpoint), at most
 * PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS in flight per extension endpoint. While the
 * extension is still starting (connection refused at cold start) requests are retried for a
 * bounded startup wait. Errors map to the same codes as the SDK stores and never carry a value.
 */
import { Agent, request as httpRequest } from 'node:http'
import { ConfigError, isRetryableCode } from '../errors.js'
import { ENV, RULES, checkInteger, readInteger, type Env } from '../env-vars.js'
import { createLimiter, type Limiter } from '../limit.js'
import { sleep } from '../sleep.js'
import {
  DEFAULT_HOST,
  LOOPBACK_HOSTS,
  TOKEN_HEADER,
  parseErrorBody,
  requestPath,
  type ParameterBody,
  type SecretValueBody,
} from '../extension-protocol.js'
import { operationOf, type FetchOptions, type Store, type StoreError, type StoreFailure, type StoreRequest, type StoreResult } from '../store.js'

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

const DEFAULT_STARTUP_TIMEOUT_MS = 2000
/** Secrets are at most 64 KiB; anything far larger is not the extension talking. */
const MAX_BODY_BYTES = 4 * 1024 * 1024

export function extensionStore(options: ExtensionStoreOptions = {}): Store {
  const env = options.env ?? process.env
  const host = checkHost(options.host ?? DEFAULT_HOST)
  const port = options.port === undefined ? readInteger(env, ENV.port, RULES.port) : checkInteger('port', options.port, RULES.port)
  const maxConnections =
    options.maxConnections === undefined
      ? readInteger(env, ENV.maxConnections, RULES.maxConnections)
      : checkInteger('maxConnections', options.maxConnections, RULES.maxConnections)
  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS
  if (!Number.isFinite(startupTimeoutMs) || startupTimeoutMs < 0) {
    throw new ConfigError('startupTimeoutMs', `must be a number of milliseconds >= 0, got ${startupTimeoutMs}`)
  }
  const endpoint = endpointFor(host, port, maxConnections)
  const name = options.name ?? 'extension'

  async function fetchOne(request: StoreRequest, path: string, token: string, fetchOptions: FetchOptions): Promise<StoreResult> {
    if (fetchOptions.signal.aborted) return deadline(request)
    const answer = await getWithStartupWait(endpoint, path, token, startupTimeoutMs, fetchOptions)
    return toResult(answer, request, endpoint, startupTimeoutMs)
  }

  return {
    name,
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

function checkHost(host: string): string {
  if (!LOOPBACK_HOSTS.includes(host)) {
    throw new ConfigError('host', `must be a loopback address (${LOOPBACK_HOSTS.join(', ')}): the extension only listens on localhost, got '${host}'`)
  }
  return host
}

// ---- one extension endpoint, shared by every store that talks to it --------------------------

interface Endpoint {
  readonly host: string
  readonly port: number
  readonly agent: Agent
  readonly limiter: Limiter
  /** Set once any request got an HTTP answer: from then on, refused means down, not starting. */
  ready: boolean
  /** When the first refused connection was seen: the startup wait counts from there. */
  firstRefusedAt?: number
}

// The secretsManager and ssm stores usually both point at the same extension: they share its
// connection bound and its startup state.
const endpoints = new Map<string, Endpoint>()

function endpointFor(host: string, port: number, maxConnections: number): Endpoint {
  const key = `${host}:${port}:${maxConnections}`
  let endpoint = endpoints.get(key)
  if (!endpoint) {
    endpoint = {
      host,
      port,
      agent: new Agent({ keepAlive: true, maxSockets: maxConnections }),
      limiter: createLimiter(maxConnections),
      ready: false,
    }
    endpoints.set(key, endpoint)
  }
  return endpoint
}

// ---- HTTP ------------------------------------------------------------------------------------

type Answer =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  | { readonly kind: 'refused' }
  | { readonly kind: 'network'; readonly errno: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }

function httpGet(endpoint: Endpoint, path: string, token: string, timeoutMs: number, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false
    const finish = (answer: Answer): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      resolve(answer)
    }
    const req = httpRequest(
      { host: endpoint.host, port: endpoint.port, path, method: 'GET', agent: endpoint.agent, headers: { [TOKEN_HEADER]: token } },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_BODY_BYTES) req.destroy(new Error('response too large'))
          else chunks.push(chunk)
        })
        res.on('end', () => finish({ kind: 'response', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'network', errno: error.code ?? error.message }))
      },
    )
    const timer = timeoutMs > 0 ? setTimeout(() => (finish({ kind: 'timeout' }), req.destroy()), timeoutMs) : undefined
    const onAbort = (): void => {
      finish({ kind: 'aborted' })
      req.destroy()
    }
    signal.addEventListener('abort', onAbort, { once: true })
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish(error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'network', errno: error.code ?? error.message }),
    )
    req.end()
  })
}

/**
 * GET with the two retries that belong to the transport, not to the resolver: once on a network
 * error (a keep-alive socket the extension closed), and on connection refused while the
 * extension is still starting, with short backoff up to the startup wait.
 */
async function getWithStartupWait(
  endpoint: Endpoint,
  path: string,
  token: string,
  startupTimeoutMs: number,
  options: FetchOptions,
): Promise<Answer> {
  for (let attempt = 0; ; attempt += 1) {
    const answer = await httpGet(endpoint, path, token, options.requestTimeoutMs, options.signal)
    if (answer.kind === 'response') {
      endpoint.ready = true
      return answer
    }
    if (answer.kind === 'network' && attempt === 0) continue
    if (answer.kind !== 'refused' || endpoint.ready) return answer
    endpoint.firstRefusedAt ??= Date.now()
    const left = endpoint.firstRefusedAt + startupTimeoutMs - Date.now()
    if (left <= 0) return answer
    const delay = Math.min(10 * 2 ** attempt, 100, left)
    options.logger.debug(`middy-secrets: extension not listening on ${endpoint.host}:${endpoint.port} yet; retrying in ${delay} ms`)
    if (!(await sleep(delay, options.signal))) return { kind: 'aborted' }
  }
}

// ---- answers -> results ----------------------------------------------------------------------

function fail(request: StoreRequest, error: Omit<StoreError, 'operation'>): StoreFailure {
  return { ok: false, error: { ...error, operation: operationOf(request) } }
}

function toResult(answer: Answer, request: StoreRequest, endpoint: Endpoint, startupTimeoutMs: number): StoreResult {
  const where = `${endpoint.host}:${endpoint.port}`
  switch (answer.kind) {
    case 'response':
      return answer.status === 200 ? decode(answer.body, request) : httpFailure(answer.status, answer.body, request)
    case 'refused':
      return fail(request, {
        code: 'ExtensionUnavailable',
        message: `nothing listens on ${where}${endpoint.ready ? '' : ` (waited ${startupTimeoutMs} ms for the extension to start)`}; add the AWS Parameters and Secrets Lambda Extension layer, and check that ${ENV.port} is the same for the function and the extension`,
        retryable: true,
      })
    case 'network':
      return fail(request, { code: 'NetworkingError', message: `the connection to the extension on ${where} failed (${answer.errno})`, retryable: true })
    case 'timeout':
      return fail(request, { code: 'TimeoutError', message: `the extension on ${where} did not answer within requestTimeoutMs`, retryable: true })
    case 'aborted':
      return deadline(request)
  }
}

/** Never quotes the body in an error: it is where the value would be. */
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

function decodeSecret(body: SecretValueBody, request: StoreRequest): StoreResult {
  const common = { versionId: body.VersionId, versionStages: body.VersionStages, arn: body.ARN }
  if (typeof body.SecretString === 'string') return { ok: true, value: body.SecretString, ...common }
  if (typeof body.SecretBinary === 'string') return { ok: true, value: new Uint8Array(Buffer.from(body.SecretBinary, 'base64')), ...common }
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
    return fail(request, { code, message: message ?? `HTTP ${status}`, retryable: isRetryableCode(code, status) || status === 429, httpStatus: status })
  }
  if (status === 429) return fail(request, { code: 'ThrottlingException', message: 'the extension is over its connection limit (HTTP 429)', retryable: true, httpStatus: status })
  if (status === 404) {
    const notFound = request.kind === 'secret' ? 'ResourceNotFoundException' : 'ParameterNotFound'
    return fail(request, { code: notFound, message: `the extension answered 404 for '${request.name}'`, retryable: false, httpStatus: status })
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

function unsupported(request: StoreRequest): StoreFailure {
  return fail(request, {
    code: 'ExtensionUnsupported',
    message: `the Parameters and Secrets extension cannot read a parameter path ('${request.name}'): it has no GetParametersByPath; resolve paths with the SDK ssm store (ssmStore())`,
    retryable: false,
  })
}

function missingToken(request: StoreRequest): StoreFailure {
  return fail(request, {
    code: 'ExtensionTokenRejected',
    message: `AWS_SESSION_TOKEN is not set, and the extension requires it in the ${TOKEN_HEADER} header; it is set in Lambda, elsewhere pass the token option`,
    retryable: false,
  })
}

function deadline(request: StoreRequest): StoreFailure {
  // As the SDK stores answer it; the resolver never retries past the deadline anyway.
  return fail(request, { code: 'DeadlineExceeded', message: 'stopped before the Lambda deadline', retryable: true })
}

/** A store must not throw; a bug or a throwing `limit` still becomes one failed entry. */
function unexpected(request: StoreRequest, error: unknown): StoreFailure {
  const what = error instanceof Error ? error.name : typeof error
  return fail(request, { code: 'ExtensionClientError', message: `unexpected ${what} while calling the extension`, retryable: false })
}
