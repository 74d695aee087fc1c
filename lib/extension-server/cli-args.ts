/**
 * The `middy-secrets serve` command line, parsed and checked without side effects so it can be
 * tested directly:
 *
 *   middy-secrets serve --file secrets.json [--port 2773] [--appconfig-port 2772] [--token T]
 *   middy-secrets serve --aws [--region eu-west-1] [--port 2773] [--appconfig-port 2772] [--token T]
 *
 * The token is --token, else AWS_SESSION_TOKEN (what AWS's samples send), else a random one.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { RULES, type Env } from '../env-vars.js'

export const USAGE = `Usage:
  middy-secrets serve --file secrets.json [--port 2773] [--appconfig-port 2772] [--token TOKEN]
  middy-secrets serve --aws [--region REGION] [--port 2773] [--appconfig-port 2772] [--token TOKEN]

Serves the HTTP interfaces of the AWS Parameters and Secrets Lambda Extension and of the AWS
AppConfig Lambda extension (its own port) on 127.0.0.1, from a JSON file or from AWS with the
default credential chain. The file:

  { "secrets": {
      "prod/api": "text",
      "prod/cert": { "binary": "<base64>" },
      "prod/db": { "versions": [
        { "value": "{...}", "stages": ["AWSPREVIOUS"] },
        { "value": "{...}", "stages": ["AWSCURRENT"], "id": "optional-version-id" },
        { "binary": "<base64>", "stages": ["AWSPENDING"] } ] } },
    "parameters": { "/prod/url": "https://...", "/prod/key": { "value": "k", "type": "SecureString" } },
    "appConfig": { "shop/prod/settings": "{...JSON...}",
      "shop/prod/banner": { "content": "Sale!", "contentType": "text/plain" } } }

It is reloaded when it changes: to rehearse a rotation, move AWSCURRENT to a new version and
AWSPREVIOUS to the old one, and save. Answers cached before a change live out their TTL, as the
extension's do: set SECRETS_MANAGER_TTL=0 (and SSM_PARAMETER_STORE_TTL=0) while rehearsing; a
configuration is polled again after AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS (45; 0 = every
request).

Honours PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, _CACHE_ENABLED, _CACHE_SIZE, _MAX_CONNECTIONS,
_LOG_LEVEL, SECRETS_MANAGER_TTL, SSM_PARAMETER_STORE_TTL, SECRETS_MANAGER_TIMEOUT_MILLIS and
SSM_PARAMETER_STORE_TIMEOUT_MILLIS as the extension does, and AWS_APPCONFIG_EXTENSION_HTTP_PORT,
_POLL_INTERVAL_SECONDS, _POLL_TIMEOUT_MILLIS and _MAX_CONNECTIONS as the AppConfig extension
does. Clients send the token in X-Aws-Parameters-Secrets-Token (default: $AWS_SESSION_TOKEN);
the AppConfig interface takes none. Stops on Ctrl-C, SIGTERM or SIGHUP, and when the process
that started it (npx) exits.`

export type ServeSource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'aws'; readonly region?: string }

export interface ServeCommand {
  readonly command: 'serve'
  readonly source: ServeSource
  /** Undefined: the server reads PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, else 2773. */
  readonly port?: number
  /** The AppConfig interface's port. Undefined: AWS_APPCONFIG_EXTENSION_HTTP_PORT, else 2772. */
  readonly appConfigPort?: number
  readonly token: string
  /** Where the token came from; `generated` tokens must be shown to the user, the others not. */
  readonly tokenFrom: 'option' | 'env' | 'generated'
  /**
   * The shell holds AWS keys (AWS_ACCESS_KEY_ID): an AWS_SESSION_TOKEN exported there would make
   * the SDKs and the CLI send the extension's token with those keys, and fail.
   */
  readonly shellAwsKeys?: boolean
}

export type CliCommand = { readonly command: 'help' } | ServeCommand

/** A command line that cannot run; the message says why, `USAGE` says how. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError'
}

export function parseCliArgs(argv: readonly string[], env: Env = process.env, newToken: () => string = randomToken): CliCommand {
  const { values, positionals } = parse(argv)
  if (values.help || argv.length === 0) return { command: 'help' }
  // Options without the command (`middy-secrets --file secrets.json`): a script must not see success while nothing listens.
  if (positionals.length === 0) throw new CliUsageError("no command; to run the stand-in, put 'serve' before the options")
  if (positionals[0] !== 'serve' || positionals.length > 1) throw new CliUsageError(`unknown command '${positionals.join(' ')}'; the command is 'serve'`)
  const from = source(values)
  return {
    command: 'serve',
    source: from,
    port: values.port === undefined ? undefined : port('--port', values.port),
    ...(values['appconfig-port'] === undefined ? {} : { appConfigPort: port('--appconfig-port', values['appconfig-port']) }),
    ...token(values.token, env, newToken),
    shellAwsKeys: Boolean(env.AWS_ACCESS_KEY_ID),
  }
}

function parse(argv: readonly string[]) {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: {
        file: { type: 'string', short: 'f' },
        aws: { type: 'boolean' },
        region: { type: 'string' },
        port: { type: 'string', short: 'p' },
        'appconfig-port': { type: 'string' },
        token: { type: 'string', short: 't' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error))
  }
  // parseArgs keeps the last of an option given twice: `--file a.json --file b.json` would serve b silently.
  // (A flag given twice says the same thing twice.)
  const given = new Set<string>()
  for (const t of parsed.tokens) {
    if (t.kind !== 'option' || t.value === undefined) continue
    if (given.has(t.name)) throw new CliUsageError(`--${t.name} is given twice; give it once`)
    given.add(t.name)
  }
  return parsed
}

function source(values: { file?: string; aws?: boolean; region?: string }): ServeSource {
  if (values.file !== undefined && values.aws) throw new CliUsageError('choose one of --file and --aws, not both')
  if (values.file !== undefined) {
    if (values.region !== undefined) throw new CliUsageError('--region only applies to --aws')
    if (values.file === '') throw new CliUsageError('--file needs a path')
    return { kind: 'file', path: values.file }
  }
  if (values.aws) return values.region === undefined ? { kind: 'aws' } : { kind: 'aws', region: values.region }
  throw new CliUsageError('say where values come from: --file secrets.json or --aws')
}

function port(option: string, text: string): number {
  // Checked here, not with checkInteger: its ConfigError message is worded (and prefixed) for options.
  const max = RULES.port.max
  if (!/^\d+$/.test(text) || Number(text) > max) throw new CliUsageError(`${option} is '${text}': expected an integer from 0 to ${max}`)
  return Number(text)
}

function token(option: string | undefined, env: Env, newToken: () => string): Pick<ServeCommand, 'token' | 'tokenFrom'> {
  if (option !== undefined) {
    if (option === '') throw new CliUsageError('--token cannot be empty')
    return { token: option, tokenFrom: 'option' }
  }
  if (env.AWS_SESSION_TOKEN) return { token: env.AWS_SESSION_TOKEN, tokenFrom: 'env' }
  return { token: newToken(), tokenFrom: 'generated' }
}

function randomToken(): string {
  return randomBytes(24).toString('base64url')
}
