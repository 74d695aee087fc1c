/**
 * ESM and CommonJS builds with bundled type declarations for every entry point.
 * @middy/core and the AWS SDK stay external (the Lambda runtime ships the SDK).
 * p-retry is ESM-only: the ESM build imports it, the CJS build inlines it so `require` works
 * on every Node 20 without require(esm). aws4 is carried inside the build (carryAws4, below).
 * Output is minified (with source maps): Lambda cold starts pay for every byte parsed.
 */
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'
import MagicString from 'magic-string'
import { dts } from 'rollup-plugin-dts'
import { readFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const entries = {
  index: 'lib/index.ts',
  testing: 'lib/testing/index.ts',
  extension: 'lib/extension.ts',
  cli: 'lib/cli.ts',
}
const library = { index: entries.index, testing: entries.testing, extension: entries.extension }
const typed = { index: entries.index, testing: entries.testing, extension: entries.extension }

const always = [/^@middy\//, /^@aws-sdk\//, /^@smithy\//, 'aws-lambda', ...builtinModules, /^node:/]
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
/**
 * The built package carries aws4 (lib/transport/aws4-module.ts says why): that module is replaced
 * by aws4's two files, each wrapped as Node wraps a CommonJS module, with a `require` that gives
 * aws4 Node's builtins and its own lru.js. The build fails if aws4 ever requires anything else.
 */
const carryAws4 = () => {
  const dir = dirname(createRequire(import.meta.url).resolve('aws4'))
  const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const source = (file, requires) => {
    const code = readFileSync(join(dir, file), 'utf8')
    const found = [...code.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]).sort()
    if (found.join() !== [...requires].sort().join()) throw new Error(`carryAws4: aws4 ${version}'s ${file} requires ${found.join(', ')}; expected ${requires.join(', ')}`)
    return code
  }
  const licenseText = readFileSync(join(dir, 'LICENSE'), 'utf8')
  const lru = source('lru.js', [])
  const aws4 = source('aws4.js', ['url', 'querystring', 'crypto', './lru'])
  return {
    name: 'carry-aws4',
    transform(_code, id) {
      if (!id.endsWith('/lib/transport/aws4-module.ts')) return null
      const code = `/*! aws4 ${version} | (c) 2013 Michael Hart | ${license} License: licenses/aws4.txt | https://github.com/mhart/aws4 */
export async function aws4Module(requireBuiltin) {
  const lru = { exports: {} }
  ;(function (module, exports, require) {
${lru}
  })(lru, lru.exports, requireBuiltin)
  const aws4 = { exports: {} }
  ;(function (module, exports, require) {
${aws4}
  })(aws4, aws4.exports, (id) => (id === './lru' ? lru.exports : requireBuiltin(id)))
  return aws4.exports
}
`
      return { code, map: { mappings: '' } }
    },
    generateBundle() {
      // The MIT License asks that its notice go with every copy.
      this.emitFile({ type: 'asset', fileName: 'licenses/aws4.txt', source: `aws4 ${version}, carried in this package's build (lib/transport/aws4-module.ts)\n\n${licenseText}` })
    },
  }
}
// Names users see survive minification: the error classes (util.inspect, CloudWatch and jest print
// `SecretsError [SecretsError]: ...`, not `n [SecretsError]`), and the middleware's functions, which
// middy's plugin hooks (beforeMiddleware, afterMiddleware) report by name.
const minify = () => terser({ ecma: 2022, module: true, format: { comments: /^!/ }, keep_classnames: /Error$/, keep_fnames: /^middySecrets/ })
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

/**
 * The ESM build's SDK loader learns which file it is built into (lib/transport/sdk-module.ts says
 * why): the marker becomes the chunk's name (rollup puts the hash in afterwards). The CommonJS
 * build needs no name: it requires the SDK already. Runs before terser, with a source map
 * (magic-string). The build fails if the marker is in no ESM chunk.
 */
const OWN_ESM_FILE = '@@middy-secrets/own-esm-file@@'
const nameOwnEsmFile = () => {
  let named = 0
  return {
    name: 'name-own-esm-file',
    renderChunk(code, chunk, options) {
      if (!code.includes(OWN_ESM_FILE)) return null
      const out = new MagicString(code)
      out.replaceAll(OWN_ESM_FILE, options.format === 'es' ? chunk.fileName : '')
      if (options.format === 'es') named += 1
      return { code: out.toString(), map: out.generateMap({ hires: true }) }
    },
    generateBundle(options) {
      if (options.format === 'es' && named !== 1) throw new Error(`name-own-esm-file: the marker of lib/transport/sdk-module.ts is in ${named} ESM chunks; expected 1`)
    },
  }
}

export default [
  {
    input: entries,
    external: isExternal([...always, 'p-retry']),
    plugins: [ts(), carryAws4(), nameOwnEsmFile(), minify()],
    output: { dir: 'dist', format: 'es', sourcemap: true, manualChunks, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
  },
  {
    input: library, // the CLI is ESM only
    external: isExternal(always),
    plugins: [nodeResolve({ exportConditions: ['node', 'import'] }), ts(), carryAws4(), nameOwnEsmFile(), minify()],
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
