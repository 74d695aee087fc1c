/**
 * transport/sdk-module.ts under jest's module mocks: a test that replaces the SDK client package
 * with `jest.unstable_mockModule` (ESM mode) must reach the built ESM file's SDK transport, even with
 * Lambda's variables set, as a test of trace headers may set them. A require would bypass the mock
 * (a reviewer found it when the build required its client everywhere); the build imports the
 * client under a test runner. A file of its own: the mock must be registered before the build
 * first loads the client, in a module registry no other test has filled. `npm test` builds dist/.
 */
import { jest } from '@jest/globals'
import type { Context } from 'aws-lambda'

const sent: string[] = []

test('jest.unstable_mockModule of the client reaches the built ESM file on the SDK transport, with AWS_LAMBDA_FUNCTION_NAME set', async () => {
  jest.unstable_mockModule('@aws-sdk/client-secrets-manager', () => {
    class Command {
      constructor(readonly input: unknown) {}
    }
    class GetSecretValueCommand extends Command {}
    class BatchGetSecretValueCommand extends Command {}
    class DescribeSecretCommand extends Command {}
    const answer = { Name: 'mocked/db', ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:mocked/db-AbCdEf', VersionId: 'v1', SecretString: 'from-unstable-mock-module' }
    class SecretsManagerClient {
      async send(command: Command): Promise<unknown> {
        sent.push(command.constructor.name)
        return command instanceof BatchGetSecretValueCommand ? { SecretValues: [answer], Errors: [] } : answer
      }
    }
    return { SecretsManagerClient, GetSecretValueCommand, BatchGetSecretValueCommand, DescribeSecretCommand }
  })
  const saved = process.env.AWS_LAMBDA_FUNCTION_NAME
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'under-test'
  const dist = '../../dist/index.js' // not a literal: the type check runs before the build
  const built = (await import(dist)) as typeof import('../../lib/index.js')
  const { default: middy } = await import('@middy/core')
  try {
    const clientOptions = { region: 'us-east-1', credentials: { accessKeyId: 'AKIDJEST', secretAccessKey: 'jest-secret-key' } }
    const handler = middy(async (_event: unknown, context: Context) => (context as Context & { db?: unknown }).db).use(
      built.secrets({ context: { db: built.secret('mocked/db') }, transport: 'sdk', clientOptions, requestTimeoutMs: 2000, retries: 0 }),
    )
    const context = { getRemainingTimeInMillis: () => 5000, functionName: 'under-test', awsRequestId: 'r-1' }
    expect(await handler({}, context as never)).toBe('from-unstable-mock-module')
    expect(sent).toEqual(['GetSecretValueCommand'])
  } finally {
    if (saved === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME
    else process.env.AWS_LAMBDA_FUNCTION_NAME = saved
    built.clearCache()
  }
})
