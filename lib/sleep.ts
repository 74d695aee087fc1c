/**
 * The package's one abortable sleep. Resolves true after `ms`, false as soon as `signal` aborts
 * (it never rejects). `unref`: the timer alone does not keep the process alive (background work
 * that nobody waits on: a prefetch, a refresh ahead of expiry).
 */
export function sleep(ms: number, signal: AbortSignal, options: { unref?: boolean } = {}): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  if (ms <= 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(true), ms)
    if (options.unref) timer.unref()
    function finish(completed: boolean): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      resolve(completed)
    }
    function onAbort(): void {
      finish(false)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
