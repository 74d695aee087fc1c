/**
 * The Secrets Manager store. AWSCURRENT keys go out in BatchGetSecretValue calls of up to 20;
 * other stages and version ids use GetSecretValue. BatchGetSecretValue needs its own IAM
 * action and has a far lower quota (100/s against 10,000/s), so when a batch is denied or
 * throttled the store falls back to GetSecretValue for that batch and for the rest of the
 * module's life (logged once). It talks to Secrets Manager through a connection: the lean HTTPS
 * transport where it can serve, else the SDK, imported on first use (a declaration with only
 * parameters never loads it).
 */
import type {
  BatchGetSecretValueResponse,
  DescribeSecretResponse,
  GetSecretValueResponse,
} from '@aws-sdk/client-secrets-manager'
import { isThrottling, storeError } from '../classify.js'
import type { FetchOptions, SecretDescription, Store, StoreFailure, StoreRequest, StoreResult } from '../store.js'
import { chunks } from './chunks.js'
import { connection, type ConnectionOptions } from './connection.js'

export interface SecretsManagerStoreOptions extends ConnectionOptions {
  /** Use BatchGetSecretValue for AWSCURRENT keys (default true). */
  readonly batch?: boolean
}

const BATCH_SIZE = 20
/** Errors of BatchGetSecretValue as a whole that one secret of it may cause (the SDK's model of the operation). */
const PER_SECRET_CODES = new Set(['ResourceNotFoundException', 'DecryptionFailure', 'InvalidRequestException', 'InvalidParameterException'])
const MIN_BATCH = 2 // one secret is cheaper as GetSecretValue (100x the quota)

/**
 * An ARN without AWS's random suffix (`-` and six characters) names the secret whose full ARN
 * is it plus that suffix, and no other: `...:secret:prod/db` must not match `prod/db-ro`.
 */
function isPartialArnOf(id: string, arn: string | undefined): boolean {
  return arn !== undefined && id.startsWith('arn:') && arn.length === id.length + 7 && arn.startsWith(`${id}-`)
}

/**
 * A secret version's value: its text or its bytes. An answer with neither is malformed, never an
 * empty value (a secret version always holds one of them).
 */
function secretValue(out: { SecretString?: string; SecretBinary?: Uint8Array; VersionId?: string; VersionStages?: string[]; ARN?: string }, operation: string): StoreResult {
  const value = typeof out.SecretString === 'string' ? out.SecretString : out.SecretBinary instanceof Uint8Array ? out.SecretBinary : undefined
  if (value === undefined) return { ok: false, error: storeError({ code: 'MalformedResponse', message: `${operation} answered with neither SecretString nor SecretBinary`, operation: 'GetSecretValue' }) }
  return { ok: true, value, versionId: out.VersionId, versionStages: out.VersionStages, arn: out.ARN }
}

