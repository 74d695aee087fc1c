/** A counting semaphore: at most `concurrency` tasks run at once, the rest wait in order. */
export function createLimit(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: Array<() => void> = []

  // A finished task hands its slot straight to the next waiter, so no newcomer slips in between.
  function release(): void {
    const next = waiting.shift()
    if (next) next()
    else active -= 1
  }

  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve))
    else active += 1
    try {
      return await task()
    } finally {
      release()
    }
  }
}
