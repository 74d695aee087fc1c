/**
 * Type tests: the context a handler sees is typed from the declaration. `expectType<T>()(value)`
 * only compiles when the value's type is exactly T, and every `@ts-expect-error` must hide a real
 * error (an unused one is itself an error), so a wrong type fails the compile.
 *
 * ts-jest runs with `isolatedModules` (transpile only: it does not report type errors), so the
 * last test compiles this file with the TypeScript compiler and fails on any diagnostic.
 */
import middy from '@middy/core'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import {
  appConfig,
  clearCache,
  getAppConfig,
  getItem,
  getItems,
  getParameter,
  getParameters,
  getSecret,
  item,
  items,
  load,
  parameter,
  parameters,
  secret,
  secrets,
  type Declaration,
  type InjectedContext,
  type SecretOptions,
} from '../lib/index.js'
import { memoryStore } from '../lib/testing/index.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

/** Compiles only when `value` is exactly `Expected` (not a subtype, not `any`). */
const expectType =
  <Expected>() =>
  <Actual>(value: Actual, ..._exact: Equal<Expected, Actual> extends true ? [] : [never]): Actual =>
    value

const takesString = (value: string): string => value

beforeEach(() => {
  clearCache()
})

function seeded() {
  return memoryStore({
    secrets: { x: '{"u":"user"}', y: 'raw', z: Buffer.from('bytes').toString('base64'), j: '{"n":1}', t: Buffer.from('text').toString('base64') },
    parameters: { '/f': 'flag', '/t64': Buffer.from('p-text').toString('base64'), '/p/a': '1', '/p/b': '2', '/n': '42' },
  })
}

test('context keys are typed from secret<T>(), the transform, parameter() and parameters()', async () => {
  const store = seeded()
  const handler = middy()
    .use(
      secrets({
        context: {
          db: secret<{ u: string }>('x', { transform: 'json' }),
          raw: secret('y'),
          bin: secret('z', { transform: 'base64' }),
          flags: parameter('/f'),
          all: parameters('/p'),
        },
        stores: { secretsManager: store, ssm: store },
        prefetch: false,
      }),
    )
    .handler(async (_event: unknown, context) => {
      expectType<string>()(context.db.u)
      expectType<{ u: string }>()(context.db)
      expectType<string | Uint8Array>()(context.raw)
      expectType<Uint8Array>()(context.bin)
      expectType<string>()(context.flags)
      expectType<Record<string, string>>()(context.all)
      // the Lambda context is still there
      expectType<string>()(context.functionName)
      // @ts-expect-error not a field of the declared type
      void context.db.nope
      // @ts-expect-error bytes are not a string
      takesString(context.bin)
      // @ts-expect-error string | Uint8Array is not a string
      takesString(context.raw)
      // @ts-expect-error not declared
      void context.undeclared
      return { u: context.db.u, raw: context.raw, bin: context.bin, flags: context.flags, all: context.all }
    })
  const out = await handler({}, {} as never)
  expect(out.u).toBe('user')
  expect(out.raw).toBe('raw')
  expect(Buffer.from(out.bin).toString()).toBe('bytes')
  expect(out.flags).toBe('flag')
  expect(out.all).toEqual({ a: '1', b: '2' })
})

