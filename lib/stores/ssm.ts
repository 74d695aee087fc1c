/**
 * The SSM Parameter Store store. Parameters go out in GetParameters calls of up to 10 (one
 * call per decrypt flag; version and label selectors ride along as `name:3` / `name:label`),
 * paths in GetParametersByPath, every page. The SDK is imported on first use, so a
 * declaration with only secrets never loads it (it costs ~100 ms of cold start).
 */
import type { SSMClient } from '@aws-sdk/client-ssm'
import type { ClientOptions } from '../options/types.js'
import { relativeName, sameParameterName, selectorName, selectorSuffix } from '../ssm-names.js'
import type { FetchOptions, Store, StoreRequest, StoreResult } from '../store.js'
import { awsCall, chunks, clientConfig } from './aws-call.js'

type Sdk = typeof import('@aws-sdk/client-ssm')

export interface SsmStoreOptions {
  /** A client you configured; by default one is created from `clientOptions`, with maxAttempts 1. */
  readonly client?: SSMClient
  readonly clientOptions?: ClientOptions
  /** Use GetParameters for several parameters at once (default true); false uses GetParameter. */
  readonly batch?: boolean
}

const BATCH_SIZE = 10

export function ssmStore(options: SsmStoreOptions = {}): Store {
  let loaded: Promise<{ sdk: Sdk; client: SSMClient }> | undefined
  const batchOn = options.batch !== false

  function load(): Promise<{ sdk: Sdk; client: SSMClient }> {
    loaded ??= import('@aws-sdk/client-ssm').then((sdk) => ({
      sdk,
      client: options.client ?? new sdk.SSMClient(clientConfig(options.clientOptions)),
    }))
    return loaded
  }

  async function getOne(request: StoreRequest, fetchOptions: FetchOptions): Promise<StoreResult> {
    const { sdk, client } = await load()
    const input = { Name: selectorName(request), WithDecryption: request.decrypt ?? true }
    const result = await awsCall('GetParameter', fetchOptions, (abortSignal) => client.send(new sdk.GetParameterCommand(input), { abortSignal }))
    if (!result.ok) return { ok: false, error: result.error }
    const p = result.output.Parameter
    return { ok: true, value: p?.Value ?? '', versionId: p?.Version === undefined ? undefined : String(p.Version), arn: p?.ARN }
  }

  async function getBatch(batch: readonly StoreRequest[], decrypt: boolean, fetchOptions: FetchOptions): Promise<StoreResult[]> {
    const { sdk, client } = await load()
    const names = batch.map(selectorName)
    const result = await awsCall('GetParameters', fetchOptions, (abortSignal) =>
      client.send(new sdk.GetParametersCommand({ Names: names, WithDecryption: decrypt }), { abortSignal }),
    )
    if (!result.ok) return batch.map(() => ({ ok: false, error: result.error }))
    const found = result.output.Parameters ?? []
    return batch.map((request, i): StoreResult => {
      const asked = names[i]!
      // The answer for `/p` must not be the one for `/p:3` asked in the same call: match the selector too.
      // SSM answers with the name the parameter was created with, which may be `p` for `/p`.
      const selector = selectorSuffix(request)
      const p = found.find(
        (candidate) =>
          (candidate.Selector ?? '') === selector &&
          (candidate.ARN === request.name || (candidate.Name !== undefined && sameParameterName(candidate.Name, request.name))),
      )
      if (!p) {
        const code = request.version !== undefined ? 'ParameterVersionNotFound' : request.label !== undefined ? 'ParameterVersionLabelNotFound' : 'ParameterNotFound'
        return { ok: false, error: { code, message: `GetParameters listed '${asked}' among InvalidParameters`, retryable: false, operation: 'GetParameters' } }
      }
      return { ok: true, value: p.Value ?? '', versionId: p.Version === undefined ? undefined : String(p.Version), arn: p.ARN }
    })
  }

  async function getPath(request: StoreRequest, fetchOptions: FetchOptions): Promise<StoreResult> {
    const { sdk, client } = await load()
    const values: Array<[string, string]> = []
    let nextToken: string | undefined
    do {
      const input = { Path: request.name, Recursive: request.recursive ?? false, WithDecryption: request.decrypt ?? true, NextToken: nextToken }
      const result = await awsCall('GetParametersByPath', fetchOptions, (abortSignal) => client.send(new sdk.GetParametersByPathCommand(input), { abortSignal }))
      if (!result.ok) return { ok: false, error: result.error }
      for (const p of result.output.Parameters ?? []) if (p.Name) values.push([relativeName(request.name, p.Name) ?? p.Name, p.Value ?? ''])
      nextToken = result.output.NextToken
    } while (nextToken)
    // fromEntries defines own properties: `/app/__proto__` stays a key instead of setting the prototype.
    return { ok: true, value: Object.fromEntries(values) }
  }

  return {
    name: 'ssm',
    async fetch(requests, fetchOptions) {
      const results: StoreResult[] = new Array(requests.length)
      const work: Array<Promise<void>> = []
      const byDecrypt = new Map<boolean, number[]>()
      requests.forEach((request, i) => {
        if (request.kind === 'parameters') {
          work.push(getPath(request, fetchOptions).then((r) => void (results[i] = r)))
        } else if (!batchOn) {
          work.push(getOne(request, fetchOptions).then((r) => void (results[i] = r)))
        } else {
          const decrypt = request.decrypt ?? true
          byDecrypt.set(decrypt, [...(byDecrypt.get(decrypt) ?? []), i])
        }
      })
      for (const [decrypt, indexes] of byDecrypt) {
        for (const chunk of chunks(indexes, BATCH_SIZE)) {
          work.push(getBatch(chunk.map((i) => requests[i]!), decrypt, fetchOptions).then((answers) => chunk.forEach((i, n) => (results[i] = answers[n]!))))
        }
      }
      await Promise.all(work)
      return results
    },
  }
}
