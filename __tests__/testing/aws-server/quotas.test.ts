/** aws-server/quotas.ts: token buckets throttle as AWS does, and SSM's reads share one quota. */
import { GetLatestConfigurationCommand, StartConfigurationSessionCommand, ThrottlingException } from '@aws-sdk/client-appconfigdata'
import { GetItemCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb'
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager'
import { GetParameterCommand, GetParametersByPathCommand } from '@aws-sdk/client-ssm'
import { awsQuotas } from '../../../lib/testing/aws-server/index.js'
import { appConfigClient, dynamoClient, failure, useSeededServer } from './harness.js'

const aws = useSeededServer()

describe('quotas', () => {
  test('a 5/s quota throttles a burst of 20 with ThrottlingException and logs it', async () => {
    aws.server.setQuotas({ GetSecretValue: 5 })
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))))
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    // The bucket holds 5 tokens and refills 5/s: at most a few more than 5 get through.
    expect(rejected.length).toBeGreaterThanOrEqual(5)
    expect(results.length - rejected.length).toBeGreaterThanOrEqual(5)
    expect(rejected.every((r) => (r.reason as Error).name === 'ThrottlingException')).toBe(true)
    expect(aws.server.calls.filter((c) => c.throttled)).toHaveLength(rejected.length)
  })

  test("SSM's standard quota is shared by GetParameter, GetParameters and GetParametersByPath", async () => {
    const { quotas, sharedQuotas } = awsQuotas('standard', 1 / 40) // SSM reads: 1/s, shared
    aws.server.setQuotas(quotas, sharedQuotas)
    await aws.ssm.send(new GetParameterCommand({ Name: '/app/plain' }))
    const byPath = await failure(aws.ssm.send(new GetParametersByPathCommand({ Path: '/app' })))
    expect(byPath.name).toBe('ThrottlingException')
    await expect(aws.sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))).resolves.toBeDefined()
  })
})

describe('quotas on AppConfigData and DynamoDB', () => {
  test('AppConfigData answers ThrottlingException with 429; the token of a throttled poll stays good', async () => {
    const client = appConfigClient(aws.server)
    const { InitialConfigurationToken: token } = await client.send(
      new StartConfigurationSessionCommand({ ApplicationIdentifier: 'shop', EnvironmentIdentifier: 'prod', ConfigurationProfileIdentifier: 'flags' }),
    )
    aws.server.setQuotas({ GetLatestConfiguration: 1 })
    const first = await client.send(new GetLatestConfigurationCommand({ ConfigurationToken: token }))
    const throttled = await failure(client.send(new GetLatestConfigurationCommand({ ConfigurationToken: first.NextPollConfigurationToken })))
    aws.server.setQuotas(false)
    aws.server.setClockOffset(60_000)
    const out = await client.send(new GetLatestConfigurationCommand({ ConfigurationToken: first.NextPollConfigurationToken }))
    aws.server.setClockOffset(0)
    client.destroy()
    expect(throttled).toBeInstanceOf(ThrottlingException)
    expect(throttled.$metadata?.httpStatusCode).toBe(429)
    expect(out.$metadata.httpStatusCode).toBe(200)
    expect(aws.server.calls.filter((c) => c.throttled).map((c) => c.operation)).toEqual(['GetLatestConfiguration'])
  })

  test('DynamoDB answers ProvisionedThroughputExceededException, which the SDK models', async () => {
    const client = dynamoClient(aws.server)
    aws.server.setQuotas({ GetItem: 1 })
    await client.send(new GetItemCommand({ TableName: 'config', Key: { id: { S: 'db' } } }))
    const throttled = await failure(client.send(new GetItemCommand({ TableName: 'config', Key: { id: { S: 'db' } } })))
    client.destroy()
    expect(throttled).toBeInstanceOf(ProvisionedThroughputExceededException)
    expect(throttled).toMatchObject({ $fault: 'client', $metadata: { httpStatusCode: 400 } })
  })
})