test('transforms without a type argument: json/field/auto -> unknown, binary -> string, base64 -> Uint8Array', async () => {
  const store = seeded()
  const handler = middy()
    .use(
      secrets({
        context: {
          json: secret('j', { transform: 'json' }),
          field: secret('j', { field: 'n' }),
          auto: secret('j', { transform: 'auto' }),
          text: secret('t', { transform: 'binary' }),
          plain: 'y',
          flagsText: parameter('/t64', { transform: 'binary' }),
          num: parameter<number>('/n', { transform: 'json' }),
          paramJson: parameter('/n', { transform: 'json' }),
          allJson: parameters('/p', { transform: 'json' }),
          allTyped: parameters<Record<string, number>>('/p', { transform: 'json' }),
        },
        stores: { secretsManager: store, ssm: store },
        prefetch: false,
      }),
    )
    .handler(async (_event: unknown, context) => {
      expectType<unknown>()(context.json)
      expectType<unknown>()(context.field)
      expectType<unknown>()(context.auto)
      expectType<string>()(context.text)
      expectType<string | Uint8Array>()(context.plain)
      expectType<string>()(context.flagsText)
      expectType<number>()(context.num)
      expectType<unknown>()(context.paramJson)
      expectType<Record<string, unknown>>()(context.allJson)
      expectType<Record<string, number>>()(context.allTyped)
      // @ts-expect-error unknown must be narrowed first
      void context.json.n
      return { field: context.field, text: context.text, num: context.num, allTyped: context.allTyped }
    })
  const out = await handler({}, {} as never)
  expect(out).toEqual({ field: 1, text: 'text', num: 42, allTyped: { a: 1, b: 2 } })
})

test('retrying() in a chain typed with middy<Event, Result>(): an annotated event keeps its type, and a wrong result is an error (README, retrying)', async () => {
  // refresh() takes the declared names (context and env): a unit-testing review found a typo compiled.
  const typed = secrets({ context: { db: secret('j') }, env: { API_KEY: secret('k') }, stores: { secretsManager: seeded() }, prefetch: false })
  const refreshes = (): Array<Promise<void>> => [
    typed.refresh('db'),
    typed.refresh(['db', 'API_KEY']),
    typed.refresh(),
    // @ts-expect-error not declared
    typed.refresh('dbb'),
    // @ts-expect-error not declared
    typed.refresh(['db', 'api_key']),
  ]
  expect(refreshes).toBeInstanceOf(Function)
  // TypeScript does not carry middy's event type into the wrapped handler (middy's handler
  // parameter is a conditional type of its own type parameters): a review found `event` unknown
  // there. The README says to annotate it; this is what the annotation gives.
  type ApiEvent = { path: string }
  type ApiResult = { statusCode: number; body: string }
  const mw = secrets({ context: { db: secret<{ user: string }>('j', { transform: 'json' }) }, stores: { secretsManager: seeded() }, prefetch: false, refreshOn: () => false })
  const handler = middy<ApiEvent, ApiResult>()
    .use(mw)
    .handler(
      mw.retrying(async (event: ApiEvent, context) => {
        expectType<ApiEvent>()(event)
        expectType<{ user: string }>()(context.db)
        return { statusCode: 200, body: event.path }
      }),
    )
  middy<ApiEvent, ApiResult>()
    .use(mw)
    // @ts-expect-error the wrapped handler's result is checked against middy's result type
    .handler(mw.retrying(async (event: ApiEvent) => ({ statusCode: 'ok', body: event.path })))
  expect(await handler({ path: '/p' }, {} as never)).toEqual({ statusCode: 200, body: '/p' })
})

test('env keys are not added to the context; InjectedContext maps declarations', async () => {
  const store = seeded()
  const handler = middy()
    .use(secrets({ context: { raw: 'y' }, env: { API_KEY: secret('y') }, stores: { secretsManager: store }, prefetch: false }))
    .handler(async (_event: unknown, context) => {
      // @ts-expect-error env keys live in process.env
      void context.API_KEY
      return process.env.API_KEY
    })
  type Injected = InjectedContext<{ readonly db: string; readonly p: Declaration<string>; readonly n: Declaration<number> }>
  expectType<string | Uint8Array>()({} as Injected['db'])
  expectType<string>()({} as Injected['p'])
  expectType<number>()({} as Injected['n'])
  expectType<'db' | 'p' | 'n'>()({} as keyof Injected)
  expect(await handler({}, {} as never)).toBe('raw')
  delete process.env.API_KEY
})

