/**
 * The server's clock, which may be set apart from the machine's to stand in for a client whose
 * clock is wrong. AWS stamps every response with its time (the Date header, from which the SDK
 * corrects its clock offset) and refuses a SigV4 request signed more than 5 minutes from it.
 */

/** How far from the server's clock a signature's X-Amz-Date may be. */
const SIGNATURE_WINDOW_MS = 5 * 60_000

export class Clock {
  constructor(private offsetMs = 0) {}

  setOffset(ms: number): void {
    this.offsetMs = ms
  }

  now(): number {
    return Date.now() + this.offsetMs
  }

  /** RFC 7231 IMF-fixdate, as the Date header carries it. */
  httpDate(): string {
    return new Date(this.now()).toUTCString()
  }

  /**
   * Why AWS refuses a request signed at `xAmzDate`, in AWS's words, or undefined when the
   * signature time is within the window. A request without a (readable) X-Amz-Date is not signed
   * by an SDK: its time is not checked.
   */
  signatureRefusal(xAmzDate: string | string[] | undefined): string | undefined {
    const signedAt = typeof xAmzDate === 'string' ? parseAmzDate(xAmzDate) : undefined
    if (signedAt === undefined) return undefined
    const now = this.now()
    if (signedAt < now - SIGNATURE_WINDOW_MS) {
      return `Signature expired: ${amzDate(signedAt)} is now earlier than ${amzDate(now - SIGNATURE_WINDOW_MS)} (${amzDate(now)} - 5 min.)`
    }
    if (signedAt > now + SIGNATURE_WINDOW_MS) {
      return `Signature not yet current: ${amzDate(signedAt)} is still later than ${amzDate(now + SIGNATURE_WINDOW_MS)} (${amzDate(now)} + 5 min.)`
    }
    return undefined
  }
}

/** `20261202T042700Z`: SigV4's basic ISO 8601 format, to the second. */
function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

function parseAmzDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (!match) return undefined
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number]
  return Date.UTC(year, month - 1, day, hour, minute, second)
}
