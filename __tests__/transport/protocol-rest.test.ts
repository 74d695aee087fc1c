/**
 * AppConfigData over REST-JSON against a local server: the session's POST with its JSON body,
 * the configuration's GET with its query token, the output read from the body and the headers,
 * SigV4 with the signing name `appconfig`, and errors named by the x-amzn-ErrorType header.
 * The SDK transport, pointed at the same server, is the reference.
 */
import { httpsTransport } from '../../lib/transport/https.js'
import { sdkTransport } from '../../lib/transport/sdk.js'
import { CREDENTIALS, failure, json, localConfig, options, output, startCaptureServer, type CaptureServer } from './support.js'
import { expectedAuthorization } from './verify-signature.js'

let server: CaptureServer

beforeAll(async () => {
  server = await startCaptureServer()
})
afterAll(() => server.close())
beforeEach(() => void server.requests.splice(0))

function pair() {
  return {
    lean: httpsTransport(localConfig('appconfigdata', server.endpoint)),
    sdk: sdkTransport('appconfigdata', { clientOptions: { endpoint: server.endpoint, region: 'eu-west-1', credentials: CREDENTIALS } }),
  }
}

const SESSION = { ApplicationIdentifier: 'app', EnvironmentIdentifier: 'prod', ConfigurationProfileIdentifier: 'flags', RequiredMinimumPollIntervalInSeconds: 15 }
// A token with every character that needs encoding in a query.
const TOKEN = 'AYADe/+=x y&z!*()'

test('StartConfigurationSession: POST /configurationsessions with a JSON body, answered 201', async () => {
  server.answer((_request, res) => json(res, 201, { InitialConfigurationToken: TOKEN }, { 'content-type': 'application/json' }))
  const { lean, sdk } = pair()
  const leanOut = output(await lean.call('StartConfigurationSession', SESSION, options()))
  expect(leanOut).toStrictEqual({ InitialConfigurationToken: TOKEN })
  expect(leanOut).toStrictEqual(output(await sdk.call('StartConfigurationSession', SESSION, options())))

  const [leanRequest, sdkRequest] = server.requests
  expect(leanRequest).toMatchObject({ method: 'POST', url: '/configurationsessions' })
  expect(leanRequest!.headers['content-type']).toBe('application/json')
  expect(leanRequest!.headers['x-amz-target']).toBeUndefined()
  expect(JSON.parse(leanRequest!.body)).toStrictEqual(SESSION)
  expect(JSON.parse(leanRequest!.body)).toStrictEqual(JSON.parse(sdkRequest!.body))
})

describe('GetLatestConfiguration', () => {
  const answerWith = (body: string | Buffer, headers: Record<string, string>) =>
    server.answer((_request, res) => {
      res.writeHead(200, headers)
      res.end(body)
    })

  test('GET /configuration?configuration_token=..., the token encoded as the SDK encodes it', async () => {
    answerWith('{}', { 'next-poll-configuration-token': 'next', 'next-poll-interval-in-seconds': '30' })
    const { lean, sdk } = pair()
    await lean.call('GetLatestConfiguration', { ConfigurationToken: TOKEN }, options())
    await sdk.call('GetLatestConfiguration', { ConfigurationToken: TOKEN }, options())
    const [leanRequest, sdkRequest] = server.requests
    expect(leanRequest!.method).toBe('GET')
    expect(leanRequest!.url).toBe(sdkRequest!.url)
    expect(new URL(leanRequest!.url, 'http://x').searchParams.get('configuration_token')).toBe(TOKEN)
    expect(leanRequest!.body).toBe('')
  })

  test.each<[string, string | Buffer, Record<string, string>]>([
    ['a JSON configuration with every header', '{"flag":true}', { 'content-type': 'application/json', 'next-poll-configuration-token': 'n2', 'next-poll-interval-in-seconds': '30', 'version-label': 'v7' }],
    ['binary bytes', Buffer.from([0, 255, 1, 128]), { 'content-type': 'application/octet-stream', 'next-poll-configuration-token': 'n3', 'next-poll-interval-in-seconds': '60' }],
    ['an empty body (unchanged since the last token)', '', { 'next-poll-configuration-token': 'n4', 'next-poll-interval-in-seconds': '15' }],
  ])('%s: the same output as the SDK', async (_what, body, headers) => {
    answerWith(body, headers)
    const { lean, sdk } = pair()
    const leanOut = output(await lean.call<Record<string, unknown>>('GetLatestConfiguration', { ConfigurationToken: 't' }, options()))
    expect(leanOut).toStrictEqual(output(await sdk.call('GetLatestConfiguration', { ConfigurationToken: 't' }, options())))
    expect(leanOut.Configuration).toStrictEqual(new Uint8Array(Buffer.from(body)))
    expect(leanOut.NextPollConfigurationToken).toBe(headers['next-poll-configuration-token'])
    expect(leanOut.NextPollIntervalInSeconds).toBe(Number(headers['next-poll-interval-in-seconds']))
    expect(leanOut.ContentType).toBe(headers['content-type'])
    expect(leanOut.VersionLabel).toBe(headers['version-label'])
  })

  test('a poll interval that is not an integer -> MalformedResponse', async () => {
    answerWith('x', { 'next-poll-interval-in-seconds': 'soon' })
    expect(failure(await pair().lean.call('GetLatestConfiguration', { ConfigurationToken: 't' }, options())).code).toBe('MalformedResponse')
  })
})

test('signed with the signing name appconfig, as the SDK signs it', async () => {
  await pair().lean.call('GetLatestConfiguration', { ConfigurationToken: TOKEN }, options())
  await pair().lean.call('StartConfigurationSession', SESSION, options())
  for (const request of server.requests) {
    expect(String(request.headers.authorization)).toContain('/eu-west-1/appconfig/aws4_request')
    expect(request.headers.authorization).toBe(await expectedAuthorization(request, { region: 'eu-west-1', service: 'appconfig', credentials: CREDENTIALS }))
  }
})

test.each([
  ['the x-amzn-ErrorType header', 404, { message: 'Application not found' }, { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/' }, 'ResourceNotFoundException'],
  ['the header over __type', 400, { __type: 'Other', Message: 'bad token' }, { 'x-amzn-errortype': 'BadRequestException' }, 'BadRequestException'],
  ['a code member', 429, { code: 'ThrottlingException', message: 'slow down' }, {}, 'ThrottlingException'],
  ['__type alone', 500, { __type: 'aws.protocoltests#InternalServerException' }, {}, 'InternalServerException'],
])('errors: %s -> the same StoreError as the SDK path', async (_what, status, body, headers, code) => {
  server.answer((_request, res) => json(res, status, body, { 'content-type': 'application/json', 'x-amzn-requestid': 'REQ-9', ...headers }))
  const { lean, sdk } = pair()
  const leanError = failure(await lean.call('GetLatestConfiguration', { ConfigurationToken: 't' }, options()))
  expect(leanError).toStrictEqual(failure(await sdk.call('GetLatestConfiguration', { ConfigurationToken: 't' }, options())))
  expect(leanError).toMatchObject({ code, httpStatus: status, requestId: 'REQ-9', operation: 'GetLatestConfiguration' })
})
