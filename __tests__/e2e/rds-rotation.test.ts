/**
 * End to end: the rds-rotation example (examples/rds-rotation/handler.mjs, through the built
 * package) against a real PostgreSQL and the local AWS stand-in, while a rotation function
 * written here plays AWS's rotation strategies for real, through the real SDK:
 *
 *   createSecret  PutSecretValue: a new version labelled AWSPENDING, with a new random password
 *   setSecret     ALTER ROLE ... PASSWORD on the server, as the admin (the "master" secret);
 *                 then the user's sessions are terminated (pg_terminate_backend). PostgreSQL
 *                 keeps existing sessions after a password change; terminating them plays the
 *                 worst case, where the next query must log in again with the new password (as
 *                 after an idle timeout, a failover, or in a new execution environment)
 *   testSecret    a new connection with the pending credentials
 *   finishSecret  UpdateSecretVersionStage: AWSCURRENT moves to the pending version
 *
 * One Lambda environment is simulated: sequential invocations, a module-scoped cache and a
 * module-scoped connection. Time is virtual (Date.now moves STEP_MS per invocation and stands
 * still within one), so TTL expiries fall on known invocations and the counts are deterministic.
 *
 * Skipped, with a warning that says why, only when PostgreSQL cannot be started here.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { inspect } from 'node:util'
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import pg from 'pg'
import { coldStart, createHandler, stats, type ExampleLogger, type HandlerOptions } from '../../examples/rds-rotation/handler.mjs'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { SecretsModel } from '../../lib/testing/model.js'
import { startPostgres, type PostgresCluster } from '../support/postgres.js'

// ---- The cluster, or why there is none --------------------------------------------------------

let cluster: PostgresCluster | undefined
let unavailable = ''
try {
  cluster = await startPostgres()
} catch (error) {
  unavailable = (error as Error).message
  console.warn(`SKIPPED __tests__/e2e/rds-rotation.test.ts: PostgreSQL cannot be started here: ${unavailable}`)
}
const describeWithPostgres = cluster ? describe : describe.skip

afterAll(async () => {
  await coldStart() // closes the example's connection
  await cluster?.stop()
})

// ---- Scenario constants -----------------------------------------------------------------------

const INVOCATIONS = 200
/** Virtual time between two invocations. */
const STEP_MS = 1_000
/** The cache TTL the example is given (seconds); jitter 0 so expiries fall on known invocations. */
const TTL_S = 30
const SECRET_ID = 'prod/db'
const ADMIN_SECRET_ID = 'prod/db-admin'
const APP_DB = 'app'
const credentialsForSdk = { accessKeyId: 'test', secretAccessKey: 'test' }

interface DbSecret {
  engine: 'postgres'
  host: string
  port: number
  dbname: string
  username: string
  password: string
}

/** Every password that exists in this run: none may appear in any log line. */
const passwords = new Set<string>()
function newPassword(): string {
  const password = `pw-${randomBytes(18).toString('base64url')}`
  passwords.add(password)
  return password
}

function dbSecret(username: string, password: string, dbname = APP_DB): DbSecret {
  return { engine: 'postgres', host: cluster!.host, port: cluster!.port, dbname, username, password }
}

function connect(secret: DbSecret): Promise<pg.Client> {
  const client = new pg.Client({ host: secret.host, port: secret.port, database: secret.dbname, user: secret.username, password: secret.password })
  return client.connect().then(() => client)
}

