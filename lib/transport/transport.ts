/**
 * The seam between the stores and AWS. A store asks a Transport for one AWS operation and gets
 * the SDK's output shape back (PascalCase members as AWS sends them, timestamps as `Date`, blobs
 * as `Uint8Array`) or a StoreError; it never knows whether the AWS SDK client (`sdk.ts`) or the
 * lean signed-HTTPS transport (`https.ts`) answered. Neither transport retries: the resolver's
 * retry layer is the only one.
 */
import type { StoreError } from '../store.js'

/** The AWS services the package reads. */
export type AwsService = 'secretsmanager' | 'ssm' | 'appconfigdata' | 'dynamodb'

export interface CallOptions {
  /** The Lambda deadline (minus the margin): when it aborts, the call fails with `DeadlineExceeded`. */
  readonly signal: AbortSignal
  /** Timeout of this one request in ms (0 = none); when it fires, the call fails with `TimeoutError`. */
  readonly timeoutMs: number
}

export type CallResult<T> = { readonly ok: true; readonly output: T } | { readonly ok: false; readonly error: StoreError }

export interface Transport {
  readonly kind: 'sdk' | 'https'
  readonly service: AwsService
  /** One attempt of `operation` (e.g. `GetSecretValue`) with the SDK's input shape. Never throws. */
  call<T>(operation: string, input: Readonly<Record<string, unknown>>, options: CallOptions): Promise<CallResult<T>>
}
