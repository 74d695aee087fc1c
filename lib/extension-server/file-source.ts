/**
 * `serve --file`: the seed file as the server's backend, which `reload()` replaces when the file
 * changes. A file that no longer parses keeps the previous state; one that has not changed is
 * not rebuilt. Reloads run one at a time, in order: two reads in flight could finish out of
 * order and leave the older text served.
 */
import type { FetchOptions, Store, StoreRequest, StoreResult } from '../store.js'
import { configurationTarget } from '../extension-protocol.js'
import { memoryStore, type MemoryStore } from '../testing/memory-store.js'
import type { Backend } from './handler.js'
import { parseSeed, readSeedText, type SeedFile } from './seed-file.js'
import { SeedFileError } from './seed-json.js'
import { nextVersions, type ConfigurationVersions } from './seed-appconfig-versions.js'
import { buildModel } from './seed-model.js'

export interface SeedCounts {
  readonly secrets: number
  readonly parameters: number
  readonly configurations: number
}

export type ReloadOutcome =
  | { readonly kind: 'reloaded'; readonly counts: SeedCounts }
  | { readonly kind: 'unchanged' }
  /** `message` names the file, the key and the rule, never a value. */
  | { readonly kind: 'failed'; readonly message: string }

export interface FileSource {
  /** One store behind every service, as one account would be; it follows reloads. */
  readonly backend: Backend
  /** What the file held when it was opened. */
  readonly counts: SeedCounts
  readonly exampleSecret?: string
  readonly exampleParameter?: string
  /** `application/environment/profile`. */
  readonly exampleConfiguration?: string
  reload(): Promise<ReloadOutcome>
}

/** Reads and parses the file; throws SeedFileError if it cannot serve. */
export async function openFileSource(path: string): Promise<FileSource> {
  let lastText: string | undefined = await readSeedText(path)
  const seed = parseSeed(lastText, path)
  let versions = nextVersions(new Map(), seed.appConfig)
  let store = storeFor(seed, path, versions)
  let queue = Promise.resolve()

  async function reload(): Promise<ReloadOutcome> {
    let text: string
    try {
      text = await readSeedText(path)
    } catch (error) {
      // Gone for now (an editor replacing it): whatever comes back is news.
      lastText = undefined
      return failed(error)
    }
    if (text === lastText) return { kind: 'unchanged' }
    lastText = text
    try {
      const next = parseSeed(text, path)
      const nextNumbers = nextVersions(versions, next.appConfig)
      store = storeFor(next, path, nextNumbers)
      versions = nextNumbers
      return { kind: 'reloaded', counts: countsOf(next) }
    } catch (error) {
      return failed(error)
    }
  }

  // The server keeps the backend it was started with: this one forwards to the latest file.
  // (No describe: the extension's interface has no DescribeSecret.)
  const current: Store = { name: 'file', fetch: (requests, options) => store.fetch(requests, options) }
  const configurations: Store = { name: 'file', fetch: (requests, options) => withContentTypes(store, requests, options) }
  return {
    backend: { secretsManager: current, ssm: current, appConfig: configurations },
    counts: countsOf(seed),
    exampleSecret: Object.keys(seed.secrets)[0],
    exampleParameter: Object.keys(seed.parameters)[0],
    exampleConfiguration: Object.keys(seed.appConfig)[0],
    reload() {
      const outcome = queue.then(reload)
      queue = outcome.then(
        () => undefined,
        () => undefined,
      )
      return outcome
    },
  }
}

function storeFor(seed: SeedFile, path: string, versions: ConfigurationVersions): MemoryStore {
  return memoryStore({}, { model: buildModel(seed, path, versions), name: 'file' })
}

/**
 * The memory store's configurations, each with the content type the file gave it (the Store
 * interface carries none), so the AppConfig interface answers the file's Content-Type.
 */
async function withContentTypes(store: MemoryStore, requests: readonly StoreRequest[], options: FetchOptions): Promise<StoreResult[]> {
  const results = await store.fetch(requests, options)
  return results.map((result, index) => {
    const target = configurationTarget(requests[index]!)
    if (!result.ok || target === undefined) return result
    try {
      return { ...result, contentType: store.model.appConfig.deployed(target.application, target.environment, target.profile).version.contentType }
    } catch {
      return result
    }
  })
}

function countsOf(seed: SeedFile): SeedCounts {
  return { secrets: Object.keys(seed.secrets).length, parameters: Object.keys(seed.parameters).length, configurations: Object.keys(seed.appConfig).length }
}

function failed(error: unknown): ReloadOutcome {
  // SeedFileError messages are safe to print; anything else is reported by its name only.
  return { kind: 'failed', message: error instanceof SeedFileError ? error.message : `reload failed (${error instanceof Error ? error.name : 'error'})` }
}