async function asAdmin<T>(work: (client: pg.Client) => Promise<T>, dbname = APP_DB): Promise<T> {
  const client = await connect(dbSecret(cluster!.adminUser, cluster!.adminPassword, dbname))
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** Ends the user's sessions: the worst case of a password change (PostgreSQL itself keeps them). */
async function terminateSessions(admin: pg.Client, username: string): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where usename = $1 and pid <> pg_backend_pid()', [username])
  for (const { pid } of rows) await admin.query('select pg_terminate_backend($1)', [pid])
  for (let i = 0; i < 200; i++) {
    const left = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where usename = $1 and pid <> pg_backend_pid()', [username])
    if (left.rows[0]!.n === 0) break
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await new Promise((resolve) => setTimeout(resolve, 20)) // let the clients read the FATAL and close
  return rows.length
}

// ---- The rotation function (AWS's templates, in TypeScript, on the real SDK) -----------------

type Strategy = 'single-user' | 'alternating-users'
type Step = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret'

class RotationFunction {
  /** What each step did, for the report (never a password). */
  readonly events: string[] = []
  terminated = 0

  constructor(
    private readonly sm: SecretsManagerClient,
    private readonly strategy: Strategy,
  ) {}

  async handle(event: { SecretId: string; ClientRequestToken: string; Step: Step }): Promise<void> {
    const { SecretId: id, ClientRequestToken: token, Step: step } = event
    if (step === 'createSecret') return this.createSecret(id, token)
    if (step === 'setSecret') return this.setSecret(id, token)
    if (step === 'testSecret') return this.testSecret(id, token)
    return this.finishSecret(id, token)
  }

  private async value(id: string, selector: { VersionStage?: string; VersionId?: string }): Promise<DbSecret> {
    const out = await this.sm.send(new GetSecretValueCommand({ SecretId: id, ...selector }))
    return JSON.parse(out.SecretString!) as DbSecret
  }

  private async pending(id: string, token: string): Promise<DbSecret> {
    return this.value(id, { VersionId: token, VersionStage: 'AWSPENDING' })
  }

  /** A new AWSPENDING version: same user (single) or the other one of the pair (alternating). */
  private async createSecret(id: string, token: string): Promise<void> {
    const current = await this.value(id, { VersionStage: 'AWSCURRENT' })
    try {
      await this.pending(id, token)
      return // already created by an earlier attempt of this rotation
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error
    }
    let username = current.username
    if (this.strategy === 'alternating-users') username = username.endsWith('_clone') ? username.slice(0, -'_clone'.length) : `${username}_clone`
    await this.sm.send(
      new PutSecretValueCommand({
        SecretId: id,
        ClientRequestToken: token,
        SecretString: JSON.stringify({ ...current, username, password: newPassword() }),
        VersionStages: ['AWSPENDING'],
      }),
    )
    this.events.push(`createSecret: AWSPENDING for ${username}`)
  }

  /** The pending password on the server, set by the admin; the user's sessions are terminated. */
  private async setSecret(id: string, token: string): Promise<void> {
    const pending = await this.pending(id, token)
    const admin = await this.value(ADMIN_SECRET_ID, { VersionStage: 'AWSCURRENT' })
    const client = await connect({ ...admin, dbname: pending.dbname })
    try {
      const role = client.escapeIdentifier(pending.username)
      const password = client.escapeLiteral(pending.password)
      const exists = await client.query('select 1 from pg_roles where rolname = $1', [pending.username])
      if (exists.rowCount === 0) {
        // The alternating template creates the clone with the current user's grants.
        await client.query(`create role ${role} login password ${password} in role app_rw`)
        this.events.push(`setSecret: created role ${pending.username}`)
      } else {
        await client.query(`alter role ${role} password ${password}`)
        const n = await terminateSessions(client, pending.username)
        this.terminated += n
        this.events.push(`setSecret: new password for ${pending.username}; ${n} session(s) terminated`)
      }
    } finally {
      await client.end()
    }
  }

  private async testSecret(id: string, token: string): Promise<void> {
    const client = await connect(await this.pending(id, token))
    try {
      await client.query('select count(*) from orders')
    } finally {
      await client.end()
    }
    this.events.push('testSecret: the pending credentials connect and read')
  }

  private async finishSecret(id: string, token: string): Promise<void> {
    const described = await this.sm.send(new DescribeSecretCommand({ SecretId: id }))
    const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0]
    if (current === token) return
    await this.sm.send(new UpdateSecretVersionStageCommand({ SecretId: id, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }))
    this.events.push('finishSecret: AWSCURRENT moved')
  }
}

/** One rotation (one token), step by step, as Secrets Manager invokes the function. */
function rotation(fn: RotationFunction, secretId = SECRET_ID): Record<Step, () => Promise<void>> {
  const token = randomUUID()
  const step = (Step: Step) => () => fn.handle({ SecretId: secretId, ClientRequestToken: token, Step })
  return { createSecret: step('createSecret'), setSecret: step('setSecret'), testSecret: step('testSecret'), finishSecret: step('finishSecret') }
}

// ---- Logs: the package's logger and everything written to the console / stdio ---------------

