/**
 * options/table.ts (the rules) and options/docs.ts (the text) are where the README's option table
 * comes from: this test renders them and checks the README holds exactly that (`UPDATE_README=1 npx jest __tests__/options/table` writes
 * it). Also: the allowed names are the table's, and errors about a variable name the package's
 * default, not the extension's.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { clearCache, ConfigError, secret, secrets } from '../../lib/index.js'
import { OPTION_DOCS } from '../../lib/options/docs.js'
import { OPTION_NAMES, OPTIONS, type OptionName } from '../../lib/options/table.js'
import { memoryStore } from '../../lib/testing/index.js'

const README = fileURLToPath(new URL('../../README.md', import.meta.url))
const START = '<!-- options table: generated from lib/options/table.ts and docs.ts by __tests__/options/table.test.ts -->'
const END = '<!-- end of options table -->'

function defaultCell(name: OptionName): string {
  const { variable } = OPTIONS[name]
  const { shown } = OPTION_DOCS[name]
  if (variable === undefined) return shown
  if (typeof variable === 'string') return `${shown} (\`${variable}\`)`
  const { secretsManager, ssm } = variable
  return `${shown} (\`${secretsManager}\` for secrets, \`${ssm}\` for parameters)`
}

function rendered(): string {
  const rows = (Object.keys(OPTIONS) as OptionName[]).map((name) => `| \`${name}\` | ${defaultCell(name)} | ${OPTION_DOCS[name].doc} |`)
  return [START, '| Option | Default | What it does |', '|---|---|---|', ...rows, END].join('\n')
}

test("the README's option table is the one lib/options/table.ts and docs.ts make", () => {
  const readme = readFileSync(README, 'utf8')
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  expect(start).toBeGreaterThan(0)
  const current = readme.slice(start, end + END.length)
  if (process.env.UPDATE_README && current !== rendered()) writeFileSync(README, readme.replace(current, rendered()))
  else expect(current).toBe(rendered())
})

test('the text documents every option of the table, in its order, and no other', () => {
  expect(Object.keys(OPTION_DOCS)).toEqual(OPTION_NAMES)
})

test('the allowed options are the rows of the table', () => {
  clearCache()
  let thrown: unknown
  try {
    secrets({ context: { s: secret('s') }, stores: { secretsManager: memoryStore() }, prefetch: false, tll: 1 } as never)
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(ConfigError)
  expect((thrown as Error).message).toContain(`allowed: ${OPTION_NAMES.join(', ')}`)
})

test("an error about a variable names the package's default, not the extension's", () => {
  const saved = process.env.PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE
  process.env.PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE = '5000'
  try {
    expect(() => secrets({ context: { s: secret('s') }, stores: { secretsManager: memoryStore() }, prefetch: false })).toThrow(/from 0 to 1000 \(default 1000\)/)
  } finally {
    if (saved === undefined) delete process.env.PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE
    else process.env.PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE = saved
  }
})
