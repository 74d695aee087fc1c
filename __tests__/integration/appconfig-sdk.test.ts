/**
 * The AWS stand-in's AppConfigData through the real @aws-sdk/client-appconfigdata over HTTP:
 * sessions, the configuration as a raw payload with its headers, an empty answer when nothing
 * changed, one call per token, the poll interval, 24-hour tokens on the server's clock, and every
 * error shape parsed by the SDK as AWS's (name, status, fault, members).
 */
import {
  AppConfigDataClient,
  BadRequestException,
  GetLatestConfigurationCommand,
  type GetLatestConfigurationCommandOutput,
  ResourceNotFoundException,
  StartConfigurationSessionCommand,
  type StartConfigurationSessionCommandInput,
} from '@aws-sdk/client-appconfigdata'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server/index.js'
import { credentials, failure, resetServer } from '../testing/aws-server/harness.js'
import { errorTexts, expectNoLeak } from './helpers.js'

const FLAGS = '{"beta":true,"secret-ish":"flag-value-Q4v"}'
const BYTES = new Uint8Array([0, 1, 254, 255])
const DAY_MS = 24 * 3_600_000

let server: AwsServer
let client: AppConfigDataClient

function clientWithClock(offsetMs: number): AppConfigDataClient {
  // A client whose signatures follow the server's clock: systemClockOffset, as the SDK learns it from Date.
  return new AppConfigDataClient({ endpoint: server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1, systemClockOffset: offsetMs })
}

async function start(input: Partial<StartConfigurationSessionCommandInput> = {}, via = client): Promise<string> {
  const out = await via.send(
    new StartConfigurationSessionCommand({ ApplicationIdentifier: 'shop', EnvironmentIdentifier: 'prod', ConfigurationProfileIdentifier: 'flags', RequiredMinimumPollIntervalInSeconds: 15, ...input }),
  )
  return out.InitialConfigurationToken!
}

function poll(token: string, via = client): Promise<GetLatestConfigurationCommandOutput> {
  return via.send(new GetLatestConfigurationCommand({ ConfigurationToken: token }))
}

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes)

beforeAll(async () => {
  server = await startAwsServer({
    seed: {
      appConfig: {
        'shop/prod/flags': FLAGS,
        'shop/prod/live': '{"beta":true}',
        'shop/prod/banner': { content: 'Hello', contentType: 'text/plain', versionLabel: 'v1' },
        'shop/prod/blob': { content: BYTES, contentType: 'application/octet-stream' },
      },
    },
  })
  client = clientWithClock(0)
})

afterAll(async () => {
  client.destroy()
  await server.close()
})

beforeEach(() => resetServer(server))

describe('a session and its polls', () => {
  test('the first poll: the configuration bytes, Content-Type, the next token and the poll interval', async () => {
    const token = await start()
    const out = await poll(token)
    expect(text(out.Configuration)).toBe(FLAGS)
    expect(out).toMatchObject({ ContentType: 'application/json', NextPollIntervalInSeconds: 15 })
    expect(out.VersionLabel).toBeUndefined()
    expect(out.NextPollConfigurationToken).toEqual(expect.any(String))
    expect(out.NextPollConfigurationToken).not.toBe(token)
    expect(out.$metadata.httpStatusCode).toBe(200)
  })

  test('binary content and a version label come through as AWS sends them', async () => {
    const blob = await poll(await start({ ConfigurationProfileIdentifier: 'blob' }))
    expect([...blob.Configuration!]).toEqual([...BYTES])
    expect(blob.ContentType).toBe('application/octet-stream')
    const banner = await poll(await start({ ConfigurationProfileIdentifier: 'banner' }))
    expect(banner).toMatchObject({ ContentType: 'text/plain', VersionLabel: 'v1' })
    expect(text(banner.Configuration)).toBe('Hello')
  })

  test('unchanged since the last answer: an empty Configuration; changed: the new bytes and Version-Label', async () => {
    const first = await poll(await start({ ConfigurationProfileIdentifier: 'live' }))
    server.setClockOffset(15_000)
    const unchanged = await poll(first.NextPollConfigurationToken!)
    expect(unchanged.Configuration?.length ?? 0).toBe(0) // an empty body, which the SDK reads as no Configuration
    expect(unchanged.VersionLabel).toBeUndefined()

    server.model.appConfig.deploy('shop', 'prod', 'live', '{"beta":false}', { versionLabel: 'release-2' })
    server.setClockOffset(30_000)
    const changed = await poll(unchanged.NextPollConfigurationToken!)
    expect(text(changed.Configuration)).toBe('{"beta":false}')
    expect(changed.VersionLabel).toBe('release-2')
  })

  test('the default poll interval is 60 s; 15 and 86400 are accepted, outside them is BadRequestException', async () => {
    expect((await poll(await start({ RequiredMinimumPollIntervalInSeconds: undefined }))).NextPollIntervalInSeconds).toBe(60)
    expect((await poll(await start({ RequiredMinimumPollIntervalInSeconds: 86_400 }))).NextPollIntervalInSeconds).toBe(86_400)
    for (const seconds of [14, 86_401]) {
      const error = await failure(start({ RequiredMinimumPollIntervalInSeconds: seconds }))
      expect(error).toBeInstanceOf(BadRequestException)
      expect(error.message).toBe('RequiredMinimumPollIntervalInSeconds must be between 15 and 86400.')
    }
  })

  test('a session by ids reads the same configuration; the call log names application/environment/profile as given', async () => {
    const { application, environment, profile } = server.model.appConfig.resolve('shop', 'prod', 'flags')
    const ids = `${application.id}/${environment.id}/${profile.id}`
    const token = await start({ ApplicationIdentifier: application.id, EnvironmentIdentifier: environment.id, ConfigurationProfileIdentifier: profile.id })
    expect(text((await poll(token)).Configuration)).toBe(FLAGS)
    expect(server.calls.map((c) => [c.operation, c.names, c.status])).toEqual([
      ['StartConfigurationSession', [ids], 201],
      ['GetLatestConfiguration', [ids], 200],
    ])
  })
})

