/**
 * What `middy-secrets serve` prints once it listens: where, from what, and curl commands in
 * AWS's documented request formats. Names only; never a value, and never a token the user did
 * not ask to see (a token from the environment is shown as $AWS_SESSION_TOKEN).
 */
import type { ServeCommand } from './cli-args.js'
import { cliLine } from './cli-output.js'
import { ENV } from '../env-vars.js'
import { PARAMETERS_PATH, SECRETS_PATH, TOKEN_HEADER, configurationPath } from '../extension-protocol.js'
import { APPCONFIG_ENV, APPCONFIG_RULES } from '../stores/appconfig-extension-env.js'

export interface BannerInput {
  readonly url: string
  readonly command: ServeCommand
  /** A secret and a parameter name to use in the examples, if the source knows some. */
  readonly exampleSecret?: string
  readonly exampleParameter?: string
  /** e.g. `secrets.json: 2 secrets, 3 parameters`. */
  readonly sourceLine: string
  /** Where the AppConfig interface listens, when it is served. */
  readonly appConfigUrl?: string
  /** `application/environment/profile` for its example, if the source has one. */
  readonly exampleConfiguration?: string
}

export function banner(input: BannerInput): string {
  const { url, command } = input
  const tokenArg = command.tokenFrom === 'env' ? '$AWS_SESSION_TOKEN' : command.token
  const secret = encodeURIComponent(input.exampleSecret ?? 'MY_SECRET')
  const lines = [cliLine(`Parameters and Secrets extension API on ${url} (${input.sourceLine})`)]
  if (input.appConfigUrl !== undefined) lines.push(cliLine(`AppConfig extension API on ${input.appConfigUrl}`))
  lines.push('', 'Try:', `  curl -H "${TOKEN_HEADER}: ${tokenArg}" "${url}${SECRETS_PATH}?secretId=${secret}"`)
  if (input.exampleParameter !== undefined) {
    lines.push(`  curl -H "${TOKEN_HEADER}: ${tokenArg}" "${url}${PARAMETERS_PATH}?name=${encodeURIComponent(input.exampleParameter)}&withDecryption=true"`)
  }
  if (input.appConfigUrl !== undefined) lines.push(`  curl "${input.appConfigUrl}${exampleConfigurationPath(input.exampleConfiguration)}"`)
  const exports: string[] = []
  // In a shell that holds AWS keys, the SDKs and the CLI would send an exported token with them.
  const tokenNotExported = command.tokenFrom !== 'env' && command.shellAwsKeys === true
  if (command.tokenFrom !== 'env' && !tokenNotExported) exports.push(`  export AWS_SESSION_TOKEN='${command.token}'`)
  const port = new URL(url).port
  if (port !== '2773') exports.push(`  export ${ENV.port}=${port}`)
  const appConfigPort = input.appConfigUrl === undefined ? undefined : new URL(input.appConfigUrl).port
  if (appConfigPort !== undefined && appConfigPort !== String(APPCONFIG_RULES.port.default)) exports.push(`  export ${APPCONFIG_ENV.port}=${appConfigPort}`)
  if (exports.length > 0) lines.push('', 'For code written against the extensions (they read these):', ...exports)
  if (tokenNotExported) {
    lines.push('', `AWS_SESSION_TOKEN is not to be exported in this shell: the SDKs and the CLI would send it with the shell's AWS keys, and fail. Give code the token itself (extensionStore({ token: '${command.token}' }), or the ${TOKEN_HEADER} header).`)
  }
  lines.push('', 'Ctrl-C to stop.')
  return lines.join('\n')
}

function exampleConfigurationPath(name: string | undefined): string {
  const [application = 'APPLICATION', environment = 'ENVIRONMENT', profile = 'PROFILE'] = name?.split('/') ?? []
  return configurationPath({ application, environment, profile })
}
