/** aws-server/query.ts: the AWS query protocol: routing by Action and Version, form input, XML answers and XML errors. */
import { awsQuery, xml } from '../../../lib/testing/aws-server/query.js'
import type { RawRequest } from '../../../lib/testing/aws-server/wire.js'

const protocol = awsQuery({ version: '2011-06-15', xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/', errorCodes: { InvalidSignatureException: 'SignatureDoesNotMatch' } })

function request(body: string, contentType = 'application/x-www-form-urlencoded; charset=utf-8', method = 'POST'): RawRequest {
  return { method, path: '/', query: new URLSearchParams(), headers: { 'content-type': contentType }, body }
}

test('an operation is the Action of a form-encoded POST naming this Version; anything else is not addressed to the service', () => {
  expect(protocol.operationOf(request('Action=AssumeRole&Version=2011-06-15'))).toBe('AssumeRole')
  expect(protocol.operationOf(request('Version=2011-06-15'))).toBe('') // addressed to it, naming no operation
  expect(protocol.operationOf(request('Action=AssumeRole&Version=2010-05-08'))).toBeUndefined()
  expect(protocol.operationOf(request('Action=AssumeRole&Version=2011-06-15', 'application/x-amz-json-1.1'))).toBeUndefined()
  expect(protocol.operationOf(request('Action=AssumeRole&Version=2011-06-15', 'application/x-www-form-urlencoded', 'GET'))).toBeUndefined()
})

test('input: the form fields but Action and Version, as strings, decoded', () => {
  const body = 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&DurationSeconds=900'
  expect(protocol.input('AssumeRole', request(body))).toEqual({ input: { RoleArn: 'arn:aws:iam::123456789012:role/r', DurationSeconds: '900' } })
})

test('success: <OpResponse xmlns><OpResult> with the members in order, then ResponseMetadata', () => {
  const answer = protocol.success('AssumeRole', { A: { B: 'x', C: 3 }, D: undefined, E: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), F: ['p', 'q'] })
  expect(answer.status).toBe(200)
  expect(answer.contentType).toBe('text/xml')
  expect(answer.body).toMatch(
    /^<AssumeRoleResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><AssumeRoleResult><A><B>x<\/B><C>3<\/C><\/A><E>2026-01-02T03:04:05\.000Z<\/E><F><member>p<\/member><member>q<\/member><\/F><\/AssumeRoleResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/AssumeRoleResponse>$/,
  )
})

test('text is escaped', () => {
  expect(xml({ M: `<a href="x">&'` })).toBe('<M>&lt;a href=&quot;x&quot;&gt;&amp;&apos;</M>')
})

test("errors: <ErrorResponse><Error> with Type (Sender for 4xx, Receiver for 5xx), Code and Message; the server's names become the service's", () => {
  const denied = protocol.error({ code: 'AccessDenied', message: 'no', status: 403 })
  expect(denied).toEqual({ status: 403, contentType: 'text/xml', body: expect.stringMatching(/^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>AccessDenied<\/Code><Message>no<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/) })
  expect(protocol.error({ code: 'InternalFailure', message: 'oops', status: 500 }).body).toContain('<Error><Type>Receiver</Type><Code>InternalFailure</Code>')
  expect(protocol.error({ code: 'InvalidSignatureException', message: 'Signature expired', status: 403 }).body).toContain('<Code>SignatureDoesNotMatch</Code><Message>Signature expired</Message>')
  expect(protocol.error({ code: 'UnknownOperationException', status: 400 }).body).toContain('<Code>InvalidAction</Code><Message>The action or operation requested is invalid.')
  expect(protocol.error({ code: 'Throttling', message: '', status: 400 }).body).toContain('<Code>Throttling</Code></Error>')
})
