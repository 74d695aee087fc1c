/**
 * Shared by every measurement child. The children run inside the snapshot directory made by
 * bench/run.mjs, so `import('middy-secrets')` resolves to the snapshot of dist/ taken when the
 * run started (other builds of dist/ may happen while the benchmark runs), and
 * `import('middy-secrets-baseline')` to the build of the baseline commit (--baseline).
 *
 * Nothing here is imported statically except node builtins and ./seed.mjs: each implementation's
 * modules are imported inside the timed import phase of the child.
 */
import { performance } from 'node:perf_hooks'
import { APPCONFIG_APP, APPCONFIG_ENV, APPCONFIG_PROFILE, APPCONFIG_VALUE, DDB_KEY, DDB_TABLE, DDB_VALUE, SM_NAME, SM_VALUE, SSM_NAME, SSM_VALUE } from './seed.mjs'

export { performance }

export const ENDPOINT = process.env.BENCH_ENDPOINT
if (!ENDPOINT) throw new Error('BENCH_ENDPOINT is not set (children are started by bench/run.mjs)')

export const REGION = 'us-east-1'

export { SM_NAME, SSM_NAME, MEM_NAME, SM_VALUE, SSM_VALUE, MEM_VALUE, MEM_SECRET_BYTES } from './seed.mjs'

export const SDK_MODULE = {
  sm: '@aws-sdk/client-secrets-manager',
  ssm: '@aws-sdk/client-ssm',
  appconfig: '@aws-sdk/client-appconfigdata',
  ddb: '@aws-sdk/client-dynamodb',
}

/**
 * The extension stand-in (bench/child/extension-runner.mjs, its own process started by the
 * parent): where it listens and the token it requires. Set only for the children that use it.
 */
export const EXTENSION_PORT = process.env.BENCH_EXTENSION_PORT ? Number(process.env.BENCH_EXTENSION_PORT) : undefined
export const EXTENSION_TOKEN = process.env.BENCH_EXTENSION_TOKEN

/** A Lambda-like context, new for every invocation as Lambda gives. */
export function lambdaContext() {
  return {
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
    memoryLimitInMB: '1024',
    awsRequestId: 'bench-request',
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
  }
}

