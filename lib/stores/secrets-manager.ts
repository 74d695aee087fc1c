/**
 * The Secrets Manager store. AWSCURRENT keys go out in BatchGetSecretValue calls of up to 20;
 * other stages and version ids use GetSecretValue. BatchGetSecretValue needs its own IAM
 * action and has a far lower quota (100/s against 10,000/s), so when a batch is denied or
 * throttled the store falls back to GetSecretValue for that batch and for the rest of the
 * module's life (logged once). The SDK is imported on first use, so a declaration with only
 * parameters never loads it.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { isThrottlingCode } from '../errors.js'
import type { ClientOptions } from '../options/types.js'
import type { FetchOptions, SecretDescription, Store, StoreFailure, StoreRequest, StoreResult } from '../store.js'
import { awsCall, chunks, clientConfig } from './aws-call.js'

type Sdk = typeof import('@aws-sdk/client-secrets-manager')

export interface SecretsManagerStoreOptions {
  /** A client you configured; by default one is created from `clientOptions`, with maxAttempts 1. */
  readonly client?: SecretsManagerClient
  readonly clientOptions?: ClientOptions
  /** Use BatchGetSecretValue for AWSCURRENT keys (default true). */
  readonly batch?: boolean
}

const BATCH_SIZE = 20
const MIN_BATCH = 2 // one secret is cheaper as GetSecretValue (100x the quota)

/**
 * An ARN without AWS's random suffix (`-` and six characters) names the secret whose full ARN
 * is it plus that suffix, and no other: `...:secret:prod/db` must not match `prod/db-ro`.
 */
function isPartialArnOf(id: string, arn: string | undefined): boolean {
  return arn !== undefined && id.startsWith('arn:') && arn.length === id.length + 7 && arn.startsWith(`${id}-`)
}

export function secretsManagerStore(options: SecretsManagerStoreOptions = {}): Store {
  let loaded: Promise<{ sdk: Sdk; client: SecretsManagerClient }> | undefined
  let batchOff = options.batch === false

  function load(): Promise<{ sdk: Sdk; client: SecretsManagerClient }> {
    loaded ??= import('@aws-sdk/client-secrets-manager').then((sdk) => ({
      sdk,
      client: options.client ?? new sdk.SecretsManagerClient(clientConfig(options.clientOptions)),
    }))
    return loaded
  }

  async function getOne(request: StoreRequest, fetchOptions: FetchOptions): Promise<StoreResult> {
    const { sdk, client } = await load()
    const input = { SecretId: request.name, VersionId: request.versionId, VersionStage: request.versionId ? undefined : request.versionStage }
    const result = await awsCall('GetSecretValue', fetchOptions, (abortSignal) => client.send(new sdk.GetSecretValueCommand(input), { abortSignal }))
    if (!result.ok) return { ok: false, error: result.error }
    const out = result.output
    return {
      ok: true,
      value: out.SecretString ?? out.SecretBinary ?? '',
      versionId: out.VersionId,
      versionStages: out.VersionStages,
      arn: out.ARN,
    }
  }

  async function getBatch(batch: readonly StoreRequest[], fetchOptions: FetchOptions): Promise<StoreResult[]> {
    const { sdk, client } = await load()
    const ids = batch.map((r) => r.name)
    const values: NonNullable<import('@aws-sdk/client-secrets-manager').BatchGetSecretValueResponse['SecretValues']> = []
    const errors: NonNullable<import('@aws-sdk/client-secrets-manager').BatchGetSecretValueResponse['Errors']> = []
    let nextToken: string | undefined
    do {
      const input = { SecretIdList: ids, NextToken: nextToken }
      const result = await awsCall('BatchGetSecretValue', fetchOptions, (abortSignal) => client.send(new sdk.BatchGetSecretValueCommand(input), { abortSignal }))
      if (!result.ok) {
        const { code } = result.error
        if (code === 'AccessDeniedException' || isThrottlingCode(code)) {
          if (!batchOff) {
            batchOff = true
            fetchOptions.logger.warn(
              `middy-secrets: BatchGetSecretValue ${code === 'AccessDeniedException' ? 'is not allowed for the execution role' : 'was throttled'}; using GetSecretValue from now on (grant secretsmanager:BatchGetSecretValue or set batch: false to silence this)`,
            )
          }
          return Promise.all(batch.map((r) => getOne(r, fetchOptions)))
        }
        return batch.map(() => ({ ok: false, error: result.error }))
      }
      values.push(...(result.output.SecretValues ?? []))
      errors.push(...(result.output.Errors ?? []))
      nextToken = result.output.NextToken
    } while (nextToken)

    return batch.map((request): StoreResult => {
      const id = request.name
      const found = values.find((v) => v.Name === id || v.ARN === id || isPartialArnOf(id, v.ARN))
      if (found) {
        return { ok: true, value: found.SecretString ?? found.SecretBinary ?? '', versionId: found.VersionId, versionStages: found.VersionStages, arn: found.ARN }
      }
      const error = errors.find((e) => e.SecretId === id)
      const code = error?.ErrorCode ?? 'ResourceNotFoundException'
      return {
        ok: false,
        error: { code, message: error?.Message ?? "BatchGetSecretValue returned no value for this secret", retryable: isThrottlingCode(code) || code === 'InternalServiceError', operation: 'GetSecretValue' }, // a batch reads each secret with GetSecretValue rights
      }
    })
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
      const { sdk, client } = await load()
      return Promise.all(
        names.map(async (name): Promise<SecretDescription | StoreFailure> => {
          const result = await awsCall('DescribeSecret', fetchOptions, (abortSignal) => client.send(new sdk.DescribeSecretCommand({ SecretId: name }), { abortSignal }))
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
