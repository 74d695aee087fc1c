/**
 * A local stand-in for the Secrets Manager, SSM, AppConfigData, DynamoDB and STS endpoints: a
 * node:http server on 127.0.0.1 that speaks their AWS protocols, so the real AWS SDK v3 clients
 * can be pointed at it (`endpoint: server.endpoint`). State lives in a SecretsModel; latency,
 * faults and per-operation quotas (token buckets) are injectable, and every call is recorded with
 * the access key that signed it (and the role, for temporary credentials STS AssumeRole issued).
 *
 * It never logs anything, and no error message it writes quotes a request body: bodies hold
 * secret values.
 */
import type { ModelSeed, SecretsModel } from '../model.js'
import { APPCONFIG_DATA_OPERATIONS, appConfigData, type AppConfigDataOperation } from './appconfig-data.js'
import { DYNAMODB_OPERATIONS, dynamodb, type DynamoDbOperation } from './dynamodb.js'
import { SECRETS_MANAGER_OPERATIONS, secretsManager, type SecretsManagerOperation } from './secrets-manager.js'
import { LocalAwsServer } from './server.js'
import { SSM_OPERATIONS, ssm, type SsmOperation } from './ssm.js'
import { STS_OPERATIONS, sts, type IssuedCredentials, type StsOperation } from './sts.js'

export {
  AWS_DEFAULT_QUOTAS,
  AWS_DEFAULT_SHARED_QUOTAS,
  AWS_HIGH_THROUGHPUT_SSM_QUOTAS,
  AWS_HIGH_THROUGHPUT_SSM_SHARED_QUOTAS,
  awsQuotas,
} from './quotas.js'
export {
  APPCONFIG_DATA_OPERATIONS,
  DYNAMODB_OPERATIONS,
  SECRETS_MANAGER_OPERATIONS,
  SSM_OPERATIONS,
  STS_OPERATIONS,
  type AppConfigDataOperation,
  type DynamoDbOperation,
  type SecretsManagerOperation,
  type SsmOperation,
  type StsOperation,
  type IssuedCredentials,
}

/** Every service the server answers for: one module each, and its operations in `Operation`. */
const SERVICES = [secretsManager, ssm, appConfigData, dynamodb, sts] as const

export type Operation = SecretsManagerOperation | SsmOperation | AppConfigDataOperation | DynamoDbOperation | StsOperation

/** Requests per second, per operation. */
export type Quotas = Partial<Record<Operation, number>>

/** Groups of operations that draw from one bucket, as AWS documents for some quotas. */
export type SharedQuotas = readonly (readonly Operation[])[]

export type FaultKind = 'error' | 'status' | 'delay' | 'reset' | 'malformed' | 'unprocessed'

export interface FaultRule {
  /** Only requests of this operation (default: any). */
  operation?: Operation
  /**
   * Only requests naming this resource; for batch ops, any of them. A secret or parameter (name
   * or ARN), `application/environment/profile` (names or ids), or a table (name or ARN).
   */
  name?: string
  /** How many matching requests it hits (default Infinity). */
  times?: number
  /**
   * 'unprocessed' (BatchGetItem): the call succeeds but leaves `count` keys in UnprocessedKeys,
   * as DynamoDB does under throughput limits; when that is every key, the call fails with
   * ProvisionedThroughputExceededException, as DynamoDB's does.
   */
  kind: FaultKind
  /** kind 'error': the AWS error name, e.g. 'ThrottlingException', 'AccessDeniedException'. */
  code?: string
  /** kind 'error': the message (default: an AWS-like message for the code). */
  message?: string
  /** kind 'status': the HTTP status to answer; kind 'error': overrides the status of the code. */
  status?: number
  /** kind 'status': the raw body (default empty), e.g. an HTML page from a load balancer. */
  body?: string
  /** kind 'delay': wait this long, then answer normally. */
  delayMs?: number
  /** kind 'unprocessed': how many keys (the last ones of the request) are left unprocessed (default all). */
  count?: number
  /**
   * kind 'error' on BatchGetSecretValue: report the error for the named secret in the
   * response's `Errors` list (as AWS does for per-secret failures) instead of failing the call.
   */
  perEntry?: boolean
}

