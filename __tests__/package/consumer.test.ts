/**
 * The packed tarball in a consumer project, as users get it. `npm pack` writes it to a temp folder
 * outside the repository (so nothing can resolve from the repository's node_modules), and one
 * project there installs it with @middy/core 7, typescript, @types/node and the two SDK clients, at
 * the versions this repository uses (from the npm cache: --prefer-offline). Every check reuses that
 * project, and the compiles, attw and publint run side by side:
 *
 * - the tarball holds LICENSE (MIT) and brings @types/aws-lambda as its own dependency, so with
 *   `skipLibCheck: true` the Lambda context is typed, not `any`;
 * - the consumer files in ./consumer compile under ESM (nodenext with exactOptionalPropertyTypes, bundler) and CommonJS (node16
 *   from a .cts, node10 via `module: commonjs`, both with `skipLibCheck: false`): the valid files
 *   with no error, the invalid ones with exactly the error codes their `// expect TSnnnn` comments
 *   name (an undeclared context key, a wrong type, a misspelled option beside a valid one); and
 *   the same under the oldest TypeScript the README supports (5.3.3, as `typescript-oldest`), and
 *   under TypeScript 6 and 7 (the native compiler) in the modes they keep;
 * - @arethetypeswrong/cli and publint find no problem in the tarball;
 * - the ESM build loads an SDK client with `require` from its own file in Lambda, with `import()`
 *   elsewhere and from a webpack bundle (transport/sdk-module.ts).
 *
 * `npm test` builds dist/ before jest runs. The afterAll hook prints what each check found.
 */
import { existsSync } from 'node:fs'
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import webpack, { type Stats } from 'webpack'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { run, toolEnv, type Ran } from '../support/run-command.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const fixtures = fileURLToPath(new URL('./consumer', import.meta.url))

/** A package's bin script, run by the Node that runs the tests. */
async function bin(pkg: string, name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(root, 'node_modules', pkg, 'package.json'), 'utf8'))
  const path = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name]
  return join(root, 'node_modules', pkg, path)
}

interface Diagnostic {
  file: string
  line: number
  code: string
  message: string
}

/** `file(line,col): error TSnnnn: message` lines of `tsc --pretty false`. */
function diagnostics(output: string): Diagnostic[] {
  const found: Diagnostic[] = []
  for (const line of output.split('\n')) {
    const m = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line)
    if (m) found.push({ file: m[1]!, line: Number(m[2]), code: m[3]!, message: m[4]! })
  }
  return found
}

/** The errors a fixture says it must produce: `// expect TS2339: why` at the end of a line. */
async function expectedErrors(files: readonly string[]): Promise<string[]> {
  const expected: string[] = []
  for (const file of files) {
    const lines = (await readFile(join(fixtures, file), 'utf8')).split('\n')
    lines.forEach((text, i) => {
      const m = /\/\/ expect (TS\d+)/.exec(text)
      if (m) expected.push(`${file}:${i + 1} ${m[1]}`)
    })
  }
  return expected.sort()
}

/** README, Compatibility: "TypeScript 5.3 or later". */
const OLDEST_TYPESCRIPT = '5.3.3'
/**
 * The repository compiles with TypeScript 5 (ts-jest needs it); users may be on 6 or 7 (the
 * native compiler). node10 resolution is deprecated in 6 and gone in 7, so those run the modes they keep.
 */
const TYPESCRIPT_6 = '6.0.3'
const TYPESCRIPT_7 = '7.0.2'

