#!/usr/bin/env node
/**
 * Runs every example (examples/<name>/run.mjs) in its own Node process, against the build in
 * dist/ (run `npm run build` first), and exits non-zero if any fails. An example whose folder
 * holds `expected-output.txt` must also print exactly that (its output is deterministic);
 * `UPDATE_EXPECTED=1 node examples/run-all.mjs` rewrites those files after an intended change.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const examplesDir = dirname(fileURLToPath(import.meta.url))
const root = dirname(examplesDir)

if (!existsSync(join(root, 'dist', 'index.js')) || !existsSync(join(root, 'dist', 'testing.js'))) {
  console.error('examples/run-all: dist/ is missing; run `npm run build` first')
  process.exit(1)
}

const examples = readdirSync(examplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(examplesDir, entry.name, 'run.mjs')))
  .map((entry) => entry.name)
  .sort((a, b) => (a === 'quickstart' ? -1 : b === 'quickstart' ? 1 : a.localeCompare(b)))

const failed = []
for (const name of examples) {
  const script = join(examplesDir, name, 'run.mjs')
  const started = Date.now()
  // Run from the repository root, as `npm run example` does, with a clean environment for the
  // variables the package reads (so a developer's shell cannot change what the examples print).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(PARAMETERS_SECRETS_EXTENSION_|SECRETS_MANAGER_|SSM_PARAMETER_STORE_)/.test(key)),
  )
  const run = spawnSync(process.execPath, [script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 })
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`
  let problem = run.error ? run.error.message : run.status !== 0 ? `exit code ${run.status}${run.signal ? ` (${run.signal})` : ''}` : undefined

  const expectedFile = join(examplesDir, name, 'expected-output.txt')
  if (!problem && existsSync(expectedFile)) {
    if (process.env.UPDATE_EXPECTED === '1') writeFileSync(expectedFile, run.stdout)
    else if (readFileSync(expectedFile, 'utf8') !== run.stdout) problem = `output differs from ${relative(root, expectedFile)}\n${diff(readFileSync(expectedFile, 'utf8'), run.stdout)}`
  }

  const took = `${Date.now() - started} ms`
  if (problem) {
    failed.push(name)
    console.log(`FAIL ${name} (${took}): ${problem}`)
    console.log(output.replace(/^/gm, '     | '))
  } else {
    console.log(`ok   ${name} (${took})`)
  }
}

console.log(`\n${examples.length - failed.length} of ${examples.length} examples passed${failed.length ? `; failed: ${failed.join(', ')}` : ''}`)
process.exit(failed.length === 0 ? 0 : 1)

/** The first differing lines, enough to see what changed. */
function diff(expected, actual) {
  const a = expected.split('\n')
  const b = actual.split('\n')
  const lines = []
  for (let i = 0; i < Math.max(a.length, b.length) && lines.length < 10; i++) {
    if (a[i] !== b[i]) lines.push(`     line ${i + 1}\n       expected: ${a[i] ?? '<none>'}\n       actual:   ${b[i] ?? '<none>'}`)
  }
  return lines.join('\n')
}