export interface CallRecord {
  /** 'Unknown' for a request whose X-Amz-Target is not one of the operations above. */
  readonly operation: Operation | 'Unknown'
  /**
   * Secret ids / parameter names (or the path), `application/environment/profile` (AppConfigData
   * sessions), table names, the role ARN (AssumeRole), as the request gave them. Never values.
   */
  readonly names: readonly string[]
  /** The access key id that signed the request (SigV4 `Credential=AKID/...`); undefined when unsigned. */
  readonly accessKeyId?: string
  /** The role ARN, when that key is temporary credentials this server's AssumeRole issued. */
  readonly role?: string
  /** The HTTP status answered (0 while the request is still pending). */
  readonly status: number
  /** When the request arrived (ms since the epoch). */
  readonly at: number
  readonly throttled: boolean
  /** The fault that hit this request, if any. */
  readonly fault?: FaultKind
}

/** What the credentials AssumeRole issues for a role may do (see `AwsServerOptions.roles`). */
export interface RoleGrant {
  /** The secrets (names or ARNs) the role's credentials may read; any other: AccessDeniedException. Default: every secret. */
  readonly secrets?: readonly string[]
}

export interface AwsServerOptions {
  seed?: ModelSeed
  /** Use this model instead of a new one built from `seed`. */
  model?: SecretsModel
  /** Added to every request before answering (default 0). */
  latencyMs?: number
  /** Default 0: a random free port. */
  port?: number
  /** Requests per second per operation; default false (no quotas). */
  quotas?: Quotas | false
  /** Operations that share one bucket (default none); see AWS_DEFAULT_SHARED_QUOTAS. */
  sharedQuotas?: SharedQuotas
  /** Bucket size, in seconds of quota (default 1). */
  burst?: number
  /**
   * How far the server's clock is ahead of this machine's (ms, negative: behind; default 0). Answers
   * carry it in their Date header, and a request signed more than 5 minutes from it is refused
   * with InvalidSignatureException, as AWS refuses a client whose clock is wrong. AppConfigData's
   * poll intervals and 24-hour tokens run on it. The call log's `at` stays on this machine's clock.
   */
  clockOffsetMs?: number
  /**
   * DynamoDB Query: at most this many items per page (default: pages end at 1 MB, as DynamoDB's
   * do), so that a test can make a few items span several pages.
   */
  dynamodbPageSize?: number
  /**
   * Roles by ARN: what the temporary credentials AssumeRole issues for each may read. A Secrets
   * Manager request for a secret the grant does not list answers AccessDeniedException (in a
   * batch, that secret's entry in `Errors`), as AWS does when neither the role's policy nor the
   * secret's resource policy allows the read. Any role may be assumed; roles not listed, and keys
   * this server did not issue, read everything.
   */
  roles?: Readonly<Record<string, RoleGrant>>
  /**
   * Serves HTTPS with this PEM key and certificate instead of HTTP (`endpoint` is then
   * `https://127.0.0.1:PORT`), as AWS is reached in production. The client must trust the
   * certificate: `NODE_EXTRA_CA_CERTS` for the package's lean transport and the SDK alike, or
   * a client whose request handler has the CA.
   */
  tls?: { readonly key: string | Buffer; readonly cert: string | Buffer }
}

export interface AwsServer {
  /** http://127.0.0.1:PORT (https:// with the `tls` option) */
  readonly endpoint: string
  readonly port: number
  /** The state it serves: secrets and parameters, `model.appConfig`, `model.dynamodb`. */
  readonly model: SecretsModel
  /** Every request, in arrival order. */
  readonly calls: readonly CallRecord[]
  /**
   * The temporary credentials AssumeRole issued, in order (with their secret access keys and
   * session tokens, so that a test can check that none of them leaks).
   */
  readonly issuedCredentials: readonly IssuedCredentials[]
  /** Number of calls (of that operation). */
  count(operation?: Operation): number
  resetCalls(): void
  fault(rule: FaultRule): void
  clearFaults(): void
  setLatency(ms: number): void
  /** Moves the server's clock: see `clockOffsetMs`. */
  setClockOffset(ms: number): void
  setQuotas(quotas: Quotas | false, sharedQuotas?: SharedQuotas): void
  /** Closes the server and destroys open sockets, so jest exits cleanly. */
  close(): Promise<void>
}


export async function startAwsServer(options: AwsServerOptions = {}): Promise<AwsServer> {
  const server = new LocalAwsServer(SERVICES, options)
  await server.listen(options.port ?? 0)
  return server
}
