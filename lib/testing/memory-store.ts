/**
 * memoryStore: a Store over the in-memory model, for handler unit tests. It speaks the same
 * Store interface as the AWS-backed stores, so one instance can stand in for both Secrets
 * Manager and SSM: no AWS, no SDK mocks. It records every call and can inject AWS errors.
 */
import { storeError } from '../classify.js'
import { relativeName, selectorName } from '../ssm-names.js'
import { sleep } from '../sleep.js'
import { operationOf, type FetchOptions, type ReadOperation, type SecretDescription, type Store, type StoreFailure, type StoreRequest, type StoreResult } from '../store.js'
import { type ModelSeed, ModelError, type ParameterType, SecretsModel } from './model.js'

export type MemoryOperation = ReadOperation | 'DescribeSecret'

export interface MemoryCall {
  readonly operation: MemoryOperation
  readonly name: string
  readonly at: number
}

export interface MemoryFault {
  /** AWS error name to answer with, e.g. `ThrottlingException`, `AccessDeniedException`. */
  readonly code: string
  /** How many calls it hits (default 1). */
  readonly times?: number
  readonly message?: string
  /** Only this operation (default: any). */
  readonly operation?: MemoryOperation
}

export interface MemoryStoreOptions {
  /** Milliseconds every store call waits before answering (default 0). */
  readonly latencyMs?: number
  /** Share state with another store or the local AWS server. */
  readonly model?: SecretsModel
  /** The name errors and logs show (default `memory`). */
  readonly name?: string
}

export interface MemoryStore extends Store {
  readonly model: SecretsModel
  /** Every call, in order. */
  readonly calls: readonly MemoryCall[]
  /** How many calls (of one operation, or of any). */
  count(operation?: MemoryOperation): number
  /** How many times `fetch` was called (one per resolver round trip). */
  readonly fetches: number
  resetCalls(): void
  /** Creates or replaces the AWSCURRENT value of a secret. */
  setSecret(name: string, value: string | Uint8Array): string
  /** AWSCURRENT -> new value, old AWSCURRENT -> AWSPREVIOUS, as a finished rotation does. */
  rotate(name: string, value: string | Uint8Array): string
  /** Adds a parameter version (and optional labels on it). Returns the version number. */
  setParameter(name: string, value: string, options?: { type?: ParameterType; labels?: readonly string[] }): number
  /** Makes the next calls naming `name` ('*' for any) fail with an AWS error. */
  fail(name: string, fault: MemoryFault | string): void
  clearFaults(): void
  setLatency(ms: number): void
}

interface ArmedFault {
  readonly name: string
  readonly code: string
  readonly message: string
  readonly operation?: MemoryOperation
  remaining: number
}

