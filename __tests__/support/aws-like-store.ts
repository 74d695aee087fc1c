/** A store that answers as AWS does: it reads the model when the request arrives, and answers later. */
import type { Store, StoreRequest, StoreResult } from '../../lib/index.js'
import type { FetchOptions } from '../../lib/store.js'
import { memoryStore } from '../../lib/testing/index.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A memoryStore reads after its latency, which hides races with a rotation; this one reads at
 * once and answers `latencyMs` later (the first fetches after `firstLatenciesMs`, in order).
 */
export function readThenWait(seed: Parameters<typeof memoryStore>[0], latencyMs: number, firstLatenciesMs: number[] = []) {
  const inner = memoryStore(seed)
  const store: Store & { inner: typeof inner } = {
    name: 'aws-like',
    inner,
    async fetch(requests: readonly StoreRequest[], options: FetchOptions): Promise<StoreResult[]> {
      const answers = await inner.fetch(requests, { ...options, signal: new AbortController().signal })
      await sleep(firstLatenciesMs.shift() ?? latencyMs)
      return answers
    },
    describe: (names, options) => inner.describe!(names, options),
  }
  return store
}
