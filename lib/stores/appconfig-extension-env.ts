/**
 * The AWS AppConfig Lambda extension's environment variables that the AppConfig extension store
 * and the local server read, with AWS's documented defaults. AWS documents no ranges for them:
 * the port is 1-65535, connections at least 1, and the poll interval and timeout may be 0 (the
 * local server's way to poll on every request, or to wait without a bound, while rehearsing).
 */
import type { IntegerRule } from '../env-vars.js'

export const APPCONFIG_ENV = {
  port: 'AWS_APPCONFIG_EXTENSION_HTTP_PORT',
  pollIntervalSeconds: 'AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS',
  pollTimeoutMs: 'AWS_APPCONFIG_EXTENSION_POLL_TIMEOUT_MILLIS',
  maxConnections: 'AWS_APPCONFIG_EXTENSION_MAX_CONNECTIONS',
  logLevel: 'AWS_APPCONFIG_EXTENSION_LOG_LEVEL',
} as const

export const APPCONFIG_RULES = {
  port: { default: 2772, min: 1, max: 65535 },
  pollIntervalSeconds: { default: 45, min: 0 },
  pollTimeoutMs: { default: 3000, min: 0 },
  maxConnections: { default: 3, min: 1 },
} as const satisfies Record<string, IntegerRule>
