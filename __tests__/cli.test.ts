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
      shellAwsKeys: false,
    })
  })

  it('parses serve --aws with a region, taking the token from AWS_SESSION_TOKEN', () => {
    expect(parseCliArgs(['serve', '--aws', '--region', 'eu-west-1'], { AWS_SESSION_TOKEN: 'session' }, fixedToken)).toEqual({
      command: 'serve',
      source: { kind: 'aws', region: 'eu-west-1' },
      port: undefined,
      token: 'session',
      tokenFrom: 'env',
      shellAwsKeys: false,
    })
  })

  it('generates a token when none is given', () => {
    expect(parseCliArgs(['serve', '-f', 's.json'], {}, fixedToken)).toMatchObject({ token: 'generated-token', tokenFrom: 'generated' })
    const random = parseCliArgs(['serve', '-f', 's.json'], {}) as ServeCommand
    expect(random.token.length).toBeGreaterThanOrEqual(24)
  })

  it('takes --appconfig-port, and leaves it to AWS_APPCONFIG_EXTENSION_HTTP_PORT when absent', () => {
    expect(parseCliArgs(['serve', '--file', 's.json', '--appconfig-port', '0'], {}, fixedToken)).toMatchObject({ appConfigPort: 0 })
    expect(parseCliArgs(['serve', '--aws', '--appconfig-port', '2800'], {}, fixedToken)).toMatchObject({ appConfigPort: 2800 })
    expect(parseCliArgs(['serve', '--file', 's.json'], {}, fixedToken)).not.toHaveProperty('appConfigPort')
  })

  it('leaves the port to PARAMETERS_SECRETS_EXTENSION_HTTP_PORT when --port is absent', () => {
    expect((parseCliArgs(['serve', '--aws'], {}, fixedToken) as ServeCommand).port).toBeUndefined()
  })

  it('shows help without arguments or with --help', () => {
    expect(parseCliArgs([], {})).toEqual({ command: 'help' })
    expect(parseCliArgs(['serve', '--help'], {})).toEqual({ command: 'help' })
    expect(parseCliArgs(['serve', '--help', '-h'], {})).toEqual({ command: 'help' }) // a flag twice says it twice
    expect(parseCliArgs(['serve', '--aws', '--aws'], {}, fixedToken)).toMatchObject({ command: 'serve', source: { kind: 'aws' } })
  })

  it.each([
    [['serve'], /--file secrets.json or --aws/],
    [['serve', '--file', 'a.json', '--aws'], /not both/],
    [['serve', '--file', 'a.json', '--region', 'x'], /--region only applies to --aws/],
    [['serve', '--aws', '--port', '70000'], /--port.*70000.*0 to 65535/],
    [['serve', '--aws', '--port', 'abc'], /--port is 'abc'/],
    [['serve', '--aws', '--token', ''], /--token cannot be empty/],
    [['serve', '--file', 'a.json', '--appconfig-port', '65536'], /--appconfig-port is '65536': expected an integer from 0 to 65535/],
    [['serve', '--aws', '--verbose'], /verbose/],
    [['start', '--aws'], /unknown command 'start'/],
    // Found by review: options without the command printed the usage and exited 0, as help does.
    [['--file', 'secrets.json'], /no command; to run the stand-in, put 'serve' before the options/],
    [['--aws', '--region', 'eu-west-1'], /no command/],
    [['--port', '2773'], /no command/],
    // Found by review: parseArgs keeps the last of an option given twice, silently.
    [['serve', '--file', 'a.json', '--file', 'b.json'], /--file is given twice; give it once/],
    [['serve', '-f', 'a.json', '--file', 'b.json'], /--file is given twice/],
    [['serve', '--aws', '--port', '1', '-p', '2'], /--port is given twice/],
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

  // Found by a leak review: `serve --file` given a JSON secret printed its field names.
  it("a JSON secret given as the seed file: its field names are counted, not printed", () => {
    const error = (() => { try { parseSeed('{"username":"admin","CANARY_password":"x"}', 'db.json') } catch (e) { return e as Error } })()
    expect(error).toBeInstanceOf(SeedFileError)
    expect(error!.message).toMatch(/^db\.json: 2 top-level keys other than the sections/)
    expect(error!.message).not.toMatch(/CANARY|username/)
  })

  it('accepts a file with only one section', () => {
    expect(parseSeed('{"parameters":{"/a":"1"}}')).toEqual({ secrets: {}, parameters: { '/a': '1' }, appConfig: {} })
  })

  it.each([
    ['[]', /expected an object/],
    ['{"secret":{}}', /: a top-level key other than the sections \(not named: .*\); expected "secrets", "parameters"/],
    ['{"secrets":{"s":42}}', /secrets\['s'\] must be a string, \{ "binary": "<base64>" \} or \{ "versions": \[...\] \}/],
    ['{"secrets":{"s":{"binary":"not base64!"}}}', /secrets\['s'\].binary is not base64/],
    ['{"parameters":{"/p":{"value":"v","type":"Secure"}}}', /parameters\['\/p'\] must be a string/],
    ['{"secrets":[]}', /"secrets" must be an object/],
  ])('rejects %s', (text, message) => {
    expect(() => parseSeed(text, 'secrets.json')).toThrow(SeedFileError)
    expect(() => parseSeed(text, 'secrets.json')).toThrow(message)
  })

  it('reads an appConfig section in the model\'s seed shape', () => {
    const seed = parseSeed(
      JSON.stringify({
        appConfig: {
          'shop/prod/settings': '{"currency":"EUR"}',
          'shop/prod/banner': { content: 'Sale!', contentType: 'text/plain' },
          'shop/prod/typed': { content: '{"a":1}', contentType: 'application/json' },
          'shop/prod/model': { binary: Buffer.from([0, 255]).toString('base64'), contentType: 'application/octet-stream' },
          'shop/prod/raw': { binary: 'AAE=' },
        },
      }),
    )
    expect(seed.appConfig).toEqual({
      'shop/prod/settings': '{"currency":"EUR"}',
      'shop/prod/banner': { content: 'Sale!', contentType: 'text/plain' },
      'shop/prod/typed': { content: '{"a":1}', contentType: 'application/json' },
      'shop/prod/model': { content: new Uint8Array([0, 255]), contentType: 'application/octet-stream' },
      'shop/prod/raw': { content: new Uint8Array([0, 1]) },
    })
  })

  it.each([
    ['{"appConfig":[]}', /"appConfig" must be an object/],
    ['{"appConfig":{"shop/prod":"{}"}}', /appConfig\['shop\/prod'\]: the key names application\/environment\/profile/],
    ['{"appConfig":{"a/b/c/d":"{}"}}', /appConfig\['a\/b\/c\/d'\]: the key names/],
    ['{"appConfig":{"a//c":"{}"}}', /appConfig\['a\/\/c'\]: the key names/],
    ['{"appConfig":{"a/b/c":"HIDDEN"}}', /appConfig\['a\/b\/c'\] is not valid JSON, and a string entry is JSON/],
    ['{"appConfig":{"a/b/c":{"content":"HIDDEN","contentType":"application/json"}}}', /is not valid JSON, and its content type is application\/json/],
    ['{"appConfig":{"a/b/c":{"content":"HIDDEN"}}}', /is not valid JSON, and its content type is application\/json \(the default\)/],
    ['{"appConfig":{"a/b/c":{"content":"x","binary":"AA=="}}}', /must have a "content" \(a string\) or a "binary" \(a base64 string\): exactly one/],
    ['{"appConfig":{"a/b/c":{"contentType":"text/plain"}}}', /exactly one/],
    ['{"appConfig":{"a/b/c":{"content":"x","contentType":"plain"}}}', /contentType must be a media type/],
    ['{"appConfig":{"a/b/c":{"content":"x","contentType":"text/plain","versionLabel":"v1"}}}', /has a key other than "content", "binary", "contentType"/],
    // A configuration written as an object, not as a JSON string: its field names are not listed.
    ['{"appConfig":{"a/b/c":{"HIDDEN":"x","HIDDEN2":"y"}}}', /appConfig\['a\/b\/c'\] has 2 keys other than .*write it as a JSON string/],
    ['{"appConfig":{"a/b/c":{"binary":"HIDDEN!"}}}', /appConfig\['a\/b\/c'\].binary is not base64/],
    ['{"appConfig":{"a/b/c":42}}', /must be a JSON string, \{ "content"/],
  ])('rejects the appConfig entry %s, naming the key and never the content', (text, message) => {
    expect(() => parseSeed(text, 'secrets.json')).toThrow(SeedFileError)
    expect(() => parseSeed(text, 'secrets.json')).toThrow(message)
    expect(() => parseSeed(text, 'secrets.json')).not.toThrow(/HIDDEN/)
  })

  it('accepts text that is not JSON under a content type that is not JSON', () => {
    expect(parseSeed('{"appConfig":{"a/b/c":{"content":"a: 1","contentType":"application/x-yaml"}}}').appConfig).toEqual({ 'a/b/c': { content: 'a: 1', contentType: 'application/x-yaml' } })
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

  it("a shell with AWS keys is not told to export the extension's token as AWS_SESSION_TOKEN (its AWS calls would fail)", () => {
    const longTerm = parseCliArgs(['serve', '-f', 's.json'], { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'k' }, () => 'made-up') as ServeCommand
    const text = banner({ url: 'http://127.0.0.1:2773', command: longTerm, sourceLine: 's.json' })
    expect(text).not.toContain('export AWS_SESSION_TOKEN')
    expect(text).toContain("extensionStore({ token: 'made-up' })")
    const sessionKeys = parseCliArgs(['serve', '-f', 's.json', '--token', 't'], { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'k', AWS_SESSION_TOKEN: 's' }) as ServeCommand
    expect(banner({ url: 'http://127.0.0.1:2773', command: sessionKeys, sourceLine: 's.json' })).not.toContain('export AWS_SESSION_TOKEN')
    const noKeys = parseCliArgs(['serve', '-f', 's.json', '--token', 't'], {}) as ServeCommand
    expect(banner({ url: 'http://127.0.0.1:2773', command: noKeys, sourceLine: 's.json' })).toContain("export AWS_SESSION_TOKEN='t'")
  })

  it('prints the AppConfig interface and a curl for it, with its port variable when it is not 2772', () => {
    const text = banner({
      url: 'http://127.0.0.1:2773',
      command: command('env'),
      sourceLine: 's.json',
      appConfigUrl: 'http://127.0.0.1:40000',
      exampleConfiguration: 'team/shop/prod/settings'.replace('team/', ''),
    })
    expect(text).toContain('middy-secrets: AppConfig extension API on http://127.0.0.1:40000\n')
    expect(text).toContain('  curl "http://127.0.0.1:40000/applications/shop/environments/prod/configurations/settings"')
    expect(text).toContain('export AWS_APPCONFIG_EXTENSION_HTTP_PORT=40000')
    const placeholders = banner({ url: 'http://127.0.0.1:2773', command: command('env'), sourceLine: 's.json', appConfigUrl: 'http://127.0.0.1:2772' })
    expect(placeholders).toContain('/applications/APPLICATION/environments/ENVIRONMENT/configurations/PROFILE"')
    expect(placeholders).not.toContain('AWS_APPCONFIG_EXTENSION_HTTP_PORT')
    expect(banner({ url: 'http://127.0.0.1:2773', command: command('env'), sourceLine: 'AWS' })).not.toContain('AppConfig')
  })

  it('does not echo a token taken from the environment', () => {
    const text = banner({ url: 'http://127.0.0.1:4000', command: command('env', 'REAL-SESSION-TOKEN'), sourceLine: 'AWS' })
    expect(text).not.toContain('REAL-SESSION-TOKEN')
    expect(text).toContain('X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN')
    expect(text).toContain('secretId=MY_SECRET')
    expect(text).toContain('export PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=4000')
  })
})
