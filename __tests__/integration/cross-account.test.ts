/**
 * The cross-account recipe of the README ("Tracing and cross-account"), end to end against the
 * local AWS stand-in: a secret of another account read through a role assumed with
 * `fromTemporaryCredentials` of `@aws-sdk/credential-providers`. The function's own credentials
 * are the environment's, as Lambda sets them; the stand-in records which key signed every call,
 * so the test proves the secret was read with the assumed role's key, that the role was assumed
 * once and its credentials reused across invocations, and that neither the secret nor the
 * temporary secret access key (nor its session token) reaches a log line or an error.
 */
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers'
import { parameter, secret, secrets, type SecretsError } from '../../lib/index.js'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { captureLogger, contextHandler, errorTexts, expectNoLeak, rejection, transportsChosen, type CapturedLogger } from './helpers.js'

/** The role in the secret's account (the stand-in's model lives in 123456789012) that the function assumes. */
const ROLE = 'arn:aws:iam::123456789012:role/orders-secrets-reader'
const REGION = 'us-east-1'
const DB = '{"username":"orders","password":"pw-xacct-H7q2"}'
const OTHER = 'other-secret-value-M3z'

/** The function's own credentials (its execution role, in account 111122223333), as Lambda puts them in the environment. */
const FUNCTION_ENV = { AWS_ACCESS_KEY_ID: 'ASIAFUNCTIONROLE0001', AWS_SECRET_ACCESS_KEY: 'function-role-secret-key-Vb8', AWS_SESSION_TOKEN: 'function-role-session-token-Kp4' }

let server: AwsServer
let dbArn: string
let otherArn: string
let log: CapturedLogger
const saved: Record<string, string | undefined> = {}

beforeAll(async () => {
  // The role may read prod/db only: its policy (and the secret's resource policy) name that secret.
  server = await startAwsServer({ seed: { secrets: { 'prod/db': DB, 'prod/other': OTHER }, parameters: { '/prod/flags': 'flags-xacct-Y5t' } }, roles: { [ROLE]: { secrets: ['prod/db'] } } })
  dbArn = server.model.secretRecord('prod/db').arn
  otherArn = server.model.secretRecord('prod/other').arn
  for (const [name, value] of Object.entries(FUNCTION_ENV)) {
    saved[name] = process.env[name]
    process.env[name] = value
  }
})

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  await server.close()
})

beforeEach(() => {
  server.resetCalls()
  server.clearFaults()
  log = captureLogger()
})

/** The recipe's client options: a credentials provider that assumes the role in the secret's account. */
function roleOptions() {
  return {
    region: REGION,
    endpoint: server.endpoint,
    credentials: fromTemporaryCredentials({ params: { RoleArn: ROLE }, clientConfig: { region: REGION, endpoint: server.endpoint } }),
  }
}

/** The recipe: the other account's secret by ARN, read with the role's credentials. */
function crossAccount(declarations: Parameters<typeof secrets>[0]['context'], options: { ttl?: number; prefetch?: boolean; clientOptions?: ReturnType<typeof roleOptions> } = {}) {
  return secrets({ context: declarations, clientOptions: roleOptions(), logger: log.logger, logLevel: 'debug', ...options })
}

/** Everything that must never appear: the secret values and the temporary credentials' secret parts. */
function secretTexts(): string[] {
  return [DB, 'pw-xacct-H7q2', OTHER, 'flags-xacct-Y5t', FUNCTION_ENV.AWS_SECRET_ACCESS_KEY, FUNCTION_ENV.AWS_SESSION_TOKEN, ...server.issuedCredentials.flatMap((c) => [c.secretAccessKey, c.sessionToken])]
}

test("reads the other account's secret with the assumed role's key; the role is assumed once, its credentials reused across invocations", async () => {
  // ttl 0: every invocation calls Secrets Manager, so each one shows which key signed it.
  const h = contextHandler(crossAccount({ db: secret<{ username: string; password: string }>(dbArn, { transform: 'json' }) }, { ttl: 0 }))
  for (let i = 0; i < 3; i += 1) expect((await h.run()).db).toEqual({ username: 'orders', password: 'pw-xacct-H7q2' })

  expect(server.issuedCredentials.filter((c) => c.roleArn === ROLE)).toHaveLength(1)
  const issued = server.issuedCredentials.at(-1)!
  expect(server.calls.map(({ operation, names, accessKeyId, role, status }) => ({ operation, names, accessKeyId, role, status }))).toEqual([
    // AssumeRole is signed with the function's own key...
    { operation: 'AssumeRole', names: [ROLE], accessKeyId: FUNCTION_ENV.AWS_ACCESS_KEY_ID, role: undefined, status: 200 },
    // ...and every read of the secret with the role's temporary key.
    ...[1, 2, 3].map(() => ({ operation: 'GetSecretValue', names: [dbArn], accessKeyId: issued.accessKeyId, role: ROLE, status: 200 })),
  ])
  // A credentials provider function is the SDK transport's to serve, and the debug log says why.
  expect(transportsChosen(log)).toEqual([{ awsService: 'secretsmanager', transport: 'sdk', reason: 'clientOptions.credentials is a provider function' }])
  expectNoLeak(log.lines, secretTexts())
})

