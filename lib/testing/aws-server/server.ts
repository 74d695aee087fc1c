/**
 * The HTTP side of the stand-in: one node:http server on 127.0.0.1 for every registered service.
 * Each request is routed to the service that recognises it; the signature's time window, the
 * session token of temporary credentials it issued, quotas, latency, faults and role grants apply
 * in the order AWS applies them; every answer carries the server clock's Date; every call is
 * recorded with the key that signed it; close() leaves nothing running.
 */
import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { sleep } from '../../sleep.js'
import { ModelError, SecretsModel } from '../model.js'
import { CallLog, type PendingCall } from './call-log.js'
import { Clock } from './clock.js'
import { Faults, injectedError } from './faults.js'
import type { AwsServer, AwsServerOptions, CallRecord, FaultRule, Operation, Quotas, SharedQuotas } from './index.js'
import { buildBuckets, type TokenBucket } from './quotas.js'
import { findRoute, type HandlerContext, type Route, type ServiceModule } from './service.js'
import { roleDenial, TemporaryCredentials, tokenRefusal, type Caller, type IssuedCredentials } from './sts.js'
import { FALLBACK_PROTOCOL, readRequest, THROTTLED, UNKNOWN_OPERATION, type Answer, type Input } from './wire.js'

type Delivery = 'normal' | 'reset' | 'malformed'

export class LocalAwsServer implements AwsServer {
  readonly model: SecretsModel
  private readonly clock: Clock
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  /** Aborted by close(): pending latencies and delays end there. */
  private readonly closing = new AbortController()
  private readonly log = new CallLog()
  /** Each service's own state on this server (AppConfigData's sessions), made on first use. */
  private readonly states = new Map<ServiceModule, unknown>()
  private readonly faults: Faults
  /** What STS AssumeRole issued on this server. */
  private readonly credentials = new TemporaryCredentials()
  private latencyMs: number
  private buckets: Map<string, TokenBucket>
  private readonly burst: number
  private boundPort = 0
  private closed = false

