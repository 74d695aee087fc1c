/**
 * The line `serve --file` prints after each reload. The server's caches keep the extensions'
 * semantics: an answer cached before the change lives out its TTL, and a configuration is polled
 * again only once its poll interval has passed, as the real extensions' would after a change in
 * AWS, so the line says how long that is and how to shorten it.
 */
import type { ExtensionSettings } from '../env-vars.js'
import { ENV } from '../env-vars.js'
import { APPCONFIG_ENV } from '../stores/appconfig-extension-env.js'
import { cliLine } from './cli-output.js'
import type { ReloadOutcome, SeedCounts } from './file-source.js'

export type CacheSettings = Pick<ExtensionSettings, 'cacheEnabled' | 'cacheSize' | 'secretsTtl' | 'ssmTtl'> & {
  /** The AppConfig interface's poll interval (seconds), when it is served. */
  readonly appConfigPollSeconds?: number
}

export interface ReloadReport {
  readonly stream: 'stdout' | 'stderr'
  readonly line: string
}

/** Undefined when there is nothing to say (the file was saved unchanged). */
export function reloadReport(path: string, outcome: ReloadOutcome, cache: CacheSettings): ReloadReport | undefined {
  if (outcome.kind === 'unchanged') return undefined
  if (outcome.kind === 'failed') return { stream: 'stderr', line: cliLine(`${outcome.message} (still serving the previous contents)`) }
  return { stream: 'stdout', line: cliLine(`reloaded ${path}: ${describeCounts(outcome.counts)}; ${cacheNote(cache, outcome.counts)}`) }
}

/** Configurations are named only when the file has some: a file of secrets reads as before. */
export function describeCounts(counts: SeedCounts): string {
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`
  const configurations = counts.configurations > 0 ? `, ${plural(counts.configurations, 'configuration')}` : ''
  return `${plural(counts.secrets, 'secret')}, ${plural(counts.parameters, 'parameter')}${configurations}`
}

function cacheNote(cache: CacheSettings, counts: SeedCounts): string {
  const cached = cache.cacheEnabled && cache.cacheSize > 0
  const polled = counts.configurations > 0 && (cache.appConfigPollSeconds ?? 0) > 0
  const ttls = [
    cached && cache.secretsTtl > 0 ? `${ENV.secretsTtl} (${cache.secretsTtl} s)` : undefined,
    cached && cache.ssmTtl > 0 ? `${ENV.ssmTtl} (${cache.ssmTtl} s)` : undefined,
    polled ? `${APPCONFIG_ENV.pollIntervalSeconds} (${cache.appConfigPollSeconds} s)` : undefined,
  ].filter((ttl) => ttl !== undefined)
  if (ttls.length === 0) return 'nothing is cached, so the next request sees the change'
  const them = ttls.length === 1 ? 'it' : 'them'
  const list = ttls.length === 1 ? ttls[0] : `${ttls.slice(0, -1).join(', ')} and ${ttls.at(-1)}`
  return `answers cached before the change expire after ${list}; set ${them} to 0 while rehearsing`
}
