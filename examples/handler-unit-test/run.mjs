/** Runs handler.test.mjs with the Node test runner, as `node --test` would. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

console.log('handler-unit-test: node --test examples/handler-unit-test/handler.test.mjs\n')
const testFile = fileURLToPath(new URL('./handler.test.mjs', import.meta.url))
const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', testFile], { stdio: 'inherit' })
process.exit(run.status ?? 1)
