/**
 * Which AWS SDK clients a declaration loads, in a fresh process started with
 * `--import ./hooks/register.mjs`: node bench/child/lazy.mjs <sm|ssm>
 * Declares 10 secrets (sm) or 10 parameters (ssm) with middy-secrets, runs the first
 * invocation, then looks at every ESM URL resolved (hook log) and every CommonJS module loaded
 * (require.cache) for @aws-sdk/client-ssm and @aws-sdk/client-secrets-manager.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { countCorrect, createHandler, fail, finish, lambdaContext, SM_NAME, SM_VALUE, SSM_NAME, SSM_VALUE } from './common.mjs'

const kind = process.argv[2]
try {
  const core = (await import('@middy/core')).default
  const lib = await import('middy-secrets') // no SDK preload here: the package loads what it needs
  const names = Array.from({ length: 10 }, (_, i) => (kind === 'sm' ? SM_NAME(i) : SSM_NAME(i)))
  const expected = names.map((_, i) => (kind === 'sm' ? SM_VALUE(i) : SSM_VALUE(i)))
  const keys = names.map((_, i) => `k${i}`)
  const values = await createHandler('middy-secrets', kind, { core, lib }, names, keys)({}, lambdaContext())
  await new Promise((resolve) => setTimeout(resolve, 20))

  const esm = readFileSync(process.env.BENCH_HOOK_LOG, 'utf8').split('\n').filter(Boolean).map((line) => line.split('\t')[1])
  const cjs = Object.keys(createRequire(import.meta.url).cache)
  const all = [...esm, ...cjs]
  const has = (name) => all.some((path) => path.includes(`@aws-sdk/${name}/`) || path.includes(`@aws-sdk\\${name}\\`))
  await finish({
    kind,
    correct: countCorrect(values, expected),
    expected: names.length,
    loadsSsm: has('client-ssm'),
    loadsSecretsManager: has('client-secrets-manager'),
    esmResolved: new Set(esm).size,
    cjsLoaded: cjs.length,
  })
} catch (error) {
  fail(error)
}