export function secretsManagerStore(options: SecretsManagerStoreOptions = {}): Store {
  const secretsManager = connection('secretsmanager', options)
  let batchOff = options.batch === false

  async function getOne(request: StoreRequest, fetchOptions: FetchOptions): Promise<StoreResult> {
    const input = { SecretId: request.name, VersionId: request.versionId, VersionStage: request.versionId ? undefined : request.versionStage }
    const result = await secretsManager.call<GetSecretValueResponse>('GetSecretValue', input, fetchOptions)
    if (!result.ok) return { ok: false, error: result.error }
    return secretValue(result.output, 'GetSecretValue')
  }

  async function getBatch(batch: readonly StoreRequest[], fetchOptions: FetchOptions): Promise<StoreResult[]> {
    const ids = batch.map((r) => r.name)
    const values: NonNullable<BatchGetSecretValueResponse['SecretValues']> = []
    const errors: NonNullable<BatchGetSecretValueResponse['Errors']> = []
    let nextToken: string | undefined
    do {
      const input = { SecretIdList: ids, NextToken: nextToken }
      const result = await secretsManager.call<BatchGetSecretValueResponse>('BatchGetSecretValue', input, fetchOptions)
      if (!result.ok) {
        const { code, httpStatus } = result.error
        if (code === 'AccessDeniedException' || isThrottling(code, httpStatus)) {
          if (!batchOff) {
            batchOff = true
            const why =
              code === 'AccessDeniedException'
                ? 'is not allowed for the execution role; using GetSecretValue from now on (grant secretsmanager:BatchGetSecretValue or set batch: false to silence this)'
                : "was throttled (its quota, 100 per second for the account, is far below GetSecretValue's); using GetSecretValue from now on (set batch: false where many environments start at once)"
            fetchOptions.logger.warn(`BatchGetSecretValue ${why}`, { operation: 'BatchGetSecretValue', code })
          }
          return Promise.all(batch.map((r) => getOne(r, fetchOptions)))
        }
        // A failure of the whole call that one of its secrets would cause (not found, not
        // decryptable, not readable as asked): the batch cannot say which, so each answers for
        // itself, rather than every secret of the batch failing (an optional one passing for absent).
        if (PER_SECRET_CODES.has(code)) return Promise.all(batch.map((r) => getOne(r, fetchOptions)))
        return batch.map(() => ({ ok: false, error: result.error }))
      }
      values.push(...(result.output.SecretValues ?? []))
      errors.push(...(result.output.Errors ?? []))
      nextToken = result.output.NextToken
    } while (nextToken)

    return Promise.all(
      batch.map(async (request): Promise<StoreResult> => {
        const id = request.name
        const found = values.find((v) => v.Name === id || v.ARN === id || isPartialArnOf(id, v.ARN))
        if (found) return secretValue(found, 'BatchGetSecretValue')
        const error = errors.find((e) => e.SecretId === id)
        // In neither list, or failed without a code: asked alone, for its own answer, never taken for absent.
        if (error?.ErrorCode === undefined) return getOne(request, fetchOptions)
        // A batch reads each secret with GetSecretValue rights: a failure names that operation.
        return { ok: false, error: storeError({ code: error.ErrorCode, message: error.Message ?? 'BatchGetSecretValue failed for this secret', operation: 'GetSecretValue' }) }
      }),
    )
  }

  return {
    name: 'secretsManager',
    async fetch(requests, fetchOptions) {
      const batchable: number[] = []
      const single: number[] = []
      requests.forEach((r, i) => (!batchOff && r.versionId === undefined && (r.versionStage ?? 'AWSCURRENT') === 'AWSCURRENT' ? batchable : single).push(i))
      if (batchable.length < MIN_BATCH) single.push(...batchable.splice(0))
      const results: StoreResult[] = new Array(requests.length)
      const batches = chunks(batchable, BATCH_SIZE).map(async (indexes) => {
        const answers = await getBatch(indexes.map((i) => requests[i]!), fetchOptions)
        indexes.forEach((i, n) => (results[i] = answers[n]!))
      })
      const singles = single.map(async (i) => {
        results[i] = await getOne(requests[i]!, fetchOptions)
      })
      await Promise.all([...batches, ...singles])
      return results
    },
    async describe(names, fetchOptions): Promise<Array<SecretDescription | StoreFailure>> {
      return Promise.all(
        names.map(async (name): Promise<SecretDescription | StoreFailure> => {
          const result = await secretsManager.call<DescribeSecretResponse>('DescribeSecret', { SecretId: name }, fetchOptions)
          if (!result.ok) return { ok: false, error: result.error }
          const out = result.output
          return {
            name,
            rotationEnabled: out.RotationEnabled ?? false,
            nextRotationDate: out.NextRotationDate,
            lastRotatedDate: out.LastRotatedDate,
            versionIdsToStages: out.VersionIdsToStages ?? {},
          }
        }),
      )
    },
  }
}
