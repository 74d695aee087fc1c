/**
 * A call raced against its abort signal: a store call against its flight's deadline (the
 * resolver's attempts and rotation checks), an SDK client's send against its request's timeout
 * and deadline (transport/sdk.ts). A call that never answers (a custom store or client that
 * ignores the abort signal, or a hung connection under it) is given up a moment after the abort,
 * so that its flight ends: later invocations then ask again, instead of joining a fetch that will
 * never end. A call that honours the abort answers for itself (its own code and operation) within
 * that moment, and its answer is the one taken.
 */
import type { StoreError } from './store.js'
import { toStoreError } from './stores/aws-error.js'

export const ABANDONED = Symbol('abandoned')

/** What a call given up fails with: DeadlineExceeded, as the package's stores answer at the deadline. */
export function abandonedError(operation: string): StoreError {
  // Stryker disable next-line BooleanLiteral: toStoreError reads `deadline` first, so `timedOut` changes nothing here
  return toStoreError(undefined, operation, { timedOut: false, deadline: true })
}

/** How long a store has to answer for itself once its flight's deadline aborted it. */
const ABANDON_AFTER_ABORT_MS = 50

/** The call's answer, or ABANDONED. A call that throws at once rejects with its error. */
export async function unlessAbandoned<T>(call: () => T | Promise<T>, signal: AbortSignal): Promise<T | typeof ABANDONED> {
  let grace: ReturnType<typeof setTimeout> | undefined
  let giveUp!: () => void
  // Unref'd: a give-up nobody waits for must not keep the process alive.
  const abandoned = new Promise<typeof ABANDONED>((resolve) => (giveUp = () => (grace = setTimeout(resolve, ABANDON_AFTER_ABORT_MS, ABANDONED).unref())))
  if (signal.aborted) giveUp()
  else signal.addEventListener('abort', giveUp)
  try {
    const calling = Promise.resolve(call())
    // Stryker disable next-line ArrowFunction: the handler only keeps a late rejection of a call given up from being unhandled; any function does
    calling.catch(() => undefined) // the race below reads an early one
    return await Promise.race([calling, abandoned])
  } finally {
    signal.removeEventListener('abort', giveUp)
    clearTimeout(grace)
  }
}