const lines: string[] = []
const collectingLogger: ExampleLogger = {
  debug: (message, ...details) => lines.push(`debug ${message} ${details.map((d) => inspect(d)).join(' ')}`),
  info: (message, ...details) => lines.push(`info ${message} ${details.map((d) => inspect(d)).join(' ')}`),
  warn: (message, ...details) => lines.push(`warn ${message} ${details.map((d) => inspect(d)).join(' ')}`),
  error: (message, ...details) => lines.push(`error ${message} ${details.map((d) => inspect(d)).join(' ')}`),
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const
function captureOutput(): () => void {
  const saved = CONSOLE_METHODS.map((m) => console[m])
  for (const m of CONSOLE_METHODS) console[m] = (...args: unknown[]) => void lines.push(`console.${m} ${args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ')}`)
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (lines.push(`stdout ${String(chunk)}`), out(chunk as string, ...(rest as [])))) as typeof process.stdout.write
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => (lines.push(`stderr ${String(chunk)}`), err(chunk as string, ...(rest as [])))) as typeof process.stderr.write
  return () => {
    CONSOLE_METHODS.forEach((m, i) => (console[m] = saved[i]!))
    process.stdout.write = out
    process.stderr.write = err
  }
}

function leakedPasswords(texts: readonly string[]): string[] {
  return texts.filter((text) => [...passwords].some((p) => text.includes(p)))
}

// ---- Virtual time -----------------------------------------------------------------------------

/**
 * Date.now (what the package reads) returns the start time plus offsetMs, which play() sets to
 * i * STEP_MS before invocation i: time stands still within an invocation and jumps between
 * two, so which invocation meets an expiry does not depend on how fast this machine is.
 */
const realNow = Date.now.bind(Date)
let offsetMs = 0
function useVirtualTime(): () => void {
  offsetMs = 0
  const start = realNow()
  Date.now = () => start + offsetMs
  return () => {
    Date.now = realNow
    offsetMs = 0
  }
}

// ---- The environment under test ---------------------------------------------------------------

interface Outcome {
  readonly i: number
  readonly ok: boolean
  readonly user?: string
  readonly code?: string
  /** String(error) and inspect(error), for the leak check. */
  readonly shown?: string
}

interface Run {
  outcomes: Outcome[]
  failures: Outcome[]
  /** Handler runs beyond one per invocation: retrying() re-runs. */
  reruns: number
  /** Calls the Lambda made to Secrets Manager, by operation. */
  lambdaCalls: Record<string, number>
  /** Calls the rotation function made. */
  rotationCalls: Record<string, number>
  pools: number
  connections: number
  connectionsLost: number
  rerunLogLines: number
  rotationEvents: string[]
  terminated: number
}

const figures: Record<string, Record<string, unknown>> = {}

function byOperation(server: AwsServer): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const call of server.calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1
  return counts
}

/**
 * Seeds the secrets, resets the database roles, starts two stand-in endpoints over one model
 * (one for the Lambda, one for the rotation function, so their calls are counted apart), runs
 * INVOCATIONS invocations and, before invocation i, the rotation steps scheduled at i.
 */
