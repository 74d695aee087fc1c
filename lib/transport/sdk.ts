/**
 * The SDK transport: the same Transport over the AWS SDK v3 client of the service, for every
 * setting the lean transport cannot honour (choose.ts). The client package is imported on the
 * first call, so a service that is never called never loads it (sdk-module.ts: how). The client gets the user's
 * clientOptions plus maxAttempts 1 (the package's resolver is the only retry layer), unless the
 * user gave a client, which is used as it is. Errors go through lib/stores/aws-error.ts, as in
 * the stores; outputs lose the SDK's `$metadata`, so both transports answer the same shapes.
 */
import { ABANDONED, unlessAbandoned } from '../abandon.js'
import { toStoreError } from '../stores/aws-error.js'
import { clientFailure, storeError, unsupportedOperation } from './errors.js'
import { afterPendingIo } from './pending-io.js'
import { loadSdkModule } from './sdk-module.js'
import { SERVICES } from './services.js'
import type { AwsClientCapture, AwsSdkClientShape } from '../stores/connection.js'
import type { AwsService, CallOptions, CallResult, Transport } from './transport.js'

/** What the transport needs of an SDK client. */
export interface SdkClient {
  send(command: unknown, options: { abortSignal: AbortSignal }): Promise<unknown>
}

type SdkModule = Readonly<Record<string, unknown>>
type Constructor = new (arg: unknown) => unknown

export interface SdkTransportOptions {
  readonly clientOptions?: Readonly<Record<string, unknown>>
  /** A client the user configured: used as it is, with its own settings. */
  readonly client?: SdkClient
  /** How the client package is loaded. Tests replace it; the default is sdk-module.ts's loader over the literal import() below. */
  readonly importSdk?: () => Promise<unknown>
  /**
   * Wraps the client the transport creates (not one the user gave): the hook X-Ray's
   * `captureAWSv3Client` and OpenTelemetry need, as middy's `awsClientCapture` is.
   */
  readonly capture?: AwsClientCapture
}

// Literal specifiers, so that bundlers see them. Each has a .catch(): esbuild (CDK's and SAM's
// bundler) then leaves an import it cannot resolve for run time instead of failing the build, so
// a function on the lean transport bundles without the SDK clients installed. In Lambda the
// package's own ESM file requires the client instead (sdk-module.ts says when and why).
const rethrow = (error: unknown): never => {
  throw error
}
const IMPORTS: Readonly<Record<AwsService, () => Promise<unknown>>> = {
  secretsmanager: () => import('@aws-sdk/client-secrets-manager').catch(rethrow),
  ssm: () => import('@aws-sdk/client-ssm').catch(rethrow),
  appconfigdata: () => import('@aws-sdk/client-appconfigdata').catch(rethrow),
  dynamodb: () => import('@aws-sdk/client-dynamodb').catch(rethrow),
}

/**
 * The client's module without its client: webpack, by default, answers every later import of a
 * module that failed to load with an empty one. It is a missing SDK all the same.
 */
class EmptySdkModule extends Error {}

interface Loaded {
  readonly sdk: SdkModule
  readonly client: SdkClient
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
}

export function sdkTransport(service: AwsService, options: SdkTransportOptions = {}): Transport {
  const facts = SERVICES[service]
  const importSdk = options.importSdk ?? (() => loadSdkModule(facts.sdkPackage, IMPORTS[service]))
  let loaded: Promise<Loaded> | undefined

  function load(): Promise<Loaded> {
    loaded ??= importSdk().then((imported) => {
      const sdk = imported as SdkModule
      if (options.client) return { sdk, client: options.client }
      const Client = sdk[facts.sdkClient] as Constructor
      if (typeof Client !== 'function') throw new EmptySdkModule()
      const client = new Client({ ...ownCopy(options.clientOptions), maxAttempts: 1 }) as SdkClient
      return { sdk, client: options.capture ? (options.capture(client as SdkClient & AwsSdkClientShape) as SdkClient) : client }
    })
    // A failed import is not cached: the next call tries again (and fails the same way, cheaply).
    loaded.catch(() => (loaded = undefined))
    return loaded
  }

  return {
    kind: 'sdk',
    service,
    async call<T>(operation: string, input: Readonly<Record<string, unknown>>, callOptions: CallOptions): Promise<CallResult<T>> {
      if (callOptions.signal.aborted) return { ok: false, error: toStoreError(undefined, operation, { timedOut: false, deadline: true }) }
      let net: Loaded
      try {
        net = await load()
      } catch (error) {
        if (isModuleNotFound(error) || error instanceof EmptySdkModule) {
          const message = `${facts.sdkPackage} is not installed: add it to the function's dependencies (npm install ${facts.sdkPackage}); the Lambda Node.js runtime includes it`
          return { ok: false, error: storeError('SdkNotInstalled', message, { operation }) }
        }
        return { ok: false, error: clientFailure(`failure to load ${facts.sdkPackage}`, operation) }
      }
      const Command = net.sdk[`${operation}Command`]
      if (typeof Command !== 'function') return { ok: false, error: unsupportedOperation(service, operation) }

      const bounds = callBounds(callOptions.signal, callOptions.timeoutMs)
      try {
        for (let attempt = 1; ; attempt += 1) {
          try {
            // Raced against the signal too: a client that ignores it (a mock's stub, a wrapper of
            // the user's) is given up a moment after the timeout or the deadline, as the SDK's own is.
            const output = await unlessAbandoned(() => net.client.send(new (Command as Constructor)(input), { abortSignal: bounds.signal }), bounds.signal)
            if (output === ABANDONED) return { ok: false, error: toStoreError(undefined, operation, bounds.abortedBy()) }
            return { ok: true, output: sdkOutput(operation, output) as T }
          } catch (error) {
            if (attempt === 1 && !bounds.signal.aborted && isReset(error)) continue
            return { ok: false, error: toStoreError(error, operation, bounds.abortedBy()) }
          }
        }
      } finally {
        bounds.release()
      }
    },
  }
}

