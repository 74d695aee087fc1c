/**
 * The seam between the HTTP server and the AWS services it stands in for. A service is one
 * module: its operations, the protocol its requests and answers follow (JSON 1.0/1.1 by
 * X-Amz-Target, or REST-JSON by method and path), and one handler per operation over the
 * shared model. Adding a service is that module plus its line in SERVICES (index.ts).
 */
import type { ModelError, SecretsModel } from '../model.js'
import type { AwsServerOptions } from './index.js'
import type { TemporaryCredentials } from './sts.js'
import type { Answer, Input, Output, RawRequest, WireError } from './wire.js'

/** How one service's requests are recognised and read, and how its answers are written. */
export interface Protocol {
  /** Of answers that carry no body of their own (a `status` fault). */
  readonly contentType: string
  /** The operation a request names when it is addressed to this service; undefined otherwise. */
  operationOf(request: RawRequest): string | undefined
  /** The operation's input, or the error to answer when the request cannot be read. */
  input(operation: string, request: RawRequest): { readonly input: Input } | { readonly error: WireError }
  success(operation: string, output: Output): Answer
  error(error: WireError): Answer
}

export interface HandlerContext {
  readonly model: SecretsModel
  /** The options the server was started with (e.g. DynamoDB's page size). */
  readonly options: Readonly<AwsServerOptions>
  /** The server's clock (ms since the epoch), which `setClockOffset` moves: what session tokens age by. */
  now(): number
  /** A per-entry fault for this resource, if one is armed: the handler lists it among the answer's errors. */
  entryFault(id: string): ModelError | undefined
  /** How many keys an armed 'unprocessed' fault leaves unprocessed in this request (undefined: none armed). */
  unprocessedFault(): number | undefined
  /** The temporary credentials this server issued (STS AssumeRole issues them here). */
  readonly credentials: TemporaryCredentials
  /** This server's state for the service, made by `create` on first use (AppConfigData's sessions). */
  state<T>(create: () => T): T
}

export type Handler = (input: Input, ctx: HandlerContext) => Output

export interface ServiceModule<Op extends string = string> {
  /** The service's prefix in IAM actions (`secretsmanager:GetSecretValue`). */
  readonly name: string
  readonly protocol: Protocol
  readonly operations: readonly Op[]
  readonly handlers: Readonly<Record<Op, Handler>>
  /** How the service's own error shapes spell the message: Secrets Manager `Message`, SSM `message`. */
  readonly messageField: 'message' | 'Message'
  /** What the service answers for its own server faults (a bug in the stand-in surfaces as one). */
  readonly internalErrorCode: string
  /** What the service answers when a quota is exceeded (default ThrottlingException, 400). */
  readonly throttleError?: WireError
  /** The HTTP status of an error code where the service's differs from 400 (REST services: 404, 429...). */
  readonly errorStatus?: Readonly<Record<string, number>>
  /** Operations that answer a failure per resource inside a successful answer (perEntry faults). */
  readonly perEntryOperations: readonly Op[]
  /** The resource ids a request names, for the call log and fault matching. Never values. */
  requestNames(operation: Op, input: Input): string[]
  /** One spelling per resource (name, ARN, selector...), so that a fault armed for one spelling hits the others. */
  canonicalId(model: SecretsModel, id: string): string
}

/** A request's service and the operation it names. */
export interface Route {
  readonly service: ServiceModule
  readonly operation: string
}

/**
 * The service a request is addressed to. `operation` is undefined when the service recognises the
 * request but has no such operation (AWS answers UnknownOperationException).
 */
export function findRoute(services: readonly ServiceModule[], request: RawRequest): { service: ServiceModule; operation?: string } | undefined {
  for (const service of services) {
    const operation = service.protocol.operationOf(request)
    if (operation === undefined) continue
    return { service, operation: service.operations.includes(operation) ? operation : undefined }
  }
  return undefined
}
