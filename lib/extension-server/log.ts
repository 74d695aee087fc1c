/**
 * The server's logger: a console-compatible logger filtered by the extension's log level
 * (PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: debug, info, warn, error, none). Callers pass names,
 * paths and statuses only; nothing here ever sees a value.
 */
import type { Logger } from '../store.js'
import type { ExtensionLogLevel } from '../env-vars.js'

const ORDER: Record<ExtensionLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, none: 4 }
const PREFIX = '[middy-secrets extension]'

export function levelLogger(logger: Logger, level: ExtensionLogLevel): Logger {
  const on = (at: ExtensionLogLevel): boolean => ORDER[at] >= ORDER[level] && level !== 'none'
  return {
    debug: (message, ...details) => on('debug') && logger.debug(`${PREFIX} ${message}`, ...details),
    info: (message, ...details) => on('info') && logger.info(`${PREFIX} ${message}`, ...details),
    warn: (message, ...details) => on('warn') && logger.warn(`${PREFIX} ${message}`, ...details),
    error: (message, ...details) => on('error') && logger.error(`${PREFIX} ${message}`, ...details),
  }
}
