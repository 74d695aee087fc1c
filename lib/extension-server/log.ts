/**
 * The server's logger: the package's leveled logger (lib/log.ts) filtered by the extension's log
 * level (PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: debug, info, warn, error, none), with the
 * server's own prefix. Callers pass names, paths and statuses only; nothing here sees a value.
 */
import type { ExtensionLogLevel } from '../env-vars.js'
import { packageLog, type PackageLog } from '../log.js'
import type { Logger } from '../store.js'

export function levelLogger(logger: Logger, level: ExtensionLogLevel): PackageLog {
  return packageLog(logger, level, '[middy-secrets extension] ')
}
