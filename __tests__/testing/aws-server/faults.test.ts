/** aws-server/faults.ts: each fault kind as the real SDK surfaces it, and which requests a rule hits. */
import { GetLatestConfigurationCommand, StartConfigurationSessionCommand, ThrottlingException } from '@aws-sdk/client-appconfigdata'
import { BatchGetItemCommand, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { BatchGetSecretValueCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager'
import { GetParameterCommand } from '@aws-sdk/client-ssm'
import { dynamoClient, failure, smClient, useSeededServer } from './harness.js'

const aws = useSeededServer()

describe('faults', () => {
  test("kind 'error' surfaces as the AWS error name, for the given number of times", async () => {
    aws.server.fault({ kind: 'error', code: 'ThrottlingException', operation: 'GetSecretValue', times: 1 })
    const error = await failure(aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(error.name).toBe('ThrottlingException')
    expect(error.message).toBe('Rate exceeded')
    expect(error.$metadata?.httpStatusCode).toBe(400)
    await expect(aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))).resolves.toBeDefined()
  })

  test('server error codes default to 5xx', async () => {
    aws.server.fault({ kind: 'error', code: 'InternalServiceError', times: 1 })
    const error = await failure(aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(error.name).toBe('InternalServiceError')
    expect(error.$metadata?.httpStatusCode).toBe(500)
    expect(error.$fault).toBe('server')
  })

  test('a fault scoped to a name hits that secret, also when asked by ARN, and no other', async () => {
    aws.server.fault({ kind: 'error', code: 'DecryptionFailure', name: 'prod/db' })
    await expect(aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/api' }))).resolves.toBeDefined()
    const byArn = await failure(aws.sm.send(new GetSecretValueCommand({ SecretId: aws.server.model.secretRecord('prod/db').arn })))
    expect(byArn.name).toBe('DecryptionFailure')
    const inBatch = await failure(aws.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/api', 'prod/db'] })))
    expect(inBatch.name).toBe('DecryptionFailure')
  })

  test("kind 'status' with an HTML body: the SDK fails to parse it (SyntaxError) but keeps the status", async () => {
    aws.server.fault({ kind: 'status', status: 502, body: '<html><body>502 Bad Gateway</body></html>', times: 1 })
    const error = await failure(aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(error.name).toBe('SyntaxError')
    expect(error.$metadata?.httpStatusCode).toBe(502)
  })

  test("kind 'status' with an empty body: an Unknown server error", async () => {
    aws.server.fault({ kind: 'status', status: 503, times: 1 })
    const error = await failure(aws.ssm.send(new GetParameterCommand({ Name: '/app/plain' })))
    expect(error.name).toBe('Unknown')
    expect(error.$metadata?.httpStatusCode).toBe(503)
    expect(error.$fault).toBe('server')
  })

  test("kind 'reset' surfaces as a network error without an HTTP status", async () => {
    aws.server.fault({ kind: 'reset', times: 1 })
    const error = await failure(aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    expect(error.message).toContain('aborted')
    expect(error.$metadata?.httpStatusCode).toBeUndefined()
    expect(aws.server.calls.at(-1)).toMatchObject({ operation: 'GetSecretValue', fault: 'reset' })
  })

  test("kind 'malformed' surfaces as a deserialization error on a 200", async () => {
    aws.server.fault({ kind: 'malformed', times: 1 })
    const error = await failure(aws.ssm.send(new GetParameterCommand({ Name: '/app/secure', WithDecryption: true })))
    expect(error.name).toBe('SyntaxError')
    expect(error.message).toContain('Deserialization error')
    expect(error.message).not.toContain('s3cret')
    expect(error.$metadata?.httpStatusCode).toBe(200)
  })

  test("kind 'delay' beyond requestTimeout is a TimeoutError (only with throwOnRequestTimeout)", async () => {
    const client = smClient(aws.server, { requestTimeout: 100, throwOnRequestTimeout: true })
    aws.server.fault({ kind: 'delay', delayMs: 2000, times: 1 })
    const error = await failure(client.send(new GetSecretValueCommand({ SecretId: 'prod/db' })))
    client.destroy()
    expect(error.name).toBe('TimeoutError')
  })

  test("kind 'delay' beyond requestTimeout alone only warns: the call still succeeds", async () => {
    const warnings: unknown[] = []
    const ignore = (): void => {}
    const client = smClient(aws.server, { requestTimeout: 50, logger: { debug: ignore, info: ignore, warn: (message) => warnings.push(message), error: ignore } })
    aws.server.fault({ kind: 'delay', delayMs: 300, times: 1 })
    const out = await client.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    client.destroy()
    expect(out.Name).toBe('prod/db')
    expect(warnings).toEqual([expect.stringContaining('requestTimeout')])
  })
})

describe('faults on AppConfigData and DynamoDB', () => {
  const session = (profile = 'flags', application = 'shop', environment = 'prod') =>
    aws.appConfig
      .send(new StartConfigurationSessionCommand({ ApplicationIdentifier: application, EnvironmentIdentifier: environment, ConfigurationProfileIdentifier: profile }))
      .then((out) => out.InitialConfigurationToken!)
  const poll = (token: string) => aws.appConfig.send(new GetLatestConfigurationCommand({ ConfigurationToken: token }))
  const getItem = (TableName = 'config', id = 'db') => aws.dynamo.send(new GetItemCommand({ TableName, Key: { id: { S: id } } }))

  test("kind 'error' on GetLatestConfiguration: the status AppConfigData uses for the code (429), and the token is not spent", async () => {
    const token = await session()
    aws.server.fault({ kind: 'error', code: 'ThrottlingException', operation: 'GetLatestConfiguration', times: 1 })
    const error = await failure(poll(token))
    expect(error).toBeInstanceOf(ThrottlingException)
    expect(error).toMatchObject({ message: 'Rate exceeded', $fault: 'client', $metadata: { httpStatusCode: 429 } })
    await expect(poll(token)).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } })
  })

  test('a fault named application/environment/profile hits a session started by ids, and no other profile', async () => {
    const { application, environment, profile } = aws.server.model.appConfig.resolve('shop', 'prod', 'flags')
    aws.server.fault({ kind: 'error', code: 'InternalServerException', name: 'shop/prod/flags' })
    await expect(session('limits')).resolves.toEqual(expect.any(String))
    const byIds = await failure(session(profile.id, application.id, environment.id))
    expect(byIds).toMatchObject({ name: 'InternalServerException', $fault: 'server', $metadata: { httpStatusCode: 500 } })
  })

  test("kind 'reset' on GetLatestConfiguration: AWS answered, so the token is spent and the next poll needs a new session", async () => {
    const token = await session()
    aws.server.fault({ kind: 'reset', operation: 'GetLatestConfiguration', times: 1 })
    expect((await failure(poll(token))).$metadata?.httpStatusCode).toBeUndefined()
    expect((await failure(poll(token))).name).toBe('BadRequestException')
  })

  test("kind 'malformed' on StartConfigurationSession (a JSON body) is a deserialization error; kind 'status' a server error", async () => {
    aws.server.fault({ kind: 'malformed', operation: 'StartConfigurationSession', times: 1 })
    const malformed = await failure(session())
    expect(malformed.name).toBe('SyntaxError')
    expect(malformed.$metadata?.httpStatusCode).toBe(201)
    aws.server.fault({ kind: 'status', status: 503, operation: 'GetLatestConfiguration', times: 1 })
    const unavailable = await failure(poll(await session()))
    expect(unavailable).toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 503 } })
  })

  test("kind 'error' on DynamoDB: AccessDeniedException names the action; InternalServerError is a 500 server fault", async () => {
    aws.server.fault({ kind: 'error', code: 'AccessDeniedException', operation: 'GetItem', times: 1 })
    const denied = await failure(getItem())
    expect(denied).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })
    expect(denied.message).toContain('not authorized to perform: dynamodb:GetItem on resource: config')
    aws.server.fault({ kind: 'error', code: 'InternalServerError', operation: 'Query', times: 1 })
    const internal = await failure(aws.dynamo.send(new QueryCommand({ TableName: 'config', KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': { S: 'db' } } })))
    expect(internal).toMatchObject({ name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } })
  })

  test('a fault named by table ARN hits requests by name; batches naming the table', async () => {
    aws.server.fault({ kind: 'error', code: 'ProvisionedThroughputExceededException', name: aws.server.model.dynamodb.describeTable('config').arn, times: 2 })
    expect((await failure(getItem())).name).toBe('ProvisionedThroughputExceededException')
    const inBatch = await failure(aws.dynamo.send(new BatchGetItemCommand({ RequestItems: { config: { Keys: [{ id: { S: 'db' } }] } } })))
    expect(inBatch.message).toContain('provisioned throughput for the table was exceeded')
    await expect(getItem()).resolves.toMatchObject({ Item: { id: { S: 'db' } } })
  })

  test("kind 'unprocessed' named for a table leaves other tables' batches alone and counts down its times", async () => {
    aws.server.fault({ kind: 'unprocessed', name: 'other', count: 1 })
    aws.server.fault({ kind: 'unprocessed', name: 'config', count: 1, times: 1 })
    const keys = [{ id: { S: 'db' } }, { id: { S: 'api' } }]
    const first = await aws.dynamo.send(new BatchGetItemCommand({ RequestItems: { config: { Keys: keys } } }))
    const second = await aws.dynamo.send(new BatchGetItemCommand({ RequestItems: { config: { Keys: keys } } }))
    expect(first.UnprocessedKeys).toEqual({ config: { Keys: [{ id: { S: 'api' } }] } })
    expect(second.Responses!.config).toHaveLength(2)
    expect(aws.server.calls.map((c) => c.fault)).toEqual(['unprocessed', undefined])
  })

  test("kind 'delay' on BatchGetItem beyond requestTimeout is a TimeoutError; 'malformed' on GetItem a SyntaxError with no value in it", async () => {
    const client = dynamoClient(aws.server, { requestTimeout: 100, throwOnRequestTimeout: true })
    aws.server.fault({ kind: 'delay', delayMs: 2000, operation: 'BatchGetItem', times: 1 })
    const timedOut = await failure(client.send(new BatchGetItemCommand({ RequestItems: { config: { Keys: [{ id: { S: 'db' } }] } } })))
    client.destroy()
    expect(timedOut.name).toBe('TimeoutError')
    aws.server.fault({ kind: 'malformed', operation: 'GetItem', times: 1 })
    const malformed = await failure(getItem())
    expect(malformed.name).toBe('SyntaxError')
    expect(malformed.message).not.toContain('"x"')
  })
})
