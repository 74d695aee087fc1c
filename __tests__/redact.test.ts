/**
 * lib/redact.ts: what of a failure's message leaves the package. AWS's answer to a signature it
 * does not accept quotes the canonical request it expected, signed headers and their values
 * included: the session token must not reach a SecretsError, on either transport.
 */
import { inspect } from 'node:util'
import { clearCache, secret, secrets, SecretsError } from '../lib/index.js'
import { redacted } from '../lib/redact.js'
import { secretsManagerStore } from '../lib/stores/secrets-manager.js'
import { runBefore } from './support/store-results.js'
import { type CaptureServer, startCaptureServer } from './transport/support.js'

const TOKEN = 'IQoJb3JpZ2luX2VjSESSIONTOKENSENTINEL'
const FIRST = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'

/** As AWS's JSON-protocol front end words it (the canonical request it computed, then the string to sign). */
function signatureMismatch(headers: Readonly<Record<string, string>>): string {
  const canonical = ['POST', '/', '', ...Object.entries(headers).map(([name, value]) => `${name}:${value}`), '', Object.keys(headers).join(';'), 'e3b0c442'].join('\n')
  return `${FIRST}\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20301231T000000Z\n...'\n`
}

describe('redacted', () => {
  test("AWS's signature mismatch: its first paragraph only, never the canonical request", () => {
    expect(redacted(signatureMismatch({ host: 'secretsmanager', 'x-amz-security-token': TOKEN }))).toBe(FIRST)
  })

  test('the canonical request on the same line, and credential-looking parts, are cut or masked', () => {
    expect(redacted(`denied. The Canonical String for this request should have been 'x-amz-security-token:${TOKEN}'`)).toBe('denied.')
    expect(redacted(`refused x-amz-security-token:${TOKEN} and X-Amz-Security-Token=${TOKEN}&x=1`)).toBe('refused x-amz-security-token:… and X-Amz-Security-Token=…&x=1')
    expect(redacted(`Authorization: AWS4-HMAC-SHA256 Credential=ASIA/20301231/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=abc123`)).toBe(
      'Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=host, Signature=…',
    )
  })

  test('what AWS says first is kept as it is: the clock-skew wording, resource names', () => {
    const skew = 'Signature expired: 20301231T000000Z is now earlier than 20301231T000500Z (20301231T001000Z - 5 min.)'
    expect(redacted(skew)).toBe(skew)
    const denied = 'User: arn:aws:sts::123456789012:assumed-role/fn/fn is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/db'
    expect(redacted(denied)).toBe(denied)
  })

  test('cut to 500 characters', () => {
    expect(redacted('x'.repeat(2_000))).toBe(`${'x'.repeat(500)}…`)
  })
})

describe.each(['https', 'sdk'] as const)('end to end, %s transport', (transport) => {
  let server: CaptureServer
  beforeAll(async () => {
    server = await startCaptureServer()
    server.answer((request, res) => {
      const header = (name: string): string => String(request.headers[name] ?? '')
      const message = signatureMismatch({ 'content-type': header('content-type'), host: header('host'), 'x-amz-date': header('x-amz-date'), 'x-amz-security-token': header('x-amz-security-token') })
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r-1' })
      res.end(JSON.stringify({ __type: 'InvalidSignatureException', message }))
    })
  })
  afterAll(() => server.close())
  beforeEach(() => clearCache())

  test("an InvalidSignatureException that quotes the canonical request: the session token is nowhere in the SecretsError", async () => {
    const store = secretsManagerStore({
      transport,
      clientOptions: { endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'SECRETACCESSKEYSENTINEL', sessionToken: TOKEN } },
    })
    const mw = secrets({ context: { db: secret('prod/db') }, stores: { secretsManager: store }, prefetch: false, logLevel: 'none', retries: 0 })
    const error = await runBefore(mw).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(SecretsError)
    const failure = (error as SecretsError).failures[0]!
    expect([failure.code, failure.message]).toEqual(['InvalidSignatureException', FIRST])
    expect(server.requests[0]!.headers['x-amz-security-token']).toBe(TOKEN) // it was sent, and quoted back
    const everything = [String(error), (error as Error).stack, inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)].join('\n')
    expect(everything).not.toContain(TOKEN)
  })
})