test('bad declarations do not compile', () => {
  const store = seeded()
  // @ts-expect-error not a transform
  const badTransform = secret('x', { transform: 'yaml' })
  // @ts-expect-error ttl is a number of seconds
  const badTtl = parameter('/x', { ttl: '5' })
  // @ts-expect-error version selectors belong to parameter()
  const badOption = secret('x', { version: 3 })
  // @ts-expect-error a map entry is a declaration or a secret name
  const badEntry = () => secrets({ context: { n: 5 }, stores: { secretsManager: store } })
  expect([badTransform.name, badTtl.name, badOption.name, typeof badEntry]).toEqual(['x', '/x', 'x', 'function'])
})

// Each typo sits on its own line under its @ts-expect-error, so the error must be reported on the
// misspelled property itself: an error anywhere else in the call would not be covered.
test('a misspelled option next to a valid one does not compile', () => {
  const store = seeded()
  const typoSecret = secret('x', {
    ttl: 60,
    // @ts-expect-error transfrom is not an option, even with a valid ttl beside it
    transfrom: 'json',
  })
  const typoParameter = parameter('/x', {
    decrypt: false,
    // @ts-expect-error parameter() has no versionStage
    versionStage: 'AWSCURRENT',
  })
  const typoParameters = parameters('/p', {
    recursive: true,
    // @ts-expect-error field belongs to secret() and parameter()
    field: 'k',
  })
  const inline = () =>
    secrets({
      context: {
        db: secret('x', {
          transform: 'json',
          // @ts-expect-error a typo inside the map is caught too
          maxStal: 5,
        }),
      },
      stores: { secretsManager: store },
    })
  expect([typoSecret.name, typoParameter.name, typoParameters.name, typeof inline]).toEqual(['x', '/x', '/p', 'function'])
})

test('valid options beside each other keep their literal types', () => {
  expectType<Declaration<unknown>>()(secret('x', { ttl: 60, transform: 'json' }))
  expectType<Declaration<Uint8Array>>()(secret('x', { ttl: 60, maxStale: 0, transform: 'base64' }))
  expectType<Declaration<unknown>>()(secret('x', { versionStage: 'AWSPREVIOUS', field: 'k' }))
  expectType<Declaration<string>>()(parameter('/x', { ttl: 60, transform: 'binary', decrypt: true }))
  expectType<Declaration<string>>()(parameter('/x', { version: 3 }))
  expectType<Declaration<Record<string, Uint8Array>>>()(parameters('/p', { recursive: true, transform: 'base64' }))
  expectType<Declaration<{ a: number }>>()(secret<{ a: number }>('x', { ttl: 60, transform: 'json' }))
  const options: SecretOptions = { ttl: 60 } // a variable of the declared options type: its optional may be true
  expectType<Declaration<string | Uint8Array | undefined>>()(secret('x', options))
  expectType<Declaration<string | Uint8Array>>()(secret('x'))
})

