/**
 * The signing clock of one transport: the local time plus an offset learnt from AWS's `Date`
 * headers, so that a host whose clock is off still signs requests AWS accepts (SigV4 refuses
 * a signature more than 5 minutes off). As @aws-sdk/core's `getUpdatedSystemClockOffset` does,
 * every answer's Date sets the offset (server time minus the local time it arrived), except a
 * cached answer (an `Age` header) and one that took over 15 minutes (a Lambda freeze between
 * send and receive). A threshold would miss a clock just over AWS's 5 minutes: the Date header
 * is cut to the second, so that skew can read just under 5 minutes, and the offset never moves.
 * The second it costs a clock that is right is nothing to a 5-minute tolerance.
 */
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
      offsetMs = serverTime - receivedAt
    },
  }
}
