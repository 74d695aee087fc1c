/**
 * How the SDK transport loads an AWS SDK client package: with `require` in Lambda, where it is
 * faster, and with the literal `import()` (sdk.ts) everywhere else.
 *
 * On Node 20 and 22 an ES module's `import()` of the SDK's CommonJS client costs far more than a
 * `require` of it: CommonJS loaded while the ESM loader evaluates it goes through the ESM loader's
 * CommonJS path, over the client's whole tree. Measured here (fresh processes,
 * `@aws-sdk/client-secrets-manager` 3.1164 alone, medians of 15): Node 22 53.1 against 46.6 ms,
 * 82.7 against 60.1 ms of CPU; Node 20 55.2 against 44.0 ms, 80.6 against 48.3 ms of CPU; Node 24
 * the same either way. The package's CommonJS build requires the client already (rollup turns the
 * import() into a require). Its ESM build requires it through `createRequire` at its own location
 * when all of these hold, and imports it otherwise:
 *
 * - **this is the package's own ESM file**: the build writes the file's name into OWN_ESM_FILE
 *   (rollup.config.mjs, `nameOwnEsmFile`), and the package's package.json is two folders up, as
 *   installed. esbuild and rollup bundles run from a file of another name; a bundle that keeps the
 *   files' paths (rollup's and Vite's preserveModules) has no package.json there; webpack (and
 *   rspack, and ncc) write the source file's URL into `import.meta.url` at build time, so a webpack
 *   bundle is told apart by `__webpack_require__`. A bundle keeps the import() its bundler saw:
 *   the SDK copy it bundled (or its own node_modules) is the one that runs.
 * - **in Lambda** (`AWS_LAMBDA_FUNCTION_NAME`), where cold starts count, and **not under a test
 *   runner**: module mocks (jest.unstable_mockModule, vi.mock, loader hooks registered with
 *   module.register) see import(), not require; a test gets the load its mocks expect.
 *
 * The require resolves as import() would, and on Lambda also finds the runtime's SDK (NODE_PATH).
 * A client that require cannot resolve, or that is an ES module Node cannot require, is imported
 * (import() then reports a missing client as the transport expects: ERR_MODULE_NOT_FOUND). A
 * client that throws while it loads (a dependency of its own missing too) is not loaded again, by
 * import() or by a later call: its error is the answer, as an ES module's failed evaluation is.
 */
import type * as NodeModule from 'node:module'
import { testRunner } from '../test-runner.js'

/** Replaced at build time by this code's file in the ESM build (`chunks/shared-<hash>.js`). */
const OWN_ESM_FILE = '@@middy-secrets/own-esm-file@@'

declare const __webpack_require__: unknown

export type RequireAt = (url: string) => Promise<NodeJS.Require>

export interface SdkModuleLoaderOptions {
  /** This code's URL: `import.meta.url` (undefined in esbuild's CommonJS output). */
  readonly url: string | undefined
  /** The file the package's ESM build names as its own; the marker in the sources. */
  readonly ownFile: string
  /** Whether webpack (or rspack) bundled this code. */
  readonly webpack: boolean
  /** The environment, read on the first load: Lambda's variables, a test runner's. */
  readonly env: NodeJS.ProcessEnv
  /** `createRequire`, from `node:module` as the code's environment gives it. */
  readonly requireAt: RequireAt
}

export type SdkModuleLoader = (pkg: string, importIt: () => Promise<unknown>) => Promise<unknown>

/** Errors of a require that import() has not: the client is an ES module. */
const IMPORT_INSTEAD = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE'])

/** The package's name in its package.json. */
const PACKAGE_NAME = 'middy-secrets'

/** A loader of SDK client packages: `require` from the package's own ESM file in Lambda, else `importIt`. */
export function sdkModuleLoader({ url, ownFile, webpack, env, requireAt }: SdkModuleLoaderOptions): SdkModuleLoader {
  let required: Promise<NodeJS.Require | undefined> | undefined
  const failed = new Map<string, unknown>() // a client's error while it loaded, by package
  return async (pkg, importIt) => {
    required ??= requires(url, ownFile, webpack, env) ? requireAt(url!).catch(() => undefined) : Promise.resolve(undefined)
    const require = await required
    // Stryker disable next-line ConditionalExpression: equivalent; without a require, require.resolve throws a TypeError, which the catch below turns into import() too
    if (!require) return importIt()
    if (failed.has(pkg)) throw failed.get(pkg)
    let path: string
    try {
      path = require.resolve(pkg)
    } catch {
      return importIt()
    }
    try {
      return require(path)
    } catch (error) {
      if (IMPORT_INSTEAD.has((error as { code?: unknown } | null)?.code as string)) return importIt()
      failed.set(pkg, error)
      throw error
    }
  }
}

function requires(url: string | undefined, ownFile: string, webpack: boolean, env: NodeJS.ProcessEnv): boolean {
  const ownFileRuns = ownFile !== '' && typeof url === 'string' && url.endsWith(`/dist/${ownFile}`) && !webpack
  return ownFileRuns && Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && testRunner(env) === undefined
}

/**
 * A require at the package's own file, which must sit in the package as installed: its
 * package.json two folders up (dist/chunks/), which a bundle that kept the file's path has not.
 * `import('node:module')`, not process.getBuiltinModule: a test runner may hand its modules a
 * createRequire of its own (jest does). 0.3 ms more.
 */
const requireAt: RequireAt = async (url) => {
  const require = ((await import('node:module')) as typeof NodeModule).createRequire(url)
  const manifest = require('../../package.json') as { name?: unknown }
  if (manifest.name !== PACKAGE_NAME) throw new Error(`${url} is not in the ${PACKAGE_NAME} package as installed`)
  return require
}

/** The package's loader. */
export const loadSdkModule: SdkModuleLoader = sdkModuleLoader({
  url: import.meta.url as string | undefined,
  ownFile: OWN_ESM_FILE,
  webpack: typeof __webpack_require__ !== 'undefined',
  env: process.env,
  requireAt,
})
