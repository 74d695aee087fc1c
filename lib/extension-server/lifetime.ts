/**
 * When `middy-secrets serve` stops: on SIGINT, SIGTERM or SIGHUP, and when the process that
 * started it goes away. npx runs the bin as a child process; a process manager that stops npx
 * (or kills it) does not signal that child, which would keep the port. An orphan is re-parented
 * (to init or a subreaper), so a changed parent pid means the parent is gone.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

export interface LifetimeOptions {
  /** Called once per event; the caller stops the server and exits. */
  readonly stop: (reason: string) => void
  /** How often the parent pid is checked (default 500 ms). */
  readonly pollMs?: number
}

/** Starts watching; returns a function that stops watching. */
export function watchLifetime(options: LifetimeOptions): () => void {
  const onSignal = (signal: NodeJS.Signals): void => options.stop(signal)
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
  const parent = process.ppid
  // A parent of 0 or 1 (a container's init, a service manager) is not going away.
  const timer = parent > 1 ? setInterval(checkParent, options.pollMs ?? 500) : undefined
  // The check alone must not keep the process alive.
  timer?.unref()
  function checkParent(): void {
    if (process.ppid === parent) return
    clearInterval(timer)
    options.stop(`its parent process (${parent}) exited`)
  }
  return () => {
    clearInterval(timer)
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal)
  }
}