export function memoryStore(seed: ModelSeed = {}, options: MemoryStoreOptions = {}): MemoryStore {
  const model = options.model ?? new SecretsModel(seed)
  if (options.model) seedInto(model, seed)
  const calls: MemoryCall[] = []
  let faults: ArmedFault[] = []
  let latencyMs = options.latencyMs ?? 0
  let fetches = 0

  function record(operation: MemoryOperation, name: string): void {
    calls.push({ operation, name, at: Date.now() })
  }

  function takeFault(operation: MemoryOperation, name: string): StoreFailure | undefined {
    const fault = faults.find(
      (f) => f.remaining > 0 && (f.name === '*' || f.name === name) && (!f.operation || f.operation === operation),
    )
    if (!fault) return undefined
    fault.remaining -= 1
    return failure(fault.code, fault.message, operation)
  }

  function answer(request: StoreRequest): StoreResult {
    const operation = operationOf(request)
    record(operation, request.name)
    const injected = takeFault(operation, request.name)
    if (injected) return injected
    try {
      return read(model, request)
    } catch (error) {
      if (error instanceof ModelError) return failure(error.code, error.message, operation)
      throw error
    }
  }

  const store: MemoryStore = {
    name: options.name ?? 'memory',
    model,
    calls,
    get fetches() {
      return fetches
    },
    count: (operation) => (operation ? calls.filter((c) => c.operation === operation).length : calls.length),
    resetCalls() {
      calls.length = 0
      fetches = 0
    },
    async fetch(requests: readonly StoreRequest[], fetchOptions: FetchOptions): Promise<StoreResult[]> {
      fetches += 1
      await sleep(latencyMs, fetchOptions.signal)
      if (fetchOptions.signal.aborted) return requests.map(() => failure('DeadlineExceeded', 'the deadline was reached', undefined))
      return requests.map(answer)
    },
    async describe(names: readonly string[], fetchOptions: FetchOptions): Promise<Array<SecretDescription | StoreFailure>> {
      await sleep(latencyMs, fetchOptions.signal)
      return names.map((name) => {
        record('DescribeSecret', name)
        const injected = takeFault('DescribeSecret', name)
        if (injected) return injected
        try {
          const d = model.describeSecret(name)
          return {
            name: d.name,
            rotationEnabled: d.rotationEnabled,
            nextRotationDate: d.nextRotationDate,
            lastRotatedDate: d.lastRotatedDate,
            versionIdsToStages: d.versionIdsToStages,
          }
        } catch (error) {
          if (error instanceof ModelError) return failure(error.code, error.message, 'DescribeSecret')
          throw error
        }
      })
    },
    setSecret(name, value) {
      try {
        return model.putSecretValue(name, value)
      } catch (error) {
        if (error instanceof ModelError && error.code === 'ResourceNotFoundException') return model.createSecret(name, value).versionId
        throw error
      }
    },
    rotate: (name, value) => model.rotate(name, value),
    setParameter(name, value, parameterOptions = {}) {
      const version = model.putParameter(name, value, { type: parameterOptions.type })
      if (parameterOptions.labels?.length) model.labelParameterVersion(name, parameterOptions.labels, version)
      return version
    },
    fail(name, fault) {
      const f = typeof fault === 'string' ? { code: fault } : fault
      faults.push({ name, code: f.code, message: f.message ?? `injected ${f.code}`, operation: f.operation, remaining: f.times ?? 1 })
    },
    clearFaults() {
      faults = []
    },
    setLatency(ms) {
      latencyMs = ms
    },
  }
  return store
}

function seedInto(model: SecretsModel, seed: ModelSeed): void {
  for (const [name, value] of Object.entries(seed.secrets ?? {})) model.createSecret(name, value)
  for (const [name, p] of Object.entries(seed.parameters ?? {})) {
    if (typeof p === 'string') model.putParameter(name, p)
    else model.putParameter(name, p.value, { type: p.type })
  }
}

function read(model: SecretsModel, request: StoreRequest): StoreResult {
  if (request.kind === 'secret') {
    const v = model.getSecretValue(request.name, { versionId: request.versionId, versionStage: request.versionStage })
    return {
      ok: true,
      value: v.secretString ?? v.secretBinary ?? '',
      versionId: v.versionId,
      versionStages: v.versionStages,
      arn: v.arn,
    }
  }
  if (request.kind !== 'parameter' && request.kind !== 'parameters') {
    throw new ModelError('UnsupportedRequest', `the memory store does not hold ${request.kind} values yet`)
  }
  const decrypt = request.decrypt ?? true
  if (request.kind === 'parameter') {
    const p = model.getParameter(selectorName(request), { decrypt })
    return { ok: true, value: p.value, versionId: String(p.version), arn: p.arn }
  }
  const views = model.getParametersByPath(request.name, { recursive: request.recursive, decrypt })
  // fromEntries defines own properties: `/app/__proto__` stays a key instead of setting the prototype.
  return { ok: true, value: Object.fromEntries(views.map((p) => [relativeName(request.name, p.name) ?? p.name, p.value])) }
}

function failure(code: string, message: string, operation: string | undefined): StoreFailure {
  return { ok: false, error: storeError({ code, message, operation }) }
}
