/**
 * `awsClientCapture`, the tracing hook of the README ("Tracing and cross-account"), end to end
 * against the local AWS stand-in with the real SDK clients. The capture has the shape of X-Ray's
 * `captureAWSv3Client`: it takes the client, adds an SDK middleware (here one that records each
 * command's name, where X-Ray's would open a subsegment) and returns it. Every AWS call the
 * package makes goes through a captured client; the capture runs once per client, not per call;
 * it selects the SDK transport where the lean one could serve; and with `transport: 'https'` it
 * is a ConfigError from `secrets()`.
 */
import { clearCache, ConfigError, parameter, parameters, secret, secrets } from '../../lib/index.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { captureLogger, clientOptions, contextHandler, expectNoLeak, transportsChosen, type CapturedLogger } from './helpers.js'

const DB_V1 = '{"username":"app","password":"pw-trace-v1-R4d"}'
const DB_V2 = '{"username":"app","password":"pw-trace-v2-U8c"}'
const API = 'api-trace-value-W2n'
const VALUES = [DB_V1, DB_V2, 'pw-trace-v1-R4d', 'pw-trace-v2-U8c', API, 'flag-trace-value-J6p', 'limit-trace-value-E1s', 'tree-trace-value-C9v']

/** What an SDK v3 client offers a capture (the part X-Ray's captureAWSv3Client uses). */
interface CapturedClient {
  readonly constructor: { readonly name: string }
  readonly middlewareStack: {
    add(middleware: (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: unknown) => Promise<unknown>, options: { step: string; name: string }): void
  }
}

/** A capture like X-Ray's: one middleware per client, which sees every command the client sends. */
function recordingCapture(): { capture: <C>(client: C) => C; clients: string[]; commands: string[] } {
  const clients: string[] = []
  const commands: string[] = []
  const capture = <C>(client: C): C => {
    const captured = client as unknown as CapturedClient
    clients.push(captured.constructor.name)
    captured.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(`${context.clientName}.${context.commandName}`)
        return next(args)
      },
      { step: 'build', name: 'recordCommandForTracing' }, // the step X-Ray's middleware takes
    )
    return client
  }
  return { capture, clients, commands }
}

let server: AwsServer
let log: CapturedLogger

beforeAll(async () => {
  server = await startAwsServer({
    seed: {
      secrets: { 'tr/db': DB_V1, 'tr/api': API },
      parameters: { '/tr/flag': 'flag-trace-value-J6p', '/tr/limit': 'limit-trace-value-E1s', '/tr/tree/a': 'tree-trace-value-C9v' },
    },
  })
  server.model.rotate('tr/db', DB_V2) // AWSPREVIOUS exists
})

afterAll(() => server.close())

beforeEach(() => {
  server.resetCalls()
  log = captureLogger()
})

/** The declarations: two AWSCURRENT secrets (a batch), an AWSPREVIOUS one (GetSecretValue), two parameters (GetParameters), a path (GetParametersByPath). */
const declarations = () => ({
  db: secret('tr/db', { transform: 'json' }),
  api: secret('tr/api'),
  dbPrevious: secret('tr/db', { versionStage: 'AWSPREVIOUS', transform: 'json' }),
  flag: parameter('/tr/flag'),
  limit: parameter('/tr/limit'),
  tree: parameters('/tr/tree'),
})

/** The server's call log as `client.command` names, in the order the SDK's middleware would see them. */
function serverCommands(): string[] {
  const clientOf = (operation: string): string => (operation.includes('Parameter') ? 'SSMClient' : 'SecretsManagerClient')
  return server.calls.map((c) => `${clientOf(c.operation)}.${c.operation}Command`)
}

test('every AWS call of every invocation goes through the captured clients, and the capture runs once per client', async () => {
  const { capture, clients, commands } = recordingCapture()
  // Static credentials, a region and an endpoint: 'auto' would choose the lean transport without the capture.
  const mw = secrets({ context: declarations(), clientOptions: clientOptions(server.endpoint), awsClientCapture: capture, rotation: true, ttl: 0, logger: log.logger, logLevel: 'debug' })
  const h = contextHandler(mw)
  for (let i = 0; i < 3; i += 1) {
    const context = await h.run()
    expect(context.db.password).toBe('pw-trace-v2-U8c')
    expect(context.dbPrevious.password).toBe('pw-trace-v1-R4d')
    expect([context.api, context.flag, context.limit]).toEqual([API, 'flag-trace-value-J6p', 'limit-trace-value-E1s'])
    expect(context.tree).toEqual({ a: 'tree-trace-value-C9v' })
  }

  expect(new Set(server.calls.map((c) => c.operation))).toEqual(new Set(['BatchGetSecretValue', 'GetSecretValue', 'DescribeSecret', 'GetParameters', 'GetParametersByPath']))
  // What the middleware saw is exactly what the server answered: no call bypassed a captured client.
  expect([...commands].sort()).toEqual(serverCommands().sort())
  expect(commands.length).toBeGreaterThanOrEqual(3 * 4) // three invocations, at least four calls each (ttl 0)
  // Two clients (one per service), each captured once, whatever the number of calls.
  expect([...clients].sort()).toEqual(['SSMClient', 'SecretsManagerClient'])
  expect(transportsChosen(log)).toEqual(
    expect.arrayContaining([
      { awsService: 'secretsmanager', transport: 'sdk', reason: 'awsClientCapture wraps an SDK client' },
      { awsService: 'ssm', transport: 'sdk', reason: 'awsClientCapture wraps an SDK client' },
    ]),
  )
  expect(transportsChosen(log)).toHaveLength(2)
  expectNoLeak(log.lines, VALUES)
})

