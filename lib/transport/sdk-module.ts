/**
 * How the SDK transport loads an AWS SDK client package: with `require` where it can, the literal
 * `import()` (sdk.ts) elsewhere.
 *
 * On Node 20 and 22 an ES module's `import()` of the SDK's CommonJS client costs far more than a
 * `require` of it: a CommonJS module an ES module imports has its own requires loaded through the
 * ESM loader too, module by module, over the client's whole tree. Measured here (fresh processes,
 * `@aws-sdk/client-secrets-manager` 3.1164 alone, medians of 15): Node 22 53.1 against 46.6 ms,
 * 82.7 against 60.1 ms of CPU; Node 20 55.2 against 44.0 ms, 80.6 against 48.3 ms of CPU; Node 24
 * the same either way. The package's CommonJS build already requires the client (rollup turns
 * the import() into a require); its ESM build does too, through `createRequire` at its own
 * location: the module an import() would have given (Node keeps one CommonJS cache for both),
 * found the same way and, on Lambda, in the runtime's SDK too (NODE_PATH).
 *
 * Only from the package's own ESM file: the build writes that file's name into OWN_ESM_FILE
 * (rollup.config.mjs, `nameOwnEsmFile`). Code a user's bundler copied into a bundle runs from
 * a file of another name and keeps the import() the bundler saw, so a bundled SDK is the one that
 * runs; so do the TypeScript sources, where the marker is left as it is.
 */
import type * as NodeModule from 'node:module'

/** Replaced at build time by this code's file in the ESM build (`chunks/shared-<hash>.js`). */
const OWN_ESM_FILE = '@@middy-secrets/own-esm-file@@'

export type RequireAt = (url: string) => Promise<NodeJS.Require>

export interface SdkModuleLoaderOptions {
  /** This code's URL: `import.meta.url` (undefined in esbuild's CommonJS output). */
  readonly url: string | undefined
  /** The file the package's ESM build names as its own; the marker in the sources. */
  readonly ownFile: string
  /** `createRequire`, from `node:module` as the code's environment gives it (jest gives its own). */
  readonly requireAt: RequireAt
}

export type SdkModuleLoader = (pkg: string, importIt: () => Promise<unknown>) => Promise<unknown>

/** A loader of SDK client packages: `require` from the package's own ESM file, else `importIt`. */
export function sdkModuleLoader({ url, ownFile, requireAt }: SdkModuleLoaderOptions): SdkModuleLoader {
  const own = ownFile !== '' && typeof url === 'string' && url.endsWith(`/dist/${ownFile}`)
  let required: Promise<NodeJS.Require | undefined> | undefined
  return async (pkg, importIt) => {
    if (!own) return importIt()
    required ??= requireAt(url).catch(() => undefined)
    const require = await required
    // Stryker disable next-line ConditionalExpression: equivalent; without a require the call below throws a TypeError, and the catch turns that into import() too
    if (require) {
      try {
        return require(pkg)
      } catch {
        // import() instead: it reports a missing client as the transport expects
        // (ERR_MODULE_NOT_FOUND), and loads what require cannot (an ES-module-only client).
      }
    }
    return importIt()
  }
}

// `import('node:module')`, not process.getBuiltinModule: jest hands its modules a createRequire
// of its own module registry, the one a test's import of the client (and a mock of it) goes to,
// and only the newest jest (30.5) redirects process.getBuiltinModule there too. 0.3 ms more.
const requireAt: RequireAt = async (url) => ((await import('node:module')) as typeof NodeModule).createRequire(url)

/** The package's loader. */
export const loadSdkModule: SdkModuleLoader = sdkModuleLoader({ url: import.meta.url as string | undefined, ownFile: OWN_ESM_FILE, requireAt })
