/**
 * A counting semaphore: at most `max` tasks run at once, the rest wait in order. It bounds the
 * AWS requests of one middleware (`concurrency`), and the extension's connections
 * (PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS) on both sides of its HTTP interface.
 */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>
  /** Tasks running now. */
  readonly active: number
  /** Tasks waiting for a slot. */
  readonly waiting: number
}

export function createLimiter(max: number): Limiter {
  let active = 0
  const queue: Array<() => void> = []

  function release(): void {
    const next = queue.shift()
    if (next) next()
    else active -= 1
  }

  function acquire(): Promise<void> {
    if (active < max) {
      active += 1
      return Promise.resolve()
    }
    // The slot passes straight from the releasing task to the next waiter: `active` stays put.
    return new Promise((resolve) => queue.push(resolve))
  }

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      await acquire()
      try {
        return await task()
      } finally {
        release()
      }
    },
    get active() {
      return active
    },
    get waiting() {
      return queue.length
    },
  }
}

/** The limiter as a function: `limit(task)` runs the task within the bound. */
export function createLimit(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  const limiter = createLimiter(concurrency)
  return (task) => limiter.run(task)
}