test('without a capture, the same options are served by the lean transport (which has no client to wrap)', async () => {
  const mw = secrets({ context: declarations(), clientOptions: clientOptions(server.endpoint), rotation: true, ttl: 0, logger: log.logger, logLevel: 'debug' })
  expect((await contextHandler(mw).run()).api).toBe(API)
  expect(transportsChosen(log)).toEqual(
    expect.arrayContaining([
      { awsService: 'secretsmanager', transport: 'https', reason: undefined },
      { awsService: 'ssm', transport: 'https', reason: undefined },
    ]),
  )
})

test("transport 'https' with a capture is a ConfigError from secrets(), before any call", () => {
  const { capture, clients } = recordingCapture()
  const make = () => secrets({ context: declarations(), clientOptions: clientOptions(server.endpoint), transport: 'https', awsClientCapture: capture })
  expect(make).toThrow(ConfigError)
  expect(make).toThrow(expect.objectContaining({ option: 'awsClientCapture', message: expect.stringContaining("the 'https' transport") }))
  expect(clients).toEqual([])
  expect(server.count()).toBe(0)
})

// The store functions take transport and awsClientCapture too: the same ConfigError, not a capture dropped silently.
test.each(['secretsManagerStore', 'ssmStore', 'appConfigStore', 'dynamoDbStore'] as const)("%s({ transport: 'https', awsClientCapture }) is a ConfigError", async (name) => {
  const stores = await import('../../lib/index.js')
  const capture = <C,>(client: C): C => client
  expect(() => stores[name]({ clientOptions: clientOptions(server.endpoint), transport: 'https', awsClientCapture: capture })).toThrow(
    expect.objectContaining({ option: 'awsClientCapture', message: expect.stringContaining("the 'https' transport") }),
  )
})

test("transport 'sdk' with a capture: the same, the capture wrapping the clients", async () => {
  const { capture, clients, commands } = recordingCapture()
  const mw = secrets({ context: { api: secret('tr/api'), flag: parameter('/tr/flag') }, clientOptions: clientOptions(server.endpoint), transport: 'sdk', awsClientCapture: capture, prefetch: false })
  const context = await contextHandler(mw).run()
  expect([context.api, context.flag]).toEqual([API, 'flag-trace-value-J6p'])
  expect([...clients].sort()).toEqual(['SSMClient', 'SecretsManagerClient'])
  expect([...commands].sort()).toEqual(['SSMClient.GetParametersCommand', 'SecretsManagerClient.GetSecretValueCommand'])
})

// Found by a unit-testing review: after jest.resetModules, a test's aws-sdk-client-mock of the SDK
// module it imported anew never reached the client the first test's middleware had built (the
// default stores are one per process), even after clearCache(); it got the first test's answers.
test('clearCache(): middlewares made after it get new default stores, whose SDK clients are built anew (a mock of a reloaded SDK module reaches them)', async () => {
  const { capture, clients } = recordingCapture()
  const options = { clientOptions: clientOptions(server.endpoint), awsClientCapture: capture, prefetch: false, logger: log.logger } as const
  const first = contextHandler(secrets({ context: { api: secret('tr/api') }, ...options }))
  expect((await first.run()).api).toBe(API)
  const again = secrets({ context: { api: secret('tr/api') }, ...options })
  await again.refresh('api')
  expect(clients).toEqual(['SecretsManagerClient']) // one store for the same options, one client
  clearCache()
  const after = contextHandler(secrets({ context: { api: secret('tr/api') }, ...options }))
  expect((await after.run()).api).toBe(API)
  expect(clients).toEqual(['SecretsManagerClient', 'SecretsManagerClient'])
  await again.refresh('api') // a middleware made before keeps its store
  expect(clients).toHaveLength(2)
})
