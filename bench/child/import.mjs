/**
 * Import time, in a fresh process: node bench/child/import.mjs <specifier>[+<specifier>...]
 * performance.now() around the first `await import(specifier)` of the process (the ESM loader
 * is already up: this file is ESM); with `a+b`, around `await import(a)` then `await import(b)`.
 * `./trivial.mjs` (a one-line local module, resolved from this file) is the ESM loader's fixed
 * cost. Also counts the CommonJS modules it pulled in that belong to the AWS SDK, to show that
 * importing middy-secrets (or middy-secrets/extension) loads no SDK.
 */
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'

const specifier = process.argv[2]
try {
  const specifiers = specifier.split('+')
  const t0 = performance.now()
  for (const s of specifiers) await import(s)
  const t1 = performance.now()
  const cjs = Object.keys(createRequire(import.meta.url).cache)
  const sdkModules = cjs.filter((path) => /[\\/]@aws-sdk[\\/]|[\\/]@smithy[\\/]/.test(path)).length
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ importMs: t1 - t0, cjsModules: cjs.length, sdkModules })}\n`, () => process.exit(0))
} catch (error) {
  process.stderr.write(`${error?.stack ?? error}\n`)
  process.exit(1)
}
