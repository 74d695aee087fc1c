/**
 * The signing clock of one transport: the local time plus an offset learnt from AWS's `Date`
 * headers, so that a host whose clock is off still signs requests AWS accepts (SigV4 refuses
 * a signature more than 5 minutes off). Every answer's Date moves the offset, except a cached
 * answer (an `Age` header) and one that took over 15 minutes: AWS stamped it at some local time
 * between sending and receiving, so the offsets that fit it span from server time minus the
 * receiving time to server time minus the sending time. The offset is kept when it fits, and
 * moved to the nearest end of that span when it does not. For a quick answer that is what
 * @aws-sdk/core's `getUpdatedSystemClockOffset` sets (server time minus the local time it
 * arrived); an answer that sat in a socket through a Lambda freeze spans minutes, and setting it
 * from its arrival put the next signatures that many minutes in the past (AWS refused them). A
 * threshold would miss a clock just over AWS's 5 minutes: the Date header is cut to the second,
 * so that skew can read just under 5 minutes, and the offset never moves. The second it costs a
 * clock that is right is nothing to a 5-minute tolerance.
 */
const STALE_ANSWER_MS = 15 * 60_000
const LAST_HTTP_DATE = Date.UTC(10_000, 0, 1)

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
      // An HTTP date's year has four digits. A Date past them (the year 275760 parses) would put
      // every later signature past the last Date JavaScript holds: each signing would throw, and
      // with nothing sent, no answer would ever correct the offset.
      if (Number.isNaN(serverTime) || serverTime < 0 || serverTime >= LAST_HTTP_DATE) return
      const receivedAt = localNow()
      if (receivedAt - sentAt > STALE_ANSWER_MS) return
      offsetMs = Math.min(Math.max(offsetMs, serverTime - receivedAt), serverTime - sentAt)
    },
  }
}
