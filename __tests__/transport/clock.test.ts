/**
 * Clock skew: a server whose clock is 20 minutes ahead answers a skew error with its Date
 * header; the transport comes back with that error (the resolver retries it once) and signs the
 * next request with the corrected time. The clock's rule (clock.ts) is tested on its own.
 */
import { isClockSkewCode } from '../../lib/transport/errors.js'
import { signingClock } from '../../lib/transport/clock.js'
import { httpsTransport } from '../../lib/transport/https.js'
import { failure, json, localConfig, options, output, startCaptureServer, type CaptureServer } from './support.js'

const MINUTE = 60_000
const AHEAD = 20 * MINUTE

let server: CaptureServer

beforeAll(async () => {
  server = await startCaptureServer()
})
afterAll(() => server.close())
beforeEach(() => void server.requests.splice(0))

/** X-Amz-Date -> ms since the epoch. */
function signedAt(value: unknown): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(value))
  if (!m) throw new Error(`not an X-Amz-Date: ${String(value)}`)
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
}

/** Answers like AWS with a clock 20 minutes ahead: a skew error while the signature is off by 5 minutes or more. */
function skewedServer(error: { __type: string; message: string }): void {
  server.answer((request, res) => {
    const serverNow = Date.now() + AHEAD
    const date = new Date(serverNow).toUTCString()
    if (Math.abs(signedAt(request.headers['x-amz-date']) - serverNow) >= 5 * MINUTE) return json(res, 403, error, { date })
    json(res, 200, { Parameter: { Name: '/p', Value: 'v' } }, { date })
  })
}

test.each([
  ['InvalidSignatureException', 'Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T002000Z - 15 min.)'],
  ['InvalidSignatureException', 'Signature not yet current: 20260101T004000Z is still later than 20260101T003500Z (20260101T002000Z + 15 min.)'],
  ['RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'],
  ['RequestExpired', 'Request has expired.'],
  ['SignatureDoesNotMatch', 'Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z'],
  ['RequestInTheFuture', 'Request is in the future.'],
])('%s: comes back as itself, and the next request is signed with the server time', async (code, message) => {
  skewedServer({ __type: code, message })
  const transport = httpsTransport(localConfig('ssm', server.endpoint))

  const first = failure(await transport.call('GetParameter', { Name: '/p' }, options()))
  expect(first).toMatchObject({ code, message, httpStatus: 403, operation: 'GetParameter' })
  expect(isClockSkewCode(first.code)).toBe(true)

  expect(output(await transport.call('GetParameter', { Name: '/p' }, options()))).toEqual({ Parameter: { Name: '/p', Value: 'v' } })
  const [before, after] = server.requests.map((r) => signedAt(r.headers['x-amz-date']))
  expect(Math.abs(before! - Date.now())).toBeLessThan(MINUTE)
  expect(Math.abs(after! - (Date.now() + AHEAD))).toBeLessThan(MINUTE)
})

test('a successful answer with a skewed Date corrects the clock too', async () => {
  server.answer((_request, res) => json(res, 200, { Parameter: { Name: '/p', Value: 'v' } }, { date: new Date(Date.now() + AHEAD).toUTCString() }))
  const transport = httpsTransport(localConfig('ssm', server.endpoint))
  output(await transport.call('GetParameter', { Name: '/p' }, options()))
  output(await transport.call('GetParameter', { Name: '/p' }, options()))
  const [before, after] = server.requests.map((r) => signedAt(r.headers['x-amz-date']))
  expect(Math.abs(before! - Date.now())).toBeLessThan(MINUTE)
  expect(Math.abs(after! - (Date.now() + AHEAD))).toBeLessThan(MINUTE)
})

