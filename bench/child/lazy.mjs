/**
 * What a middy-secrets cold start loads, in a fresh process started with
 * `--import ./hooks/register.mjs`: node bench/child/lazy.mjs <sm|ssm|ext>
 *
 *   sm      10 secrets with the default stores and transport ('auto')
 *   ssm     10 SSM parameters, the same
 *   sm-sdk  10 secrets, transport: 'sdk' (the SDK client is loaded by the first fetch)
 *   ddb     10 DynamoDB items, transport 'auto' (the values are read by the package: no @aws-sdk module)
 *   ext     10 secrets and 10 SSM parameters (two middlewares), both roles on extensionStore()
 *           (middy-secrets/extension), against the extension runner started by the parent
 *
 * Imports @middy/core and the package (for ext: middy-secrets/extension, then middy-secrets),
 * then runs the first invocation(s), which succeed at the first attempt. Twice, after the import
 * and after the first invocation, it looks at every ESM URL resolved (hook log) and every
 * CommonJS module loaded (require.cache): the AWS SDK clients, any @aws-sdk/ or @smithy/ module,
 * everything else from node_modules that is neither the package, its dependencies nor @middy
 * (the SDK's own dependencies: @aws-crypto, tslib...), p-retry, and which files of the package's
 * dist/ and of its dependencies (package.json `dependencies`, transitively) were loaded.
 */
import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { countCorrect, createHandler, fail, finish, lambdaContext, scenario } from './common.mjs'

const mode = process.argv[2]
const require = createRequire(import.meta.url)

/** Every module loaded so far: file paths (ESM from the hook log, CommonJS from require.cache). */
function loaded() {
  const esm = readFileSync(process.env.BENCH_HOOK_LOG, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t')[1])
    .filter((url) => url?.startsWith('file:'))
    .map((url) => fileURLToPath(url))
  return [...new Set([...esm, ...Object.keys(require.cache)])].map((path) => path.replaceAll('\\', '/'))
}

const isSdk = (path) => /\/node_modules\/(@aws-sdk|@smithy)\//.test(path)
const isPRetry = (path) => /\/node_modules\/p-retry\//.test(path)

/** The package name of a file under node_modules (the last node_modules/ in its path). */
function packageOf(path) {
  const m = path.match(/.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.+)$/)
  return m ? { name: m[1], file: `${m[1]}/${m[2]}` } : undefined
}

/** middy-secrets' dependencies, transitively, as installed (package.json `dependencies`). */
function dependencyClosure() {
  const names = new Set()
  const visit = (name) => {
    // The children run in the snapshot directory, whose node_modules is flat (as npm installs it).
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8'))
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (names.has(dep)) continue
      names.add(dep)
      visit(dep)
    }
  }
  visit('middy-secrets')
  return names
}
const DEPENDENCIES = dependencyClosure()

function diskBytes(paths) {
  let total = 0
  for (const path of paths) {
    try {
      total += statSync(path).size
    } catch {}
  }
  return total
}

/** The package's own files (dist/...) and its dependencies' files (node_modules/...), no SDK, no middy. */
function describe(paths) {
  const dist = []
  const deps = []
  const others = [] // neither the package, its dependencies nor @middy: the AWS SDK and what it needs
  for (const path of paths) {
    const pkg = packageOf(path)
    if (!pkg) continue // this bench's own files, node: builtins
    if (pkg.name === 'middy-secrets') {
      if (pkg.file.startsWith('middy-secrets/dist/')) dist.push(pkg.file.slice('middy-secrets/'.length))
    } else if (DEPENDENCIES.has(pkg.name)) deps.push(pkg.file)
    else if (!pkg.name.startsWith('@middy/') && !isSdk(path)) others.push(path)
  }
  const sdk = paths.filter(isSdk)
  return {
    loadsSecretsManager: paths.some((p) => p.includes('/@aws-sdk/client-secrets-manager/')),
    loadsSsm: paths.some((p) => p.includes('/@aws-sdk/client-ssm/')),
    loadsDynamoDb: paths.some((p) => p.includes('/@aws-sdk/client-dynamodb/')),
    loadsUtilDynamoDb: paths.some((p) => p.includes('/@aws-sdk/util-dynamodb/')),
    loadsAws4: paths.some((p) => /\/node_modules\/aws4\//.test(p)),
    sdkModules: sdk.length,
    sdkBytes: diskBytes(sdk),
    otherModules: others.length,
    otherBytes: diskBytes(others),
    loadsPRetry: paths.some(isPRetry),
    dist: dist.sort(),
    deps: deps.sort(),
  }
}

try {
  const core = (await import('@middy/core')).default
  // No SDK preload here: the package loads what it needs.
  const ext = mode === 'ext' ? await import('middy-secrets/extension') : undefined
  const lib = await import('middy-secrets')
  const atImport = describe(loaded())

  const kinds = mode === 'ext' ? ['sm', 'ssm'] : [mode === 'sm-sdk' ? 'sm' : mode]
  let correct = 0
  let expected = 0
  for (const kind of kinds) {
    const { names, expected: values, keys } = scenario(kind, 10)
    const impl = mode === 'ext' ? 'ms-ext' : mode === 'sm-sdk' ? 'ms-sdk' : 'ms'
    const got = await createHandler(impl, kind, { core, lib, ext }, names, keys)({}, lambdaContext())
    correct += countCorrect(got, values)
    expected += names.length
  }
  await new Promise((resolve) => setTimeout(resolve, 20))
  const afterFirst = describe(loaded())

  await finish({ mode, correct, expected, atImport, afterFirst, cjsLoaded: Object.keys(require.cache).length })
} catch (error) {
  fail(error)
}
