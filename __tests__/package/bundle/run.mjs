// node run.mjs BUNDLE HANDLER: loads a bundle (CommonJS or ESM), invokes one of its handlers once
// and prints the outcome as one JSON line (failures by code and class, never a message).
import { pathToFileURL } from 'node:url'

const [bundle, which] = process.argv.slice(2)
const loaded = await import(pathToFileURL(bundle).href)
const { handlers } = loaded.handlers ? loaded : loaded.default
const context = { functionName: 'bundle', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 }
try {
  console.log(JSON.stringify({ ok: true, out: await handlers[which]({}, context) }))
} catch (error) {
  const codes = Array.isArray(error?.failures) ? error.failures.map((f) => f.code) : []
  console.log(JSON.stringify({ ok: false, name: error?.name, secretsError: error instanceof handlers.SecretsError, codes }))
}
