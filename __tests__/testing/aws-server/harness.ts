/**
 * Shared by the AWS stand-in's suites: a server seeded with secrets, parameters, AppConfig
 * configurations and a DynamoDB table, real SDK clients pointed at it, the suite hooks that start,
 * reset and close them, and `failure()` to read the error a call rejects with.
 */
import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SSMClient } from '@aws-sdk/client-ssm'
import { startAwsServer, type AwsServer, type AwsServerOptions } from '../../../lib/testing/aws-server/index.js'

export const credentials = { accessKeyId: 'x', secretAccessKey: 'x' }
export const BINARY = new Uint8Array([0, 1, 2, 250, 255])

/** The NodeHttpHandler options these tests use (the SDK takes them as `requestHandler`). */
export interface HandlerOptions {
  requestTimeout?: number
  throwOnRequestTimeout?: boolean
  logger?: { debug(...args: unknown[]): void; info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void }
}

export type AwsFailure = Error & { $metadata?: { httpStatusCode?: number }; $fault?: string; code?: string; [member: string]: unknown }

/** The error a promise rejects with (fails the test when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<AwsFailure> {
  try {
    await promise
  } catch (error) {
    return error as AwsFailure
  }
  throw new Error('expected the call to fail')
}

/**
 * The seed every suite starts from: three secrets, 25 parameters under /many, a few under /app,
 * two AppConfig profiles (shop/prod/flags and shop/prod/limits), and a table `config` (key `id`).
 */
export function startSeededServer(options: AwsServerOptions = {}): Promise<AwsServer> {
  const many: Record<string, string> = {}
  for (let i = 1; i <= 25; i += 1) many[`/many/p${String(i).padStart(2, '0')}`] = `v${i}`
  return startAwsServer({
    seed: {
      secrets: { 'prod/db': '{"username":"u","password":"p"}', 'prod/bin': BINARY, 'prod/api': 'k1' },
      parameters: {
        ...many,
        '/app/plain': 'hello',
        '/app/list': { value: 'a,b', type: 'StringList' },
        '/app/secure': { value: 's3cret', type: 'SecureString' },
        '/app/nested/deep': 'deep',
      },
      appConfig: { 'shop/prod/flags': '{"beta":true}', 'shop/prod/limits': '{"max":3}' },
      dynamodb: { config: { partitionKey: 'id', items: [{ id: 'db', value: 'x' }, { id: 'api', value: 'y' }] } },
    },
    ...options,
  })
}

export function smClient(server: AwsServer, requestHandler?: HandlerOptions): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler })
}

export function ssmClient(server: AwsServer): SSMClient {
  return new SSMClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 })
}

export function appConfigClient(server: AwsServer): AppConfigDataClient {
  return new AppConfigDataClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 })
}

export function dynamoClient(server: AwsServer, requestHandler?: HandlerOptions): DynamoDBClient {
  return new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler })
}

/** Back to how the server started between tests: no faults, quotas or latency, its clock on time, an empty call log. */
export function resetServer(server: AwsServer): void {
  server.clearFaults()
  server.setQuotas(false)
  server.setLatency(0)
  server.setClockOffset(0)
  server.resetCalls()
}

/** The seeded server of a suite and one client of each service on it. */
export interface SeededSuite {
  readonly server: AwsServer
  readonly sm: SecretsManagerClient
  readonly ssm: SSMClient
  readonly appConfig: AppConfigDataClient
  readonly dynamo: DynamoDBClient
}

/**
 * Registers the suite's hooks: the seeded server and its clients start before the suite's tests,
 * the server is reset before each test and everything is closed after the suite. The members are
 * there once beforeAll has run: read them inside tests and hooks, not at the top of the file.
 */
export function useSeededServer(): SeededSuite {
  let suite: SeededSuite | undefined
  beforeAll(async () => {
    const server = await startSeededServer()
    suite = { server, sm: smClient(server), ssm: ssmClient(server), appConfig: appConfigClient(server), dynamo: dynamoClient(server) }
  })
  afterAll(async () => {
    if (!suite) return
    for (const client of [suite.sm, suite.ssm, suite.appConfig, suite.dynamo]) client.destroy()
    await suite.server.close()
  })
  beforeEach(() => resetServer(started().server))

  function started(): SeededSuite {
    if (!suite) throw new Error('the seeded server has not started: read it inside a test or hook')
    return suite
  }
  return {
    get server() {
      return started().server
    },
    get sm() {
      return started().sm
    },
    get ssm() {
      return started().ssm
    },
    get appConfig() {
      return started().appConfig
    },
    get dynamo() {
      return started().dynamo
    },
  }
}
