/**
 * Cold-start cost of the two transports, measured (not a test: jest runs *.test.ts only).
 *
 *   npm run build && node __tests__/transport/measure.mjs [runs=9] [node binary...]
 *
 * lib/transport is transpiled and bundled with rollup + terser into one ESM file, as the
 * package's build would ship it (aws4 and the SDK external). Each sample is a fresh Node
 * process that imports that file and makes one call against the AWS stand-in (started from
 * dist/testing.js in this process): `import` is the time to import the transport module,
 * `import + call` adds choosing the transport, creating it and one call (for the SDK transport,
 * the client's import and set-up happen inside that call). Medians of `runs` samples.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { rollup } from 'rollup'
import terser from '@rollup/plugin-terser'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const runs = Number(process.argv[2] ?? 9)
const nodes = process.argv.length > 3 ? process.argv.slice(3) : [process.execPath]

const { startAwsServer } = await import(join(ROOT, 'dist', 'testing.js'))
const server = await startAwsServer({ seed: { secrets: { 'prod/db': '{"password":"p"}' }, parameters: { '/app/p': 'v' } } })

// ---- the bundle ------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'transport-measure-'))
const files = [...readdirSync(join(ROOT, 'lib/transport')).map((f) => `lib/transport/${f}`), 'lib/errors.ts', 'lib/store.ts', 'lib/stores/aws-error.ts']
for (const file of files.filter((f) => f.endsWith('.ts'))) {
  const { outputText } = ts.transpileModule(readFileSync(join(ROOT, file), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
  mkdirSync(dirname(join(work, 'src', file)), { recursive: true })
  writeFileSync(join(work, 'src', file.replace(/\.ts$/, '.js')), outputText)
}
writeFileSync(
  join(work, 'src', 'entry.js'),
  "export { choose } from './lib/transport/choose.js'\nexport { httpsTransport } from './lib/transport/https.js'\nexport { sdkTransport } from './lib/transport/sdk.js'\n",
)
const bundle = await rollup({ input: join(work, 'src', 'entry.js'), external: (id) => /^(node:|aws4$|@aws-sdk\/)/.test(id), plugins: [terser({ ecma: 2022, module: true })] })
await bundle.write({ file: join(work, 'transport.mjs'), format: 'es' })
writeFileSync(join(work, 'package.json'), '{"type":"module"}')
symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir')

// One sample: prints {"import": ms, "total": ms}.
const SAMPLE = `const t0 = performance.now()
const { choose, httpsTransport, sdkTransport } = await import('./transport.mjs')
const t1 = performance.now()
const [kind, service] = process.argv.slice(2)
const clientOptions = { endpoint: process.env.ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }
const transport = kind === 'sdk' ? sdkTransport(service, { clientOptions }) : httpsTransport(choose(service, clientOptions, {}, 'https').config)
const input = service === 'ssm' ? { Name: '/app/p' } : { SecretId: 'prod/db' }
const result = await transport.call(service === 'ssm' ? 'GetParameter' : 'GetSecretValue', input, { signal: new AbortController().signal, timeoutMs: 5000 })
if (!result.ok) throw new Error(result.error.code + ': ' + result.error.message)
console.log(JSON.stringify({ import: t1 - t0, total: performance.now() - t0 }))
`
writeFileSync(join(work, 'sample.mjs'), SAMPLE)

const run = promisify(execFile)
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
// Samples are taken round-robin over the configurations, so that a change of machine load
// touches them all alike.
const configs = []
for (const node of nodes) {
  const version = execFileSync(node, ['--version']).toString().trim()
  for (const service of ['secretsmanager', 'ssm']) for (const kind of ['https', 'sdk']) configs.push({ node, version, service, kind, samples: [] })
}
for (let i = 0; i < runs; i += 1) {
  for (const config of configs) {
    // Not execFileSync: the stand-in answers from this process.
    const { stdout } = await run(config.node, ['--no-warnings', 'sample.mjs', config.kind, config.service], { cwd: work, env: { PATH: process.env.PATH, ENDPOINT: server.endpoint } })
    config.samples.push(JSON.parse(stdout.trim().split('\n').pop()))
  }
}
const rows = configs.map(({ version, service, kind, samples }) => ({
  node: version,
  service,
  transport: kind,
  'import ms': median(samples.map((s) => s.import)).toFixed(1),
  'import + call ms': median(samples.map((s) => s.total)).toFixed(1),
}))
console.table(rows)
await server.close()
rmSync(work, { recursive: true, force: true })