export function chunks(items, size) {
  const out = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The names a scenario of `kind` asks for (AppConfig: configuration profiles; DynamoDB: partition keys) and the values expected back. */
export function scenario(kind, count) {
  const name = { sm: SM_NAME, ssm: SSM_NAME, appconfig: APPCONFIG_PROFILE, ddb: DDB_KEY }[kind]
  const value = { sm: SM_VALUE, ssm: SSM_VALUE, appconfig: APPCONFIG_VALUE, ddb: DDB_VALUE }[kind]
  if (!name) throw new Error(`unknown kind ${kind}`)
  const names = Array.from({ length: count }, (_, i) => name(i))
  return { names, expected: names.map((_, i) => value(i)), keys: names.map((_, i) => `k${i}`) }
}

/** The one line the parent reads; everything else a child prints is ignored. */
export function report(result) {
  return new Promise((resolve) => process.stdout.write(`BENCH_RESULT ${JSON.stringify({ node: process.version, ...result })}\n`, resolve))
}

export async function finish(result) {
  await report(result)
  // Keep-alive sockets and SDK timers would keep the process alive: the measurement is done.
  process.exit(0)
}

export function fail(error) {
  process.stderr.write(`${error?.stack ?? error}\n`)
  process.exit(1)
}

/**
 * The implementations. `middy`: runs inside a middy() handler (so @middy/core is imported in the
 * import phase). Ids:
 *
 *   ms-https    middy-secrets, transport: 'https' (the lean transport: aws4 + node:https, no SDK)
 *   ms-sdk      middy-secrets, transport: 'sdk' (the AWS SDK v3 client, which the package loads itself on its first call)
 *   ms-sdk-pre  the same, with the SDK client module imported by the handler before the package (as
 *               the bench did before 2026-12-05): the package's own code, the SDK's load set aside
 *   ms          middy-secrets with its defaults (transport 'auto': here the lean one; see the lazy section)
 *   ms-ext      middy-secrets with extensionStore() for both roles (middy-secrets/extension), no SDK
 *   base        the baseline build (--baseline, the commit of the previous results), defaults (SDK only)
 *   base-pre    the baseline build, with the SDK client module imported first (as ms-sdk-pre)
 *   middy-peer  @middy/secrets-manager / @middy/ssm, setToContext
 *   pt-seq      Powertools getSecret/getParameter, one await after the other (as documented), in middy
 *   pt-all      the same with Promise.all, in middy (AppConfig: getAppConfig; DynamoDB: DynamoDBProvider.get)
 *   pt-bare     pt-all without middy (the handler is a plain async function)
 *   sdk-get     the raw SDK, one GetSecretValue / GetParameter per key, Promise.all, in middy
 *   sdk-batch   the raw SDK batch floor: BatchGetSecretValue (20 a call) / GetParameters (10 a call), in parallel, in middy
 *   lean        the lean floor (lean.mjs): aws4 + node:http + JSON by hand, no middy
 *   lean-middy  the lean floor inside a bare middy() handler
 *   map, inject, noop, none: the warm and steady references (no AWS)
 */
const NO_MIDDY = new Set(['lean', 'pt-bare'])
export const usesMiddy = (impl) => !NO_MIDDY.has(impl)
const MS = new Set(['ms', 'ms-https', 'ms-sdk', 'ms-sdk-pre', 'ms-off', 'base', 'base-pre'])

/**
 * Imports what an implementation needs: @middy/core (unless it runs without middy), the
 * implementation and the AWS SDK client module it uses. middy-secrets loads its SDK client itself,
 * on its first call (ms-sdk, base), as a function that uses it gets it: since 2026-12-05 its ESM
 * build requires it, which Node 20 and 22 do faster than an ES module's import() (the baseline's
 * way; lib/transport/sdk-module.ts). ms-sdk-pre and base-pre import the client first, as the
 * bench did before: what is left is the package's own code. On the lean transport nothing of the
 * SDK is imported at all.
 */
export async function loadImplementation(impl, kind) {
  const core = NO_MIDDY.has(impl) ? undefined : (await import('@middy/core')).default
  switch (impl) {
    case 'ms':
    case 'ms-off':
    case 'ms-https':
    case 'ms-sdk':
      return { core, lib: await import('middy-secrets') }
    case 'base':
      return { core, lib: await import('middy-secrets-baseline') }
    case 'ms-sdk-pre':
    case 'base-pre': {
      const lib = await import(impl === 'base-pre' ? 'middy-secrets-baseline' : 'middy-secrets')
      await import(SDK_MODULE[kind])
      return { core, lib }
    }
    case 'ms-ext': {
      // The extension store needs no AWS SDK: nothing of it is imported here, nor by the package.
      const ext = await import('middy-secrets/extension')
      const lib = await import('middy-secrets')
      return { core, lib, ext }
    }
    case 'middy-peer':
      return { core, peer: (await import(kind === 'sm' ? '@middy/secrets-manager' : '@middy/ssm')).default }
    case 'pt-seq':
    case 'pt-all':
    case 'pt-bare':
    case 'powertools': {
      switch (kind) {
        case 'sm':
          return { core, get: (await import('@aws-lambda-powertools/parameters/secrets')).getSecret }
        case 'ssm':
          return { core, get: (await import('@aws-lambda-powertools/parameters/ssm')).getParameter }
        case 'appconfig':
          return { core, getAppConfig: (await import('@aws-lambda-powertools/parameters/appconfig')).getAppConfig }
        case 'ddb':
          return { core, DynamoDBProvider: (await import('@aws-lambda-powertools/parameters/dynamodb')).DynamoDBProvider }
      }
      throw new Error(`no Powertools for ${kind}`)
    }
    case 'sdk-get':
    case 'sdk-batch':
      return { core, sdk: await import(SDK_MODULE[kind]) }
    case 'lean':
    case 'lean-middy':
      return { core, lean: await import('./lean.mjs') }
    case 'map':
    case 'noop':
    case 'inject':
    case 'none':
      return { core }
    default:
      throw new Error(`unknown implementation ${impl}`)
  }
}

/** A new object each time: the SDK writes into the credentials object it is given. */
export const clientOptions = () => ({ endpoint: ENDPOINT, region: REGION, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } })

const TRANSPORT = { 'ms-https': 'https', 'ms-sdk': 'sdk', 'ms-sdk-pre': 'sdk' }

/** middy-secrets' declaration of name `name` of `kind`. */
function declaration(lib, kind, name) {
  switch (kind) {
    case 'sm':
      return lib.secret(name)
    case 'ssm':
      return lib.parameter(name)
    case 'appconfig':
      return lib.appConfig(APPCONFIG_APP, APPCONFIG_ENV, name, { field: 'v' })
    case 'ddb':
      return lib.item(DDB_TABLE, name)
  }
  throw new Error(`unknown kind ${kind}`)
}

/**
 * Builds the handler of an implementation for `names` (injected as context keys `keys`). The
 * handler returns the values it read, in order; the caller checks them against the expected ones.
 * `extra` goes into middy-secrets' options (ttl, refreshAhead, maxEntries...). `work` (optional)
 * runs in the handler before it reads the values (the steady run's simulated work).
 */
