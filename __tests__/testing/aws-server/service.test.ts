/**
 * aws-server/service.ts: the seam a service plugs into. Two toy services, one of each protocol
 * family the seam must fit, answer the real SDK clients on a server that has nothing else: a
 * JSON 1.0 DynamoDB GetItem (X-Amz-Target) and a REST-JSON AppConfigData session (method and
 * path, output in headers and a raw payload). The stand-in ships the full services
 * (dynamodb.ts, appconfig-data.ts); these toys keep the seam honest on its own.
 */
import { AppConfigDataClient, GetLatestConfigurationCommand, StartConfigurationSessionCommand } from '@aws-sdk/client-appconfigdata'
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { ModelError } from '../../../lib/testing/model.js'
import { LocalAwsServer } from '../../../lib/testing/aws-server/server.js'
import type { Protocol, ServiceModule } from '../../../lib/testing/aws-server/service.js'
import { awsJson, requiredString } from '../../../lib/testing/aws-server/wire.js'
import { credentials, failure } from './harness.js'

const items = new Map([['user-1', { pk: { S: 'user-1' }, name: { S: 'Ada' } }]])

const dynamodb: ServiceModule<'GetItem'> = {
  name: 'dynamodb',
  protocol: awsJson('1.0', 'DynamoDB_20120810'),
  operations: ['GetItem'],
  handlers: {
    GetItem(input) {
      const key = (input.Key as { pk?: { S?: string } } | undefined)?.pk?.S ?? ''
      if (requiredString(input, 'TableName') !== 'users') throw new ModelError('ResourceNotFoundException', 'Requested resource not found')
      return { Item: items.get(key) }
    },
  },
  messageField: 'message',
  internalErrorCode: 'InternalServerError',
  perEntryOperations: [],
  requestNames: (_operation, input) => [String(input.TableName)],
  canonicalId: (_model, id) => id,
}

/** REST-JSON as AppConfigData speaks it: routes by method and path, GetLatestConfiguration's output in headers and a raw body. */
const ROUTES: Record<string, readonly [method: string, path: string, status: number]> = {
  StartConfigurationSession: ['POST', '/configurationsessions', 201],
  GetLatestConfiguration: ['GET', '/configuration', 200],
}
const restJson: Protocol = {
  contentType: 'application/json',
  operationOf: (request) => Object.keys(ROUTES).find((operation) => ROUTES[operation]![0] === request.method && ROUTES[operation]![1] === request.path),
  input: (operation, request) =>
    operation === 'GetLatestConfiguration' ? { input: { ConfigurationToken: request.query.get('configuration_token') } } : { input: JSON.parse(request.body) as Record<string, unknown> },
  success(operation, output) {
    if (operation !== 'GetLatestConfiguration') return { status: ROUTES[operation]![2], body: JSON.stringify(output), contentType: 'application/json' }
    return {
      status: 200,
      body: String(output.Configuration),
      contentType: String(output.ContentType),
      headers: { 'Next-Poll-Configuration-Token': String(output.NextPollConfigurationToken), 'Next-Poll-Interval-In-Seconds': '60' },
    }
  },
  error: (error) => ({ status: error.status, body: JSON.stringify({ Message: error.message }), contentType: 'application/json', errorType: error.code }),
}

const appConfigData: ServiceModule<'StartConfigurationSession' | 'GetLatestConfiguration'> = {
  name: 'appconfig',
  protocol: restJson,
  operations: ['StartConfigurationSession', 'GetLatestConfiguration'],
  handlers: {
    StartConfigurationSession: (input) => ({ InitialConfigurationToken: `token:${requiredString(input, 'ConfigurationProfileIdentifier')}` }),
    GetLatestConfiguration(input) {
      const token = requiredString(input, 'ConfigurationToken')
      if (!token.startsWith('token:')) throw new ModelError('BadRequestException', 'The token is not valid.')
      return { Configuration: '{"feature":true}', ContentType: 'application/json', NextPollConfigurationToken: `${token}:next` }
    },
  },
  messageField: 'Message',
  internalErrorCode: 'InternalServerException',
  perEntryOperations: [],
  requestNames: () => [],
  canonicalId: (_model, id) => id,
}

let server: LocalAwsServer

beforeAll(async () => {
  server = new LocalAwsServer([dynamodb, appConfigData], {})
  await server.listen(0)
})

afterAll(() => server.close())

test('a JSON 1.0 service: routed by its X-Amz-Target prefix, answers and errors read by the real DynamoDB client', async () => {
  const client = new DynamoDBClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 })
  const out = await client.send(new GetItemCommand({ TableName: 'users', Key: { pk: { S: 'user-1' } } }))
  const missing = await failure(client.send(new GetItemCommand({ TableName: 'nope', Key: { pk: { S: 'user-1' } } })))
  client.destroy()
  expect(out.Item).toEqual({ pk: { S: 'user-1' }, name: { S: 'Ada' } })
  expect(missing.name).toBe('ResourceNotFoundException')
  expect(server.calls.map((call) => [call.operation, call.status])).toEqual([
    ['GetItem', 200],
    ['GetItem', 400],
  ])
})

test('a REST-JSON service: routed by method and path, output in headers and a raw payload, read by the real AppConfigData client', async () => {
  const client = new AppConfigDataClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 })
  const session = await client.send(new StartConfigurationSessionCommand({ ApplicationIdentifier: 'app', EnvironmentIdentifier: 'prod', ConfigurationProfileIdentifier: 'flags' }))
  const latest = await client.send(new GetLatestConfigurationCommand({ ConfigurationToken: session.InitialConfigurationToken }))
  const refused = await failure(client.send(new GetLatestConfigurationCommand({ ConfigurationToken: 'forged' })))
  client.destroy()
  expect(session.InitialConfigurationToken).toBe('token:flags')
  expect(new TextDecoder().decode(latest.Configuration)).toBe('{"feature":true}')
  expect(latest).toMatchObject({ ContentType: 'application/json', NextPollConfigurationToken: 'token:flags:next', NextPollIntervalInSeconds: 60 })
  expect(refused).toMatchObject({ name: 'BadRequestException', message: 'The token is not valid.' })
})
