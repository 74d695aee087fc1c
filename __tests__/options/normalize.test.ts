/**
 * options.ts: every ConfigError that `secrets()` throws, each naming the option path, and the
 * environment variables the Parameters and Secrets extension reads (through `normalize(options,
 * env)`, which takes the environment as a parameter; through `secrets()` with process.env saved
 * and restored).
 */
import middy from '@middy/core'
import { clearCache, ConfigError, item, items, parameter, parameters, secret, secrets } from '../../lib/index.js'
import { normalize } from '../../lib/options/normalize.js'
import type { Logger } from '../../lib/store.js'
import { memoryStore, type MemoryStore } from '../../lib/testing/index.js'

let store: MemoryStore

beforeEach(() => {
  clearCache()
  store = memoryStore({ secrets: { s: 'v', 'cfg.json': '{"a":"b"}', 'bytes.binary': 'aGk=' }, parameters: { '/p': 'pv', '/dir/a': '1' } })
})

/** Runs `fn`, expects a ConfigError and returns it. */
function configError(fn: () => unknown): ConfigError {
  let thrown: unknown
  try {
    fn()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(ConfigError)
  const error = thrown as ConfigError
  expect(error.name).toBe('ConfigError')
  expect(error.message).toContain(`'${error.option}'`)
  return error
}

/** The option path of the ConfigError that `secrets(options)` throws. */
function optionOf(options: unknown): string {
  return configError(() => secrets({ stores: { secretsManager: store, ssm: store }, prefetch: false, ...(options as object) } as never)).option
}

/** Valid: secrets() returns a middleware. */
function accepts(options: unknown): void {
  const mw = secrets({ stores: { secretsManager: store, ssm: store }, prefetch: false, ...(options as object) } as never)
  expect(typeof mw.before).toBe('function')
}

describe('global options', () => {
  test('an unknown global option names it and lists the allowed ones', () => {
    const error = configError(() => secrets({ context: { s: 's' }, prefetch: false, stores: { secretsManager: store }, tll: 5 } as never))
    expect(error.option).toBe('tll')
    expect(error.message).toContain('allowed:')
    expect(error.message).toContain('ttl')
  })

  test('options that are not an object', () => {
    expect(configError(() => secrets(null as never)).option).toBe('options')
    expect(configError(() => secrets('s' as never)).option).toBe('options')
  })

  test('no keys at all', () => {
    expect(optionOf({})).toBe('context')
    expect(optionOf({ context: {}, env: {} })).toBe('context')
  })

  test('context / env that are not maps', () => {
    expect(optionOf({ context: [] })).toBe('context')
    expect(optionOf({ context: null })).toBe('context')
    expect(optionOf({ env: 'API_KEY' })).toBe('env')
  })

  // Found by review: a secret injected as SECRETS_MANAGER_TTL was quoted by the next secrets()'s error on the variable.
  test.each(['SECRETS_MANAGER_TTL', 'SSM_PARAMETER_STORE_TIMEOUT_MILLIS', 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', 'AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_PROFILE', 'AWS_USE_FIPS_ENDPOINT'])(
    'a variable read as a setting (%s) is refused at secrets() time',
    (name) => {
      const error = configError(() => secrets({ env: { [name]: secret('s') }, prefetch: false }))
      expect(error.option).toBe(`env.${name}`)
      expect(error.message).toContain('is read as a setting by this package or the AWS SDK')
    },
  )

  test.each([
    ['negative', -1],
    ['non-numeric', '60'],
    ['NaN', Number.NaN],
  ])('a %s global ttl', (_label, ttl) => {
    expect(optionOf({ context: { s: 's' }, ttl })).toBe('ttl')
  })

  test('global ttl Infinity and 0 are accepted', () => {
    accepts({ context: { s: 's' }, ttl: Number.POSITIVE_INFINITY })
    accepts({ context: { s: 's' }, ttl: 0 })
    const settings = normalize({ context: { s: 's', p: parameter('/p') }, ttl: Number.POSITIVE_INFINITY }, {})
    expect(settings.bindings.map((b) => b.policy.ttlMs)).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY])
    expect(normalize({ context: { s: 's' }, ttl: 0 }, {}).bindings[0]!.policy.ttlMs).toBe(0)
  })

  test.each([
    ['0', 0],
    ['negative', -5],
    ['fractional', 1.5],
    ['a string', '1000'],
    ['NaN', Number.NaN],
  ])('maxEntries %s', (_label, maxEntries) => {
    expect(optionOf({ context: { s: 's' }, maxEntries })).toBe('maxEntries')
  })

  test.each([
    ['0', 0],
    ['fractional', 2.5],
    ['a string', '10'],
  ])('concurrency %s', (_label, concurrency) => {
    expect(optionOf({ context: { s: 's' }, concurrency })).toBe('concurrency')
  })

  test.each([
    ['negative', -1],
    ['fractional', 0.5],
    ['a string', '3'],
  ])('retries %s', (_label, retries) => {
    expect(optionOf({ context: { s: 's' }, retries })).toBe('retries')
  })

  test('retries 0 is accepted', () => {
    accepts({ context: { s: 's' }, retries: 0 })
  })

  test.each([
    ['1', 1],
    ['negative', -0.1],
    ['a string', '0.1'],
    ['NaN', Number.NaN],
  ])('jitter %s', (_label, jitter) => {
    expect(optionOf({ context: { s: 's' }, jitter })).toBe('jitter')
  })

  test('logLevel outside debug|info|warn|error|none', () => {
    const error = configError(() => secrets({ context: { s: 's' }, stores: { secretsManager: store }, prefetch: false, logLevel: 'verbose' as never }))
    expect(error.option).toBe('logLevel')
    expect(error.message).toContain('debug, info, warn, error, none')
  })

  test('stores: not an object, an unknown role, a store without fetch()', () => {
    expect(optionOf({ context: { s: 's' }, stores: 5 })).toBe('stores')
    expect(optionOf({ context: { s: 's' }, stores: { secrets: store } })).toBe('stores.secrets')
    expect(optionOf({ context: { s: 's' }, stores: { secretsManager: {} } })).toBe('stores.secretsManager')
    expect(optionOf({ context: { s: 's' }, stores: { ssm: null } })).toBe('stores.ssm')
  })

  test('refreshOn that is not a function', () => {
    expect(optionOf({ context: { s: 's' }, refreshOn: true })).toBe('refreshOn')
  })

  test('logger that is not console-compatible', () => {
    expect(optionOf({ context: { s: 's' }, logger: 5 })).toBe('logger')
    expect(optionOf({ context: { s: 's' }, logger: { info() {} } })).toBe('logger')
  })

  test('booleans: cache, batch, prefetch, rotation', () => {
    expect(optionOf({ context: { s: 's' }, cache: 'no' })).toBe('cache')
    expect(optionOf({ context: { s: 's' }, batch: 1 })).toBe('batch')
    expect(configError(() => secrets({ context: { s: 's' }, stores: { secretsManager: store }, prefetch: 'yes' as never })).option).toBe('prefetch')
    expect(optionOf({ context: { s: 's' }, rotation: 'on' })).toBe('rotation')
  })

  test('numbers: maxStale, requestTimeoutMs, deadlineMarginMs', () => {
    expect(optionOf({ context: { s: 's' }, maxStale: -1 })).toBe('maxStale')
    expect(optionOf({ context: { s: 's' }, requestTimeoutMs: -1 })).toBe('requestTimeoutMs')
    expect(optionOf({ context: { s: 's' }, deadlineMarginMs: 1.5 })).toBe('deadlineMarginMs')
  })

  test('deadlineMarginMs as long as Lambda\'s longest timeout (900 s) or longer: refused, since no invocation would have any time', () => {
    expect(optionOf({ context: { s: 's' }, deadlineMarginMs: 900_000 })).toBe('deadlineMarginMs')
    expect(optionOf({ context: { s: 's' }, deadlineMarginMs: 1e15 })).toBe('deadlineMarginMs')
    expect(normalize({ context: { s: 's' }, deadlineMarginMs: 899_999 }, {}).deadlineMarginMs).toBe(899_999)
  })

  test('requestTimeoutMs longer than a Node timer can wait (it would fire after 1 ms): refused, as an option and as a variable', () => {
    expect(optionOf({ context: { s: 's' }, requestTimeoutMs: 2 ** 31 })).toBe('requestTimeoutMs')
    expect(normalize({ context: { s: 's' }, requestTimeoutMs: 2 ** 31 - 1 }, {}).requestTimeoutMs.secretsManager).toBe(2 ** 31 - 1)
    expect(() => normalize({ context: { s: 's' } }, { SECRETS_MANAGER_TIMEOUT_MILLIS: '3000000000' })).toThrow(/SECRETS_MANAGER_TIMEOUT_MILLIS/)
  })

  test("an env key's default that an environment variable cannot hold: refused at secrets() time, not at the first invocation that needs it", () => {
    for (const fallback of [{ enabled: false }, null, new Uint8Array([1]), 'a\u0000b', '\udc00', 'a\ud800b']) {
      const error = configError(() => secrets({ env: { FLAG: secret('flag', { optional: true, default: fallback }) }, stores: { secretsManager: store }, prefetch: false }))
      expect(error.option).toBe('env.FLAG.default')
    }
    for (const fallback of ['off', 0, false]) accepts({ env: { FLAG: secret('flag', { optional: true, default: fallback }) } })
    accepts({ context: { flag: secret('flag', { optional: true, default: { enabled: false } }) } }) // a context key takes any value
  })

  test('a key named __proto__: refused (assigned, it sets the prototype, or process.env drops it)', () => {
    expect(optionOf({ context: { ['__proto__']: secret('s') } })).toBe('context.__proto__')
    expect(optionOf({ env: { ['__proto__']: secret('s') } })).toBe('env.__proto__')
  })

  test('clientOptions that is not an object', () => {
    expect(optionOf({ context: { s: 's' }, clientOptions: 'us-east-1' })).toBe('clientOptions')
  })

  test('defaults', () => {
    const settings = normalize({ context: { s: 's', p: parameter('/p') } }, {})
    expect(settings.maxEntries).toBe(1000)
    expect(settings.bindings.map((b) => b.policy.ttlMs)).toEqual([300_000, 300_000])
    expect(settings.batch).toBe(true)
    expect(settings.prefetch).toBe(true)
    expect(settings.concurrency).toBe(10)
    expect(settings.retries).toBe(10)
    expect(settings.deadlineMarginMs).toBe(500)
    expect(settings.requestTimeoutMs).toEqual({ secretsManager: 3000, ssm: 3000, appConfig: 3000, dynamodb: 3000 })
  })
})

