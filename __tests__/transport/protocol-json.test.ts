/**
 * The AWS JSON protocols against a local server that records requests and answers canned JSON:
 * DynamoDB (JSON 1.0, AttributeValue blobs at any depth), the request encoding (target, content
 * type, body, path), SigV4 headers checked by the SDK's own signer, and error names as AWS
 * spells them. The SDK transport, pointed at the same server, is the reference.
 */
import { httpsTransport } from '../../lib/transport/https.js'
import { sdkTransport } from '../../lib/transport/sdk.js'
import type { AwsService } from '../../lib/transport/transport.js'
import { CREDENTIALS, failure, json, localConfig, options, output, startCaptureServer, type CaptureServer } from './support.js'
import { expectedAuthorization } from './verify-signature.js'

let server: CaptureServer

beforeAll(async () => {
  server = await startCaptureServer()
})
afterAll(() => server.close())
beforeEach(() => void server.requests.splice(0))

const B64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64')

const ITEM = {
  id: { S: 'a' },
  n: { N: '1.50' },
  b: { B: B64([0, 1, 2, 255]) },
  bs: { BS: [B64([1]), B64([2, 3])] },
  m: { M: { inner: { B: B64([9]) }, deeper: { M: { x: { BS: [B64([7])] } } } } },
  l: { L: [{ B: B64([4]) }, { S: 's' }, { L: [{ B: B64([5]) }] }] },
  nul: { NULL: true },
  yes: { BOOL: true },
  ss: { SS: ['x', 'y'] },
  ns: { NS: ['1', '2'] },
}

/** Both transports of `service`, pointed at `endpoint`. */
function pair(service: AwsService, endpoint = server.endpoint) {
  return {
    lean: httpsTransport(localConfig(service, endpoint)),
    sdk: sdkTransport(service, { clientOptions: { endpoint, region: 'eu-west-1', credentials: CREDENTIALS } }),
  }
}

describe('DynamoDB (AWS JSON 1.0)', () => {
  test.each([
    ['GetItem', { TableName: 't', Key: { id: { S: 'a' }, bin: { B: new Uint8Array([1, 2]) } } }, { Item: ITEM }],
    [
      'BatchGetItem',
      { RequestItems: { t: { Keys: [{ id: { S: 'a' } }, { id: { B: new Uint8Array([3]) } }] } } },
      { Responses: { t: [ITEM, { id: { S: 'b' } }] }, UnprocessedKeys: { t: { Keys: [{ id: { B: B64([3]) } }], ConsistentRead: true } } },
    ],
    [
      'Query',
      { TableName: 't', KeyConditionExpression: 'id = :id', ExpressionAttributeValues: { ':id': { S: 'a' } } },
      { Items: [ITEM], Count: 1, ScannedCount: 1, LastEvaluatedKey: { id: { B: B64([8, 9]) } } },
    ],
  ])('%s: the same request and the same output as the SDK', async (operation, input, answer) => {
    server.answer((_request, res) => json(res, 200, answer, { 'content-type': 'application/x-amz-json-1.0' }))
    const { lean, sdk } = pair('dynamodb')
    const leanOut = output(await lean.call(operation, input, options()))
    const sdkOut = output(await sdk.call(operation, input, options()))
    expect(leanOut).toStrictEqual(sdkOut)

    const [leanRequest, sdkRequest] = server.requests
    expect(leanRequest).toMatchObject({ method: 'POST', url: '/' })
    expect(leanRequest!.headers['content-type']).toBe('application/x-amz-json-1.0')
    expect(leanRequest!.headers['x-amz-target']).toBe(`DynamoDB_20120810.${operation}`)
    expect(leanRequest!.headers['x-amz-target']).toBe(sdkRequest!.headers['x-amz-target'])
    expect(JSON.parse(leanRequest!.body)).toStrictEqual(JSON.parse(sdkRequest!.body))
  })

  test('B, BS, M and L decode to Uint8Arrays at any depth', async () => {
    server.answer((_request, res) => json(res, 200, { Item: ITEM }))
    type Attr = { B?: Uint8Array; BS?: Uint8Array[]; M?: Record<string, Attr>; L?: Attr[] }
    const { Item } = output(await pair('dynamodb').lean.call<{ Item: Record<string, Attr> }>('GetItem', { TableName: 't', Key: {} }, options()))
    expect(Item.b!.B).toStrictEqual(new Uint8Array([0, 1, 2, 255]))
    expect(Item.bs!.BS).toStrictEqual([new Uint8Array([1]), new Uint8Array([2, 3])])
    expect(Item.m!.M!.inner!.B).toStrictEqual(new Uint8Array([9]))
    expect(Item.m!.M!.deeper!.M!.x!.BS).toStrictEqual([new Uint8Array([7])])
    expect(Item.l!.L![0]!.B).toStrictEqual(new Uint8Array([4]))
    expect(Item.l!.L![2]!.L![0]!.B).toStrictEqual(new Uint8Array([5]))
  })

  test('a blob that is not base64 -> MalformedResponse, without the value', async () => {
    server.answer((_request, res) => json(res, 200, { Item: { b: { B: 'not base64 hunter2!' } } }))
    const error = failure(await pair('dynamodb').lean.call('GetItem', { TableName: 't', Key: {} }, options()))
    expect(error).toMatchObject({ code: 'MalformedResponse', httpStatus: 200, retryable: true })
    expect(JSON.stringify(error)).not.toContain('hunter2')
  })
})

