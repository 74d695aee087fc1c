/**
 * The signing clock of one transport: the local time plus an offset learnt from AWS's `Date`
 * headers, so that a host whose clock is off still signs requests AWS accepts (SigV4 refuses
 * a signature more than 5 minutes off). The offset moves only when the corrected clock is off by
 * 5 minutes or more (the SDK's `isClockSkewed` rule): the Date header's one-second resolution
 * never moves a clock that is right. As in @aws-sdk/core's `getUpdatedSystemClockOffset`, a
 * cached answer (an `Age` header) and an answer that took over 15 minutes (a Lambda freeze
 * between send and receive) teach nothing.
 */
const SKEW_THRESHOLD_MS = 5 * 60_000
const STALE_ANSWER_MS = 15 * 60_000

export interface SigningClock {
  /** The corrected time, to sign with. */
  now(): Date
  /** The current offset in ms (server time minus local time). */
  offset(): number
  /** Learn from an answer's Date header; `sentAt` is the local time the request was signed. */
  observe(dateHeader: string | undefined, sentAt: number, hasAgeHeader: boolean): void
}

export function signingClock(initialOffsetMs = 0, localNow: () => number = Date.now): SigningClock {
  let offsetMs = initialOffsetMs
  return {
    now: () => new Date(localNow() + offsetMs),
    offset: () => offsetMs,
    observe(dateHeader, sentAt, hasAgeHeader) {
      if (dateHeader === undefined || hasAgeHeader) return
      const serverTime = Date.parse(dateHeader)
      if (Number.isNaN(serverTime)) return
      const receivedAt = localNow()
      if (receivedAt - sentAt > STALE_ANSWER_MS) return
      if (Math.abs(receivedAt + offsetMs - serverTime) >= SKEW_THRESHOLD_MS) offsetMs = serverTime - receivedAt
    },
  }
}
