/**
 * The packed tarball bundled the way Lambda functions are deployed, then run. `npm pack` writes it
 * to a temp folder outside the repository, where a project installs it with @middy/core (the
 * version this run uses) and NO AWS SDK client, as a function on the lean transport may ship.
 * esbuild (the repository's devDependency) bundles ./bundle/handler.mjs three ways:
 *
 * - `cdk-cjs`: AWS CDK's NodejsFunction default, CommonJS with `@aws-sdk/*` external (minified,
 *   with a source map). esbuild makes `import.meta` an empty object in CommonJS output.
 * - `cdk-esm`: the same as an ES module, with the `createRequire` banner CDK's docs give.
 * - `sam-cjs`: SAM's esbuild defaults, which mark nothing external: the SDK clients the package
 *   may import must not fail the build when they are not installed.
 *
 * Each bundle runs in a child Node against the AWS stand-in (real HTTP on 127.0.0.1): the values
 * of all four stores arrive, a missing secret is a SecretsError with AWS's code, the CommonJS
 * bundle also works without `process.getBuiltinModule` (Node 20 before 20.16), and the SDK
 * transport reports the missing client as SdkNotInstalled.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type BuildOptions } from 'esbuild'
import { startAwsServer, type AwsServer } from '../../lib/testing/aws-server.js'
import { run } from '../support/run-command.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const fixtures = fileURLToPath(new URL('./bundle', import.meta.url))

const DB = { username: 'app', password: 'bundle-pw-7Qz' }
const SEED = {
  secrets: { 'bundle/db': JSON.stringify(DB), 'bundle/api': 'bundle-api-key-K2v' },
  parameters: { '/bundle/flags': 'bundle-flags-R8m' },
  appConfig: { 'shop/prod/flags': '{"newCheckout":true}' },
  dynamodb: { config: { partitionKey: 'id', items: [{ id: 'limits', value: '{"max":5}' }] } },
}
const EXPECTED = { db: DB, flags: 'bundle-flags-R8m', features: { newCheckout: true }, limits: { max: 5 }, apiKey: 'bundle-api-key-K2v' }

const common: BuildOptions = { bundle: true, platform: 'node', target: 'node20', logLevel: 'silent' }
const BUNDLES = {
  'cdk-cjs': { ...common, format: 'cjs', external: ['@aws-sdk/*'], minify: true, sourcemap: true },
  'cdk-esm': {
    ...common,
    format: 'esm',
    external: ['@aws-sdk/*'],
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire as topLevelCreateRequire } from 'module'; const require = topLevelCreateRequire(import.meta.url);" },
  },
  'sam-cjs': { ...common, format: 'cjs' },
} satisfies Record<string, BuildOptions>
type BundleName = keyof typeof BUNDLES

let project: string
let server: AwsServer
let env: NodeJS.ProcessEnv
const built = {} as Record<BundleName, { file: string; warnings: string[] }>

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'middy-secrets-bundlers-'))
  const pack = await run('npm', ['pack', '--json', '--pack-destination', project], root)
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`)
  const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string }>
  const middyCore = JSON.parse(await readFile(join(root, 'node_modules/@middy/core/package.json'), 'utf8')).version as string
  const manifest = { name: 'bundled-function', private: true, type: 'module', dependencies: { 'middy-secrets': `file:./${packed!.filename}`, '@middy/core': middyCore } }
  await writeFile(join(project, 'package.json'), JSON.stringify(manifest, null, 2))
  for (const file of ['handler.mjs', 'run.mjs', 'no-builtin-getter.cjs']) await copyFile(join(fixtures, file), join(project, file))
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--engine-strict=false', '--loglevel=error']
  const install = await run('npm', args, project)
  if (install.code !== 0) throw new Error(`npm install in the bundling project failed:\n${install.stderr}`)

  await mkdir(join(project, 'out'))
  for (const [name, options] of Object.entries(BUNDLES) as Array<[BundleName, BuildOptions]>) {
    const file = join(project, 'out', `${name}.${options.format === 'esm' ? 'mjs' : 'cjs'}`)
    // A build that fails throws here, with esbuild's errors (an SDK client it could not resolve...).
    const result = await build({ ...options, absWorkingDir: project, entryPoints: [join(project, 'handler.mjs')], outfile: file })
    built[name] = { file, warnings: result.warnings.map((w) => w.text) }
  }

  server = await startAwsServer({ seed: SEED })
  const home = join(project, 'home') // no ~/.aws here
  await mkdir(home)
  env = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBUNDLE',
    AWS_SECRET_ACCESS_KEY: 'bundle-secret-key',
    AWS_ENDPOINT_URL: server.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  }
}, 300_000)

afterAll(async () => {
  await server?.close()
  if (project) await rm(project, { recursive: true, force: true })
})

interface Outcome {
  ok: boolean
  out?: unknown
  name?: string
  secretsError?: boolean
  codes?: string[]
}

async function invoke(bundle: BundleName, handler: 'values' | 'missing', transport: 'https' | 'sdk', nodeArgs: string[] = []): Promise<Outcome> {
  const ran = await run(process.execPath, [...nodeArgs, 'run.mjs', relative(project, built[bundle].file), handler], project, { ...env, BUNDLE_TRANSPORT: transport })
  if (ran.code !== 0) throw new Error(`${bundle} exited ${ran.code}:\n${ran.stderr}`)
  return JSON.parse(ran.stdout.trim().split('\n').pop()!) as Outcome
}

test.each(Object.keys(BUNDLES) as BundleName[])('%s: builds without the SDK installed, and with no warning', (name) => {
  expect(built[name].warnings).toEqual([])
})

describe.each(Object.keys(BUNDLES) as BundleName[])('%s, lean transport', (name) => {
  test('the values of Secrets Manager, SSM, AppConfig and DynamoDB arrive', async () => {
    expect(await invoke(name, 'values', 'https')).toEqual({ ok: true, out: EXPECTED })
  })

  test('a missing secret: a SecretsError (instanceof holds) with AWS’s code', async () => {
    expect(await invoke(name, 'missing', 'https')).toEqual({ ok: false, name: 'SecretsError', secretsError: true, codes: ['ResourceNotFoundException'] })
  })
})

// esbuild's CommonJS output has an empty import.meta; Node before 20.16 has no getBuiltinModule,
// so node:https and aws4's builtins come through createRequire.
test('cdk-cjs on a Node without process.getBuiltinModule: the values arrive', async () => {
  expect(await invoke('cdk-cjs', 'values', 'https', ['-r', './no-builtin-getter.cjs'])).toEqual({ ok: true, out: EXPECTED })
})

test('sam-cjs on the SDK transport, with no SDK client installed: SdkNotInstalled for each key', async () => {
  const outcome = await invoke('sam-cjs', 'values', 'sdk')
  expect(outcome).toMatchObject({ ok: false, name: 'SecretsError', secretsError: true })
  expect(new Set(outcome.codes)).toEqual(new Set(['SdkNotInstalled']))
})
