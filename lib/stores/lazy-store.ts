/**
 * A store whose reading code is imported on its first fetch. The store's connection is made by
 * the caller at once (options checked, transport chosen: a bad option fails at secrets() time),
 * and only what reads and maps answers waits: most functions read secrets and parameters only,
 * and every byte of the static graph is paid at every cold start.
 */
import type { Store } from '../store.js'

export function lazyStore(name: string, load: () => Promise<Store>): Store {
  let loaded: Promise<Store> | undefined
  const store = (): Promise<Store> => (loaded ??= load())
  return {
    name,
    fetch: async (requests, options) => (await store()).fetch(requests, options),
  }
}