async function play(options: {
  strategy: Strategy
  handlerOptions: HandlerOptions
  schedule: (fn: RotationFunction) => Map<number, Array<() => Promise<void>>>
  invocations?: number
}): Promise<Run> {
  const initial = newPassword()
  await asAdmin(async (admin) => {
    await terminateSessions(admin, 'app_user')
    await terminateSessions(admin, 'app_user_clone')
    await admin.query('drop role if exists app_user_clone')
    await admin.query(`alter role app_user password ${admin.escapeLiteral(initial)}`)
  })
  const model = new SecretsModel({
    secrets: {
      [SECRET_ID]: JSON.stringify(dbSecret('app_user', initial)),
      [ADMIN_SECRET_ID]: JSON.stringify(dbSecret(cluster!.adminUser, cluster!.adminPassword, 'postgres')),
    },
  })
  const lambdaAws = await startAwsServer({ model })
  const rotationAws = await startAwsServer({ model })
  const sm = new SecretsManagerClient({ endpoint: rotationAws.endpoint, region: 'us-east-1', credentials: credentialsForSdk })
  const fn = new RotationFunction(sm, options.strategy)
  const schedule = options.schedule(fn)

  await coldStart()
  lines.length = 0
  const restoreTime = useVirtualTime()
  const restoreOutput = captureOutput()
  const outcomes: Outcome[] = []
  const invocations = options.invocations ?? INVOCATIONS
  try {
    const { handler, middleware } = createHandler({
      ttl: TTL_S,
      jitter: 0,
      // The figures are the TTL's arithmetic; refresh ahead (on by default) narrows the TTL-only
      // window further: measured in its own test below.
      refreshAhead: 0,
      logger: collectingLogger,
      clientOptions: { endpoint: lambdaAws.endpoint, region: 'us-east-1', credentials: credentialsForSdk },
      ...options.handlerOptions,
    })
    await middleware.ready // the prefetch, in the init phase
    for (let i = 0; i < invocations; i++) {
      for (const step of schedule.get(i) ?? []) await step()
      offsetMs = i * STEP_MS
      const context = { awsRequestId: `req-${i}`, functionName: 'rds-rotation', getRemainingTimeInMillis: () => 10_000 }
      try {
        const result = await handler({ maxId: 1000 }, context)
        outcomes.push({ i, ok: true, user: result.user })
      } catch (error) {
        outcomes.push({ i, ok: false, code: (error as { code?: string }).code ?? (error as Error).name, shown: `${String(error)}\n${inspect(error)}` })
      }
    }
    return {
      outcomes,
      failures: outcomes.filter((o) => !o.ok),
      reruns: stats.runs - invocations,
      lambdaCalls: byOperation(lambdaAws),
      rotationCalls: byOperation(rotationAws),
      pools: stats.pools,
      connections: stats.connections,
      connectionsLost: stats.connectionsLost,
      rerunLogLines: lines.filter((l) => l.includes('running it once more')).length,
      rotationEvents: fn.events,
      terminated: fn.terminated,
    }
  } finally {
    restoreOutput()
    restoreTime()
    sm.destroy()
    await coldStart() // closes the connection, empties the cache
    await lambdaAws.close()
    await rotationAws.close()
  }
}

/** Keeps a run's figures (all but the per-invocation outcomes) for the summary printed at the end. */
function snapshot(run: Run, name: string): void {
  const { outcomes, failures, ...rest } = run
  figures[name] = {
    invocations: outcomes.length,
    failed: failures.length,
    failedInvocations: ranges(failures.map((f) => f.i)),
    ...rest,
  }
}

/** [105, 106, 107, 110] -> '105-107, 110' */
function ranges(numbers: readonly number[]): string {
  const parts: string[] = []
  for (let k = 0; k < numbers.length; k++) {
    const start = numbers[k]!
    while (k + 1 < numbers.length && numbers[k + 1] === numbers[k]! + 1) k++
    parts.push(start === numbers[k] ? `${start}` : `${start}-${numbers[k]}`)
  }
  return parts.join(', ')
}

/**
 * No password in: the package's and the handler's log lines, anything written to the console,
 * stdout or stderr, the failed invocations' errors (String and inspect), the server's log.
 */
function expectNoLeaks(run: Run): void {
  const sample = [...passwords][0]!
  expect(leakedPasswords([`a line with ${sample} in it`])).toHaveLength(1) // the detector works
  expect(lines.length).toBeGreaterThan(0) // there was something to check
  expect(leakedPasswords(lines)).toEqual([])
  expect(leakedPasswords(run.failures.map((f) => f.shown ?? ''))).toEqual([])
  expect(leakedPasswords(cluster!.serverLog().split('\n'))).toEqual([])
}

/** The GetSecretValue calls one environment makes in INVOCATIONS * STEP_MS of (virtual) time. */
function getSecretValueBounds(reruns: number, invocations = INVOCATIONS): [number, number] {
  const expiries = (invocations * STEP_MS) / (TTL_S * 1000)
  // prefetch + one per TTL period, + one per re-run (a refresh before it), + 1 for where a
  // refresh triggered by a rotation shifts the TTL grid.
  return [1 + Math.floor(expiries) - 1, 1 + Math.ceil(expiries) + reruns + 1]
}

// ---- The tests --------------------------------------------------------------------------------