/** The compile settings checked. ESM files are .mts and CommonJS files .cts, so the format never depends on a package.json. */
const compiles = {
  'ESM, nodenext, skipLibCheck': { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true, exactOptionalPropertyTypes: true, files: ['esm-valid.mts', 'esm-invalid.mts'] },
  'ESM, bundler, skipLibCheck': { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true, files: ['esm-valid.mts', 'esm-invalid.mts'] },
  'CommonJS .cts, node16, full lib check': { module: 'node16', moduleResolution: 'node16', skipLibCheck: false, files: ['cjs-valid.cts', 'cjs-invalid.cts'] },
  'CommonJS, node10 (module commonjs), full lib check': { module: 'commonjs', moduleResolution: 'node10', skipLibCheck: false, files: ['cjs-valid.cts', 'cjs-invalid.cts'] },
  // The oldest TypeScript the README supports. With skipLibCheck, a type of a newer TypeScript in
  // the declarations (NoInfer, 5.4) is not reported: it reads as `any`, and so did every key.
  [`CommonJS .cts, node16, skipLibCheck, TypeScript ${OLDEST_TYPESCRIPT}`]: { module: 'node16', moduleResolution: 'node16', skipLibCheck: true, files: ['cjs-valid.cts', 'cjs-invalid.cts'], typescript: 'typescript-oldest' },
  [`ESM, nodenext, full lib check, TypeScript ${OLDEST_TYPESCRIPT}`]: { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false, files: ['esm-valid.mts', 'esm-invalid.mts'], typescript: 'typescript-oldest' },
  [`ESM, nodenext, full lib check, TypeScript ${TYPESCRIPT_6}`]: { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false, files: ['esm-valid.mts', 'esm-invalid.mts'], typescript: 'typescript-6' },
  [`ESM, nodenext, full lib check, TypeScript ${TYPESCRIPT_7}`]: { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false, files: ['esm-valid.mts', 'esm-invalid.mts'], typescript: 'typescript-7' },
  [`ESM, bundler (module preserve), full lib check, TypeScript ${TYPESCRIPT_7}`]: { module: 'preserve', moduleResolution: 'bundler', skipLibCheck: false, files: ['esm-valid.mts', 'esm-invalid.mts'], typescript: 'typescript-7' },
  [`CommonJS .cts, node16, full lib check, TypeScript ${TYPESCRIPT_7}`]: { module: 'node16', moduleResolution: 'node16', skipLibCheck: false, files: ['cjs-valid.cts', 'cjs-invalid.cts'], typescript: 'typescript-7' },
} as const
type CompileName = keyof typeof compiles

