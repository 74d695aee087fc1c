/**
 * The version numbers of `serve --file` configurations across reloads. Each reload builds a new
 * model from the file; without this, every configuration would be version 1 again. Here a
 * configuration keeps its version while its entry is unchanged and gets the next one when it
 * changes, as a new deployment in AppConfig does, so Configuration-Version moves with the
 * content. One that leaves the file and comes back continues its numbering.
 */
import type { ConfigurationSeed } from '../testing/model.js'
import type { SeedConfigurations } from './seed-appconfig.js'

export interface NumberedConfiguration {
  readonly version: number
  readonly entry: ConfigurationSeed
}

/** `application/environment/profile` -> its latest entry and version number. */
export type ConfigurationVersions = ReadonlyMap<string, NumberedConfiguration>

/** The versions after reading `seed`; `previous` is left as it is (the file may yet fail to build). */
export function nextVersions(previous: ConfigurationVersions, seed: SeedConfigurations): ConfigurationVersions {
  const next = new Map(previous)
  for (const [key, entry] of Object.entries(seed)) {
    const known = previous.get(key)
    if (known === undefined || fingerprint(known.entry) !== fingerprint(entry)) next.set(key, { version: (known?.version ?? 0) + 1, entry })
  }
  return next
}

function fingerprint(entry: ConfigurationSeed): string {
  const { content, contentType } = typeof entry === 'string' ? { content: entry, contentType: undefined } : entry
  const body = typeof content === 'string' ? `s:${content}` : `b:${Buffer.from(content).toString('base64')}`
  return JSON.stringify([body, contentType ?? 'application/json'])
}
