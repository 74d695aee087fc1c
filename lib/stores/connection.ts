/**
 * A store's connection to one AWS service: the transport (lib/transport/) is chosen when the store
 * is made (in the Lambda init phase, where the environment is the function's; a forced 'https'
 * that cannot serve fails there, with the reason) and said once at debug, on the first call. The lean HTTPS
 * transport serves where it can do exactly what the SDK would; the SDK transport serves
 * everything else (a client you configured, a client capture for tracing, credential providers,
 * profiles...). `transport: 'sdk' | 'https'` forces one. Each call runs within the middleware's
 * concurrency bound, with the request timeout and the deadline.
 */
import { type Choice, choose } from '../transport/choose.js'
import { httpsTransport } from '../transport/https.js'
import { sdkTransport, type SdkClient } from '../transport/sdk.js'
import type { AwsService, CallResult, Transport } from '../transport/transport.js'
import type { FetchOptions } from '../store.js'
import { ConfigError } from '../errors.js'
import { testRunner } from '../test-runner.js'

export type TransportChoice = 'auto' | 'sdk' | 'https'

/** Why `awsClientCapture` with transport 'https' is a ConfigError (secrets()'s options and a store's alike). */
export const CAPTURE_NEEDS_SDK = "wraps an SDK client, which the 'https' transport does not have; use transport 'sdk' or 'auto'"

/** What every AWS SDK v3 client has, and what client captures (X-Ray's) ask for. */
export interface AwsSdkClientShape {
  readonly middlewareStack: { readonly use: unknown; readonly remove: unknown }
  readonly config: unknown
}

/**
 * Wraps an SDK client the package creates: X-Ray's `captureAWSv3Client` fits as it is, as does
 * any `(client) => client` that adds SDK middleware.
 */
export type AwsClientCapture = <C extends AwsSdkClientShape>(client: C) => C

export interface ConnectionOptions {
  /**
   * An AWS SDK v3 client you configured (a SecretsManagerClient, SSMClient, AppConfigDataClient
   * or DynamoDBClient): the SDK transport, with the client used as it is (its own retries too).
   */
  readonly client?: SdkClient
  /** Options for the client or the request signing (region, endpoint, credentials...). */
  readonly clientOptions?: Readonly<Record<string, unknown>>
  /** Default 'auto'. */
  readonly transport?: TransportChoice
  /** Wraps the SDK client the package creates (X-Ray, OpenTelemetry): selects the SDK transport. */
  readonly awsClientCapture?: AwsClientCapture
}

let warnedTestRun = false

/**
 * A test run outside Lambda whose credentials are in the environment (a developer's, CI's) gets the
 * lean transport, which calls AWS: an aws-sdk-client-mock mock does not reach it, and the test
 * talks to AWS instead, or hangs until its own timeout where AWS cannot be reached. Said once, at
 * warn, where a developer reads it; setting `transport` (or a store) says it is meant.
 */
function warnIfTestRun(service: AwsService, endpoint: string, logger: FetchOptions['logger']): void {
  const runner = testRunner()
  if (warnedTestRun || runner === undefined || process.env.AWS_LAMBDA_FUNCTION_NAME) return
  warnedTestRun = true
  logger.warn(
    "this looks like a test run: the lean HTTPS transport calls AWS with the credentials in the environment, and SDK mocks (aws-sdk-client-mock) do not reach it; pass stores (memoryStore()) or transport: 'sdk' to use mocks, or transport: 'https' if AWS is meant",
    { awsService: service, endpoint, runner },
  )
}

export interface Connection {
  call<T>(operation: string, input: Readonly<Record<string, unknown>>, options: FetchOptions): Promise<CallResult<T>>
}

export function connection(service: AwsService, options: ConnectionOptions): Connection {
  const forced = options.transport === undefined || options.transport === 'auto' ? undefined : options.transport
  const capture = options.awsClientCapture
  // As secrets() says (options/normalize.ts), for a store made by hand too: never a capture dropped silently.
  if (capture !== undefined && forced === 'https') throw new ConfigError('awsClientCapture', CAPTURE_NEEDS_SDK)
  const choice: Choice = capture !== undefined && forced !== 'https' ? { kind: 'sdk', reason: 'awsClientCapture wraps an SDK client' } : choose(service, options.clientOptions, process.env, forced, options.client)
  const transport: Transport =
    choice.kind === 'https' ? httpsTransport(choice.config) : sdkTransport(service, { clientOptions: options.clientOptions, client: options.client, capture })
  let said = false

  return {
    call(operation, input, fetchOptions) {
      if (!said) {
        said = true
        fetchOptions.logger.debug('transport chosen', { awsService: service, transport: choice.kind, reason: choice.kind === 'sdk' ? choice.reason : undefined })
        if (choice.kind === 'https' && forced === undefined && choice.awsEndpoint) warnIfTestRun(service, choice.config.endpoint, fetchOptions.logger)
      }
      return fetchOptions.limit(() => transport.call(operation, input, { signal: fetchOptions.signal, timeoutMs: fetchOptions.requestTimeoutMs }))
    },
  }
}
