/**
 * ESM and CommonJS builds with bundled type declarations for every entry point.
 * @middy/core and the AWS SDK stay external (the Lambda runtime ships the SDK).
 * p-retry is ESM-only: the ESM build imports it, the CJS build inlines it so `require` works
 * on every Node 20 without require(esm). Output is minified (with source maps): Lambda cold
 * starts pay for every byte parsed.
 */
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'
import { dts } from 'rollup-plugin-dts'
import { builtinModules } from 'node:module'

const entries = {
  index: 'lib/index.ts',
  testing: 'lib/testing/index.ts',
  extension: 'lib/extension.ts',
  cli: 'lib/cli.ts',
}
const library = { index: entries.index, testing: entries.testing, extension: entries.extension }
const typed = { index: entries.index, testing: entries.testing, extension: entries.extension }

const always = [/^@middy\//, /^@aws-sdk\//, /^@smithy\//, 'aws-lambda', 'aws4', ...builtinModules, /^node:/]
// The modules the entries share (and the SDK stores) go in one chunk: each file costs the ESM
// loader about a millisecond at import (bench, import section).
// The cache and the redaction too: the lazily loaded AppConfig reader and the local server import
// them, and rollup would otherwise give each a chunk of its own, two more files for a cold start
// (package.test.ts counts what index.js imports).
const SHARED = [
  'errors', 'limit', 'sleep', 'store', 'env-vars', 'redact', 'shared-state', 'cache/cache', 'cache/entry',
  'stores/aws-error', 'stores/secrets-manager', 'stores/ssm', 'stores/appconfig', 'stores/dynamodb', 'stores/lazy-store',
]
const manualChunks = (id) => (SHARED.some((name) => id.endsWith(`/lib/${name}.ts`)) ? 'shared' : undefined)
const isExternal = (list) => (id) => list.some((p) => (typeof p === 'string' ? id === p : p.test(id)))
// Names users see survive minification: the error classes (util.inspect, CloudWatch and jest print
// `SecretsError [SecretsError]: ...`, not `n [SecretsError]`), and the middleware's functions, which
// middy's plugin hooks (beforeMiddleware, afterMiddleware) report by name.
const minify = () => terser({ ecma: 2022, module: true, format: { comments: false }, keep_classnames: /Error$/, keep_fnames: /^middySecrets/ })
const ts = () => typescript({ tsconfig: './tsconfig.build.json', noEmitOnError: true })

/**
 * The CommonJS declarations (.d.cts) are read by TypeScript as CommonJS modules, so everything
 * they import must be CommonJS too, or a consumer with `module: node16` gets TS1479. Their shared
 * chunks are .d.cts files as well (rollup-plugin-dts links them as `./x.cjs`). @middy/core is an
 * ES module (version 7 has no `require` export at all): its types are imported with
 * `resolution-mode: import` (TypeScript 5.3+), which a type-only import from CommonJS may do.
 */
const typesFromEsm = () => ({
  name: 'types-from-esm',
  renderChunk(code) {
    const out = code.replace(/^import (?:type )?(\{[^}]*\}) from '(@middy\/[^']+)';$/gm, "import type $1 from '$2' with { 'resolution-mode': 'import' };")
    // Any other form (a namespace import, an export from) would slip through: fail the build instead.
    const missed = out.split('\n').filter((line) => line.includes("'@middy/") && !line.includes('resolution-mode'))
    if (missed.length > 0) throw new Error(`types-from-esm: rewrite these .d.cts lines too:\n${missed.join('\n')}`)
    return out
  },
})

export default [
  {
    input: entries,
    external: isExternal([...always, 'p-retry']),
    plugins: [ts(), minify()],
    output: { dir: 'dist', format: 'es', sourcemap: true, manualChunks, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
  },
  {
    input: library, // the CLI is ESM only
    external: isExternal(always),
    plugins: [nodeResolve({ exportConditions: ['node', 'import'] }), ts(), minify()],
    output: { dir: 'dist', format: 'cjs', sourcemap: true, manualChunks, entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named', dynamicImportInCjs: false },
  },
  {
    input: typed,
    external: isExternal([...always, 'p-retry']),
    plugins: [dts()],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts' },
  },
  {
    input: typed,
    external: isExternal([...always, 'p-retry']),
    plugins: [dts(), typesFromEsm()],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.cts', chunkFileNames: '[name]-[hash].d.cts' },
  },
]
