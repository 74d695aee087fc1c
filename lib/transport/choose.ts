/**
 * Which transport serves a service: the lean one when it can do exactly what the SDK would with
 * the same settings, the SDK otherwise. Lean needs static credentials (the environment's, as
 * Lambda sets them, or a plain object in clientOptions), a region, and an endpoint it can
 * resolve (endpoint.ts). Everything else the SDK can be told (credential provider functions,
 * profiles, a request handler, options this file does not know) selects the SDK, with a short
 * reason for a debug log line. A shared config file (~/.aws/config, ~/.aws/credentials), which the SDK reads
 * unasked, selects the SDK; Lambda has none.
 */
import type { Env } from '../env-vars.js'
import { ConfigError } from '../errors.js'
import type * as Fs from 'node:fs'
import { resolveEndpoint } from './endpoint.js'
import { getBuiltin } from './runtime.js'
import type { AwsService } from './transport.js'

export type { Env }

export interface StaticCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

/** What the lean transport needs. `credentials` is not enumerable: logging the config never shows it. */
export interface HttpsConfig {
  readonly service: AwsService
  readonly region: string
  /** The endpoint URL (href), e.g. `https://ssm.eu-west-1.amazonaws.com/` or a custom one. */
  readonly endpoint: string
  readonly credentials: StaticCredentials
  /** Initial signing clock offset in ms (clientOptions.systemClockOffset, else 0). */
  readonly systemClockOffset: number
}

/** `awsEndpoint`: the lean transport calls AWS itself (its regional endpoint), not an endpoint the user configured. */
export type Choice = { readonly kind: 'https'; readonly config: HttpsConfig; readonly awsEndpoint: boolean } | { readonly kind: 'sdk'; readonly reason: string }

/** clientOptions keys the lean transport honours. */
const HONOURED = new Set(['region', 'endpoint', 'credentials', 'useFipsEndpoint', 'useDualstackEndpoint', 'systemClockOffset'])

/**
 * clientOptions keys it can ignore without changing what is fetched: the package has its own
 * retry layer (the SDK gets maxAttempts 1 anyway), and logging and user agents do not change an
 * answer.
 */
const IGNORED = new Set(['maxAttempts', 'retryMode', 'logger', 'customUserAgent', 'userAgentAppId'])

/** Members of a static credentials object the SDK accepts; `$source` is the SDK's own marker. */
const CREDENTIAL_KEYS = new Set(['accessKeyId', 'secretAccessKey', 'sessionToken', 'expiration', 'credentialScope', 'accountId', '$source'])

type Step<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string }

const ok = <T>(value: T): Step<T> => ({ ok: true, value })
const no = (reason: string): { ok: false; reason: string } => ({ ok: false, reason })

/**
 * `forced: 'https'` with settings it cannot honour throws a ConfigError naming what; `client`
 * is an SDK client the user gave (always the SDK).
 */
export function choose(service: AwsService, clientOptions: Readonly<Record<string, unknown>> | undefined, env: Env, forced?: 'sdk' | 'https', client?: unknown): Choice {
  if (forced === 'sdk') return { kind: 'sdk', reason: 'the sdk transport was asked for' }
  const result = client !== undefined ? no('an SDK client was given') : httpsConfig(service, clientOptions ?? {}, env)
  if (result.ok) return { kind: 'https', ...result.value }
  if (forced === 'https') throw new ConfigError('transport', `'https' cannot serve ${service}: ${result.reason}`)
  return { kind: 'sdk', reason: result.reason }
}

