/**
 * memoryStore: a Store over the in-memory model, for handler unit tests. It speaks the same
 * Store interface as the AWS-backed stores, so one instance can stand in for Secrets Manager,
 * SSM, AppConfig and DynamoDB at once: no AWS, no SDK mocks. It records every call and can
 * inject AWS errors.
 */
import { storeError } from '../classify.js'
import { sleep } from '../sleep.js'
import { operationOf, type FetchOptions, type SecretDescription, type Store, type StoreFailure, type StoreRequest, type StoreResult } from '../store.js'
import { readFromModel } from './memory-reads.js'
import { type ItemInput, type ModelSeed, ModelError, type ParameterType, type PrimaryKey, SecretsModel } from './model.js'

/** The read operations (store.ts's ReadOperation), spelled out so the public types stand alone. */
export type MemoryOperation = 'GetSecretValue' | 'GetParameter' | 'GetParametersByPath' | 'GetLatestConfiguration' | 'GetItem' | 'Query' | 'DescribeSecret'

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
  /**
   * Deploys a new hosted version of an AppConfig configuration (creating the application,
   * environment and profile when missing). `contentType` defaults to application/json. Returns
   * the version number.
   */
  setConfiguration(application: string, environment: string, profile: string, content: string | Uint8Array, contentType?: string): number
  /** Puts an item into a DynamoDB table (seeded, or created with `model.dynamodb.createTable`). */
  putItem(table: string, item: ItemInput): void
  /** Deletes the item with this primary key; true when there was one. */
  deleteItem(table: string, key: PrimaryKey): boolean
  /**
   * Makes the next calls naming `name` ('*' for any) fail with an AWS error: a secret or
   * parameter name (or path), `application/environment/profile`, or a table name, as the request
   * names it.
   */
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
  if (options.model) model.load(seed)
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
      return readFromModel(model, request)
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
    setConfiguration: (application, environment, profile, content, contentType) =>
      model.appConfig.deploy(application, environment, profile, content, { contentType }).version.versionNumber,
    putItem: (table, item) => model.dynamodb.putItem(table, item),
    deleteItem: (table, key) => model.dynamodb.deleteItem(table, key),
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

function failure(code: string, message: string, operation: string | undefined): StoreFailure {
  return { ok: false, error: storeError({ code, message, operation }) }
}
