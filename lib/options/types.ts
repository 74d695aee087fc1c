/**
 * What `secrets()` accepts (public), and what it turns that into (Settings, one Binding per
 * declared key) for the resolver and the injection.
 */
import type { Request } from '@middy/core'
import type { Policy } from '../cache/policy.js'
import type { KeyDeclaration } from '../declare.js'
import type { Target } from '../errors.js'
import type { StoreRole } from '../hints.js'
import type { PackageLog } from '../log.js'
import type { Logger, Store, StoreRequest } from '../store.js'
import type { AwsClientCapture, TransportChoice } from '../stores/connection.js'
import type { ConcreteTransform, Transform } from '../transform.js'

export type { StoreRole } from '../hints.js'
export type { AwsClientCapture, AwsSdkClientShape, TransportChoice } from '../stores/connection.js'

/** The store behind each kind of declaration, replacing the AWS-backed default. */
export type Stores = { readonly [R in StoreRole]?: Store | undefined }

/** Options for the AWS SDK clients the package creates (region, endpoint, credentials...). */
export interface ClientOptions {
  readonly region?: string | undefined
  readonly endpoint?: string | undefined
  readonly credentials?: unknown
  readonly [option: string]: unknown
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'none'

/** `true` refreshes every key of the middleware; a list names keys as declared. */
export type RefreshDecision = boolean | string | readonly string[] | undefined

export interface SecretsOptions<C extends Record<string, KeyDeclaration>, E extends Record<string, KeyDeclaration>> {
  /** Keys set on the Lambda context. */
  readonly context?: C | undefined
  /** Keys written to process.env (values must be text). */
  readonly env?: E | undefined
  /** Default seconds a value stays fresh (300; SECRETS_MANAGER_TTL / SSM_PARAMETER_STORE_TTL per store). */
  readonly ttl?: number | undefined
  /** Bound of the module-scoped cache (1000; PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE). */
  readonly maxEntries?: number | undefined
  /** false fetches on every invocation (true; PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED). */
  readonly cache?: boolean | undefined
  /** Replace the AWS-backed stores (tests: memoryStore; or a store over your own client). */
  readonly stores?: Stores | undefined
  /** For the SDK clients the package creates, or the lean transport's signing (region, endpoint, credentials). */
  readonly clientOptions?: ClientOptions | undefined
  /** How the package's stores talk to AWS: 'auto' (the lean HTTPS transport where it can serve), 'sdk' or 'https'. */
  readonly transport?: TransportChoice | undefined
  /** Wraps each SDK client the package creates (X-Ray's captureAWSv3Client, OpenTelemetry); selects the SDK transport. */
  readonly awsClientCapture?: AwsClientCapture | undefined
  /** Console-compatible logger (default console). Values are never logged. */
  readonly logger?: Logger | undefined
  /** debug | info | warn | error | none (info; PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL). */
  readonly logLevel?: LogLevel | undefined
  /** Use BatchGetSecretValue / GetParameters (true). */
  readonly batch?: boolean | undefined
  /** Start fetching when secrets() is called, in the Lambda init phase (true). */
  readonly prefetch?: boolean | undefined
  /** Also set every key on middy's request.internal, for middlewares that read it with getInternal() (false). */
  readonly internal?: boolean | undefined
  /** AWS requests in flight at once (10; PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS). */
  readonly concurrency?: number | undefined
  /** Timeout of one AWS request in ms (3000; SECRETS_MANAGER_TIMEOUT_MILLIS / SSM_PARAMETER_STORE_TIMEOUT_MILLIS). */
  readonly requestTimeoutMs?: number | undefined
  /** Resolution stops this many ms before the Lambda deadline (500). */
  readonly deadlineMarginMs?: number | undefined
  /** Retries of a retryable failure (10), with full-jitter backoff, never past the deadline. */
  readonly retries?: number | undefined
  /** Rotation awareness for every secret (false). */
  readonly rotation?: boolean | undefined
  /** Seconds a stale value may serve when refreshes fail transiently (3600; 0 disables). */
  readonly maxStale?: number | undefined
  /** Fraction by which expiries are spread earlier (0.1 = up to 10% earlier; 0 disables). */
  readonly jitter?: number | undefined
  /** Last fraction of a TTL in which a fresh value is refreshed in the background (0.1; 0 disables). */
  readonly refreshAhead?: number | undefined
  /** Error phase: which keys to invalidate after the handler failed with `error`. */
  readonly refreshOn?: ((error: unknown, request: Request) => RefreshDecision) | undefined
}

/** One declared key, validated: where it goes, what it asks for, how it reads the cache. */
export interface Binding {
  readonly key: string
  readonly target: Target
  readonly role: StoreRole
  readonly request: StoreRequest
  readonly policy: Policy
  readonly transform: ConcreteTransform
  readonly field?: string
  /** parameters(): the transform applied to each value (`auto` looks at each name). */
  readonly eachTransform?: Transform
  /** The value may not exist: then the key is `fallback` (the `default` option, or undefined). */
  readonly optional: boolean
  readonly fallback?: unknown
}

export interface Settings {
  readonly bindings: readonly Binding[]
  readonly maxEntries: number
  readonly stores: Stores
  readonly clientOptions?: ClientOptions
  readonly transport: TransportChoice
  readonly awsClientCapture?: AwsClientCapture
  readonly log: PackageLog
  readonly batch: boolean
  readonly prefetch: boolean
  readonly internal: boolean
  readonly concurrency: number
  readonly requestTimeoutMs: Readonly<Record<StoreRole, number>>
  readonly deadlineMarginMs: number
  readonly retries: number
  readonly refreshOn?: (error: unknown, request: Request) => RefreshDecision
}