let project: string
let tarball: string
let packedFiles: string[]
let compiled: Record<CompileName, Promise<Ran>>
let attw: Promise<Ran>
let publint: Promise<Ran>
const report: string[] = []

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)')
  project = await mkdtemp(join(tmpdir(), 'middy-secrets-consumer-'))
  const pack = await run('npm', ['pack', '--json', '--pack-destination', project], root)
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`)
  const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  tarball = join(project, packed!.filename)
  packedFiles = packed!.files.map((f) => f.path)

  // Only the tarball is needed for these two: they run while the project installs.
  attw = bin('@arethetypeswrong/cli', 'attw').then((cli) => run(process.execPath, [cli, tarball, '--format', 'json'], project))
  publint = bin('publint', 'publint').then((cli) => run(process.execPath, [cli, 'run', tarball, '--strict'], project))

  const ours = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).devDependencies as Record<string, string>
  const pick = (...names: string[]) => Object.fromEntries(names.map((name) => [name, ours[name]!]))
  const manifest = {
    name: 'consumer',
    private: true,
    dependencies: { 'middy-secrets': `file:./${packed!.filename}`, ...pick('@middy/core', '@aws-sdk/client-secrets-manager', '@aws-sdk/client-ssm') },
    devDependencies: {
      ...pick('typescript', '@types/node'),
      'typescript-oldest': `npm:typescript@${OLDEST_TYPESCRIPT}`,
      'typescript-6': `npm:typescript@${TYPESCRIPT_6}`,
      'typescript-7': `npm:typescript@${TYPESCRIPT_7}`,
    },
  }
  await writeFile(join(project, 'package.json'), JSON.stringify(manifest, null, 2))
  for (const file of await readdir(fixtures)) await copyFile(join(fixtures, file), join(project, file))
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--engine-strict=false', '--loglevel=error']
  const install = await run('npm', args, project)
  if (install.code !== 0) throw new Error(`npm install in the consumer project failed:\n${install.stderr}`)

  compiled = {} as Record<CompileName, Promise<Ran>>
  for (const [name, { files, ...settings }] of Object.entries(compiles) as Array<[CompileName, (typeof compiles)[CompileName]]>) {
    const { typescript = 'typescript', ...options } = settings as typeof settings & { typescript?: string }
    const tsc = join(project, 'node_modules', typescript, 'bin/tsc')
    const config = `tsconfig.${name.replace(/\W+/g, '-')}.json`
    const compilerOptions = { ...options, strict: true, target: 'es2022', noEmit: true, types: ['node'] }
    await writeFile(join(project, config), JSON.stringify({ compilerOptions, files }, null, 2))
    compiled[name] = run(process.execPath, [tsc, '-p', config, '--pretty', 'false', '--listFiles'], project)
  }
}, 300_000)

afterAll(async () => {
  console.log(`consumer project checks (${process.version}):\n${report.map((line) => `  ${line}`).join('\n')}`)
  if (project) await rm(project, { recursive: true, force: true })
})

test('the tarball holds the MIT LICENSE', async () => {
  const inTarball = packedFiles.includes('LICENSE')
  const license = inTarball ? await readFile(join(project, 'node_modules/middy-secrets/LICENSE'), 'utf8') : ''
  const manifest = JSON.parse(await readFile(join(project, 'node_modules/middy-secrets/package.json'), 'utf8'))
  const [title, , copyright] = license.split('\n')
  report.push(inTarball ? `LICENSE: in the tarball (${packedFiles.length} files): "${title}", "${copyright}"` : `LICENSE: not in the tarball`)
  expect(inTarball).toBe(true)
  expect(manifest.license).toBe('MIT')
  expect(title).toBe('MIT License')
  expect(copyright).toMatch(/^Copyright \(c\) \d{4} middy-secrets contributors$/)
})

// A debugger, `node --enable-source-maps` and an error tracker follow each map to its sources; the
// package ships lib/ for them rather than the sources inside the maps (which a process started
// with --enable-source-maps would parse at every cold start).
test('every source map of the tarball names sources that the tarball holds', async () => {
  const installed = join(project, 'node_modules/middy-secrets')
  const maps = packedFiles.filter((file) => file.endsWith('.map'))
  const missing: string[] = []
  for (const map of maps) {
    const parsed = JSON.parse(await readFile(join(installed, map), 'utf8')) as { sources: string[]; sourceRoot?: string; sourcesContent?: Array<string | null> }
    parsed.sources.forEach((source, i) => {
      if (typeof parsed.sourcesContent?.[i] === 'string') return // carried in the map (p-retry's, in the CommonJS build)
      const file = relative(installed, join(installed, dirname(map), parsed.sourceRoot ?? '', source))
      if (!packedFiles.includes(file)) missing.push(`${map}: ${source}`)
    })
  }
  report.push(`source maps: ${maps.length}, ${missing.length} sources missing from the tarball`)
  expect(maps.length).toBeGreaterThan(0)
  expect(missing).toEqual([])
})

test('@types/aws-lambda comes from the tarball’s own dependency', async () => {
  const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, Record<string, string>>> }
  const fields = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']
  const dependents = Object.entries(lock.packages)
    .filter(([, entry]) => fields.some((field) => entry[field]?.['@types/aws-lambda'] !== undefined))
    .map(([path]) => path || 'the consumer itself')
  const { stdout } = await compiled['ESM, nodenext, skipLibCheck']
  const lambdaTypes = stdout.split('\n').filter((line) => line.includes('/@types/aws-lambda/'))
  const folders = [...new Set(lambdaTypes.map((file) => relative(project, file).split('/@types/aws-lambda/')[0]))]
  report.push(`@types/aws-lambda: required by ${dependents.join(', ') || 'no package'}; the nodenext compile read ${lambdaTypes.length} of its files, from ${folders.join(', ') || 'nowhere'}/@types/aws-lambda/`)
  expect(relative(root, project).startsWith('..')).toBe(true) // the project lies outside the repository
  expect(dependents).toEqual(['node_modules/middy-secrets'])
  expect(lambdaTypes.length).toBeGreaterThan(0)
  for (const file of lambdaTypes) expect(file.startsWith(join(project, 'node_modules/@types/aws-lambda/'))).toBe(true)
})

test.each(Object.keys(compiles) as CompileName[])('%s: valid code compiles, each marked error is reported and nothing else', async (name) => {
  const { code, stdout } = await compiled[name]
  const all = diagnostics(stdout)
  // Errors inside another package's own declarations (with skipLibCheck off, @middy/core 7
  // imports its optional peer @aws/durable-execution-sdk-js) are reported, not ours to fix.
  const isOurs = (d: Diagnostic) => !d.file.startsWith('node_modules/') || d.file.startsWith('node_modules/middy-secrets/')
  const found = all.filter(isOurs).map((d) => `${d.file}:${d.line} ${d.code}`)
  const foreign = all.filter((d) => !isOurs(d)).map((d) => `${d.file} ${d.code} (${d.message})`)
  const expected = await expectedErrors(compiles[name].files)
  report.push(`${name}: tsc exit ${code}; errors ${found.join(', ') || 'none'}${foreign.length ? `; in other packages: ${foreign.join('; ')}` : ''}`)
  expect(found.sort()).toEqual(expected)
  expect(expected.length).toBe(3)
})

test('@arethetypeswrong/cli: no problem in any resolution mode; CommonJS resolves to .d.cts, ESM to .d.ts', async () => {
  const { stdout } = await attw
  const result = JSON.parse(stdout) as {
    problems: Record<string, unknown[]>
    analysis: { entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }> }
  }
  const resolved: Record<string, string> = {}
  for (const [entry, { resolutions }] of Object.entries(result.analysis.entrypoints)) {
    for (const [mode, { resolution }] of Object.entries(resolutions)) resolved[`${entry} ${mode}`] = resolution?.fileName.replace('/node_modules/middy-secrets/', '') ?? 'unresolved'
  }
  const problems = Object.values(result.problems).flat()
  report.push(`attw: ${problems.length} problems; ${Object.entries(resolved).map(([k, v]) => `${k} -> ${v}`).join(', ')}`)
  expect(problems).toEqual([])
  for (const entry of ['.', './testing', './extension']) {
    expect(resolved[`${entry} node16-cjs`]).toMatch(/\.d\.cts$/)
    expect(resolved[`${entry} node16-esm`]).toMatch(/\.d\.ts$/)
    expect(resolved[`${entry} bundler`]).toMatch(/\.d\.ts$/)
    expect(resolved[`${entry} node10`]).toMatch(/\.d\.ts$/)
  }
})

test('publint --strict: no error, warning or suggestion', async () => {
  const { code, stdout, stderr } = await publint
  const plain = stdout.replace(/\u001b\[[0-9;]*m/g, '') // in case a colour gets through anyway
  const messages = plain.split('\n').filter((line) => line && !/^(Running publint|Unpacking tarball|Linting)/.test(line))
  report.push(`publint: exit ${code}; ${messages.join(' ') || stderr.trim()}`)
  expect(code).toBe(0)
  expect(messages).toEqual(['All good!'])
})

// lib/transport/sdk-module.ts: from an ES module, Node 20 and 22 load the SDK's CommonJS tree far
// more slowly through import() than through require. In Lambda, outside a test runner, the
// installed ESM build requires the client from its own chunk (the name the build wrote into it);
// elsewhere it imports it, as module mocks expect. The value arrives from the stand-in either way.
describe('how the installed ESM build loads the SDK client', () => {
  let server: AwsServer
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    server = await startAwsServer({ seed: { secrets: { 'consumer/db': 'consumer-db-value-5Jq' } } })
    env = {
      ...toolEnv(),
      JEST_WORKER_ID: undefined, // the child is a function, not a test (spawn leaves undefined out)
      HOME: join(project, 'no-home'),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDCONSUMER',
      AWS_SECRET_ACCESS_KEY: 'consumer-secret-key',
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    }
  })
  const temporary: string[] = []
  afterAll(async () => {
    await server?.close()
    for (const dir of temporary) await rm(dir, { recursive: true, force: true })
  })

  /** sdk-load.mjs run in `dir` (the consumer project unless said): the value, and each require of a client, by file relative to `dir`. */
  async function sdkLoad(extra: NodeJS.ProcessEnv, dir = project): Promise<{ value: string; from: string[] }> {
    const ran = await run(process.execPath, ['-r', './record-requires.cjs', 'sdk-load.mjs'], dir, { ...env, ...extra })
    if (ran.code !== 0) throw new Error(`sdk-load.mjs exited ${ran.code}:\n${ran.stderr}`)
    const { value, requires } = JSON.parse(ran.stdout.trim().split('\n').pop()!) as { value: string; requires: Array<{ id: string; from: string }> }
    return { value, from: requires.map((r) => `${r.id} from ${relative(dir, r.from)}`) }
  }

  test('in Lambda: required, from its own file, and the value arrives', async () => {
    const { value, from } = await sdkLoad({ AWS_LAMBDA_FUNCTION_NAME: 'consumer' })
    report.push(`SDK client loads in Lambda: ${from.join(', ') || 'none through require'}`)
    expect(value).toBe('consumer-db-value-5Jq')
    expect(from).toEqual([expect.stringMatching(/^@aws-sdk\/client-secrets-manager from node_modules\/middy-secrets\/dist\/chunks\/shared-[\w-]+\.js$/)])
  })

  test.each([
    ['outside Lambda', {}],
    ['in Lambda under a test runner', { AWS_LAMBDA_FUNCTION_NAME: 'consumer', VITEST: 'true' }],
  ])('%s: imported (no require of it), and the value arrives', async (_where, extra) => {
    const { value, from } = await sdkLoad(extra)
    expect(value).toBe('consumer-db-value-5Jq')
    expect(from).toEqual([])
  })

  // A bundle that keeps the files' paths (rollup's or Vite's preserveModules) writes the package's
  // chunk to <out>/node_modules/middy-secrets/dist/chunks/shared-<hash>.js: its own name, but no
  // package.json beside it, and a require from there found the client on NODE_PATH (Lambda's
  // runtime SDK) where the bundle's own was an ES module copy without one (a reviewer's finding).
  // The same layout here, the built files alone, with the client beside them: imported, not required.
  test('the built files without their package.json (a preserveModules bundle), in Lambda: imported, not required', async () => {
    const root = await mkdtemp(join(tmpdir(), 'middy-secrets-preserved-'))
    temporary.push(root)
    const modules = join(root, 'node_modules')
    await mkdir(join(modules, 'middy-secrets'), { recursive: true })
    await cp(join(project, 'node_modules/middy-secrets/dist'), join(modules, 'middy-secrets/dist'), { recursive: true })
    for (const scope of ['@aws-sdk', '@middy', '@smithy', '@aws-crypto', '@aws']) {
      if (existsSync(join(project, 'node_modules', scope))) await symlink(join(project, 'node_modules', scope), join(modules, scope))
    }
    await copyFile(join(fixtures, 'record-requires.cjs'), join(root, 'record-requires.cjs'))
    const handler = (await readFile(join(fixtures, 'sdk-load.mjs'), 'utf8')).replace("from 'middy-secrets'", "from './node_modules/middy-secrets/dist/index.js'")
    await writeFile(join(root, 'sdk-load.mjs'), handler)
    const { value, from } = await sdkLoad({ AWS_LAMBDA_FUNCTION_NAME: 'consumer' }, root)
    expect(value).toBe('consumer-db-value-5Jq')
    expect(from).toEqual([])
  })

  // webpack writes the source file's URL into import.meta.url at build time: the bundled copy of
  // the package looked like its own file, and required the client from the build machine's path,
  // which after a deploy resolves nowhere but NODE_PATH (Lambda's runtime SDK), not the bundled
  // client. The bundle is built from a folder that is then deleted, as a deploy leaves it behind,
  // outside the consumer project (whose node_modules would otherwise answer the require).
  test('a webpack bundle with the SDK inside, in Lambda: the bundled client serves, not one on NODE_PATH', async () => {
    const root = await mkdtemp(join(tmpdir(), 'middy-secrets-webpack-'))
    temporary.push(root)
    const build = join(root, 'build')
    const deployed = join(root, 'deployed')
    const onNodePath = join(root, 'runtime')
    const ancestors = root.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/') || '/')
    const shadowing = ancestors.filter((dir) => existsSync(join(dir, 'node_modules/@aws-sdk/client-secrets-manager')))
    expect(shadowing).toEqual([]) // else a require from the deleted folder finds that client, and the test cannot tell
    await mkdir(build)
    await mkdir(deployed)
    await symlink(join(project, 'node_modules'), join(build, 'node_modules'))
    await copyFile(join(fixtures, 'webpack-entry.mjs'), join(build, 'entry.mjs'))
    const stats = await new Promise<Stats | undefined>((done, fail) =>
      webpack(
        {
          mode: 'none',
          context: build,
          target: 'node20',
          entry: './entry.mjs',
          output: { path: deployed, filename: 'bundle.cjs', library: { type: 'commonjs2' } },
          resolve: { symlinks: false }, // the paths the bundle records stay under the build folder
          // Only the client under test goes in; the others the package names stay out.
          externals: { '@aws-sdk/client-ssm': 'commonjs @aws-sdk/client-ssm', '@aws-sdk/client-appconfigdata': 'commonjs @aws-sdk/client-appconfigdata', '@aws-sdk/client-dynamodb': 'commonjs @aws-sdk/client-dynamodb' },
        },
        (error, result) => (error ? fail(error) : done(result)),
      ),
    )
    expect(stats?.hasErrors() ? stats.toString('errors-only') : '').toBe('')
    await rm(build, { recursive: true })
    // A client on NODE_PATH, as Lambda's runtime has one: it answers with a value of its own.
    const fake = join(onNodePath, 'node_modules/@aws-sdk/client-secrets-manager')
    await mkdir(fake, { recursive: true })
    await writeFile(join(fake, 'package.json'), JSON.stringify({ name: '@aws-sdk/client-secrets-manager', main: 'index.js' }))
    await writeFile(
      join(fake, 'index.js'),
      `class Command { constructor(input) { this.input = input } }