describe('per-key options', () => {
  test('an unknown per-key option names the key path', () => {
    expect(optionOf({ context: { db: secret('s', { stage: 'AWSPREVIOUS' } as never) } })).toBe('context.db.stage')
    expect(optionOf({ context: { p: parameter('/p', { versionStage: 'x' } as never) } })).toBe('context.p.versionStage')
    expect(optionOf({ context: { all: parameters('/dir', { field: 'x' } as never) } })).toBe('context.all.field')
  })

  test('empty names', () => {
    expect(optionOf({ context: { db: secret('') } })).toBe('context.db.name')
    expect(optionOf({ context: { db: '   ' } })).toBe('context.db.name')
    expect(optionOf({ env: { P: parameter('') } })).toBe('env.P.name')
    expect(optionOf({ context: { db: secret(5 as never) } })).toBe('context.db.name')
  })

  test('a parameters() path that does not start with /', () => {
    expect(optionOf({ context: { all: parameters('dir') } })).toBe('context.all.name')
  })

  test('a map entry that is neither a declaration nor a string', () => {
    expect(optionOf({ context: { db: 5 } })).toBe('context.db')
    expect(optionOf({ context: { db: { kind: 'other', name: 'x', options: {} } } })).toBe('context.db')
    // Found by review: `kind in KEY_OPTIONS` took Object.prototype's names for kinds (a TypeError, or a ConfigError for context.db.ttl).
    for (const kind of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__']) {
      expect(optionOf({ context: { db: { kind, name: 'x', options: { ttl: 5 } } } })).toBe('context.db')
      expect(optionOf({ context: { db: { kind, name: 'x', options: {} } } })).toBe('context.db')
    }
    expect(optionOf({ context: { db: { kind: 'secret', name: 'x', options: null } } })).toBe('context.db')
    expect(optionOf({ context: { db: { kind: 'secret', name: 'x', options: 5 } } })).toBe('context.db')
  })

  // DynamoDB refuses an empty string in a key attribute, and NaN or Infinity would be sent as
  // { N: 'NaN' }: at run time, or as ItemNotFound, which an optional key would take for absence.
  test.each([
    ['an empty partition key', item('t', ''), 'context.a.key'],
    ['NaN', item('t', Number.NaN), 'context.a.key'],
    ['Infinity', item('t', Number.POSITIVE_INFINITY), 'context.a.key'],
    ['items() with -Infinity', items('t', Number.NEGATIVE_INFINITY), 'context.a.key'],
    ['a NaN sort key', item('t', 'k', { sortKey: Number.NaN }), 'context.a.sortKey'],
    ['an empty sort key', item('t', 'k', { sortKey: '' }), 'context.a.sortKey'],
  ])('a DynamoDB key value that DynamoDB cannot take: %s', (_what, declaration, path) => {
    const error = configError(() => secrets({ context: { a: declaration }, prefetch: false } as never))
    expect(error.option).toBe(path)
    expect(error.message).toContain('a non-empty string or a finite number')
  })

  test('DynamoDB key values that DynamoDB takes are accepted', () => {
    accepts({ context: { a: item('t', 0), b: item('t', -1.5, { sortKey: 2 }), c: items('t', 'k') } })
  })

  test.each(['1BAD', 'API-KEY', 'A B', '', 'é'])('bad env var name %j', (name) => {
    expect(optionOf({ env: { [name]: secret('s') } })).toBe(`env.${name}`)
  })

  test("a parameter's version or label written into its name is the request's, as given as an option", () => {
    const requestOf = (declaration: ReturnType<typeof parameter>): unknown => normalize({ context: { p: declaration } }, {}).bindings[0]!.request
    expect(requestOf(parameter('/app/db:3'))).toEqual(requestOf(parameter('/app/db', { version: 3 })))
    expect(requestOf(parameter('/app/db:prod'))).toEqual(requestOf(parameter('/app/db', { label: 'prod' })))
    expect(requestOf(parameter('arn:aws:ssm:eu-west-1:123456789012:parameter/app/db:2'))).toMatchObject({ name: 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/db', version: 2 })
    expect(requestOf(parameter('/app/db'))).not.toHaveProperty('version')
  })

  test.each([
    ['a selector and a version', parameter('/app/db:3', { version: 3 }), 'context.p.name'],
    ['a selector and a label', parameter('/app/db:prod', { label: 'prod' }), 'context.p.name'],
    ['an empty selector', parameter('/app/db:'), 'context.p.name'],
    ['a selector alone', parameter(':3'), 'context.p.name'],
    ['version 0 in the name', parameter('/app/db:0'), 'context.p.version'],
  ])('a parameter name with %s is refused', (_what, declaration, option) => {
    expect(optionOf({ context: { p: declaration } })).toBe(option)
  })

  test('good env var names are accepted', () => {
    accepts({ env: { API_KEY: 's', _x9: secret('s'), lower: 's', AWS_APPCONFIG_PROFILE: 's', aws_session_token: 's' } })
  })

  // Written over, AWS_SESSION_TOKEN would sign the next requests (and the extension stores' calls) with a secret.
  test.each(['AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_LAMBDA_RUNTIME_API', '_HANDLER', 'LAMBDA_TASK_ROOT'])(
    "a variable Lambda reserves (%s) is refused at secrets() time",
    (name) => {
      const error = configError(() => secrets({ env: { [name]: secret('s') }, prefetch: false }))
      expect(error.option).toBe(`env.${name}`)
      expect(error.message).toContain('is reserved by Lambda')
    },
  )

  test.each([
    ['negative', -1],
    ['non-numeric', 'soon'],
    ['NaN', Number.NaN],
  ])('a %s per-key ttl', (_label, ttl) => {
    expect(optionOf({ context: { db: secret('s', { ttl } as never) } })).toBe('context.db.ttl')
    expect(optionOf({ env: { P: parameter('/p', { ttl } as never) } })).toBe('env.P.ttl')
  })

  test('per-key ttl Infinity and 0 are accepted', () => {
    const settings = normalize({ context: { a: secret('s', { ttl: Number.POSITIVE_INFINITY }), b: parameter('/p', { ttl: 0 }) } }, {})
    expect(settings.bindings.map((b) => b.policy.ttlMs)).toEqual([Number.POSITIVE_INFINITY, 0])
  })

  test('per-key maxStale that is negative', () => {
    expect(optionOf({ context: { db: secret('s', { maxStale: -1 }) } })).toBe('context.db.maxStale')
  })

  test('versionStage with versionId', () => {
    const error = configError(() =>
      secrets({ context: { db: secret('s', { versionStage: 'AWSPREVIOUS', versionId: 'v-1' }) }, stores: { secretsManager: store }, prefetch: false }),
    )
    expect(error.option).toBe('context.db.versionStage')
    expect(error.message).toContain('versionId')
  })

  test('empty versionStage / versionId / label', () => {
    expect(optionOf({ context: { db: secret('s', { versionStage: '' }) } })).toBe('context.db.versionStage')
    expect(optionOf({ context: { db: secret('s', { versionId: '' }) } })).toBe('context.db.versionId')
    expect(optionOf({ context: { p: parameter('/p', { label: '' }) } })).toBe('context.p.label')
  })

  test('version with label', () => {
    expect(optionOf({ context: { p: parameter('/p', { version: 2, label: 'prod' }) } })).toBe('context.p.version')
  })

  test.each([0, -1, 1.5])('parameter version %p', (version) => {
    expect(optionOf({ context: { p: parameter('/p', { version }) } })).toBe('context.p.version')
  })

  test('booleans: decrypt, recursive, rotation', () => {
    expect(optionOf({ context: { p: parameter('/p', { decrypt: 'no' } as never) } })).toBe('context.p.decrypt')
    expect(optionOf({ context: { all: parameters('/dir', { recursive: 1 } as never) } })).toBe('context.all.recursive')
    expect(optionOf({ context: { db: secret('s', { rotation: 'yes' } as never) } })).toBe('context.db.rotation')
  })

  test('a bad transform name lists the allowed ones', () => {
    const error = configError(() => secrets({ context: { db: secret('s', { transform: 'yaml' } as never) }, stores: { secretsManager: store }, prefetch: false }))
    expect(error.option).toBe('context.db.transform')
    expect(error.message).toContain('json, base64, binary, auto')
    expect(optionOf({ context: { all: parameters('/dir', { transform: 'xml' } as never) } })).toBe('context.all.transform')
  })

  test.each(['base64', 'binary'] as const)('field on a non-JSON transform (%s)', (transform) => {
    expect(optionOf({ context: { db: secret('s', { transform, field: 'user' }) } })).toBe('context.db.field')
    expect(optionOf({ context: { p: parameter('/p', { transform, field: 'user' }) } })).toBe('context.p.field')
  })

  test("field with transform 'auto' on a name that is not .json", () => {
    expect(optionOf({ context: { db: secret('bytes.binary', { transform: 'auto', field: 'user' }) } })).toBe('context.db.field')
  })

  test('an empty field', () => {
    expect(optionOf({ context: { db: secret('s', { field: '' }) } })).toBe('context.db.field')
  })

  test('field implies json; auto follows the name', () => {
    const settings = normalize(
      { context: { a: secret('s', { field: 'user' }), b: secret('cfg.json', { transform: 'auto' }), c: secret('bytes.binary', { transform: 'auto' }), d: secret('s', { transform: 'auto' }) } },
      {},
    )
    expect(settings.bindings.map((b) => [b.key, b.transform, b.field])).toEqual([
      ['a', 'json', 'user'],
      ['b', 'json', undefined],
      ['c', 'binary', undefined],
      ['d', 'none', undefined],
    ])
  })

  test('env values that would be objects or bytes', () => {
    expect(optionOf({ env: { DB: secret('s', { transform: 'json' }) } })).toBe('env.DB.transform')
    expect(optionOf({ env: { DB: secret('cfg.json', { transform: 'auto' }) } })).toBe('env.DB.transform')
    expect(optionOf({ env: { ALL: parameters('/dir') } })).toBe('env.ALL')
    expect(optionOf({ env: { BYTES: secret('s', { transform: 'base64' }) } })).toBe('env.BYTES.transform')
    expect(optionOf({ env: { P: parameter('/p', { transform: 'json' }) } })).toBe('env.P.transform')
  })

  test('env values that are text are accepted: json with field, binary', () => {
    accepts({ env: { USER: secret('s', { transform: 'json', field: 'user' }), TEXT: secret('s', { transform: 'binary' }), P: parameter('/p') } })
  })

  test.each(['functionName', 'getRemainingTimeInMillis', 'awsRequestId', 'invokedFunctionArn', 'callbackWaitsForEmptyEventLoop'])(
    'reserved context key %s',
    (key) => {
      const error = configError(() => secrets({ context: { [key]: secret('s') }, stores: { secretsManager: store }, prefetch: false }))
      expect(error.option).toBe(`context.${key}`)
      expect(error.message).toContain('Lambda context')
    },
  )

  test('a reserved context name is fine as an env var', () => {
    accepts({ env: { functionName: 's' } })
  })

  test('a key declared twice (context and env)', () => {
    const error = configError(() => secrets({ context: { db: secret('s') }, env: { db: secret('s') }, stores: { secretsManager: store }, prefetch: false }))
    expect(error.option).toBe('env.db')
    expect(error.message).toContain('declared twice')
  })

  test('helpers only record: nothing is validated before secrets()', () => {
    expect(() => secret('', { ttl: -1 })).not.toThrow()
    expect(secret('x', { ttl: 5 })).toEqual({ kind: 'secret', name: 'x', options: { ttl: 5 } })
    expect(parameter('/x')).toEqual({ kind: 'parameter', name: '/x', options: {} })
    expect(parameters('/x', { recursive: true })).toEqual({ kind: 'parameters', name: '/x', options: { recursive: true } })
  })

  test('store requests carry the selectors and defaults', () => {
    const settings = normalize(
      {
        context: {
          a: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-abcdef',
          b: secret('s', { versionStage: 'AWSPREVIOUS' }),
          c: secret('s', { versionId: 'v-1' }),
          d: parameter('/p', { version: 3, decrypt: false }),
          e: parameter('/p', { label: 'prod' }),
          f: parameters('/dir', { recursive: true }),
        },
      },
      {},
    )
    expect(settings.bindings.map((b) => [b.role, b.request])).toEqual([
      ['secretsManager', { kind: 'secret', name: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-abcdef', versionStage: 'AWSCURRENT' }],
      ['secretsManager', { kind: 'secret', name: 's', versionStage: 'AWSPREVIOUS' }],
      ['secretsManager', { kind: 'secret', name: 's', versionId: 'v-1' }],
      ['ssm', { kind: 'parameter', name: '/p', decrypt: false, version: 3 }],
      ['ssm', { kind: 'parameter', name: '/p', decrypt: true, label: 'prod' }],
      ['ssm', { kind: 'parameters', name: '/dir', decrypt: true, recursive: true }],
    ])
  })
})

describe('environment variables', () => {
  const both = { context: { s: 's', p: parameter('/p') } }
  let written: string[] = []
  const recorder = (): Logger => {
    written = []
    return { debug: () => written.push('debug'), info: () => written.push('info'), warn: () => written.push('warn'), error: () => written.push('error') }
  }
  /** The lowest level a log writes: one line of each level in, the first one out. */
  const levelOf = (log: Logger): string => {
    log.debug('d')
    log.info('i')
    log.warn('w')
    log.error('e')
    return written[0]!
  }

  test('SECRETS_MANAGER_TTL and SSM_PARAMETER_STORE_TTL are per-store defaults', () => {
    const settings = normalize(both, { SECRETS_MANAGER_TTL: '60', SSM_PARAMETER_STORE_TTL: '120' })
    expect(settings.bindings.map((b) => [b.key, b.policy.ttlMs])).toEqual([
      ['s', 60_000],
      ['p', 120_000],
    ])
    // one without the other
    expect(normalize(both, { SSM_PARAMETER_STORE_TTL: '5' }).bindings.map((b) => b.policy.ttlMs)).toEqual([300_000, 5_000])
  })

  test('an explicit ttl option wins over the environment; a per-key ttl wins over both', () => {
    const settings = normalize({ ...both, ttl: 10 }, { SECRETS_MANAGER_TTL: '60', SSM_PARAMETER_STORE_TTL: '120' })
    expect(settings.bindings.map((b) => b.policy.ttlMs)).toEqual([10_000, 10_000])
    const perKey = normalize({ context: { s: secret('s', { ttl: 1 }), p: parameter('/p') } }, { SECRETS_MANAGER_TTL: '60', SSM_PARAMETER_STORE_TTL: '120' })
    expect(perKey.bindings.map((b) => b.policy.ttlMs)).toEqual([1_000, 120_000])
  })

  test('PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE -> maxEntries (the option wins)', () => {
    expect(normalize(both, { PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '50' }).maxEntries).toBe(50)
    expect(normalize(both, { PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '1000' }).maxEntries).toBe(1000)
    expect(normalize({ ...both, maxEntries: 7 }, { PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '50' }).maxEntries).toBe(7)
  })

  test('PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE=0 turns the cache off, as in the extension', () => {
    expect(normalize({ ...both, ttl: 60 }, { PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '0' }).bindings.map((b) => b.policy.ttlMs)).toEqual([0, 0])
  })

  test('PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false makes every ttl 0 (the option wins)', () => {
    expect(normalize({ ...both, ttl: 60 }, { PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false' }).bindings.map((b) => b.policy.ttlMs)).toEqual([0, 0])
    expect(normalize(both, { PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'TRUE' }).bindings.map((b) => b.policy.ttlMs)).toEqual([300_000, 300_000])
    expect(normalize({ ...both, cache: true }, { PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false' }).bindings.map((b) => b.policy.ttlMs)).toEqual([300_000, 300_000])
    expect(normalize({ ...both, cache: false }, {}).bindings.map((b) => b.policy.ttlMs)).toEqual([0, 0])
  })

  test('PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: debug dropped at info, none silences', () => {
    const lines: string[] = []
    const logger: Logger = {
      debug: (m) => lines.push(`debug ${m}`),
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
      error: (m) => lines.push(`error ${m}`),
    }
    const logAll = (l: Logger): void => {
      l.debug('d')
      l.info('i')
      l.warn('w')
      l.error('e')
    }
    logAll(normalize({ ...both, logger }, { PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'info' }).log)
    expect(lines).toEqual(['info middy-secrets: i', 'warn middy-secrets: w', 'error middy-secrets: e'])
    lines.length = 0
    logAll(normalize({ ...both, logger }, { PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'DEBUG' }).log)
    expect(lines).toEqual(['debug middy-secrets: d', 'info middy-secrets: i', 'warn middy-secrets: w', 'error middy-secrets: e'])
    lines.length = 0
    logAll(normalize({ ...both, logger }, { PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn' }).log)
    expect(lines).toEqual(['warn middy-secrets: w', 'error middy-secrets: e'])
    lines.length = 0
    logAll(normalize({ ...both, logger }, { PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'error' }).log)
    expect(lines).toEqual(['error middy-secrets: e'])
    lines.length = 0
    logAll(normalize({ ...both, logger }, { PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'none' }).log)
    expect(lines).toEqual([])
    // default info; the option wins over the variable
    logAll(normalize({ ...both, logger }, {}).log)
    expect(lines).toEqual(['info middy-secrets: i', 'warn middy-secrets: w', 'error middy-secrets: e'])
    lines.length = 0
    logAll(normalize({ ...both, logger, logLevel: 'error' }, { PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'debug' }).log)
    expect(lines).toEqual(['error middy-secrets: e'])
  })

  // Lambda's advanced logging controls set the function's application log level (with the JSON
  // log format); Powertools Logger reads it too. It decides when neither the option nor the
  // extension's variable does.
  test.each([
    ['DEBUG', 'debug'],
    ['trace', 'debug'],
    ['INFO', 'info'],
    ['WARN', 'warn'],
    ['ERROR', 'error'],
    ['FATAL', 'error'],
    ['LOUD', 'info'], // not one of Lambda's: the default
  ])('AWS_LAMBDA_LOG_LEVEL=%s, alone, is logLevel %s', (lambdaLevel, level) => {
    expect(levelOf(normalize({ ...both, logger: recorder() }, { AWS_LAMBDA_LOG_LEVEL: lambdaLevel }).log)).toBe(level)
  })

  test('the extension variable, and the option, come before AWS_LAMBDA_LOG_LEVEL', () => {
    expect(levelOf(normalize({ ...both, logger: recorder() }, { AWS_LAMBDA_LOG_LEVEL: 'DEBUG', PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn' }).log)).toBe('warn')
    expect(levelOf(normalize({ ...both, logger: recorder(), logLevel: 'error' }, { AWS_LAMBDA_LOG_LEVEL: 'DEBUG' }).log)).toBe('error')
  })

  test('blank variables are ignored', () => {
    const settings = normalize(both, { SECRETS_MANAGER_TTL: '', PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '  ', PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: '' })
    expect(settings.maxEntries).toBe(1000)
    expect(settings.bindings[0]!.policy.ttlMs).toBe(300_000)
  })

  test.each([
    ['SECRETS_MANAGER_TTL', 'soon'],
    ['SECRETS_MANAGER_TTL', '-1'],
    ['SSM_PARAMETER_STORE_TTL', 'NaN'],
    ['SECRETS_MANAGER_TTL', '301'],
    ['SSM_PARAMETER_STORE_TTL', '1e3'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE', 'lots'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE', '1001'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE', '2.5'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE', '-1'],
    ['PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED', 'maybe'],
    ['PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL', 'loud'],
    ['PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL', 'warning'],
    ['PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS', '0'],
    ['SECRETS_MANAGER_TIMEOUT_MILLIS', '1.5'],
    ['SSM_PARAMETER_STORE_TIMEOUT_MILLIS', 'x'],
  ])('bad %s=%j names the variable', (name, value) => {
    const error = configError(() => normalize({ context: { s: 's' }, stores: { secretsManager: store, ssm: store } }, { [name]: value }))
    expect(error.option).toBe(name)
    expect(error.message).toContain(value.trim())
  })

  test('bad variables are ignored where the option is given', () => {
    expect(normalize({ ...both, ttl: 5 }, { SECRETS_MANAGER_TTL: '', SSM_PARAMETER_STORE_TTL: '' }).bindings[0]!.policy.ttlMs).toBe(5_000)
    expect(normalize({ ...both, logLevel: 'info' }, { PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'loud' }).log).toBeDefined()
  })

  describe('through secrets() and process.env', () => {
    let saved: NodeJS.ProcessEnv
    beforeEach(() => {
      saved = { ...process.env }
    })
    afterEach(() => {
      process.env = saved
    })

    test('PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false: every invocation fetches', async () => {
      process.env.PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED = 'false'
      const handler = middy()
        .use(secrets({ context: { s: 's' }, ttl: 3600, stores: { secretsManager: store }, prefetch: false }))
        .handler(async (_event: unknown, context) => context.s)
      for (let i = 0; i < 3; i++) expect(await handler({}, {} as never)).toBe('v')
      expect(store.count('GetSecretValue')).toBe(3)
    })

    test('SECRETS_MANAGER_TTL=0: every invocation fetches; SSM_PARAMETER_STORE_TTL=300 keeps parameters', async () => {
      process.env.SECRETS_MANAGER_TTL = '0'
      process.env.SSM_PARAMETER_STORE_TTL = '300'
      const handler = middy()
        .use(secrets({ context: { s: 's', p: parameter('/p') }, stores: { secretsManager: store, ssm: store }, prefetch: false }))
        .handler(async (_event: unknown, context) => `${String(context.s)}/${context.p}`)
      for (let i = 0; i < 3; i++) expect(await handler({}, {} as never)).toBe('v/pv')
      expect(store.count('GetSecretValue')).toBe(3)
      expect(store.count('GetParameter')).toBe(1)
    })

    test('a bad variable fails secrets() with a ConfigError naming it', () => {
      process.env.PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE = 'lots'
      const error = configError(() => secrets({ context: { s: 's' }, stores: { secretsManager: store }, prefetch: false }))
      expect(error.option).toBe('PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE')
      expect(error.message).toContain("'lots'")
    })
  })
})
