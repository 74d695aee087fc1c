/**
 * What `middy-secrets serve` prints once it listens: where, from what, and a curl command in
 * AWS's documented request format. Names only; never a value, and never a token the user did
 * not ask to see (a token from the environment is shown as $AWS_SESSION_TOKEN).
 */
import type { ServeCommand } from './cli-args.js'
import { cliLine } from './cli-output.js'
import { PARAMETERS_PATH, SECRETS_PATH, TOKEN_HEADER } from '../extension-protocol.js'

export interface BannerInput {
  readonly url: string
  readonly command: ServeCommand
  /** A secret and a parameter name to use in the examples, if the source knows some. */
  readonly exampleSecret?: string
  readonly exampleParameter?: string
  /** e.g. `secrets.json: 2 secrets, 3 parameters`. */
  readonly sourceLine: string
}

export function banner(input: BannerInput): string {
  const { url, command } = input
  const tokenArg = command.tokenFrom === 'env' ? '$AWS_SESSION_TOKEN' : command.token
  const secret = encodeURIComponent(input.exampleSecret ?? 'MY_SECRET')
  const lines = [
    cliLine(`Parameters and Secrets extension API on ${url} (${input.sourceLine})`),
    '',
    'Try:',
    `  curl -H "${TOKEN_HEADER}: ${tokenArg}" "${url}${SECRETS_PATH}?secretId=${secret}"`,
  ]
  if (input.exampleParameter !== undefined) {
    lines.push(`  curl -H "${TOKEN_HEADER}: ${tokenArg}" "${url}${PARAMETERS_PATH}?name=${encodeURIComponent(input.exampleParameter)}&withDecryption=true"`)
  }
  const exports: string[] = []
  if (command.tokenFrom !== 'env') exports.push(`  export AWS_SESSION_TOKEN='${command.token}'`)
  const port = new URL(url).port
  if (port !== '2773') exports.push(`  export PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=${port}`)
  if (exports.length > 0) lines.push('', 'For code written against the extension (it reads these):', ...exports)
  lines.push('', 'Ctrl-C to stop.')
  return lines.join('\n')
}