describe('the request is signed as the SDK signs it', () => {
  test.each([
    ['dynamodb', 'GetItem', { TableName: 't', Key: { id: { S: 'ä €' } } }],
    ['secretsmanager', 'GetSecretValue', { SecretId: 'prod/db' }],
    ['ssm', 'GetParameters', { Names: ['/a', '/b'], WithDecryption: true }],
  ] as const)('%s %s', async (service, operation, input) => {
    await pair(service).lean.call(operation, input, options())
    const [request] = server.requests
    const authorization = String(request!.headers.authorization)
    expect(authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDTEST/\\d{8}/eu-west-1/${service}/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`))
    expect(authorization).toContain('x-amz-date;x-amz-security-token;x-amz-target')
    expect(request!.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken)
    expect(request!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/)
    expect(authorization).toBe(await expectedAuthorization(request!, { region: 'eu-west-1', service, credentials: CREDENTIALS }))
  })

  test('each attempt is signed anew, at its own time', async () => {
    const { lean } = pair('ssm')
    await lean.call('GetParameter', { Name: '/a' }, options())
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await lean.call('GetParameter', { Name: '/a' }, options())
    const [first, second] = server.requests
    expect(second!.headers['x-amz-date']).not.toBe(first!.headers['x-amz-date'])
    expect(second!.headers.authorization).not.toBe(first!.headers.authorization)
  })
})

test('an endpoint with a path: requests go to that path, as with the SDK', async () => {
  const { lean, sdk } = pair('secretsmanager', `${server.endpoint}/prefix/`)
  await lean.call('GetSecretValue', { SecretId: 'x' }, options())
  await sdk.call('GetSecretValue', { SecretId: 'x' }, options())
  expect(server.requests.map((r) => r.url)).toEqual(['/prefix/', '/prefix/'])
})

describe('error names as AWS spells them -> the same StoreError as the SDK path', () => {
  const REQUEST_ID = 'REQ-0123'
  test.each([
    ['__type with a namespace', 400, { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' }, {}, 'ResourceNotFoundException', false],
    ['the header with a :suffix', 400, {}, { 'x-amzn-errortype': 'ProvisionedThroughputExceededException:http://internal.amazon.com/coral/' }, 'ProvisionedThroughputExceededException', true],
    ['a code member', 400, { code: 'ThrottlingException', Message: 'Rate exceeded' }, {}, 'ThrottlingException', true],
    ['__type over the header', 400, { __type: 'ValidationException', message: 'bad' }, { 'x-amzn-errortype': 'Other' }, 'ValidationException', false],
    ['a 500 naming its error', 500, { __type: 'InternalServerError', message: 'oops' }, {}, 'InternalServerError', true],
    ['a 400 that names nothing', 400, {}, {}, 'MalformedResponse', true],
    ['a 504 that is not JSON', 504, '<html>gateway</html>', {}, 'HttpError504', true],
    // Not an error name (found by a leak review: a server that echoes data there put it, and forged lines, in every failure).
    ['__type that is no error name', 400, { __type: 'CANARY\n  - forged line', message: 'm' }, {}, 'UnknownError', false],
    ['a header too long to be one', 400, {}, { 'x-amzn-errortype': `${'A'.repeat(101)}Exception` }, 'UnknownError', false],
  ])('%s', async (_what, status, body, headers, code, retryable) => {
    server.answer((_request, res) => json(res, status, body, { 'x-amzn-requestid': REQUEST_ID, ...headers }))
    const { lean, sdk } = pair('dynamodb')
    const leanError = failure(await lean.call('GetItem', { TableName: 't', Key: {} }, options()))
    const sdkError = failure(await sdk.call('GetItem', { TableName: 't', Key: {} }, options()))
    expect(leanError).toStrictEqual(sdkError)
    expect(leanError).toMatchObject({ code, retryable, httpStatus: status, requestId: REQUEST_ID, operation: 'GetItem' })
  })
})

test('an operation the lean transport has no encoder for is refused without a request', async () => {
  const error = failure(await pair('dynamodb').lean.call('Scan', { TableName: 't' }, options()))
  expect(error).toMatchObject({ code: 'UnsupportedOperation', retryable: false })
  expect(server.requests).toHaveLength(0)
})