  constructor(private readonly services: readonly ServiceModule[], private readonly options: AwsServerOptions) {
    // Every request waiting out its latency listens on it: past 10 at once Node 20 warned of a leak there is not.
    setMaxListeners(0, this.closing.signal)
    this.model = options.model ?? new SecretsModel(options.seed)
    this.faults = new Faults(this.model)
    this.clock = new Clock(options.clockOffsetMs ?? 0)
    this.latencyMs = options.latencyMs ?? 0
    this.burst = options.burst ?? 1
    this.buckets = buildBuckets(options.quotas ?? false, options.sharedQuotas ?? [], this.burst)
    const serve = (req: IncomingMessage, res: ServerResponse): void => {
      // A bug here must not become an unhandled rejection; the client sees a dropped connection.
      this.handle(req, res).catch(() => res.destroy())
    }
    this.server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, serve) : createServer(serve)
    // 'connection' is the TCP socket, before any TLS handshake: close() destroys it either way.
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  get endpoint(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.boundPort}`
  }

  get port(): number {
    return this.boundPort
  }

  get calls(): readonly CallRecord[] {
    return this.log.all
  }

  get issuedCredentials(): readonly IssuedCredentials[] {
    return this.credentials.all
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject)
        this.boundPort = (this.server.address() as AddressInfo).port
        resolve()
      })
    })
  }

  count(operation?: Operation): number {
    return this.log.count(operation)
  }

  resetCalls(): void {
    this.log.clear()
  }

  fault(rule: FaultRule): void {
    this.faults.arm(rule)
  }

  clearFaults(): void {
    this.faults.clear()
  }

  setLatency(ms: number): void {
    this.latencyMs = ms
  }

  setClockOffset(ms: number): void {
    this.clock.setOffset(ms)
  }

  /** Replaces every bucket (full again); sharing is only what `sharedQuotas` says. */
  setQuotas(quotas: Quotas | false, sharedQuotas: SharedQuotas = []): void {
    this.buckets = buildBuckets(quotas, sharedQuotas, this.burst)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Pending delays never answer: their sockets are destroyed below.
    this.closing.abort()
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    await done
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now()
    const request = await readRequest(req)
    if (request === undefined) return
    const caller = this.credentials.caller(request.headers)
    const found = findRoute(this.services, request)
    if (found?.operation === undefined) return this.answerUnrouted(res, at, caller, (found?.service.protocol ?? FALLBACK_PROTOCOL).error(UNKNOWN_OPERATION))
    const route: Route = { service: found.service, operation: found.operation }
    const { protocol } = route.service
    const read = protocol.input(route.operation, request)
    if ('error' in read) return this.answerUnrouted(res, at, caller, protocol.error(read.error))

    const names = route.service.requestNames(route.operation, read.input)
    const record = this.log.add(route.operation as Operation, names, caller, at)
    // Decided on arrival, as AWS does; a request refused for its signature or token spends no quota.
    const refusal = this.clock.signatureRefusal(request.headers['x-amz-date'])
    const badToken = refusal === undefined ? tokenRefusal(caller, request.headers) : undefined
    const allowed = refusal === undefined && badToken === undefined && (this.buckets.get(route.operation)?.take() ?? true)
    if (!(await sleep(this.latencyMs, this.closing.signal))) return
    if (refusal !== undefined) {
      const status = route.service.errorStatus?.InvalidSignatureException ?? 400
      return this.send(res, record, protocol.error({ code: 'InvalidSignatureException', message: refusal, status }), 'normal')
    }
    if (badToken !== undefined) {
      const status = route.service.errorStatus?.UnrecognizedClientException ?? 400
      return this.send(res, record, protocol.error({ code: 'UnrecognizedClientException', message: badToken, status }), 'normal')
    }
    if (!allowed) {
      record.throttled = true
      return this.send(res, record, protocol.error(route.service.throttleError ?? THROTTLED), 'normal')
    }
    const fault = this.faults.take(route, names)
    if (fault) record.fault = fault.kind
    if (fault?.kind === 'error') return this.send(res, record, this.errorAnswer(route, injectedError(fault, route, names[0])), 'normal')
    if (fault?.kind === 'status') return this.send(res, record, { status: fault.status ?? 503, body: fault.body ?? '', contentType: protocol.contentType }, 'normal')
    if (fault?.kind === 'delay' && !(await sleep(fault.delayMs ?? 0, this.closing.signal))) return
    // A role's grant: a batch answers a denied secret in its entry, any other request as a whole.
    const denied = route.service.perEntryOperations.includes(route.operation) ? undefined : names.map((name) => this.denial(route, caller, name)).find((d) => d !== undefined)
    if (denied) return this.send(res, record, this.errorAnswer(route, denied), 'normal')
    const answer = this.dispatch(route, read.input, record, caller)
    const delivery: Delivery = fault?.kind === 'reset' || fault?.kind === 'malformed' ? fault.kind : 'normal'
    this.send(res, record, answer, delivery)
  }

  /** A request that names no operation the server knows, or cannot be read: logged as Unknown. */
  private async answerUnrouted(res: ServerResponse, at: number, caller: Caller, answer: Answer): Promise<void> {
    const record = this.log.add('Unknown', [], caller, at)
    if (await sleep(this.latencyMs, this.closing.signal)) this.send(res, record, answer, 'normal')
  }

  private dispatch(route: Route, input: Input, record: PendingCall, caller: Caller): Answer {
    const ctx: HandlerContext = {
      model: this.model,
      options: this.options,
      credentials: this.credentials,
      now: () => this.clock.now(),
      entryFault: (id) => this.denial(route, caller, id) ?? this.faults.takeEntry(route, id),
      unprocessedFault: () => {
        const count = this.faults.takeUnprocessed(route, record.names)
        if (count !== undefined) record.fault = 'unprocessed'
        return count
      },
      state: <T>(create: () => T): T => {
        if (!this.states.has(route.service)) this.states.set(route.service, create())
        return this.states.get(route.service) as T
      },
    }
    try {
      return route.service.protocol.success(route.operation, route.service.handlers[route.operation]!(input, ctx))
    } catch (error) {
      if (error instanceof ModelError) return this.errorAnswer(route, error)
      // A bug in the stand-in: answer as AWS does for server faults, naming only the error class.
      const name = error instanceof Error ? error.name : 'Error'
      return this.errorAnswer(route, new ModelError(route.service.internalErrorCode, `The test server failed (${name}).`, 500))
    }
  }

  private denial(route: Route, caller: Caller, id: string): ModelError | undefined {
    return roleDenial(this.options.roles, caller, route, id, this.model)
  }

  private errorAnswer(route: Route, error: ModelError): Answer {
    const { code, message, httpStatus: status, fields } = error
    return route.service.protocol.error({ code, message, status, messageField: route.service.messageField, fields })
  }

  private send(res: ServerResponse, record: PendingCall, answer: Answer, delivery: Delivery): void {
    // A malformed answer is a success (its own status, 201 for some REST operations) whose body is cut.
    record.status = delivery === 'malformed' && answer.status >= 300 ? 200 : answer.status
    if (res.destroyed || res.writableEnded) return
    const whole = Buffer.from(answer.body)
    const payload = delivery === 'normal' ? whole : whole.subarray(0, Math.floor(whole.length / 2))
    const headers: Record<string, string | number> = {
      ...answer.headers,
      'content-type': answer.contentType,
      date: this.clock.httpDate(),
      'x-amzn-RequestId': randomUUID(),
      // A reset promises the whole body, then cuts the connection half way through it.
      'content-length': delivery === 'reset' ? whole.length : payload.length,
    }
    if (answer.errorType && delivery === 'normal') headers['x-amzn-ErrorType'] = answer.errorType
    res.writeHead(record.status, headers)
    if (delivery === 'reset') res.write(payload, () => res.socket?.destroy())
    else res.end(payload)
  }
}
