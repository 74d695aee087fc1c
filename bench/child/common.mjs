/**
 * Shared by every measurement child. The children run inside the snapshot directory made by
 * bench/run.mjs, so `import('middy-secrets')` resolves to the snapshot of dist/ taken when the
 * run started (other builds of dist/ may happen while the benchmark runs).
 *
 * Nothing here is imported statically except node builtins and ./seed.mjs: each implementation's
 * modules are imported inside the timed import phase of the child.
 */
import { performance } from 'node:perf_hooks'

export { performance }

export const ENDPOINT = process.env.BENCH_ENDPOINT
if (!ENDPOINT) throw new Error('BENCH_ENDPOINT is not set (children are started by bench/run.mjs)')

export const REGION = 'us-east-1'

export { SM_NAME, SSM_NAME, MEM_NAME, SM_VALUE, SSM_VALUE, MEM_VALUE, MEM_SECRET_BYTES } from './seed.mjs'

export const SDK_MODULE = { sm: '@aws-sdk/client-secrets-manager', ssm: '@aws-sdk/client-ssm' }

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

/** The one line the parent reads; everything else a child prints is ignored. */
export function report(result) {
  return new Promise((resolve) => process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`, resolve))
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
 * Imports what an implementation needs: @middy/core, the implementation and the AWS SDK client
 * module it uses (for middy-secrets, which imports its SDK client lazily, the client module is
 * imported here too, so that every implementation loads the same code in this phase).
 */
export async function loadImplementation(impl, kind) {
  const core = (await import('@middy/core')).default
  switch (impl) {
    case 'middy-secrets': {
      const lib = await import('middy-secrets')
      await import(SDK_MODULE[kind])
      return { core, lib }
    }
    case 'middy-secrets-ext': {
      // The extension store needs no AWS SDK: nothing of it is imported here, nor by the package.
      const ext = await import('middy-secrets/extension')
      const lib = await import('middy-secrets')
      return { core, lib, ext }
    }
    case 'middy-peer': {
      const peer = (await import(kind === 'sm' ? '@middy/secrets-manager' : '@middy/ssm')).default
      return { core, peer }
    }
    case 'powertools-seq':
    case 'powertools-all':
    case 'powertools': {
      const pt = await import(kind === 'sm' ? '@aws-lambda-powertools/parameters/secrets' : '@aws-lambda-powertools/parameters/ssm')
      return { core, get: kind === 'sm' ? pt.getSecret : pt.getParameter }
    }
    case 'bare': {
      const sdk = await import(SDK_MODULE[kind])
      return { core, sdk }
    }
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
const clientOptions = () => ({ endpoint: ENDPOINT, region: REGION, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } })

/**
 * Builds the middy handler of an implementation for `names` (injected as context keys `keys`).
 * The handler returns how many of the values it read; `expected` lets the caller check them.
 * `extra` goes into middy-secrets' options (e.g. maxEntries).
 */
export function createHandler(impl, kind, mods, names, keys, extra = {}) {
  const { core: middy } = mods
  const readContext = async (event, context) => {
    const out = new Array(keys.length)
    for (let i = 0; i < keys.length; i++) out[i] = context[keys[i]]
    return out
  }
  switch (impl) {
    case 'middy-secrets': {
      const { secrets, secret, parameter } = mods.lib
      const declare = kind === 'sm' ? secret : parameter
      const context = {}
      keys.forEach((key, i) => (context[key] = declare(names[i])))
      return middy(readContext).use(secrets({ context, clientOptions: clientOptions(), ...extra }))
    }
    case 'middy-secrets-ext': {
      // As in Lambda with the extension layer: both roles go through the extension over HTTP.
      if (EXTENSION_PORT === undefined || !EXTENSION_TOKEN) throw new Error('BENCH_EXTENSION_PORT / BENCH_EXTENSION_TOKEN are not set (the parent starts the extension runner)')
      const { secrets, secret, parameter } = mods.lib
      const { extensionStore } = mods.ext
      const declare = kind === 'sm' ? secret : parameter
      const context = {}
      keys.forEach((key, i) => (context[key] = declare(names[i])))
      const store = () => extensionStore({ port: EXTENSION_PORT, token: EXTENSION_TOKEN })
      return middy(readContext).use(secrets({ context, stores: { secretsManager: store(), ssm: store() }, ...extra }))
    }
    case 'middy-peer': {
      const fetchData = {}
      keys.forEach((key, i) => (fetchData[key] = names[i]))
      return middy(readContext).use(mods.peer({ fetchData, setToContext: true, awsClientOptions: clientOptions() }))
    }
    case 'powertools-seq':
    case 'powertools': {
      // As the Powertools docs show it: one awaited getSecret / getParameter after another.
      const { get } = mods
      return middy(async () => {
        const out = new Array(names.length)
        for (let i = 0; i < names.length; i++) out[i] = await get(names[i])
        return out
      })
    }
    case 'powertools-all': {
      const { get } = mods
      return middy(async () => Promise.all(names.map((name) => get(name))))
    }
    case 'bare': {
      const { sdk } = mods
      if (kind === 'sm') {
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
    default:
      throw new Error(`no handler for ${impl}`)
  }
}

/** How many of the values are the expected ones. */
export function countCorrect(values, expected) {
  let ok = 0
  for (let i = 0; i < expected.length; i++) if (values?.[i] === expected[i]) ok++
  return ok
}
