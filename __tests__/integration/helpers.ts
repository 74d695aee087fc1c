/**
 * Shared by the integration suites: the two transports they run on, the client options pointed
 * at the local AWS-protocol server, a fake Lambda context, a logger that keeps every line it was given (util.inspect'ed,
 * so nothing hides in an object), a clock that can jump forward while timers stay real (the
 * SDK's sockets need real timers), and the leak check: no secret value in any text.
 */
import { inspect } from 'node:util'
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { ClientOptions, Logger, SecretsError } from '../../lib/index.js'

/** Default stores (and their SDK clients) are shared per client options content: equal options, one client. */
export function clientOptions(endpoint: string): ClientOptions {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }
}

/**
 * The transports the suites run on, forced with the `transport` option: with the static
 * credentials, region and endpoint above, 'auto' would pick 'https' every time.
 */
export const TRANSPORTS = ['https', 'sdk'] as const
export type TransportName = (typeof TRANSPORTS)[number]

/** The options that point the package's own stores at the stand-in, over one transport. */
export function awsOptions(endpoint: string, transport: TransportName): { clientOptions: ClientOptions; transport: TransportName } {
  return { clientOptions: clientOptions(endpoint), transport }
}

/** The fields of each `transport chosen` debug line a logger was given: `{ service, transport, reason }`. */
export function transportsChosen(log: CapturedLogger): Array<Record<string, unknown>> {
  return log.calls
    .filter((call) => call.level === 'debug' && typeof call.args[0] === 'string' && call.args[0].endsWith('transport chosen'))
    .map((call) => call.args[1] as Record<string, unknown>)
}

/** The part of a Lambda context the middleware reads. */
export interface FakeContext {
  getRemainingTimeInMillis(): number
  [key: string]: unknown
}

export function lambdaContext(remainingMs = 30_000): FakeContext {
  return { functionName: 'test-fn', awsRequestId: 'req-1', getRemainingTimeInMillis: () => remainingMs }
}

export interface CapturedLogger {
  readonly logger: Logger
  /** One text per call: level and every argument, inspected. */
  readonly lines: string[]
  /** Lines of one level. */
  at(level: keyof Logger): string[]
  /** Every call as it was made: level and arguments, not inspected. */
  readonly calls: ReadonlyArray<{ readonly level: keyof Logger; readonly args: readonly unknown[] }>
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = []
  const calls: Array<{ level: keyof Logger; args: readonly unknown[] }> = []
  const byLevel: Record<string, string[]> = { debug: [], info: [], warn: [], error: [] }
  const make = (level: keyof Logger) => (...args: unknown[]): void => {
    const text = `${level} ${args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10, showHidden: true }))).join(' ')}`
    lines.push(text)
    byLevel[level]!.push(text)
    calls.push({ level, args })
  }
  return {
    logger: { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') },
    lines,
    at: (level) => byLevel[level]!,
    calls,
  }
}

/** Every text an error can show: message, stack, toString, inspect (hidden too), JSON. */
export function errorTexts(error: unknown): string[] {
  const e = error as Error
  const texts = [String(e), e?.message ?? '', e?.stack ?? '', inspect(e, { depth: 10, showHidden: true })]
  try {
    texts.push(JSON.stringify(e))
  } catch {
    texts.push('<not JSON-serializable>')
  }
  return texts
}

/** Fails when any secret value (or a recognizable part of one) appears in any text. */
export function expectNoLeak(texts: readonly string[], values: readonly string[]): void {
  for (const value of values) {
    for (const text of texts) {
      if (text.includes(value)) throw new Error(`a secret value leaked into: ${text.slice(0, 300)}`)
    }
  }
}

/** The rejection of a promise (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<SecretsError> {
  try {
    await promise
  } catch (error) {
    return error as SecretsError
  }
  throw new Error('expected a rejection')
}

/**
 * Date.now() plus an offset that tests move forward: TTLs, stale windows and rotation dates
 * are read from Date.now(), while sockets and AbortSignal.timeout keep using real timers.
 */
export interface Clock {
  advance(ms: number): void
  readonly offset: number
  restore(): void
}

export function jumpingClock(): Clock {
  const real = Date.now.bind(Date)
  let offset = 0
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => real() + offset)
  return {
    advance(ms) {
      offset += ms
    },
    get offset() {
      return offset
    },
    restore() {
      spy.mockRestore()
    },
  }
}

/**
 * A middy handler that returns the context it saw (so a test reads what the handler got),
 * counting how many times the handler body ran.
 */
export function contextHandler(mw: middy.MiddlewareObj<any, any, any, any>): {
  run(remainingMs?: number): Promise<Record<string, any>>
  readonly ran: number
} {
  let ran = 0
  const handler = middy()
    .use(mw)
    .handler(async (_event: unknown, context: any) => {
      ran += 1
      return context as Record<string, any>
    })
  return {
    run: (remainingMs = 30_000) => handler({}, lambdaContext(remainingMs) as never) as Promise<Record<string, any>>,
    get ran() {
      return ran
    },
  }
}
