/**
 * AppConfigData (REST-JSON): StartConfigurationSession and GetLatestConfiguration over the
 * model's deployed configurations, with the session rules of appconfig-sessions.ts. Errors are
 * AppConfigData's shapes: BadRequestException (400, with Reason and Details for tokens),
 * ResourceNotFoundException (404, with ResourceType), ThrottlingException (429),
 * InternalServerException (500).
 */
import { ModelError } from '../model-error.js'
import { ConfigurationSessions } from './appconfig-sessions.js'
import { restJson } from './rest-json.js'
import type { Handler, HandlerContext, ServiceModule } from './service.js'
import { optionalInteger, optionalString, validation, type Input } from './wire.js'

export const APPCONFIG_DATA_OPERATIONS = ['StartConfigurationSession', 'GetLatestConfiguration'] as const

export type AppConfigDataOperation = (typeof APPCONFIG_DATA_OPERATIONS)[number]

/** AWS's range for RequiredMinimumPollIntervalInSeconds, and its default. */
const MIN_POLL_SECONDS = 15
const MAX_POLL_SECONDS = 86_400
const DEFAULT_POLL_SECONDS = 60

function badRequest(message: string): ModelError {
  return new ModelError('BadRequestException', message)
}

/** An identifier member: a name or an id, 1 to 128 characters. */
function identifier(input: Input, field: string): string {
  const value = optionalString(input, field)
  if (value === undefined) throw badRequest(validation(field, 'Member must not be null').message)
  if (value.length < 1 || value.length > 128) throw badRequest(`${field} must have length between 1 and 128.`)
  return value
}

function pollInterval(input: Input): number {
  const seconds = optionalInteger(input, 'RequiredMinimumPollIntervalInSeconds') ?? DEFAULT_POLL_SECONDS
  if (seconds < MIN_POLL_SECONDS || seconds > MAX_POLL_SECONDS) {
    throw badRequest(`RequiredMinimumPollIntervalInSeconds must be between ${MIN_POLL_SECONDS} and ${MAX_POLL_SECONDS}.`)
  }
  return seconds
}

function sessions(ctx: HandlerContext): ConfigurationSessions {
  return ctx.state(() => new ConfigurationSessions())
}

/** `application/environment/profile` as the request names them. */
function sessionNames(input: Input): string {
  const part = (field: string): string => (typeof input[field] === 'string' ? (input[field] as string) : '')
  return `${part('ApplicationIdentifier')}/${part('EnvironmentIdentifier')}/${part('ConfigurationProfileIdentifier')}`
}

const startConfigurationSession: Handler = (input, ctx) => {
  const application = identifier(input, 'ApplicationIdentifier')
  const environment = identifier(input, 'EnvironmentIdentifier')
  const profile = identifier(input, 'ConfigurationProfileIdentifier')
  const seconds = pollInterval(input)
  const target = ctx.model.appConfig.resolve(application, environment, profile)
  return { InitialConfigurationToken: sessions(ctx).start(target, sessionNames(input), seconds, ctx.now()) }
}

/** The deployed configuration, or nothing when the session already answered with this version. */
const getLatestConfiguration: Handler = (input, ctx) => {
  const token = optionalString(input, 'ConfigurationToken')
  if (token === undefined) throw badRequest(validation('ConfigurationToken', 'Member must not be null').message)
  const now = ctx.now()
  const session = sessions(ctx).redeem(token, now)
  const { application, environment, profile } = session.target
  const { version } = ctx.model.appConfig.deployed(application.id, environment.id, profile.id)
  const changed = session.lastVersion !== version.versionNumber
  session.lastVersion = version.versionNumber
  return {
    NextPollConfigurationToken: sessions(ctx).next(session, now),
    NextPollIntervalInSeconds: session.pollIntervalSeconds,
    ContentType: version.contentType,
    Configuration: changed ? version.content : new Uint8Array(0),
    VersionLabel: changed ? version.versionLabel : undefined,
  }
}

export const appConfigData: ServiceModule<AppConfigDataOperation> = {
  name: 'appconfig',
  protocol: restJson({
    StartConfigurationSession: { method: 'POST', path: '/configurationsessions', status: 201 },
    GetLatestConfiguration: {
      method: 'GET',
      path: '/configuration',
      status: 200,
      query: { configuration_token: 'ConfigurationToken' },
      headers: {
        NextPollConfigurationToken: 'Next-Poll-Configuration-Token',
        NextPollIntervalInSeconds: 'Next-Poll-Interval-In-Seconds',
        ContentType: 'Content-Type',
        VersionLabel: 'Version-Label',
      },
      payload: 'Configuration',
    },
  }),
  operations: APPCONFIG_DATA_OPERATIONS,
  handlers: { StartConfigurationSession: startConfigurationSession, GetLatestConfiguration: getLatestConfiguration },
  messageField: 'Message',
  internalErrorCode: 'InternalServerException',
  throttleError: { code: 'ThrottlingException', message: 'Rate exceeded', status: 429 },
  // REST services answer authorization failures with 403, as AWS's front end does for them.
  errorStatus: { AccessDeniedException: 403, InvalidSignatureException: 403, ResourceNotFoundException: 404, ThrottlingException: 429, InternalServerException: 500 },
  perEntryOperations: [],
  requestNames(operation, input) {
    if (operation === 'StartConfigurationSession') return [sessionNames(input)]
    const names = typeof input.ConfigurationToken === 'string' ? ConfigurationSessions.names(input.ConfigurationToken) : undefined
    return names === undefined ? [] : [names]
  },
  /** One spelling for names and ids: the three ids. */
  canonicalId(model, id) {
    const [application = '', environment = '', profile = '', ...rest] = id.split('/')
    if (rest.length > 0) return id
    try {
      const target = model.appConfig.resolve(application, environment, profile)
      return `${target.application.id}/${target.environment.id}/${target.profile.id}`
    } catch {
      return id
    }
  },
}
