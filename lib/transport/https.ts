/**
 * The lean transport: AWS requests signed with aws4 and sent over node:https (node:http for an
 * http:// endpoint such as a local stand-in), with no AWS SDK. The SDK's import and first-request
 * set-up cost 60-70 ms of every cold start; importing this transport and making one call costs
 * a fraction of the SDK transport's (measure.mjs in __tests__/transport; AWS's own Parameters and
 * Secrets extension is not an SDK client for the same reason).
 *
 * One attempt per call, as the SDK transport with maxAttempts 1: the resolver retries. The one
 * exception is a keep-alive socket that turns out dead before any answer (typically after a
 * Lambda freeze): that request never reached AWS, and it is sent once more on a new connection
 * (the agent's other idle sockets, as old, are closed first).
 * Every attempt is signed anew with the transport's corrected clock (clock.ts).
 */
import type { HttpsConfig } from './choose.js'
import { signingClock } from './clock.js'
import { JSON_DECODERS, MalformedMember } from './decode.js'
import * as fail from './errors.js'
import { createAgent, dropIdleSockets, exchange, type Exchange, type Target } from './exchange.js'
import { errorCode, errorMessage, jsonRequest, parseObject } from './protocol-json.js'
import { restOutput, restRequest } from './protocol-rest.js'
import { loadAws4, loadHttp, type Aws4Module } from './runtime.js'
import { SERVICES } from './services.js'
import { sign, type SignedRequest, type SigningScope, type UnsignedRequest } from './sign.js'
import type { CallOptions, CallResult, Transport } from './transport.js'
import type { StoreError } from '../store.js'

interface Loaded {
  readonly target: Target
  readonly aws4: Aws4Module
}

export function httpsTransport(config: HttpsConfig): Transport {
  const facts = SERVICES[config.service]
  const url = new URL(config.endpoint)
  const base = url.pathname.replace(/\/+$/, '')
  const clock = signingClock(config.systemClockOffset)
  const scope: SigningScope = { host: url.host, region: config.region, signingName: facts.signingName, credentials: config.credentials }
  const rest = facts.protocol === 'restJson1'
  let loaded: Promise<Loaded> | undefined

  function load(): Promise<Loaded> {
    loaded ??= Promise.all([loadHttp(url.protocol === 'https:'), loadAws4()]).then(([http, aws4]) => ({
      aws4,
      target: { http, agent: createAgent(http), hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : undefined },
    }))
    return loaded
  }

  function encode(operation: string, input: Readonly<Record<string, unknown>>): UnsignedRequest | undefined {
    if (!facts.operations.includes(operation)) return undefined
    return rest ? restRequest(base, operation, input) : jsonRequest(facts, base, operation, input)
  }

  /** An answer -> the SDK's output, or the StoreError the SDK path would give. */
  function settle<T>(operation: string, answer: Exchange): CallResult<T> {
    switch (answer.kind) {
      case 'deadline':
        return failure(fail.deadlineExceeded(operation))
      case 'timeout':
        return failure(fail.timedOut(operation))
      case 'network':
        return failure(fail.networkFailure(answer.reason, operation))
      case 'clientError':
        return failure(fail.clientFailure(answer.what, operation))
      case 'tooLarge':
        return failure(fail.tooLarge(facts.maxResponseBytes, { operation, httpStatus: answer.status, requestId: requestId(answer.headers) }))
      case 'response':
        break
    }
    const context = { operation, httpStatus: answer.status, requestId: requestId(answer.headers) }
    if (answer.status >= 200 && answer.status < 300) {
      try {
        return { ok: true, output: (rest ? restOutput(operation, answer.headers, answer.body) : jsonOutput(operation, answer.body)) as T }
      } catch {
        // MalformedMember, or anything else a decoder trips on: never a throw out of call().
        return failure(fail.malformed(context))
      }
    }
    const body = parseObject(answer.body)
    const code = body && errorCode(answer.headers, body, rest ? 'rest' : 'rpc')
    // No JSON, or JSON that names no error: a load balancer's page, a garbled answer.
    if (!body || code === undefined) return failure(fail.malformed(context))
    return failure(fail.awsError(code, errorMessage(body), context))
  }

  return {
    kind: 'https',
    service: config.service,
    async call<T>(operation: string, input: Readonly<Record<string, unknown>>, options: CallOptions): Promise<CallResult<T>> {
      const request = encode(operation, input)
      if (!request) return failure(fail.unsupportedOperation(config.service, operation))
      let net: Loaded
      try {
        net = await load()
      } catch {
        return failure(fail.clientFailure('failure to load node:https or aws4', operation))
      }
      const bounds = { timeoutMs: options.timeoutMs, signal: options.signal, maxBytes: facts.maxResponseBytes }
      for (let attempt = 1; ; attempt += 1) {
        const sentAt = Date.now()
        let signed: SignedRequest
        try {
          signed = sign(net.aws4, request, scope, clock.now())
        } catch (error) {
          return failure(fail.clientFailure(fail.errorName(error), operation))
        }
        const answer = await exchange(net.target, signed, bounds)
        if (answer.kind === 'network' && answer.staleSocket && attempt === 1) {
          dropIdleSockets(net.target.agent) // the others sat idle as long: the resend opens a new connection
          continue
        }
        if (answer.kind === 'response' || answer.kind === 'tooLarge') {
          clock.observe(header(answer.headers.date), sentAt, answer.headers.age !== undefined)
        }
        return settle<T>(operation, answer)
      }
    },
  }
}

function jsonOutput(operation: string, body: Buffer): Record<string, unknown> {
  const out = parseObject(body)
  if (!out) throw new MalformedMember()
  JSON_DECODERS[operation]?.(out)
  return out
}

function failure(error: StoreError): { ok: false; error: StoreError } {
  return { ok: false, error }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** As the SDK reads it into $metadata.requestId. */
function requestId(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  return header(headers['x-amzn-requestid'] ?? headers['x-amzn-request-id'] ?? headers['x-amz-request-id'])
}
