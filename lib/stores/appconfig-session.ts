/**
 * One AppConfigData configuration session, as AWS's contract wants it: StartConfigurationSession
 * once, then GetLatestConfiguration with the token the last answer gave (each token is good for
 * one call, for 24 hours, and not before the answer's NextPollIntervalInSeconds). An empty
 * Configuration with no new VersionLabel means "unchanged since this session's last answer": the
 * previous value serves, the same object, so the resolver's memoized transform serves too (empty
 * with a new label is a new, empty configuration). A poll asked before the interval is answered
 * with the previous value and no call (AWS would refuse it), marked with when AWS last answered
 * (`confirmedAt`), so that the cache does not count it as just confirmed; unless the clock was set
 * back past the last poll: then it polls. A token AWS refuses (BadRequestException: expired,
 * spent, or too early) starts a new session, once per read.
 * Reads of one session run one after the other: two at once must not both poll (one of them
 * would spend a token the other holds).
 */
import { storeError } from '../classify.js'
import type { FetchOptions, StoreFailure, StoreResult, StoreValue } from '../store.js'
import { configurationValue, sameConfiguration } from './appconfig-content.js'
import type { Connection } from './connection.js'

/** What StartConfigurationSession is asked for. */
export interface SessionTarget {
  readonly application: string
  readonly environment: string
  readonly profile: string
  /** RequiredMinimumPollIntervalInSeconds, already within AWS's range; absent: AWS's default (60). */
  readonly pollIntervalSeconds?: number
}

export interface ConfigurationSession {
  read(fetchOptions: FetchOptions): Promise<StoreResult>
}

interface StartConfigurationSessionOutput {
  readonly InitialConfigurationToken?: string
}

interface GetLatestConfigurationOutput {
  readonly Configuration?: Uint8Array
  readonly ContentType?: string
  readonly NextPollConfigurationToken?: string
  readonly NextPollIntervalInSeconds?: number
  readonly VersionLabel?: string
}

interface Token {
  readonly value: string
  /** Local time the request that got it was sent: AWS issued it no earlier. */
  readonly issuedAt: number
  /** Local time before which polling with it is too early. */
  readonly notBefore: number
  /** The initial token of a session: its answer is the whole configuration, never "unchanged". */
  readonly initial: boolean
}

/** AWS's token lifetime, less a margin for the request in flight. */
const TOKEN_LIFETIME_MS = 24 * 3_600_000
const TOKEN_MARGIN_MS = 60_000
const DEFAULT_POLL_SECONDS = 60

/** What a session answers: a configuration is text or bytes. */
type ConfigurationValue = StoreValue & { readonly value: string | Uint8Array }

const failure = (error: StoreFailure['error']): StoreFailure => ({ ok: false, error })

export function configurationSession(appConfig: Connection, target: SessionTarget): ConfigurationSession {
  const configuration = `${target.application}/${target.environment}/${target.profile}`
  let token: Token | undefined
  let last: ConfigurationValue | undefined
  /** When the poll that answered or confirmed `last` was sent. */
  let lastPolledAt = 0
  let queue: Promise<unknown> = Promise.resolve()

  /** A new session's initial token, or why there is none (then there is no session). */
  async function start(fetchOptions: FetchOptions): Promise<Token | StoreFailure> {
    token = undefined
    const input = {
      ApplicationIdentifier: target.application,
      EnvironmentIdentifier: target.environment,
      ConfigurationProfileIdentifier: target.profile,
      RequiredMinimumPollIntervalInSeconds: target.pollIntervalSeconds,
    }
    const sentAt = Date.now()
    const result = await appConfig.call<StartConfigurationSessionOutput>('StartConfigurationSession', input, fetchOptions)
    if (!result.ok) return failure(result.error)
    const initial = result.output.InitialConfigurationToken
    if (!initial) {
      return failure(storeError({ code: 'MalformedResponse', message: 'StartConfigurationSession answered no InitialConfigurationToken', operation: 'StartConfigurationSession' }))
    }
    token = { value: initial, issuedAt: sentAt, notBefore: sentAt, initial: true }
    fetchOptions.logger.debug('AppConfig session started', { configuration })
    return token
  }

  async function getLatest(used: Token, fetchOptions: FetchOptions): Promise<StoreResult> {
    const sentAt = Date.now()
    const result = await appConfig.call<GetLatestConfigurationOutput>('GetLatestConfiguration', { ConfigurationToken: used.value }, fetchOptions)
    if (!result.ok) {
      // A session whose first poll failed is dropped whole: the next read starts a new one. A later
      // token is kept: if AWS did not spend it, it still serves; if it did, AWS's BadRequestException
      // starts a new session then.
      if (used.initial) token = undefined
      return failure(result.error)
    }
    const out = result.output
    const receivedAt = Date.now()
    const seconds = out.NextPollIntervalInSeconds ?? target.pollIntervalSeconds ?? DEFAULT_POLL_SECONDS
    token = out.NextPollConfigurationToken ? { value: out.NextPollConfigurationToken, issuedAt: sentAt, notBefore: receivedAt + seconds * 1000, initial: false } : undefined

    const bytes = out.Configuration ?? new Uint8Array(0)
    lastPolledAt = sentAt
    // AWS leaves the label empty when the session already has the latest version (a label is never
    // empty): an empty body labelled anew is a new, empty configuration.
    const newVersion = Boolean(out.VersionLabel) && out.VersionLabel !== last?.versionId
    if (bytes.length === 0 && !used.initial && last && !newVersion) return last
    const value = configurationValue(bytes, out.ContentType)
    // A new session answers the whole configuration again: when it has not changed, the previous value serves.
    if (last && last.versionId === out.VersionLabel && sameConfiguration(last.value, value)) return last
    last = out.VersionLabel === undefined ? { ok: true, value } : { ok: true, value, versionId: out.VersionLabel }
    return last
  }

  async function poll(fetchOptions: FetchOptions): Promise<StoreResult> {
    const now = Date.now()
    // The clock set back past the last poll: notBefore was counted on the old clock, and an answer
    // confirmed "in the future" would pass for fresh. AWS keeps its interval on its own clock: a
    // token it finds too early is refused, and a new session answers (below).
    const clockSetBack = now < lastPolledAt
    if (last && token && now < token.notBefore && !clockSetBack) return { ...last, confirmedAt: lastPolledAt }
    const current = token && now - token.issuedAt < TOKEN_LIFETIME_MS - TOKEN_MARGIN_MS ? token : await start(fetchOptions)
    if ('ok' in current) return current
    const answer = await getLatest(current, fetchOptions)
    // A refused initial token is not the session's age: a new session would be refused too.
    if (answer.ok || answer.error.code !== 'BadRequestException' || current.initial) return answer
    fetchOptions.logger.debug('AppConfig refused the session token; starting a new session', { configuration, code: answer.error.code })
    const restarted = await start(fetchOptions)
    return 'ok' in restarted ? restarted : getLatest(restarted, fetchOptions)
  }

  return {
    read(fetchOptions) {
      const turn = queue.then(() => poll(fetchOptions))
      queue = turn.then(
        () => undefined,
        () => undefined,
      )
      return turn
    },
  }
}