/**
 * The options with a copy of each plain object in them: the SDK writes into what it is given (it
 * marks static credentials with a `$source` field), and the user's options would change under the
 * package, which keys its shared stores by their content (stores/defaults.ts): a middleware made
 * after the first call got a store, and a cache entry, of its own.
 */
function ownCopy(options: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const copy: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options ?? {})) copy[key] = value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype ? { ...value } : value
  return copy
}

/**
 * The signal a call hands the SDK: aborted at the flight's deadline or at the request timeout, as
 * the lean transport's exchange is, one turn of the event loop late (pending-io.ts afterPendingIo:
 * an answer already in the socket after a freeze is read, not discarded).
 */
function callBounds(deadline: AbortSignal, timeoutMs: number): { signal: AbortSignal; abortedBy(): { timedOut: boolean; deadline: boolean } | undefined; release(): void } {
  const controller = new AbortController()
  let timedOut = false
  const onDeadline = (): void => afterPendingIo(() => controller.abort())
  const timer = timeoutMs > 0 ? setTimeout(() => afterPendingIo(() => ((timedOut = !controller.signal.aborted), controller.abort())), timeoutMs) : undefined
  timer?.unref() // as AbortSignal.timeout's: the request's socket holds the process while it waits
  if (deadline.aborted) controller.abort()
  else deadline.addEventListener('abort', onDeadline, { once: true })
  return {
    signal: controller.signal,
    /** What aborted the call, if anything did: the request timeout, the deadline. */
    abortedBy: () => (timedOut || deadline.aborted ? { timedOut, deadline: deadline.aborted } : undefined),
    release() {
      clearTimeout(timer)
      deadline.removeEventListener('abort', onDeadline)
    },
  }
}

/**
 * A connection that closed before any answer ("socket hang up", or a write to a closed socket):
 * after a Lambda freeze, the keep-alive socket the SDK's handler reuses was closed by the far
 * end. The SDK's own retries (which maxAttempts 1 turns off) would send it again at once; so does
 * this transport, once, as the lean one does for a dead reused socket. Without it, the first call
 * after a thaw failed and an expired value served stale. A connection cut in the middle of an
 * answer is not resent, on either transport.
 */
function isReset(error: unknown): boolean {
  const { code, message, $fault } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; $fault?: unknown }
  // Node's words for it; the SDK may wrap the error ("AWS SDK error wrapper for ...: socket hang up"). Never AWS's own answer ($fault).
  return $fault === undefined && (code === 'EPIPE' || (typeof message === 'string' && /socket hang up$/.test(message)))
}

/**
 * The output without `$metadata`. GetLatestConfiguration's body becomes a plain Uint8Array, and
 * an empty one (the SDK says null: the configuration has not changed) an empty Uint8Array.
 */
function sdkOutput(operation: string, output: unknown): Record<string, unknown> {
  const { $metadata: _metadata, ...rest } = (output ?? {}) as Record<string, unknown>
  if (operation === 'GetLatestConfiguration') {
    const body = rest.Configuration
    rest.Configuration = body instanceof Uint8Array ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : new Uint8Array(0)
  }
  return rest
}