describe('tokens', () => {
  test('a poll before the interval: BadRequestException (PollIntervalNotSatisfied) with no value in it; the token works once the interval has passed', async () => {
    const first = await poll(await start())
    server.setClockOffset(14_000)
    const early = await failure(poll(first.NextPollConfigurationToken!))
    expect(early).toBeInstanceOf(BadRequestException)
    expect(early).toMatchObject({
      name: 'BadRequestException',
      message: 'Request too early',
      $fault: 'client',
      Reason: 'InvalidParameters',
      Details: { InvalidParameters: { ConfigurationToken: { Problem: 'PollIntervalNotSatisfied' } } },
    })
    expect(early.$metadata?.httpStatusCode).toBe(400)
    expectNoLeak(errorTexts(early), ['flag-value-Q4v', 'beta'])
    server.setClockOffset(15_000)
    await expect(poll(first.NextPollConfigurationToken!)).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } })
  })

  test('each token is good for one call: a used one is Expired', async () => {
    const token = await start()
    await poll(token)
    const again = await failure(poll(token))
    expect(again).toMatchObject({ name: 'BadRequestException', message: 'The configuration token has already been used.' })
    expect(again).toMatchObject({ Details: { InvalidParameters: { ConfigurationToken: { Problem: 'Expired' } } } })
  })

  test('a token the server never issued is Corrupted', async () => {
    const error = await failure(poll('forged-token'))
    expect(error).toBeInstanceOf(BadRequestException)
    expect(error).toMatchObject({ Details: { InvalidParameters: { ConfigurationToken: { Problem: 'Corrupted' } } } })
    expect(server.calls.at(-1)).toMatchObject({ operation: 'GetLatestConfiguration', names: [], status: 400 })
  })

  test('a token is good for 24 hours on the server clock', async () => {
    const fresh = await start()
    const aging = await start()
    server.setClockOffset(DAY_MS - 60_000)
    const late = clientWithClock(DAY_MS - 60_000)
    await expect(poll(fresh, late)).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } })
    server.setClockOffset(DAY_MS + 1000)
    const later = clientWithClock(DAY_MS + 1000)
    const expired = await failure(poll(aging, later))
    late.destroy()
    later.destroy()
    expect(expired).toMatchObject({ name: 'BadRequestException', message: 'The configuration token has expired.' })
    expect(expired).toMatchObject({ Details: { InvalidParameters: { ConfigurationToken: { Problem: 'Expired' } } } })
  })
})

describe('errors as the SDK parses them', () => {
  test("a request signed 20 minutes off the server's clock: InvalidSignatureException with 403, as AWS's REST front end answers; the SDK re-signs from Date", async () => {
    const own = clientWithClock(0) // it learns the server's offset: no other test shares it
    server.setClockOffset(20 * 60_000)
    const refused = await failure(start({}, own))
    const retried = await start({}, own).finally(() => own.destroy()) // the client learnt the offset from the refusal's Date header
    expect(refused).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } })
    expect(refused.message).toMatch(/^Signature expired/)
    expect(retried).toEqual(expect.any(String))
  })

  test('an unknown application, environment or profile: ResourceNotFoundException, 404, with its ResourceType', async () => {
    const cases: Array<[Partial<StartConfigurationSessionCommandInput>, string]> = [
      [{ ApplicationIdentifier: 'nope' }, 'Application'],
      [{ EnvironmentIdentifier: 'nope' }, 'Environment'],
      [{ ConfigurationProfileIdentifier: 'nope' }, 'ConfigurationProfile'],
    ]
    for (const [input, resourceType] of cases) {
      const error = await failure(start(input))
      expect(error).toBeInstanceOf(ResourceNotFoundException)
      expect(error).toMatchObject({ $fault: 'client', ResourceType: resourceType, $metadata: { httpStatusCode: 404 } })
      expect(error.message).toContain('nope')
    }
  })

  test('a profile with nothing deployed to the environment: ResourceNotFoundException (Deployment) on the poll', async () => {
    server.model.appConfig.createEnvironment('shop', 'staging')
    const error = await failure(poll(await start({ EnvironmentIdentifier: 'staging' })))
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', ResourceType: 'Deployment' })
  })

  test('an identifier missing from the body: BadRequestException', async () => {
    const error = await failure(client.send(new StartConfigurationSessionCommand({ ApplicationIdentifier: 'shop', EnvironmentIdentifier: 'prod' } as StartConfigurationSessionCommandInput)))
    expect(error).toBeInstanceOf(BadRequestException)
    expect(error.message).toContain("'configurationProfileIdentifier'")
  })

  test('a request that is not JSON: SerializationException, with no part of the body in the message', async () => {
    const response = await fetch(`${server.endpoint}/configurationsessions`, { method: 'POST', body: '{"ApplicationIdentifier":"secret-Hx7"' })
    const body = await response.text()
    expect(response.status).toBe(400)
    expect(response.headers.get('x-amzn-errortype')).toBe('SerializationException')
    expect(body).not.toContain('secret-Hx7')
  })
})
