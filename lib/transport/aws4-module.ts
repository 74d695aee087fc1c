/**
 * Where aws4 comes from. In the built package, from the package itself: the build replaces this
 * module with aws4's own two files, wrapped as Node wraps a CommonJS module (rollup.config.mjs,
 * `carryAws4`), so a cold start reads no aws4 from node_modules. Through Node's CommonJS loader
 * (its first use in an ES module process, the resolution, two files read and compiled) aws4 cost
 * a cold start about 2 ms of CPU before the first request could be signed (Node 22, bench/cold
 * children, medians of 30); carried, it is 8.3 KB more to parse at import (about 0.35 ms).
 * aws4 stays the signer (a well-kept library, pinned in devDependencies); a new aws4 version
 * reaches users with a new version of this package.
 *
 * From the sources (the tests, ts-jest), this module is what runs: aws4 comes from node_modules,
 * by `require` (CommonJS, half the time of an `import()`), or by `import()` where `require`
 * cannot find it (a bundle of these sources with no node_modules).
 */
import type { Aws4Module } from './runtime.js'

/** `require` for Node's builtin modules, which aws4 needs (url, querystring, crypto). */
export type RequireBuiltin = (id: string) => unknown

export async function aws4Module(requireBuiltin: RequireBuiltin, nodeRequire: () => Promise<NodeJS.Require>): Promise<Aws4Module> {
  void requireBuiltin // the built package's copy gives it to aws4; this one lets Node resolve aws4's own requires
  try {
    return (await nodeRequire())('aws4') as Aws4Module
  } catch {
    const imported = (await import('aws4')) as Aws4Module & { default?: Aws4Module }
    return imported.default ?? imported
  }
}
