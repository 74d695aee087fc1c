/**
 * log.ts: each line a short message and a fields object, so Powertools' Logger and pino write
 * searchable JSON; console still reads well; below the level nothing is written; never a value.
 */
import { jest } from '@jest/globals'
import middy from '@middy/core'
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger'
import pino from 'pino'
import { Writable } from 'node:stream'
import { clearCache, parameter, secret, secrets } from '../lib/index.js'
import { packageLog } from '../lib/log.js'
import { memoryStore, startAwsServer, type AwsServer } from '../lib/testing/index.js'
import { runBefore } from './support/store-results.js'

const VALUE = 'pw-LOG-TEST-0xDEADBEEF'
const FIELD_NAME = 'fieldname-LOG-TEST'
let server: AwsServer

beforeAll(async () => {
  server = await startAwsServer({ seed: { secrets: { 'log/db': JSON.stringify({ [FIELD_NAME]: VALUE }), 'log/api': VALUE }, parameters: { '/log/p': VALUE } } })
})
afterAll(() => server.close())
beforeEach(() => clearCache())
afterEach(() => jest.restoreAllMocks())

/** Everything written to stdout while `run` runs, as lines. */
async function stdoutOf(run: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = []
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((l) => l !== ''))
    return true
  })
  try {
    await run()
  } finally {
    spy.mockRestore()
  }
  return lines
}

const options = () => ({
  context: { db: secret('log/db', { transform: 'json' }), api: secret('log/api', { rotation: true }), p: parameter('/log/p') },
  clientOptions: { endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } },
  prefetch: false,
  logLevel: 'debug' as const,
})

test("with Powertools' Logger, every line of a cold invocation at debug is JSON with fields, and none carries a value", async () => {
  const logger = new PowertoolsLogger({ serviceName: 'log-test', logLevel: 'DEBUG' })
  const lines = await stdoutOf(() => runBefore(secrets({ ...options(), logger })))
  expect(lines.length).toBeGreaterThanOrEqual(4)
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  for (const record of records) {
    expect(record.message).toMatch(/^middy-secrets: /)
    expect(record.level).toBe('DEBUG')
  }
  const fetched = records.filter((r) => r.message === 'middy-secrets: fetched')
  expect(fetched.map((r) => r.key).sort()).toEqual(['api', 'db', 'p'])
  for (const r of fetched) expect(r).toMatchObject({ store: expect.any(String), resource: expect.any(String), reason: 'cold', durationMs: expect.any(Number), attempt: 1 })
  const chosen = records.filter((r) => r.message === 'middy-secrets: transport chosen')
  expect(chosen.map((r) => [r.awsService, r.transport]).sort()).toEqual([
    ['secretsmanager', 'https'],
    ['ssm', 'https'],
  ])
  const text = lines.join('\n')
  expect(text).not.toContain(VALUE)
  expect(text).not.toContain(FIELD_NAME)
  expect(text).not.toContain('"y"') // nor the secret access key
})

test('with pino, the fields come first and land in the JSON record', async () => {
  const lines: string[] = []
  const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk).trim()), done()) })
  // A named logger, as pino({ name }) is usually made: its name stays the logger's (the package's
  // field for what it read is `resource`; it was `name`, written over the service's own).
  const logger = pino({ level: 'debug', name: 'orders-api' }, sink)
  await runBefore(secrets({ ...options(), logger }))
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  const fetched = records.filter((r) => r.msg === 'middy-secrets: fetched')
  expect(fetched).toHaveLength(3)
  for (const r of fetched) expect(r).toMatchObject({ name: 'orders-api', key: expect.any(String), store: expect.any(String), resource: expect.any(String), reason: 'cold' })
  for (const line of lines) expect(line.match(/"name":/g)).toHaveLength(1)
  expect(lines.join('\n')).not.toContain(VALUE)
})

test('at info, a cold invocation that goes well says nothing', async () => {
  const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() }
  await runBefore(secrets({ ...options(), logLevel: 'info', logger }))
  expect([logger.info, logger.warn, logger.error].map((m) => m.mock.calls.length)).toEqual([0, 0, 0])
  expect(logger.debug).not.toHaveBeenCalled()
})

test('console reads well: a message, then the fields', () => {
  const info = jest.spyOn(console, 'info').mockImplementation(() => {})
  packageLog(console, 'info').info('refresh failed; serving the last good value', { key: 'db', code: 'ThrottlingException' })
  expect(info).toHaveBeenCalledWith('middy-secrets: refresh failed; serving the last good value', { key: 'db', code: 'ThrottlingException' })
})

