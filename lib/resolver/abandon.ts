/**
 * A store call raced against its flight's deadline. A store that never answers (a custom store
 * that ignores the abort signal, or a hung connection under it) is given up a moment after the
 * abort, so that its flight ends: later invocations then ask again, instead of joining a fetch
 * that will never end. A store that honours the abort answers for itself (its own code and
 * operation) within that moment, and its answer is the one taken.
 */
export const ABANDONED = Symbol('abandoned')

/** How long a store has to answer for itself once its flight's deadline aborted it. */
const ABANDON_AFTER_ABORT_MS = 50

/** The call's answer, or ABANDONED. A call that throws at once rejects with its error. */
export async function unlessAbandoned<T>(call: () => T | Promise<T>, signal: AbortSignal): Promise<T | typeof ABANDONED> {
  let onAbort: (() => void) | undefined
  let grace: ReturnType<typeof setTimeout> | undefined
  try {
    const calling = Promise.resolve(call())
    const abandoned = new Promise<typeof ABANDONED>((resolve) => {
      // Unref'd: a give-up nobody waits for must not keep the process alive.
      onAbort = () => (grace = setTimeout(resolve, ABANDON_AFTER_ABORT_MS, ABANDONED).unref())
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort)
    })
    const answer = await Promise.race([calling, abandoned])
    // Stryker disable next-line ArrowFunction: the handler only keeps a late rejection from being unhandled; any function does
    if (answer === ABANDONED) calling.catch(() => undefined) // whatever it does later, nobody reads it
    return answer
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
    clearTimeout(grace)
  }
}