function httpsConfig(service: AwsService, options: Readonly<Record<string, unknown>>, env: Env): Step<{ config: HttpsConfig; awsEndpoint: boolean }> {
  const unknown = Object.keys(options).find((key) => options[key] !== undefined && !HONOURED.has(key) && !IGNORED.has(key))
  if (unknown !== undefined) return no(`clientOptions.${unknown} is an SDK option the https transport does not implement`)
  if (env.AWS_PROFILE) return no('AWS_PROFILE is set (profiles, SSO and process credentials are the SDK\'s)')
  for (const variable of ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) if (env[variable]) return no(`${variable} is set (shared config files are read by the SDK only)`)
  const sharedConfig = sharedConfigFile(env)
  if (sharedConfig !== undefined) return no(`${sharedConfig} exists (its region, endpoint and FIPS settings are read by the SDK only)`)

  const credentials = credentialsFrom(options.credentials, env)
  if (!credentials.ok) return credentials
  const region = regionFrom(options.region, env)
  if (!region.ok) return region
  const fips = flag(options.useFipsEndpoint, 'useFipsEndpoint', env, 'AWS_USE_FIPS_ENDPOINT')
  if (!fips.ok) return fips
  const dualStack = flag(options.useDualstackEndpoint, 'useDualstackEndpoint', env, 'AWS_USE_DUALSTACK_ENDPOINT')
  if (!dualStack.ok) return dualStack
  const ignoreEnvEndpoints = flag(undefined, '', env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS')
  if (!ignoreEnvEndpoints.ok) return ignoreEnvEndpoints
  const offset = options.systemClockOffset ?? 0
  if (typeof offset !== 'number' || !Number.isFinite(offset)) return no('clientOptions.systemClockOffset is not a number')

  const endpoint = resolveEndpoint(
    service,
    { region: region.value, endpoint: options.endpoint, fips: fips.value, dualStack: dualStack.value, ignoreConfiguredEndpointUrls: ignoreEnvEndpoints.value },
    env,
  )
  if (!endpoint.ok) return endpoint
  const account = endpoint.regional && !fips.value ? accountEndpoint(service, options.credentials, env) : undefined
  if (account !== undefined) return no(account)
  const config = { service, region: region.value, endpoint: endpoint.url, systemClockOffset: offset }
  Object.defineProperty(config, 'credentials', { value: Object.freeze({ ...credentials.value }), enumerable: false })
  return ok({ config: Object.freeze(config as typeof config & { credentials: StaticCredentials }), awsEndpoint: endpoint.regional })
}

/**
 * The SDK reads the shared config files unasked: the [default] profile's region, endpoint_url,
 * use_fips_endpoint... of ~/.aws/config or ~/.aws/credentials (it merges the two), as on a
 * developer's machine, where the environment's
 * credentials would otherwise pick the lean transport and send elsewhere than the SDK would.
 * Lambda has none: not looked for there. Found with process.getBuiltinModule (an ESM import of
 * node:fs costs a cold start 3-4 ms on Node 22); before Node 20.16 it is not looked for.
 */
function sharedConfigFile(env: Env): string | undefined {
  const home = env.HOME || env.USERPROFILE
  if (env.AWS_LAMBDA_FUNCTION_NAME || !home) return undefined
  const fs = getBuiltin<typeof Fs>('node:fs')
  // Both: the SDK reads a profile's settings (region, endpoint_url, use_fips_endpoint) from either.
  const dir = `${home.replace(/[\\/]+$/, '')}/.aws`
  return [`${dir}/config`, `${dir}/credentials`].find((path) => fs?.existsSync(path))
}

function credentialsFrom(given: unknown, env: Env): Step<StaticCredentials> {
  if (given === undefined) {
    const accessKeyId = env.AWS_ACCESS_KEY_ID
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
    if (!accessKeyId || !secretAccessKey) return no('no credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)')
    return ok(env.AWS_SESSION_TOKEN ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } : { accessKeyId, secretAccessKey })
  }
  if (typeof given === 'function') return no('clientOptions.credentials is a provider function')
  if (typeof given !== 'object' || given === null) return no('clientOptions.credentials is not an object')
  const c = given as Record<string, unknown>
  const extra = Object.keys(c).find((key) => !CREDENTIAL_KEYS.has(key))
  if (extra !== undefined) return no(`clientOptions.credentials.${extra} is not a static credentials member`)
  const { accessKeyId, secretAccessKey, sessionToken } = c
  if (typeof accessKeyId !== 'string' || !accessKeyId || typeof secretAccessKey !== 'string' || !secretAccessKey) {
    return no('clientOptions.credentials lacks accessKeyId or secretAccessKey')
  }
  if (sessionToken !== undefined && typeof sessionToken !== 'string') return no('clientOptions.credentials.sessionToken is not a string')
  return ok(sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey })
}

/**
 * DynamoDB's SDK client sends to an account-based endpoint (`{account}.ddb.{region}...`) when it
 * knows the account: the credentials' accountId, or AWS_ACCOUNT_ID with the environment's
 * credentials (Lambda sets neither), unless AWS_ACCOUNT_ID_ENDPOINT_MODE is 'disabled'. Those
 * endpoints, and their rules per partition, are the SDK's.
 */
function accountEndpoint(service: AwsService, given: unknown, env: Env): string | undefined {
  if (service !== 'dynamodb') return undefined
  const mode = env.AWS_ACCOUNT_ID_ENDPOINT_MODE
  if (mode === 'disabled') return undefined
  if (mode !== undefined && mode !== 'preferred') return "AWS_ACCOUNT_ID_ENDPOINT_MODE is neither 'preferred' nor 'disabled' (DynamoDB's account-based endpoints are the SDK's)"
  const accountId = given === undefined ? env.AWS_ACCOUNT_ID : (given as { readonly accountId?: unknown }).accountId
  return accountId ? "the account is known (credentials.accountId or AWS_ACCOUNT_ID): DynamoDB's account-based endpoint is the SDK's" : undefined
}

/**
 * clientOptions.region, else AWS_REGION, as the JS SDK v3 reads them. Not AWS_DEFAULT_REGION
 * (Lambda sets both; the SDK reads only AWS_REGION): a function that ran on the lean transport
 * with it alone would fail with RegionMissing once it needed the SDK (a capture, `transport: 'sdk'`).
 */
function regionFrom(given: unknown, env: Env): Step<string> {
  if (given !== undefined) return typeof given === 'string' && given ? ok(given) : no('clientOptions.region is not a string')
  if (env.AWS_REGION) return ok(env.AWS_REGION)
  return no(env.AWS_DEFAULT_REGION ? 'AWS_DEFAULT_REGION is set but not AWS_REGION, which the SDK reads' : 'no region (clientOptions.region or AWS_REGION)')
}

/** A boolean option, else its variable: exactly `true` or `false`, as the SDK reads it (it throws on anything else). */
function flag(given: unknown, option: string, env: Env, variable: string): Step<boolean> {
  if (given !== undefined) return typeof given === 'boolean' ? ok(given) : no(`clientOptions.${option} is not a boolean`)
  const value = env[variable]
  if (value === undefined) return ok(false)
  if (value === 'true' || value === 'false') return ok(value === 'true')
  return no(`${variable} is neither 'true' nor 'false'`)
}
