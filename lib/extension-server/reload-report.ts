/**
 * The line `serve --file` prints after each reload. The server's cache keeps the extension's
 * semantics: an answer cached before the change lives out its TTL, as the real extension's
 * would after a change in AWS, so the line says how long that is and how to shorten it.
 */
import type { ExtensionSettings } from '../env-vars.js'
import { ENV } from '../env-vars.js'
import { cliLine } from './cli-output.js'
import type { ReloadOutcome, SeedCounts } from './file-source.js'

export type CacheSettings = Pick<ExtensionSettings, 'cacheEnabled' | 'cacheSize' | 'secretsTtl' | 'ssmTtl'>

export interface ReloadReport {
  readonly stream: 'stdout' | 'stderr'
  readonly line: string
}

/** Undefined when there is nothing to say (the file was saved unchanged). */
export function reloadReport(path: string, outcome: ReloadOutcome, cache: CacheSettings): ReloadReport | undefined {
  if (outcome.kind === 'unchanged') return undefined
  if (outcome.kind === 'failed') return { stream: 'stderr', line: cliLine(`${outcome.message} (still serving the previous contents)`) }
  return { stream: 'stdout', line: cliLine(`reloaded ${path}: ${describeCounts(outcome.counts)}; ${cacheNote(cache)}`) }
}

export function describeCounts(counts: SeedCounts): string {
  return `${counts.secrets} secret${counts.secrets === 1 ? '' : 's'}, ${counts.parameters} parameter${counts.parameters === 1 ? '' : 's'}`
}

function cacheNote(cache: CacheSettings): string {
  const cached = cache.cacheEnabled && cache.cacheSize > 0
  const ttls = [
    cached && cache.secretsTtl > 0 ? `${ENV.secretsTtl} (${cache.secretsTtl} s)` : undefined,
    cached && cache.ssmTtl > 0 ? `${ENV.ssmTtl} (${cache.ssmTtl} s)` : undefined,
  ].filter((ttl) => ttl !== undefined)
  if (ttls.length === 0) return 'nothing is cached, so the next request sees the change'
  const them = ttls.length === 1 ? 'it' : 'them'
  return `answers cached before the change expire after ${ttls.join(' and ')}; set ${them} to 0 while rehearsing`
}