describeWithPostgres('rotating the database password under a running Lambda (real PostgreSQL)', () => {
  beforeAll(async () => {
    passwords.add(cluster!.adminPassword)
    await asAdmin((admin) => admin.query(`create database ${APP_DB}`), 'postgres')
    await asAdmin(async (admin) => {
      await admin.query('create role app_rw nologin')
      await admin.query('create table orders (id int primary key, total numeric not null)')
      await admin.query('insert into orders select g, g * 10 from generate_series(1, 50) g')
      await admin.query('grant select on orders to app_rw')
      await admin.query(`create role app_user login password ${admin.escapeLiteral(newPassword())} in role app_rw`)
    })
  })

  afterAll(() => {
    // The measured figures, for the README section (printed with the real console).
    console.log(`rds-rotation e2e figures (PostgreSQL ${cluster?.version}, ${INVOCATIONS} invocations, ${STEP_MS / 1000} s apart, ttl ${TTL_S} s):\n${JSON.stringify(figures, null, 2)}`)
  }, 60_000)

  /** Single-user: the rotation function's four steps run back to back before invocation 105. */
  const singleUserSchedule = (fn: RotationFunction): Map<number, Array<() => Promise<void>>> => {
    const r = rotation(fn)
    return new Map([
      [100, [r.createSecret]],
      [105, [r.setSecret, r.testSecret, r.finishSecret]],
    ])
  }

  test('single user, refreshOn + retrying: no failed invocation; one re-run', async () => {
    const run = await play({ strategy: 'single-user', handlerOptions: {}, schedule: singleUserSchedule })
    snapshot(run, 'single-user, refreshOn + retrying')

    expect(run.failures).toEqual([])
    expect(run.outcomes.every((o) => o.user === 'app_user')).toBe(true)
    expect(run.rotationEvents).toEqual([
      'createSecret: AWSPENDING for app_user',
      'setSecret: new password for app_user; 1 session(s) terminated',
      'testSecret: the pending credentials connect and read',
      'finishSecret: AWSCURRENT moved',
    ])
    // The first invocation after the password change meets 28P01 once, refreshes, re-runs.
    expect(run.reruns).toBe(1)
    expect(run.rerunLogLines).toBe(1)
    // AWS calls of this environment: one GetSecretValue per TTL period, + one for the re-run.
    const [low, high] = getSecretValueBounds(run.reruns)
    expect(run.lambdaCalls.GetSecretValue).toBeGreaterThanOrEqual(low)
    expect(run.lambdaCalls.GetSecretValue).toBeLessThanOrEqual(high)
    expect(Object.keys(run.lambdaCalls)).toEqual(['GetSecretValue']) // no Describe, no Batch
    // Connections: the first pool, and one with the new password.
    expect(run.pools).toBe(2)
    expect(run.connections).toBeLessThanOrEqual(3)
    expectNoLeaks(run)
  }, 60_000)

  test('single user, without refreshOn, with refresh ahead (the default): fewer failures than the TTL alone', async () => {
    const run = await play({ strategy: 'single-user', handlerOptions: { refreshOn: false, refreshAhead: 0.1 }, schedule: singleUserSchedule })
    snapshot(run, 'single-user, no refreshOn, refresh ahead 0.1')
    // The value is fetched again in the background from 27 s of its 30 s TTL on, so the old
    // password serves for less of the window than the TTL-only run's 15 invocations.
    expect(run.failures.length).toBeGreaterThan(0)
    expect(run.failures.length).toBeLessThan(15)
    expect(run.failures.every((f) => f.code === '28P01')).toBe(true)
    expect(run.failures.map((f) => f.i)).toEqual(run.failures.map((_, k) => 105 + k))
    expectNoLeaks(run)
  })

  test('single user, without refreshOn: every invocation until the TTL expires fails', async () => {
    const run = await play({ strategy: 'single-user', handlerOptions: { refreshOn: false }, schedule: singleUserSchedule })
    snapshot(run, 'single-user, no refreshOn (TTL only)')

    expect(run.failures.length).toBeGreaterThan(0)
    expect(run.failures.length).toBeLessThanOrEqual((TTL_S * 1000) / STEP_MS)
    // Exactly: the cached value was last fetched at the TTL expiry before the password change
    // (90 s), so it serves the old password until 120 s; invocations 105..119 fail (15).
    const changedAt = 105 * STEP_MS
    const expiresAt = (Math.floor(changedAt / (TTL_S * 1000)) + 1) * TTL_S * 1000
    expect(run.failures.length).toBe((expiresAt - changedAt) / STEP_MS)
    expect(run.failures.every((f) => f.code === '28P01')).toBe(true)
    // They are the invocations from the password change to the next TTL expiry, one run each.
    const first = run.failures[0]!.i
    expect(first).toBe(105)
    expect(run.failures.map((f) => f.i)).toEqual(run.failures.map((_, k) => first + k))
    expect(run.reruns).toBe(0)
    const [low, high] = getSecretValueBounds(0)
    expect(run.lambdaCalls.GetSecretValue).toBeGreaterThanOrEqual(low)
    expect(run.lambdaCalls.GetSecretValue).toBeLessThanOrEqual(high)
    expectNoLeaks(run)
  }, 60_000)

  test('single user, refreshOn without retrying: the one invocation that meets the new password fails, the next succeeds', async () => {
    const run = await play({ strategy: 'single-user', handlerOptions: { retry: false }, schedule: singleUserSchedule })
    snapshot(run, 'single-user, refreshOn without retrying')

    expect(run.failures.map((f) => [f.i, f.code])).toEqual([[105, '28P01']])
    expect(run.reruns).toBe(0)
    expectNoLeaks(run)
  }, 60_000)

  test("single user: a request between setSecret and finishSecret fails even with retrying (the strategy's window)", async () => {
    // The rotation function's steps are separate Lambda invocations: here 2 s apart.
    const run = await play({
      strategy: 'single-user',
      handlerOptions: {},
      invocations: 40,
      schedule: (fn) => {
        const r = rotation(fn)
        return new Map([
          [10, [r.createSecret]],
          [20, [r.setSecret]],
          [22, [r.testSecret]],
          [24, [r.finishSecret]],
        ])
      },
    })
    snapshot(run, 'single-user window (setSecret at 20, finishSecret at 24), refreshOn + retrying')

    // Invocations 20..23: the server has the new password, AWSCURRENT still the old one; each
    // fails after its one re-run (which re-fetched the old value). From 24 on, all succeed.
    expect(run.failures.map((f) => f.i)).toEqual([20, 21, 22, 23])
    expect(run.failures.every((f) => f.code === '28P01')).toBe(true)
    expect(run.reruns).toBe(5) // one per failed invocation, + invocation 24's successful one
    expectNoLeaks(run)
  }, 60_000)

  test('alternating users, refreshOn + retrying: two rotations, no failure, no re-run', async () => {
    const run = await play({
      strategy: 'alternating-users',
      handlerOptions: {},
      schedule: (fn) => {
        const first = rotation(fn)
        const second = rotation(fn)
        // Steps spread out (each one a separate invocation of the rotation function).
        return new Map([
          [70, [first.createSecret]],
          [72, [first.setSecret]],
          [74, [first.testSecret]],
          [76, [first.finishSecret]],
          [140, [second.createSecret]],
          [142, [second.setSecret]],
          [144, [second.testSecret]],
          [146, [second.finishSecret]],
        ])
      },
    })
    snapshot(run, 'alternating users, two rotations, refreshOn + retrying')

    expect(run.failures).toEqual([])
    expect(run.reruns).toBe(0)
    expect(run.rotationEvents).toEqual([
      'createSecret: AWSPENDING for app_user_clone',
      'setSecret: created role app_user_clone',
      'testSecret: the pending credentials connect and read',
      'finishSecret: AWSCURRENT moved',
      'createSecret: AWSPENDING for app_user',
      'setSecret: new password for app_user; 0 session(s) terminated',
      'testSecret: the pending credentials connect and read',
      'finishSecret: AWSCURRENT moved',
    ])
    // The environment follows AWSCURRENT at its TTL expiries (90 and 150), never earlier.
    const userAt = (i: number): string | undefined => run.outcomes[i]!.user
    expect(userAt(89)).toBe('app_user')
    expect(userAt(90)).toBe('app_user_clone')
    expect(userAt(149)).toBe('app_user_clone')
    expect(userAt(150)).toBe('app_user')
    const [low, high] = getSecretValueBounds(0)
    expect(run.lambdaCalls.GetSecretValue).toBeGreaterThanOrEqual(low)
    expect(run.lambdaCalls.GetSecretValue).toBeLessThanOrEqual(high)
    expect(run.pools).toBe(3)
    expectNoLeaks(run)
  }, 60_000)
})

if (!cluster) {
  test.skip(`rds-rotation e2e (PostgreSQL cannot be started: ${unavailable})`, () => undefined)
}