export function createHandler(impl, kind, mods, names, keys, extra = {}, work = undefined) {
  const { core: middy } = mods
  const readContext = async (event, context) => {
    work?.()
    const out = new Array(keys.length)
    for (let i = 0; i < keys.length; i++) out[i] = context[keys[i]]
    return out
  }
  const sm = kind === 'sm'
  if (MS.has(impl)) {
    const context = {}
    keys.forEach((key, i) => (context[key] = declaration(mods.lib, kind, names[i])))
    const transport = TRANSPORT[impl]
    return middy(readContext).use(mods.lib.secrets({ context, clientOptions: clientOptions(), ...(transport ? { transport } : {}), ...extra }))
  }
  switch (impl) {
    case 'ms-ext': {
      // As in Lambda with the extension layer: both roles go through the extension over HTTP.
      if (EXTENSION_PORT === undefined || !EXTENSION_TOKEN) throw new Error('BENCH_EXTENSION_PORT / BENCH_EXTENSION_TOKEN are not set (the parent starts the extension runner)')
      const { extensionStore } = mods.ext
      const context = {}
      keys.forEach((key, i) => (context[key] = declaration(mods.lib, kind, names[i])))
      const store = () => extensionStore({ port: EXTENSION_PORT, token: EXTENSION_TOKEN })
      return middy(readContext).use(mods.lib.secrets({ context, stores: { secretsManager: store(), ssm: store() }, ...extra }))
    }
    case 'middy-peer': {
      const fetchData = {}
      keys.forEach((key, i) => (fetchData[key] = names[i]))
      return middy(readContext).use(mods.peer({ fetchData, setToContext: true, awsClientOptions: clientOptions(), ...extra }))
    }
    case 'pt-seq':
    case 'powertools': {
      // As the Powertools docs show it: one awaited get after another.
      const get = powertoolsGetter(kind, mods, extra)
      return middy(async () => {
        work?.()
        const out = new Array(names.length)
        for (let i = 0; i < names.length; i++) out[i] = await get(names[i])
        return out
      })
    }
    case 'pt-all':
    case 'pt-bare': {
      const get = powertoolsGetter(kind, mods, extra)
      const handler = async () => {
        work?.()
        return Promise.all(names.map((name) => get(name)))
      }
      return impl === 'pt-bare' ? handler : middy(handler)
    }
    case 'sdk-get': {
      const { sdk } = mods
      if (sm) {
        const client = new sdk.SecretsManagerClient(clientOptions())
        return middy(async () => Promise.all(names.map(async (name) => (await client.send(new sdk.GetSecretValueCommand({ SecretId: name }))).SecretString)))
      }
      const client = new sdk.SSMClient(clientOptions())
      return middy(async () => Promise.all(names.map(async (name) => (await client.send(new sdk.GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value)))
    }
    case 'sdk-batch': {
      const { sdk } = mods
      if (sm) {
        const client = new sdk.SecretsManagerClient(clientOptions())
        return middy(async () => {
          const byName = new Map()
          await Promise.all(
            chunks(names, 20).map(async (ids) => {
              const out = await client.send(new sdk.BatchGetSecretValueCommand({ SecretIdList: ids }))
              for (const v of out.SecretValues ?? []) byName.set(v.Name, v.SecretString)
            }),
          )
          return names.map((name) => byName.get(name))
        })
      }
      const client = new sdk.SSMClient(clientOptions())
      return middy(async () => {
        const byName = new Map()
        await Promise.all(
          chunks(names, 10).map(async (batch) => {
            const out = await client.send(new sdk.GetParametersCommand({ Names: batch, WithDecryption: true }))
            for (const p of out.Parameters ?? []) byName.set(p.Name, p.Value)
          }),
        )
        return names.map((name) => byName.get(name))
      })
    }
    case 'lean':
    case 'lean-middy': {
      const { leanClient, leanSecrets, leanParameters } = mods.lean
      const call = leanClient(clientOptions())
      const handler = async () => (sm ? leanSecrets(call, names) : leanParameters(call, names))
      return impl === 'lean' ? handler : middy(handler)
    }
    default:
      throw new Error(`no handler for ${impl}`)
  }
}

/** Powertools' getter for one name of `kind` (its default providers, or a DynamoDBProvider for the table). */
function powertoolsGetter(kind, mods, extra) {
  const options = extra.maxAge === undefined ? {} : { maxAge: extra.maxAge }
  switch (kind) {
    case 'sm':
    case 'ssm':
      return (name) => mods.get(name, options)
    case 'appconfig':
      return async (name) => (await mods.getAppConfig(name, { application: APPCONFIG_APP, environment: APPCONFIG_ENV, transform: 'json', ...options }))?.v
    case 'ddb': {
      const provider = new mods.DynamoDBProvider({ tableName: DDB_TABLE })
      return (name) => provider.get(name, options)
    }
  }
  throw new Error(`unknown kind ${kind}`)
}

/** How many of the values are the expected ones. */
export function countCorrect(values, expected) {
  let ok = 0
  for (let i = 0; i < expected.length; i++) if (values?.[i] === expected[i]) ok++
  return ok
}
