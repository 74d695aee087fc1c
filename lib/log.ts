/**
 * The package's log lines: a short message and a fields object (`{ key, store, resource,
 * operation, code, durationMs, attempt, calls, hits, misses, reason }` as fits), so Powertools'
 * Logger and pino emit searchable JSON and `console` still reads well. The secret's, parameter's or
 * table's name is `resource`: pino and bunyan keep the logger's own name in `name`. Fields hold names, codes and
 * numbers, never a value. Lines below the level are dropped here, so callers need not check, and a
 * logger that throws is contained here, so callers need not guard.
 *
 * pino takes the fields first (`logger.info(fields, message)`), every other logger we know
 * (console, Powertools, winston, bunyan's default) the message first.
 */
import type { Logger } from './store.js'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'none'] as const
export type Level = (typeof LOG_LEVELS)[number]

export type LogField = string | number | boolean | undefined | readonly string[]
export type LogFields = Readonly<Record<string, LogField>>

type Method = (message: string, fields?: LogFields) => void

export interface PackageLog extends Logger {
  debug: Method
  info: Method
  warn: Method
  error: Method
  /** Whether debug lines are written (to skip building their fields). */
  readonly debugEnabled: boolean
}

const PINO = Symbol.for('pino.serializers')
const PREFIX = 'middy-secrets: '

/** Is `value` a log level name? */
export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)
}

/**
 * `logger` filtered by `level`, every message prefixed (`middy-secrets: `, or `prefix`), the
 * fields passed the way this logger takes them.
 */
export function packageLog(logger: Logger, level: Level, prefix = PREFIX): PackageLog {
  const rank = LOG_LEVELS.indexOf(level)
  const fieldsFirst = typeof logger === 'object' && logger !== null && PINO in logger
  // Lambda's JSON log format (AWS_LAMBDA_LOG_FORMAT=JSON) writes console's arguments, when there
  // are several, as one util.format()ted string: the fields could not be queried. One object
  // argument it writes as JSON, under `message`.
  const oneObject = logger === console && process.env.AWS_LAMBDA_LOG_FORMAT === 'JSON'
  const quiet: Method = () => {}
  const at = (method: Exclude<Level, 'none'>): Method => {
    if (LOG_LEVELS.indexOf(method) < rank) return quiet
    return (message, fields) => {
      const text = `${prefix}${message}`
      // A logger that throws loses its line, never an invocation, a retry, the handler's own
      // error, or (from a prefetch nobody awaits) the process.
      try {
        let result: unknown
        if (fields === undefined) result = logger[method](text)
        else if (oneObject) result = logger[method]({ message: text, ...fields } as unknown as string)
        else if (fieldsFirst) result = (logger[method] as unknown as (this: Logger, fields: LogFields, message: string) => unknown).call(logger, fields, text)
        else result = logger[method](text, fields)
        // An async logger (one that ships its lines) may reject: an unhandled rejection would end the environment.
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') (result as PromiseLike<unknown>).then(undefined, () => undefined)
      } catch {
        // Nowhere to report it: the logger is the report.
      }
    }
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), debugEnabled: rank === 0 }
}

/** A log that writes nothing (stores called outside a middleware). */
export const silentLog: PackageLog = packageLog(console, 'none')