test('a clock just over 5 minutes off, which the Date header reads as just under: refused once, then right', async () => {
  // The server runs 5 min 0.5 s ahead and answers late in its second, so its Date (cut to the
  // second) reads 0.7-1 s early: a skew of 4 min 59.5 s or so, and AWS refuses over 5 minutes.
  const ahead = 5 * MINUTE + 500
  server.answer((request, res) => {
    const send = (): void => {
      const serverNow = Date.now() + ahead
      const headers = { date: new Date(serverNow).toUTCString() }
      if (Math.abs(signedAt(request.headers['x-amz-date']) - serverNow) > 5 * MINUTE) json(res, 403, { __type: 'InvalidSignatureException', message: 'Signature expired' }, headers)
      else json(res, 200, { Parameter: { Name: '/p', Value: 'v' } }, headers)
    }
    const late = (): void => ((Date.now() + ahead) % 1000 >= 700 ? send() : void setTimeout(late, 5))
    late()
  })
  const transport = httpsTransport(localConfig('ssm', server.endpoint))
  expect(failure(await transport.call('GetParameter', { Name: '/p' }, options()))).toMatchObject({ code: 'InvalidSignatureException' })
  expect(output(await transport.call('GetParameter', { Name: '/p' }, options()))).toEqual({ Parameter: { Name: '/p', Value: 'v' } })
})

test('clientOptions.systemClockOffset is the starting offset', async () => {
  skewedServer({ __type: 'InvalidSignatureException', message: 'Signature expired' })
  const transport = httpsTransport(localConfig('ssm', server.endpoint, AHEAD))
  output(await transport.call('GetParameter', { Name: '/p' }, options()))
  expect(Math.abs(signedAt(server.requests[0]!.headers['x-amz-date']) - (Date.now() + AHEAD))).toBeLessThan(MINUTE)
})

describe('signingClock', () => {
  const local = 1_000_000_000_000
  const now = () => local
  const httpDate = (ms: number) => new Date(ms).toUTCString()

  test("every answer's Date sets the offset to server time minus local time, as the SDK's does", () => {
    const clock = signingClock(0, now)
    clock.observe(httpDate(local + AHEAD), local, false)
    expect(clock.offset()).toBe(AHEAD)
    expect(clock.now().getTime()).toBe(local + AHEAD)
    // Just over AWS's 5 minutes, as the Date header (cut to the second) tells it: 4 min 59 s.
    clock.observe(httpDate(local + 5 * MINUTE - 1_000), local, false)
    expect(clock.offset()).toBe(5 * MINUTE - 1_000)
    // The local clock got fixed (or the server's did): back to 0.
    clock.observe(httpDate(local), local, false)
    expect(clock.offset()).toBe(0)
  })

  // A freeze between sending and reading: the Date is from before it, the arrival from after.
  test('an answer that spanned a freeze keeps an offset that fits it, and moves a wrong one only to the nearest that fits', () => {
    let local_ = local
    const clock = signingClock(0, () => local_)
    local_ = local + 8 * MINUTE // read 8 minutes after it was sent
    clock.observe(httpDate(local + 2_000), local, false)
    expect(clock.offset()).toBe(0) // 0 fits: AWS may have stamped it 2 s after the send
    // A clock 20 minutes behind: the same long answer moves the offset to the nearest fit.
    const behind = signingClock(0, () => local_)
    behind.observe(httpDate(local + AHEAD), local, false)
    expect(behind.offset()).toBe(AHEAD - 8 * MINUTE)
  })

  test('learns nothing from a cached answer, an answer that took over 15 minutes, no Date, or a Date no signature can carry', () => {
    const clock = signingClock(0, now)
    clock.observe('+275760-09-13T00:00:00.000Z', local, false) // parses, but now() past it is no Date
    expect(Number.isFinite(clock.now().getTime())).toBe(true)
    clock.observe(httpDate(local + AHEAD), local, true)
    clock.observe(httpDate(local + AHEAD), local - 16 * MINUTE, false)
    clock.observe(undefined, local, false)
    clock.observe('not a date', local, false)
    expect(clock.offset()).toBe(0)
  })
})
