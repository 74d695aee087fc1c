/**
 * The SSM Parameter Store store. Parameters go out in GetParameters calls of up to 10 (one
 * call per decrypt flag; version and label selectors ride along as `name:3` / `name:label`),
 * paths in GetParametersByPath, every page. It talks to SSM through a connection (the lean
 * HTTPS transport where it can serve, else the SDK, imported on first use: it costs ~100 ms of
 * cold start), so a declaration with only secrets never loads it.
 */
import type { GetParameterResult, GetParametersByPathResult, GetParametersResult } from '@aws-sdk/client-ssm'
import { storeError } from '../classify.js'
import { relativeName, sameParameterName, selectorName, selectorSuffix } from '../ssm-names.js'
import type { FetchOptions, Store, StoreRequest, StoreResult } from '../store.js'
import { chunks } from './chunks.js'
import { connection, type ConnectionOptions } from './connection.js'

export interface SsmStoreOptions extends ConnectionOptions {
  /** Use GetParameters for several parameters at once (default true); false uses GetParameter. */
  readonly batch?: boolean
}

const BATCH_SIZE = 10

/** An answer without a parameter's Value is malformed, never an empty value (every parameter holds one). */
function malformed(operation: string): StoreResult {
  return { ok: false, error: storeError({ code: 'MalformedResponse', message: `${operation} answered a parameter without its Value`, operation }) }
}

function parameterValue(p: { Value?: string; Version?: number; ARN?: string } | undefined, operation: string): StoreResult {
  if (typeof p?.Value !== 'string') return malformed(operation)
  return { ok: true, value: p.Value, versionId: p.Version === undefined ? undefined : String(p.Version), arn: p.ARN }
}

export function ssmStore(options: SsmStoreOptions = {}): Store {
  const ssm = connection('ssm', options)
  const batchOn = options.batch !== false
  let deniedSaid = false

  async function getOne(request: StoreRequest, fetchOptions: FetchOptions): Promise<StoreResult> {
    const input = { Name: selectorName(request), WithDecryption: request.decrypt ?? true }
    const result = await ssm.call<GetParameterResult>('GetParameter', input, fetchOptions)
    if (!result.ok) return { ok: false, error: result.error }
    return parameterValue(result.output.Parameter, 'GetParameter')
  }

  async function getBatch(batch: readonly StoreRequest[], decrypt: boolean, fetchOptions: FetchOptions): Promise<StoreResult[]> {
    const names = batch.map(selectorName)
    const result = await ssm.call<GetParametersResult>('GetParameters', { Names: names, WithDecryption: decrypt }, fetchOptions)
    // Denied as a whole: KMS refuses the call if it may not decrypt one SecureString of it (or the
    // role lacks ssm:GetParameters). Each parameter is asked alone: the others are served, and the
    // one denied fails with its own error and hint.
    if (!result.ok && result.error.code === 'AccessDeniedException' && batch.length > 1) {
      if (!deniedSaid) {
        deniedSaid = true
        fetchOptions.logger.warn('GetParameters was denied as a whole; its parameters are asked one at a time (kms:Decrypt refused for one SecureString, or no ssm:GetParameters)', { operation: 'GetParameters', code: result.error.code })
      }
      return Promise.all(batch.map((r) => getOne(r, fetchOptions)))
    }
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
        return { ok: false, error: storeError({ code, message: `GetParameters listed '${asked}' among InvalidParameters`, operation: 'GetParameters' }) }
      }
      return parameterValue(p, 'GetParameters')
    })
  }

  async function getPath(request: StoreRequest, fetchOptions: FetchOptions): Promise<StoreResult> {
    const values: Array<[string, string]> = []
    let nextToken: string | undefined
    do {
      const input = { Path: request.name, Recursive: request.recursive ?? false, WithDecryption: request.decrypt ?? true, NextToken: nextToken }
      const result = await ssm.call<GetParametersByPathResult>('GetParametersByPath', input, fetchOptions)
      if (!result.ok) return { ok: false, error: result.error }
      for (const p of result.output.Parameters ?? []) {
        if (typeof p.Value !== 'string') return malformed('GetParametersByPath')
        if (p.Name) values.push([relativeName(request.name, p.Name) ?? p.Name, p.Value])
      }
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
