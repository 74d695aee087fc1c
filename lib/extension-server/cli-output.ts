/**
 * Every line `middy-secrets serve` prints to its user goes through here: the one place that
 * decides the `middy-secrets:` prefix. Messages from the library (ConfigError, the server's
 * listen error) already start with it, so it is taken off before it is put back, once.
 */
export const PREFIX = 'middy-secrets:'

const LEADING_PREFIXES = /^(?:middy-secrets:\s*)+/

export function cliLine(message: string): string {
  return `${PREFIX} ${message.replace(LEADING_PREFIXES, '')}`
}

/** Our errors name files, options, ports and keys, never values: their message is safe to print. */
export function cliErrorLine(error: unknown): string {
  return cliLine(error instanceof Error ? error.message : String(error))
}