test('optional keys: `| undefined` unless a default is given, with a type argument or without', async () => {
  type Db = { user: string; password: string }
  const fallbackDb: Db = { user: 'u', password: 'p' }
  // Without a type argument, the options are inferred.
  expectType<Declaration<string | Uint8Array | undefined>>()(secret('x', { optional: true }))
  expectType<Declaration<string | Uint8Array>>()(secret('x', { optional: true, default: 'fallback' }))
  expectType<Declaration<string | undefined>>()(parameter('/x', { optional: true }))
  // With one, TypeScript infers no options type: the overloads read optional and default from the options' shape.
  expectType<Declaration<Db | undefined>>()(secret<Db>('x', { transform: 'json', versionStage: 'AWSPREVIOUS', optional: true }))
  expectType<Declaration<Db>>()(secret<Db>('x', { transform: 'json', optional: true, default: fallbackDb }))
  expectType<Declaration<Db>>()(secret<Db>('x', { transform: 'json' }))
  expectType<Declaration<Db>>()(secret<Db>('x', { transform: 'json', optional: false }))
  expectType<Declaration<number | undefined>>()(parameter<number>('/n', { transform: 'json', optional: true }))
  expectType<Declaration<Record<string, string> | undefined>>()(parameters<Record<string, string>>('/p', { optional: true }))
  expectType<Declaration<Db | undefined>>()(appConfig<Db>('a', 'e', 'p', { transform: 'json', optional: true }))
  expectType<Declaration<Db | undefined>>()(item<Db>('t', 'k', { optional: true }))
  expectType<Declaration<Record<string, Db> | undefined>>()(items<Record<string, Db>>('t', 'k', { optional: true }))
  // @ts-expect-error a misspelt option is still refused
  secret<Db>('x', { optional: true, transfrom: 'json' })
  // The direct API and the middleware's context alike.
  const store = seeded()
  const handler = middy()
    .use(secrets({ context: { previous: secret<Db>('absent', { transform: 'json', optional: true }) }, stores: { secretsManager: store }, prefetch: false }))
    .handler(async (_event: unknown, context) => {
      expectType<Db | undefined>()(context.previous)
      const password = (): string =>
        // @ts-expect-error possibly undefined
        context.previous.password
      void password
      return context.previous
    })
  expect(await handler({}, {} as never)).toBeUndefined()
  const direct = getSecret<Db>('absent', { transform: 'json', optional: true, stores: { secretsManager: store } })
  expectType<Promise<Db | undefined>>()(direct)
  expect(await direct).toBeUndefined()
  expectType<Promise<Db>>()(getSecret<Db>('absent', { transform: 'json', optional: true, default: fallbackDb, stores: { secretsManager: store } }))
  expectType<Promise<Db>>()(getSecret<Db>('x', { transform: 'json', stores: { secretsManager: store } })) // load() options beside a type argument
  expectType<Promise<{ previous: Db | undefined }>>()(load({ previous: secret<Db>('absent', { optional: true }) }, { stores: { secretsManager: store } }))
})

// `optional` typed `boolean` (a flag known at run time) is not the literal `true`, yet the key is
// undefined whenever the flag is on and the value is absent: only an absent `optional`, the literal
// `false` or a `default` leaves `undefined` out.
test('an optional flag known only at run time (boolean) keeps `| undefined`, with a type argument or without', () => {
  type Db = { user: string; password: string }
  const fallbackDb: Db = { user: 'u', password: 'p' }
  const optional: boolean = process.env.MIDDY_SECRETS_TYPES_OPTIONAL === '1'
  // Without a type argument.
  expectType<Declaration<string | Uint8Array | undefined>>()(secret('x', { optional }))
  expectType<Declaration<string | undefined>>()(parameter('/x', { optional }))
  expectType<Declaration<Record<string, string> | undefined>>()(parameters('/p', { optional }))
  expectType<Declaration<string | Uint8Array | undefined>>()(appConfig('a', 'e', 'p', { optional }))
  expectType<Declaration<Uint8Array | undefined>>()(item('t', 'k', { optional, transform: 'base64' }))
  expectType<Declaration<Record<string, string> | undefined>>()(items('t', 'k', { optional, transform: 'binary' }))
  expectType<Declaration<string | Uint8Array>>()(secret('x', { optional, default: 'fallback' }))
  const options: SecretOptions = { ttl: 60 } // its optional may be true as well
  // With one.
  expectType<Declaration<Db | undefined>>()(secret<Db>('x', { transform: 'json', optional }))
  expectType<Declaration<number | undefined>>()(parameter<number>('/n', { transform: 'json', optional }))
  expectType<Declaration<Record<string, string> | undefined>>()(parameters<Record<string, string>>('/p', { optional }))
  expectType<Declaration<Db | undefined>>()(appConfig<Db>('a', 'e', 'p', { transform: 'json', optional }))
  expectType<Declaration<Db | undefined>>()(item<Db>('t', 'k', { optional }))
  expectType<Declaration<Record<string, Db> | undefined>>()(items<Record<string, Db>>('t', 'k', { optional }))
  expectType<Declaration<Db | undefined>>()(secret<Db>('x', options))
  expectType<Declaration<Db>>()(secret<Db>('x', { transform: 'json', optional, default: fallbackDb }))
  // @ts-expect-error a misspelt option is still refused
  secret<Db>('x', { optional, transfrom: 'json' })
  // The get functions and load() (not called: the types are the point).
  expectType<() => Promise<string | Uint8Array | undefined>>()(() => getSecret('x', { optional }))
  expectType<() => Promise<Db | undefined>>()(() => getSecret<Db>('x', { transform: 'json', optional }))
  expectType<() => Promise<Db>>()(() => getSecret<Db>('x', { transform: 'json', optional, default: fallbackDb }))
  expectType<() => Promise<string | undefined>>()(() => getParameter('/x', { optional }))
  expectType<() => Promise<number | undefined>>()(() => getParameter<number>('/n', { transform: 'json', optional }))
  expectType<() => Promise<Record<string, string> | undefined>>()(() => getParameters('/p', { optional }))
  expectType<() => Promise<Db | undefined>>()(() => getAppConfig<Db>('a', 'e', 'p', { transform: 'json', optional }))
  expectType<() => Promise<Uint8Array | undefined>>()(() => getItem('t', 'k', { optional, transform: 'base64' }))
  expectType<() => Promise<Record<string, Db> | undefined>>()(() => getItems<Record<string, Db>>('t', 'k', { optional }))
  expectType<() => Promise<{ db: Db | undefined; raw: string | Uint8Array | undefined }>>()(() =>
    load({ db: secret<Db>('x', { transform: 'json', optional }), raw: secret('y', { optional }) }),
  )
})

