/**
 * AppConfigData's configuration sessions, as one server keeps them: each token is good for one
 * call, for 24 hours, and not before the session's poll interval has passed since the token was
 * issued; a session remembers the version it last answered with, so that an unchanged
 * configuration is answered empty. Times are the server clock's, so a test moves them with
 * `setClockOffset`.
 */
import { randomBytes } from 'node:crypto'
import type { AppConfigTarget } from '../appconfig-model.js'
import { ModelError } from '../model-error.js'

/** How long a token stays valid. */
const TOKEN_LIFETIME_MS = 24 * 3_600_000

export interface Session {
  readonly target: AppConfigTarget
  /** `application/environment/profile` as StartConfigurationSession named them (names or ids). */
  readonly names: string
  readonly pollIntervalSeconds: number
  /** The version number of the last configuration answered; undefined before the first answer. */
  lastVersion?: number
}

interface IssuedToken {
  readonly session: Session
  readonly issuedAt: number
  /** Polling before this time is too early. */
  readonly notBefore: number
  used: boolean
}

type Problem = 'Corrupted' | 'Expired' | 'PollIntervalNotSatisfied'

/** AppConfigData's BadRequestException for a token, with the Reason and Details its shape has. */
function badToken(problem: Problem, message: string): ModelError {
  return new ModelError('BadRequestException', message, 400, {
    Reason: 'InvalidParameters',
    Details: { InvalidParameters: { ConfigurationToken: { Problem: problem } } },
  })
}

export class ConfigurationSessions {
  private readonly tokens = new Map<string, IssuedToken>()

  /** A new session; its initial token can be used at once. */
  start(target: AppConfigTarget, names: string, pollIntervalSeconds: number, now: number): string {
    return this.issue({ target, names, pollIntervalSeconds }, now, now)
  }

  /**
   * The session a token belongs to, spending the token; or the BadRequestException AWS answers
   * for a token it does not know, one already used or expired, or one used too early (that one
   * stays good for a later call).
   */
  redeem(token: string, now: number): Session {
    const issued = this.tokens.get(token)
    if (!issued) throw badToken('Corrupted', 'The configuration token is not valid.')
    if (issued.used) throw badToken('Expired', 'The configuration token has already been used.')
    if (now - issued.issuedAt > TOKEN_LIFETIME_MS) throw badToken('Expired', 'The configuration token has expired.')
    if (now < issued.notBefore) throw badToken('PollIntervalNotSatisfied', 'Request too early')
    issued.used = true
    return issued.session
  }

  /** The token for the session's next poll, good once the poll interval has passed. */
  next(session: Session, now: number): string {
    return this.issue(session, now, now + session.pollIntervalSeconds * 1000)
  }

  /** Which `application/environment/profile` a token's session reads (for the call log); never throws. */
  static names(token: string): string | undefined {
    try {
      const names: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'))
      return typeof names === 'string' ? names : undefined
    } catch {
      return undefined
    }
  }

  private issue(session: Session, now: number, notBefore: number): string {
    // Opaque to clients, as AWS's are; the names in it let the call log and faults name the session.
    const names = Buffer.from(JSON.stringify(session.names)).toString('base64url')
    const token = `${names}.${randomBytes(24).toString('base64url')}`
    this.tokens.set(token, { session, issuedAt: now, notBefore, used: false })
    return token
  }
}
