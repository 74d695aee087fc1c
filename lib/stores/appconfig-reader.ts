/**
 * What the AppConfig store does on its first fetch and after (./appconfig.ts makes the
 * connection): each `appConfig` request reads one deployed configuration through an
 * AppConfigData session (appconfig-session.ts), one session per configuration and poll interval,
 * the most recently read ones kept (see sessionFor).
 */
import { cache } from '../cache/cache.js'
import { storeError } from '../classify.js'
import type { Store, StoreRequest, StoreResult } from '../store.js'
import { configurationSession, type ConfigurationSession, type SessionTarget } from './appconfig-session.js'
import type { Connection } from './connection.js'

/** AWS's range for RequiredMinimumPollIntervalInSeconds. */
const MIN_POLL_SECONDS = 15
const MAX_POLL_SECONDS = 86_400

/** The request's interval within AWS's range (a whole number of seconds); absent: AWS's default. */
function pollIntervalSeconds(request: StoreRequest): number | undefined {
  const asked = request.minPollIntervalSeconds
  if (asked === undefined || Number.isNaN(asked)) return undefined
  return Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, Math.ceil(asked)))
}

/** The request's application, environment and profile, or else its name split in three (as the memory store reads it). */
function sessionTarget(request: StoreRequest): SessionTarget | undefined {
  const { application, environment, profile } = request
  const parts = application !== undefined && environment !== undefined && profile !== undefined ? [application, environment, profile] : request.name.split('/')
  if (parts.length !== 3 || parts.some((part) => part === '')) return undefined
  const [app, env, prof] = parts as [string, string, string]
  return { application: app, environment: env, profile: prof, pollIntervalSeconds: pollIntervalSeconds(request) }
}

export function appConfigReader(appConfig: Connection): Store {
  const sessions = new Map<string, ConfigurationSession>()

  function sessionFor(target: SessionTarget): ConfigurationSession {
    // A session's poll interval is fixed when it starts: another interval is another session.
    const key = JSON.stringify([target.application, target.environment, target.profile, target.pollIntervalSeconds])
    let session = sessions.get(key)
    if (session) sessions.delete(key) // set again below: the Map's order is least recently read first
    else {
      // Each session keeps its last configuration (what an "unchanged" answer serves): kept for
      // every configuration ever read, they would hold more values than the cache may (maxEntries).
      // So no more sessions than the cache holds entries; a dropped one costs one
      // StartConfigurationSession when read again (its first answer is the whole configuration).
      // A read still under way on a dropped session ends on it, unaffected.
      for (const oldest of sessions.keys()) {
        if (sessions.size < cache.max) break
        sessions.delete(oldest)
      }
      session = configurationSession(appConfig, target)
    }
    sessions.set(key, session)
    return session
  }

  return {
    name: 'appConfig',
    fetch(requests, fetchOptions) {
      return Promise.all(
        requests.map((request): Promise<StoreResult> | StoreResult => {
          const target = sessionTarget(request)
          if (!target) {
            const message = 'An AppConfig request names application/environment/profile.'
            return { ok: false, error: storeError({ code: 'BadRequestException', message, operation: 'StartConfigurationSession' }) }
          }
          return sessionFor(target).read(fetchOptions)
        }),
      )
    },
  }
}