test('a secret the role may not read fails with AccessDeniedException naming the assumed role; the granted one does not fail; nothing leaks', async () => {
  // No prefetch: the invocation's own batch is the only read (a failed prefetch is tried again).
  const mw = crossAccount({ db: secret(dbArn, { field: 'password' }), other: secret(otherArn) }, { prefetch: false })
  const error = await rejection(contextHandler(mw).run())
  expect(error.failures).toEqual([
    expect.objectContaining({ key: 'other', name: otherArn, code: 'AccessDeniedException', retryable: false, message: expect.stringContaining(`assumed-role/orders-secrets-reader/`) }),
  ])
  // Both were asked for in one batch, signed with the role's key; the denial is the other secret's entry.
  expect(server.calls.filter((c) => c.operation !== 'AssumeRole')).toEqual([expect.objectContaining({ operation: 'BatchGetSecretValue', names: [dbArn, otherArn], role: ROLE, status: 200 })])
  expect(server.count('GetSecretValue')).toBe(0)
  expectNoLeak([...errorTexts(error), ...log.lines], secretTexts())
})

test('a role the function may not assume fails the invocation with the STS error, without leaking credentials', async () => {
  server.fault({ operation: 'AssumeRole', name: ROLE, kind: 'error', code: 'AccessDenied', message: `User: arn:aws:sts::111122223333:assumed-role/orders-fn/orders-fn is not authorized to perform: sts:AssumeRole on resource: ${ROLE}` })
  const error: SecretsError = await rejection(contextHandler(crossAccount({ db: secret(dbArn) }, { prefetch: false })).run())
  // STS's own error name and message (they name the role, never a credential); not retried.
  expect(error.failures).toEqual([expect.objectContaining({ key: 'db', name: dbArn, code: 'AccessDenied', retryable: false, message: expect.stringContaining(`sts:AssumeRole on resource: ${ROLE}`) })])
  expect(server.count('AssumeRole')).toBe(1)
  expect(server.count('GetSecretValue') + server.count('BatchGetSecretValue')).toBe(0)
  expectNoLeak([...errorTexts(error), ...log.lines], secretTexts())
})

test("one AssumeRole per service's client, whatever the invocations; middlewares given the same clientOptions object share that client", async () => {
  const shared = roleOptions()
  const first = contextHandler(crossAccount({ db: secret(dbArn, { field: 'password' }), flags: parameter('/prod/flags') }, { ttl: 0, prefetch: false, clientOptions: shared }))
  const second = contextHandler(crossAccount({ db: secret(dbArn, { field: 'username' }) }, { ttl: 0, prefetch: false, clientOptions: shared }))
  for (let i = 0; i < 2; i += 1) {
    expect(await first.run()).toMatchObject({ db: 'pw-xacct-H7q2', flags: 'flags-xacct-Y5t' })
    expect((await second.run()).db).toBe('orders')
  }
  // The Secrets Manager client and the SSM client each asked the provider once (each caches what it got).
  expect(server.count('AssumeRole')).toBe(2)
  const keyOf = (operation: string): string[] => [...new Set(server.calls.filter((c) => c.operation === operation).map((c) => c.accessKeyId!))]
  expect(keyOf('GetSecretValue')).toHaveLength(1)
  expect(keyOf('GetParameters')).toHaveLength(1)
  expect(server.count('GetSecretValue')).toBe(4)
  expect(server.calls.filter((c) => c.operation !== 'AssumeRole').every((c) => c.role === ROLE)).toBe(true)
  expect(new Set(server.issuedCredentials.slice(-2).map((c) => c.accessKeyId))).toEqual(new Set([...keyOf('GetSecretValue'), ...keyOf('GetParameters')]))
  expectNoLeak(log.lines, secretTexts())
})