test('a key without optional, or with optional: false, stays without `| undefined`', () => {
  type Db = { user: string; password: string }
  expectType<Declaration<string | Uint8Array>>()(secret('x'))
  expectType<Declaration<string | Uint8Array>>()(secret('x', { optional: false }))
  expectType<Declaration<string>>()(parameter('/x', { optional: false }))
  expectType<Declaration<Record<string, string>>>()(parameters('/p', { optional: false }))
  expectType<Declaration<string | Uint8Array>>()(appConfig('a', 'e', 'p', { optional: false }))
  expectType<Declaration<Record<string, unknown>>>()(items('t', 'k', { optional: false }))
  expectType<Declaration<Db>>()(secret<Db>('x'))
  expectType<Declaration<Db>>()(secret<Db>('x', { transform: 'json', optional: false }))
  expectType<Declaration<number>>()(parameter<number>('/n', { transform: 'json', optional: false }))
  expectType<Declaration<Db>>()(appConfig<Db>('a', 'e', 'p', { optional: false }))
  expectType<Declaration<Db>>()(item<Db>('t', 'k'))
  expectType<Declaration<Record<string, Db>>>()(items<Record<string, Db>>('t', 'k', { optional: false }))
  expectType<() => Promise<string | Uint8Array>>()(() => getSecret('x'))
  expectType<() => Promise<Db>>()(() => getSecret<Db>('x', { transform: 'json', optional: false }))
  expectType<() => Promise<string>>()(() => getParameter('/x', { optional: false }))
  expectType<() => Promise<Record<string, string>>>()(() => getParameters('/p'))
  expectType<() => Promise<Db>>()(() => getAppConfig<Db>('a', 'e', 'p', { transform: 'json' }))
  expectType<() => Promise<Db>>()(() => getItem<Db>('t', 'k', { optional: false }))
  expectType<() => Promise<Record<string, unknown>>>()(() => getItems('t', 'k'))
  expectType<() => Promise<{ db: Db; raw: string | Uint8Array }>>()(() => load({ db: secret<Db>('x', { optional: false }), raw: secret('y') }))
})

