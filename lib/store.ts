/**
 * The seam of the design: every backend (Secrets Manager, SSM, the Lambda extension, the
 * in-memory test store) sits behind this interface. The resolver hands a store every request
 * that is due for it in one call, so the store can batch; the store answers one result per
 * request, in the same order. Middleware, cache and resolver never know which backend they use.
 */

/** Which kind of value a request asks for. */
export type RequestKind = 'secret' | 'parameter' | 'parameters' | 'appConfig' | 'item' | 'items'

/** A DynamoDB key attribute and its value. */
export interface ItemKey {
  readonly attribute: string
  readonly value: string | number
}

/** One value a store is asked for. Selectors that do not apply to the kind are absent. */
export interface StoreRequest {
  readonly kind: RequestKind
  /**
   * Secret name or ARN, parameter name or ARN, (kind 'parameters') a path, (kind 'appConfig')
   * `application/environment/profile`, or (kinds 'item', 'items') the table name.
   */
  readonly name: string
  /** Secrets Manager staging label. Absent means AWSCURRENT. */
  readonly versionStage?: string
  /** Secrets Manager version id. */
  readonly versionId?: string
  /** SSM parameter version (`name:3`). */
  readonly version?: number
  /** SSM parameter label (`name:label`). */
  readonly label?: string
  /** SSM: decrypt SecureString values. */
  readonly decrypt?: boolean
  /** SSM path requests: include parameters below sub-paths. */
  readonly recursive?: boolean
  /** AppConfig: the application, environment and configuration profile (names or ids). */
  readonly application?: string
  readonly environment?: string
  readonly profile?: string
  /** AppConfig: RequiredMinimumPollIntervalInSeconds of the configuration session. */
  readonly minPollIntervalSeconds?: number
  /** DynamoDB: the partition key (item, items) and the sort key (item). */
  readonly key?: ItemKey
  readonly sortKey?: ItemKey
  /** DynamoDB items(): the sort key attribute whose values name the items (default `sk`). */
  readonly sortKeyAttribute?: string
  /** DynamoDB: the attribute that holds the value (default `value`). */
  readonly valueAttribute?: string
  /** DynamoDB: strongly consistent reads. */
  readonly consistentRead?: boolean
}

/** What a store knows about a secret's versions and rotation (DescribeSecret). */
export interface SecretDescription {
  readonly name: string
  readonly rotationEnabled: boolean
  readonly nextRotationDate?: Date
  readonly lastRotatedDate?: Date
  /** version id -> staging labels, as AWS reports them. */
  readonly versionIdsToStages: Readonly<Record<string, readonly string[]>>
}

/**
 * What a store answers for one request: a SecretString, parameter or textual configuration as
 * text; a SecretBinary or binary configuration as bytes; a path as name -> value; a DynamoDB
 * item's value attribute as its plain value (text, number, boolean, null, bytes, list, map, set); a
 * partition's items as sort key -> value.
 */
export type StoreData =
  | string
  | Uint8Array
  | number
  | boolean
  | null
  | readonly unknown[]
  | Readonly<Record<string, unknown>>
  | ReadonlySet<string>
  | ReadonlySet<number>
  | ReadonlySet<Uint8Array>

/** The value of one request, with what the store knows about its version. */
export interface StoreValue {
  readonly ok: true
  readonly value: StoreData
  /** Secrets Manager VersionId, or the SSM parameter version as text. */
  readonly versionId?: string
  readonly versionStages?: readonly string[]
  /** The ARN AWS answered with, where known (used in error hints). */
  readonly arn?: string
  /**
   * When AWS last vouched for this value (ms epoch), where that is earlier than this answer: a
   * store that answers from what it kept (an AppConfig session asked before its poll interval)
   * says so, and freshness counts from here, not from the answer.
   */
  readonly confirmedAt?: number
}

/** The AWS read operation that answers one request, as a failure names it (`StoreError.operation`). */
export type ReadOperation = 'GetSecretValue' | 'GetParameter' | 'GetParametersByPath' | 'GetLatestConfiguration' | 'GetItem' | 'Query'

const READ_OPERATIONS: Readonly<Record<RequestKind, ReadOperation>> = {
  secret: 'GetSecretValue',
  parameter: 'GetParameter',
  parameters: 'GetParametersByPath',
  appConfig: 'GetLatestConfiguration',
  item: 'GetItem',
  items: 'Query',
}

/** The AWS operation that reads one request (the batched ones name the single read). */
export function operationOf(request: StoreRequest): ReadOperation {
  return READ_OPERATIONS[request.kind]
}

/** A failed request. Never carries a value. */
export interface StoreFailure {
  readonly ok: false
  readonly error: StoreError
}

export type StoreResult = StoreValue | StoreFailure

/**
 * A failure as the resolver sees it: the AWS error name (or a package code such as
 * `TimeoutError`), its message, and whether retrying can help.
 */
export interface StoreError {
  /** AWS error name, e.g. `ResourceNotFoundException`, `ThrottlingException`. */
  readonly code: string
  readonly message: string
  /** Throttling, 5xx, timeouts and network errors are retryable; the rest are not. */
  readonly retryable: boolean
  readonly httpStatus?: number
  readonly requestId?: string
  /** The AWS operation that failed, e.g. `GetSecretValue`. */
  readonly operation?: string
}

/** What the resolver passes along with every store call. */
export interface FetchOptions {
  /** Aborted when the invocation's deadline (minus the safety margin) is reached. */
  readonly signal: AbortSignal
  /** Per AWS request timeout in milliseconds (0 = none). */
  readonly requestTimeoutMs: number
  /** Runs `task` within the shared concurrency bound. */
  readonly limit: <T>(task: () => Promise<T>) => Promise<T>
  readonly logger: Logger
}

export interface Store {
  /** Shown in errors and logs: `secretsManager`, `ssm`, `extension`, `memory`... */
  readonly name: string
  /** Resolve every request; one result per request, same order. Should not throw. */
  fetch(requests: readonly StoreRequest[], options: FetchOptions): Promise<StoreResult[]>
  /** Secrets Manager only: version stages and rotation schedule, for rotation awareness. */
  describe?(names: readonly string[], options: FetchOptions): Promise<Array<SecretDescription | StoreFailure>>
}

/** Console-compatible logger: `console`, Powertools' Logger and pino all fit. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void
  info(message: string, ...details: unknown[]): void
  warn(message: string, ...details: unknown[]): void
  error(message: string, ...details: unknown[]): void
}