class GetSecretValueCommand extends Command {}
class BatchGetSecretValueCommand extends Command {}
class DescribeSecretCommand extends Command {}
const answer = { Name: 'consumer/db', ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:consumer/db-AbCdEf', VersionId: 'v1', SecretString: 'from-the-copy-on-NODE_PATH' }
class SecretsManagerClient { async send(command) { return command instanceof BatchGetSecretValueCommand ? { SecretValues: [answer], Errors: [] } : answer } }
module.exports = { SecretsManagerClient, GetSecretValueCommand, BatchGetSecretValueCommand, DescribeSecretCommand }
`,
    )
    const script = "require('./bundle.cjs').handler({}, { getRemainingTimeInMillis: () => 10000, functionName: 'consumer', awsRequestId: 'r-1' }).then((v) => console.log(JSON.stringify(v)))"
    const ran = await run(process.execPath, ['-e', script], deployed, { ...env, AWS_LAMBDA_FUNCTION_NAME: 'consumer', NODE_PATH: join(onNodePath, 'node_modules') })
    if (ran.code !== 0) throw new Error(`the webpack bundle exited ${ran.code}:\n${ran.stderr}`)
    const value = JSON.parse(ran.stdout.trim().split('\n').pop()!) as string
    report.push(`webpack bundle in Lambda: ${value === 'consumer-db-value-5Jq' ? 'the bundled client served' : `served ${value}`}`)
    expect(value).toBe('consumer-db-value-5Jq')
  }, 120_000)
})