// With a type argument TypeScript infers nothing else: a default that is not a T cannot be
// described by the type argument, so the key is `unknown` (it used to be `T | undefined`, while
// the value at run time is the default). Naming the default's type in the type argument keeps it.
test('with a type argument, a default of another type makes the key unknown; naming its type in the type argument keeps both', async () => {
  type Db = { user: string; password: string }
  const fallbackDb: Db = { user: 'u', password: 'p' }
  const optional: boolean = process.env.MIDDY_SECRETS_TYPES_OPTIONAL === '1'
  expectType<Declaration<unknown>>()(secret<Db>('x', { transform: 'json', optional: true, default: null }))
  expectType<Declaration<unknown>>()(secret<Db>('x', { transform: 'json', optional, default: 'none' }))
  expectType<Declaration<unknown>>()(secret<Db>('x', { transform: 'json', optional: true, default: { user: 'u' } }))
  expectType<Declaration<Db | null>>()(secret<Db | null>('x', { transform: 'json', optional: true, default: null }))
  expectType<Declaration<Db | 'none'>>()(secret<Db | 'none'>('x', { transform: 'json', optional: true, default: 'none' }))
  // A default of type T still gives T; no default, T | undefined.
  expectType<Declaration<Db>>()(secret<Db>('x', { transform: 'json', optional: true, default: fallbackDb }))
  expectType<Declaration<Db | undefined>>()(secret<Db>('x', { transform: 'json', optional: true }))
  expectType<Declaration<unknown>>()(parameter<number>('/n', { transform: 'json', optional: true, default: null }))
  expectType<Declaration<unknown>>()(parameters<Record<string, number>>('/p', { transform: 'json', optional: true, default: null }))
  expectType<Declaration<unknown>>()(appConfig<Db>('a', 'e', 'p', { transform: 'json', optional: true, default: null }))
  expectType<Declaration<unknown>>()(item<Db>('t', 'k', { optional: true, default: '' }))
  expectType<Declaration<unknown>>()(items<Record<string, Db>>('t', 'k', { optional: true, default: null }))
  expectType<() => Promise<unknown>>()(() => getSecret<Db>('x', { transform: 'json', optional: true, default: null, ttl: 60 }))
  expectType<() => Promise<Db | null>>()(() => getSecret<Db | null>('x', { transform: 'json', optional: true, default: null, ttl: 60 }))
  expectType<() => Promise<unknown>>()(() => getParameter<number>('/n', { transform: 'json', optional: true, default: null }))
  expectType<() => Promise<unknown>>()(() => getParameters<Record<string, number>>('/p', { transform: 'json', optional: true, default: null }))
  expectType<() => Promise<unknown>>()(() => getAppConfig<Db>('a', 'e', 'p', { transform: 'json', optional: true, default: false }))
  expectType<() => Promise<unknown>>()(() => getItem<Db>('t', 'k', { optional: true, default: null }))
  expectType<() => Promise<unknown>>()(() => getItems<Record<string, Db>>('t', 'k', { optional: true, default: null }))
  // @ts-expect-error a misspelt option is still refused beside a default
  secret<Db>('x', { optional: true, default: null, transfrom: 'json' })
  // The reviewer's case: the value at run time is the default, and the type no longer says Db | undefined.
  const store = seeded()
  const { db } = await load({ db: secret<Db>('absent', { transform: 'json', optional: true, default: null }) }, { stores: { secretsManager: store } })
  const user = (): string | undefined => {
    // @ts-expect-error db may be null (the default): ruling out undefined does not make it a Db
    if (db !== undefined) return db.user
    return undefined
  }
  void user
  expect(db).toBeNull()
  const marker = await getSecret<Db>('absent', { transform: 'json', optional: true, default: 'none', stores: { secretsManager: store } })
  // @ts-expect-error marker may be 'none' (the default)
  const typed: Db | undefined = marker
  void typed
  expect(marker).toBe('none')
})

test('this file compiles: every expectType holds and every @ts-expect-error hides a real error', () => {
  const here = fileURLToPath(import.meta.url)
  const root = join(dirname(here), '..')
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path))
  expect(config.error).toBeUndefined()
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  const program = ts.createProgram([here], { ...parsed.options, noEmit: true })
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === here.split('\\').join('/') || d.file === undefined)
    .map((d) => {
      const where = d.file && d.start !== undefined ? `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : ''
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
  expect(diagnostics).toEqual([])
})