// Lambda's JSON log format writes several console arguments as one util.format()ted string, but
// one object argument as JSON: the fields stay queryable (message.key in Logs Insights).
test("console under Lambda's JSON log format: one object, the message and the fields", () => {
  const info = jest.spyOn(console, 'info').mockImplementation(() => {})
  const saved = process.env.AWS_LAMBDA_LOG_FORMAT
  process.env.AWS_LAMBDA_LOG_FORMAT = 'JSON'
  try {
    packageLog(console, 'info').info('refresh failed; serving the last good value', { key: 'db', code: 'ThrottlingException' })
    packageLog(console, 'info').info('no fields')
    const other = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } // not console: its own shape
    packageLog(other, 'info').info('line', { key: 'db' })
    expect(other.info).toHaveBeenCalledWith('middy-secrets: line', { key: 'db' })
  } finally {
    if (saved === undefined) delete process.env.AWS_LAMBDA_LOG_FORMAT
    else process.env.AWS_LAMBDA_LOG_FORMAT = saved
  }
  expect(info.mock.calls).toEqual([[{ message: 'middy-secrets: refresh failed; serving the last good value', key: 'db', code: 'ThrottlingException' }], ['middy-secrets: no fields']])
})

// A logger that ships its lines may be async: a rejected promise would be an unhandled rejection
// (in Lambda, Runtime.UnhandledPromiseRejection: the environment goes).
test('an async logger that rejects loses its line, nothing else', async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const rejecting = async (): Promise<void> => {
      throw new Error('log transport down')
    }
    const log = packageLog({ debug: rejecting, info: rejecting, warn: rejecting, error: rejecting }, 'debug')
    for (const m of ['debug', 'info', 'warn', 'error'] as const) log[m]('line', { key: 'k' })
    log.info('no fields')
    await new Promise((resolve) => setTimeout(resolve, 20))
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
  expect(unhandled).toEqual([])
})

test('the level filters: nothing below it, nothing at all with none', () => {
  const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() }
  const warn = packageLog(logger, 'warn')
  warn.debug('d')
  warn.info('i')
  warn.warn('w')
  warn.error('e')
  expect([logger.debug, logger.info, logger.warn, logger.error].map((m) => m.mock.calls.length)).toEqual([0, 0, 1, 1])
  expect(warn.debugEnabled).toBe(false)
  const none = packageLog(logger, 'none')
  none.error('e')
  expect(logger.error).toHaveBeenCalledTimes(1)
  expect(packageLog(logger, 'debug', '[x] ').debugEnabled).toBe(true)
})

describe('a logger that throws', () => {
  const boom = (level: string) => () => {
    throw new Error(`logger.${level} threw`)
  }
  const throwing = { debug: boom('debug'), info: boom('info'), warn: boom('warn'), error: boom('error') }
  const context = () => ({ getRemainingTimeInMillis: () => 10_000 }) as never

  beforeEach(() => clearCache())

  test('loses its line and nothing else: packageLog never throws', () => {
    const log = packageLog(throwing, 'debug')
    expect(() => ['debug', 'info', 'warn', 'error'].forEach((m) => log[m as 'debug']('line', { key: 'k' }))).not.toThrow()
  })

  test('`ready` still never rejects (the prefetch debug line; nobody awaits it, so a rejection would end the process at init)', async () => {
    const mw = secrets({ context: { k: secret('missing') }, stores: { secretsManager: memoryStore() }, logger: throwing, logLevel: 'debug' })
    await expect(mw.ready).resolves.toBeUndefined()
  })

  test('retrying(): the retry runs', async () => {
    const mw = secrets({ context: { c: secret('c') }, stores: { secretsManager: memoryStore({ secrets: { c: 'v1' } }) }, prefetch: false, logger: throwing, refreshOn: () => ['c'] })
    let runs = 0
    const handler = middy()
      .use(mw)
      .handler(
        mw.retrying(async () => {
          if (runs++ === 0) throw new Error('first attempt')
          return 'second ok'
        }),
      )
    await expect(handler({}, context())).resolves.toBe('second ok')
  })

  test("refreshOn and the logger both throwing: the caller still gets the handler's error", async () => {
    const refreshOn = () => {
      throw new Error('refreshOn bug')
    }
    const handler = middy()
      .use(secrets({ context: { b: secret('b') }, stores: { secretsManager: memoryStore({ secrets: { b: 'v1' } }) }, prefetch: false, logger: throwing, refreshOn }))
      .handler(async () => {
        throw new Error('handler error')
      })
    await expect(handler({}, context())).rejects.toThrow('handler error')
  })
})
