/**
 * The `middy-secrets serve` CLI, through the pieces it is made of (Node 20 cannot run the
 * TypeScript entry itself): argument and environment parsing, the seed file, the banner.
 */
import { banner } from '../lib/extension-server/banner.js'
import { CliUsageError, parseCliArgs, type ServeCommand } from '../lib/extension-server/cli-args.js'
import { SeedFileError, parseSeed } from '../lib/extension-server/seed-file.js'

const fixedToken = (): string => 'generated-token'

describe('parseCliArgs', () => {
  it('parses serve --file with port and token', () => {
    expect(parseCliArgs(['serve', '--file', 'secrets.json', '--port', '4000', '--token', 'T'], {}, fixedToken)).toEqual({
      command: 'serve',
      source: { kind: 'file', path: 'secrets.json' },
      port: 4000,
      token: 'T',
      tokenFrom: 'option',
    })
  })

  it('parses serve --aws with a region, taking the token from AWS_SESSION_TOKEN', () => {
    expect(parseCliArgs(['serve', '--aws', '--region', 'eu-west-1'], { AWS_SESSION_TOKEN: 'session' }, fixedToken)).toEqual({
      command: 'serve',
      source: { kind: 'aws', region: 'eu-west-1' },
      port: undefined,
      token: 'session',
      tokenFrom: 'env',
    })
  })

  it('generates a token when none is given', () => {
    expect(parseCliArgs(['serve', '-f', 's.json'], {}, fixedToken)).toMatchObject({ token: 'generated-token', tokenFrom: 'generated' })
    const random = parseCliArgs(['serve', '-f', 's.json'], {}) as ServeCommand
    expect(random.token.length).toBeGreaterThanOrEqual(24)
  })

  it('leaves the port to PARAMETERS_SECRETS_EXTENSION_HTTP_PORT when --port is absent', () => {
    expect((parseCliArgs(['serve', '--aws'], {}, fixedToken) as ServeCommand).port).toBeUndefined()
  })

  it('shows help without arguments or with --help', () => {
    expect(parseCliArgs([], {})).toEqual({ command: 'help' })
    expect(parseCliArgs(['serve', '--help'], {})).toEqual({ command: 'help' })
  })

  it.each([
    [['serve'], /--file secrets.json or --aws/],
    [['serve', '--file', 'a.json', '--aws'], /not both/],
    [['serve', '--file', 'a.json', '--region', 'x'], /--region only applies to --aws/],
    [['serve', '--aws', '--port', '70000'], /--port.*70000.*0 to 65535/],
    [['serve', '--aws', '--port', 'abc'], /--port is 'abc'/],
    [['serve', '--aws', '--token', ''], /--token cannot be empty/],
    [['serve', '--aws', '--verbose'], /verbose/],
    [['start', '--aws'], /unknown command 'start'/],
  ])('rejects %p', (argv, message) => {
    expect(() => parseCliArgs(argv, {}, fixedToken)).toThrow(CliUsageError)
    expect(() => parseCliArgs(argv, {}, fixedToken)).toThrow(message)
    // The CLI adds the prefix when it prints (cli-output.ts); a message that has one gets two.
    expect(() => parseCliArgs(argv, {}, fixedToken)).not.toThrow(/middy-secrets:/)
  })
})

describe('parseSeed', () => {
  it('reads a string and { binary } as one AWSCURRENT version, and typed parameters', () => {
    const seed = parseSeed(
      JSON.stringify({
        secrets: { 'prod/db': '{"u":"x"}', 'prod/cert': { binary: Buffer.from([1, 2, 3]).toString('base64') } },
        parameters: { '/a': 'plain', '/b': { value: 'hidden', type: 'SecureString' } },
      }),
    )
    expect(seed.secrets['prod/db']).toEqual([{ value: '{"u":"x"}', stages: ['AWSCURRENT'] }])
    expect(seed.secrets['prod/cert']).toEqual([{ value: new Uint8Array([1, 2, 3]), stages: ['AWSCURRENT'] }])
    expect(seed.parameters).toEqual({ '/a': 'plain', '/b': { value: 'hidden', type: 'SecureString' } })
  })

  it('accepts a file with only one section', () => {
    expect(parseSeed('{"parameters":{"/a":"1"}}')).toEqual({ secrets: {}, parameters: { '/a': '1' } })
  })

  it.each([
    ['[]', /expected an object/],
    ['{"secret":{}}', /unknown top-level key\(s\) 'secret'; expected "secrets", "parameters"/],
    ['{"secrets":{"s":42}}', /secrets\['s'\] must be a string, \{ "binary": "<base64>" \} or \{ "versions": \[...\] \}/],
    ['{"secrets":{"s":{"binary":"not base64!"}}}', /secrets\['s'\].binary is not base64/],
    ['{"parameters":{"/p":{"value":"v","type":"Secure"}}}', /parameters\['\/p'\] must be a string/],
    ['{"secrets":[]}', /"secrets" must be an object/],
  ])('rejects %s', (text, message) => {
    expect(() => parseSeed(text, 'secrets.json')).toThrow(SeedFileError)
    expect(() => parseSeed(text, 'secrets.json')).toThrow(message)
  })

  it('reports invalid JSON by position, never quoting the text', () => {
    let message = ''
    try {
      parseSeed('{\n  "secrets": { "s": "TOP-SECRET" oops }\n}', 'secrets.json')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^secrets.json: not valid JSON/)
    expect(message).not.toContain('TOP-SECRET')
  })

  it('names keys, never values, in its errors', () => {
    expect(() => parseSeed('{"parameters":{"/p":{"value":"HIDDEN","type":"Nope"}}}')).toThrow(/'\/p'/)
    try {
      parseSeed('{"parameters":{"/p":{"value":"HIDDEN","type":"Nope"}}}')
    } catch (error) {
      expect((error as Error).message).not.toContain('HIDDEN')
    }
  })
})

describe('banner', () => {
  const command = (tokenFrom: ServeCommand['tokenFrom'], token = 'tok'): ServeCommand => ({ command: 'serve', source: { kind: 'file', path: 's.json' }, token, tokenFrom })

  it('prints the URL and a curl command in the documented request format', () => {
    const text = banner({ url: 'http://127.0.0.1:2773', command: command('generated'), sourceLine: 's.json: 1 secrets, 1 parameters', exampleSecret: 'prod/db', exampleParameter: '/prod/url' })
    expect(text).toContain('http://127.0.0.1:2773')
    expect(text).toContain('curl -H "X-Aws-Parameters-Secrets-Token: tok" "http://127.0.0.1:2773/secretsmanager/get?secretId=prod%2Fdb"')
    expect(text).toContain('/systemsmanager/parameters/get?name=%2Fprod%2Furl&withDecryption=true')
    expect(text).toContain("export AWS_SESSION_TOKEN='tok'")
    expect(text).not.toContain('PARAMETERS_SECRETS_EXTENSION_HTTP_PORT')
  })

  it('does not echo a token taken from the environment', () => {
    const text = banner({ url: 'http://127.0.0.1:4000', command: command('env', 'REAL-SESSION-TOKEN'), sourceLine: 'AWS' })
    expect(text).not.toContain('REAL-SESSION-TOKEN')
    expect(text).toContain('X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN')
    expect(text).toContain('secretId=MY_SECRET')
    expect(text).toContain('export PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=4000')
  })
})
