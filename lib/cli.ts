#!/usr/bin/env node
/**
 * `middy-secrets serve`: the local stand-in for the AWS Parameters and Secrets Lambda Extension
 * and for the AWS AppConfig Lambda extension.
 * Parsing lives in extension-server/cli-args.ts (tested directly); this file only wires the
 * backend, starts the server, prints where it listens, follows changes to a --file
 * (extension-server/file-source.ts), and stops on a signal or when the process that started it
 * (npx) goes away (extension-server/lifetime.ts).
 */
import { banner } from './extension-server/banner.js'
import { CliUsageError, USAGE, parseCliArgs, type ServeCommand } from './extension-server/cli-args.js'
import { cliErrorLine, cliLine } from './extension-server/cli-output.js'
import { openFileSource } from './extension-server/file-source.js'
import { watchFile, type FileWatcher } from './extension-server/file-watcher.js'
import type { Backend } from './extension-server/handler.js'
import { watchLifetime } from './extension-server/lifetime.js'
import { describeCounts, reloadReport, type CacheSettings, type ReloadReport } from './extension-server/reload-report.js'
import { startExtensionServer } from './extension-server/server.js'

/** How long a stop waits for open connections to end before it exits anyway. */
const CLOSE_WAIT_MS = 2000

interface Source {
  readonly backend: Backend
  readonly line: string
  readonly exampleSecret?: string
  readonly exampleParameter?: string
  readonly exampleConfiguration?: string
  /** The AppConfig interface's port (0 = any; undefined: AWS_APPCONFIG_EXTENSION_HTTP_PORT, else 2772). */
  readonly appConfig: { readonly port?: number }
  /** Starts following changes to the source, once the server listens. */
  readonly follow?: (cache: CacheSettings) => FileWatcher
}

async function fileSource(path: string, appConfigPort: number | undefined): Promise<Source> {
  const file = await openFileSource(path)
  return {
    backend: file.backend,
    line: `${path}: ${describeCounts(file.counts)}; reloaded when it changes`,
    exampleSecret: file.exampleSecret,
    exampleParameter: file.exampleParameter,
    exampleConfiguration: file.exampleConfiguration,
    appConfig: { port: appConfigPort },
    follow(cache) {
      const reload = (): void => void file.reload().then((outcome) => print(reloadReport(path, outcome, cache)))
      const watcher = watchFile(path, reload, {
        onError: (error) => console.error(cliLine(`${path}: no longer watched for changes (${(error as NodeJS.ErrnoException).code ?? error.name})`)),
      })
      reload() // a change made while the server was starting (unchanged: prints nothing)
      return watcher
    },
  }
}

function print(report: ReloadReport | undefined): void {
  if (report) (report.stream === 'stdout' ? console.log : console.error)(report.line)
}

async function awsSource(region: string | undefined, appConfigPort: number | undefined): Promise<Source> {
  // Loaded only here, so `serve --file` never needs the AWS SDK installed.
  await Promise.all([import('@aws-sdk/client-secrets-manager'), import('@aws-sdk/client-ssm')]).catch(() => {
    throw new Error('serve --aws needs @aws-sdk/client-secrets-manager and @aws-sdk/client-ssm: npm install them next to middy-secrets')
  })
  const [{ secretsManagerStore }, { ssmStore }, { appConfigStore }] = await Promise.all([
    import('./stores/secrets-manager.js'),
    import('./stores/ssm.js'),
    // AppConfigData sessions, one per configuration; its SDK client is loaded on its first call.
    import('./stores/appconfig.js'),
  ])
  const clientOptions = region === undefined ? undefined : { region }
  return {
    backend: { secretsManager: secretsManagerStore({ clientOptions }), ssm: ssmStore({ clientOptions }), appConfig: appConfigStore({ clientOptions }) },
    line: `AWS, default credential chain${region === undefined ? '' : `, ${region}`}`,
    appConfig: { port: appConfigPort },
  }
}

async function serve(command: ServeCommand): Promise<void> {
  const source = command.source.kind === 'file' ? await fileSource(command.source.path, command.appConfigPort) : await awsSource(command.source.region, command.appConfigPort)
  const server = await startExtensionServer({ backend: source.backend, port: command.port, token: command.token, appConfig: source.appConfig })
  const watcher = source.follow?.({ ...server.settings, appConfigPollSeconds: server.appConfig?.settings.pollIntervalSeconds })
  const unwatch = watchLifetime({
    stop(reason) {
      // Once: after this, a second Ctrl-C takes Node's default and ends the process at once.
      unwatch()
      watcher?.close()
      console.log(cliLine(`stopping: ${reason}`))
      void Promise.race([server.close(), delay(CLOSE_WAIT_MS)]).then(() => process.exit(0))
    },
  })
  // Printed once the signals are handled: whoever waits for it may stop the server at once.
  console.log(
    banner({
      url: server.url,
      command,
      sourceLine: source.line,
      exampleSecret: source.exampleSecret,
      exampleParameter: source.exampleParameter,
      appConfigUrl: server.appConfig?.url,
      exampleConfiguration: source.exampleConfiguration,
    }),
  )
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const command = parseCliArgs(argv)
    if (command.command === 'help') {
      console.log(USAGE)
      return 0
    }
    await serve(command)
    return 0
  } catch (error) {
    if (error instanceof CliUsageError) {
      console.error(`${cliErrorLine(error)}\n\n${USAGE}`)
      return 2
    }
    console.error(cliErrorLine(error))
    return 1
  }
}

// A reader that went away (`serve | head`) makes the next line written fail with EPIPE, an
// 'error' event nobody handled: the server died mid-request. It serves on, writing nowhere.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}

main(process.argv.slice(2)).then((code) => {
  if (code !== 0) process.exitCode = code
})
