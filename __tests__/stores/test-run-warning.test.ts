/**
 * stores/connection.ts: a test run (jest, vitest, node --test) outside Lambda whose credentials are
 * in the environment gets the lean transport, which calls AWS: SDK mocks do not reach it. Found by a
 * unit-testing review: the test hung until its own timeout with nothing said, then retried against
 * AWS. One warning, the first time a store calls AWS's own endpoint on 'auto'. Its own file: the
 * warning is once per process (per copy of the module), and the cases that must not warn run first.
 */
import { connection } from '../../lib/stores/connection.js'
import type { FetchOptions, Logger } from '../../lib/store.js'

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test-run-secret' }

function recording(): { logger: Logger; warnings: Array<{ message: string; fields: unknown }> } {
  const warnings: Array<{ message: string; fields: unknown }> = []
  const none = (): void => undefined
  return { logger: { debug: none, info: none, error: none, warn: (message: string, fields?: unknown) => void warnings.push({ message, fields }) }, warnings }
}

/** One call with the deadline already passed: the transport answers DeadlineExceeded without sending anything. */
async function callOnce(clientOptions: Record<string, unknown>, logger: Logger, transport?: 'https'): Promise<void> {
  const aborted = new AbortController()
  aborted.abort()
  const options: FetchOptions = { signal: aborted.signal, requestTimeoutMs: 1000, limit: (task) => task(), logger }
  const result = await connection('secretsmanager', { clientOptions, transport }).call('GetSecretValue', { SecretId: 's' }, options)
  expect(result).toMatchObject({ ok: false, error: { code: 'DeadlineExceeded' } })
}

// What else decides the transport, set aside: a profile or a shared config file (in HOME) picks the SDK.
const VARIABLES = ['AWS_LAMBDA_FUNCTION_NAME', 'JEST_WORKER_ID', 'VITEST', 'NODE_TEST_CONTEXT', 'HOME', 'USERPROFILE', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SECRETS_MANAGER']
const saved = { ...process.env }
beforeEach(() => {
  for (const name of VARIABLES) delete process.env[name]
  process.env.HOME = '/nonexistent/home/of/this/test'
})
afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
})

test("no warning where the lean transport is meant or is not AWS's: a custom endpoint, transport 'https', in Lambda, or no test runner", async () => {
  const { logger, warnings } = recording()
  process.env.JEST_WORKER_ID = '1'
  await callOnce({ region: 'us-east-1', credentials: CREDENTIALS, endpoint: 'http://127.0.0.1:1' }, logger)
  await callOnce({ region: 'us-east-1', credentials: CREDENTIALS }, logger, 'https')
  process.env.AWS_LAMBDA_FUNCTION_NAME = 'fn'
  await callOnce({ region: 'us-east-1', credentials: CREDENTIALS }, logger)
  delete process.env.AWS_LAMBDA_FUNCTION_NAME
  delete process.env.JEST_WORKER_ID
  await callOnce({ region: 'us-east-1', credentials: CREDENTIALS }, logger)
  expect(warnings).toEqual([])
})

test('under a test runner, outside Lambda, on auto against AWS: one warning for the process, naming the runner and the endpoint, never the credentials', async () => {
  const { logger, warnings } = recording()
  process.env.VITEST = 'true'
  await callOnce({ region: 'eu-west-1', credentials: CREDENTIALS }, logger)
  await callOnce({ region: 'eu-west-1', credentials: CREDENTIALS }, logger)
  expect(warnings).toHaveLength(1)
  expect(warnings[0]!.message).toMatch(/^this looks like a test run: .*aws-sdk-client-mock.*transport: 'sdk'/)
  expect(warnings[0]!.fields).toEqual({ awsService: 'secretsmanager', endpoint: 'https://secretsmanager.eu-west-1.amazonaws.com/', runner: 'VITEST' })
  expect(JSON.stringify(warnings)).not.toContain('test-run-secret')
})
