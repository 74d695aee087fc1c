/**
 * The lean floor: the requests middy-secrets sends, signed with aws4 and sent over node:http with
 * the JSON written and read by hand, and nothing else (no cache, no retries, no validation, no
 * error classification). It is what the package's lean transport cannot go below, so the cold
 * rows "lean floor" and "lean floor in middy" are its yardstick.
 *
 * It loads its two dependencies the cheapest way Node allows, as the package does
 * (lib/transport/runtime.ts): node:http through `process.getBuiltinModule` (an ESM `import` of
 * node:http costs Node 22 20-25 ms, its namespace reading undici's lazy getters) and aws4 with
 * `require` (CommonJS, half the time of an `import()`). This module is imported inside the timed
 * import phase, as `import('middy-secrets')` is for the package.
 *
 * Requests, as the package makes them: 1 secret -> GetSecretValue; more -> BatchGetSecretValue
 * in chunks of 20, in parallel; parameters -> GetParameters in chunks of 10 (WithDecryption), in
 * parallel. A keep-alive agent with at most 50 sockets, as the package's (and the SDK's).
 */
const getBuiltin = process.getBuiltinModule
const http = getBuiltin ? getBuiltin('node:http') : (await import('node:http')).default
const { createRequire } = getBuiltin ? getBuiltin('node:module') : await import('node:module')
const aws4 = createRequire(import.meta.url)('aws4')

/** One function that sends one AWS JSON 1.1 request and resolves with the parsed answer (200 only). */
export function leanClient({ endpoint, region, credentials }) {
  const url = new URL(endpoint)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 })
  return function call(service, target, input) {
    const signed = aws4.sign(
      {
        host: url.host,
        path: '/',
        method: 'POST',
        service,
        region,
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target },
        body: JSON.stringify(input),
      },
      credentials,
    )
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname: url.hostname, port: url.port, method: 'POST', path: '/', headers: signed.headers, agent }, (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (res.statusCode === 200) resolve(JSON.parse(text))
          else reject(new Error(`${target}: HTTP ${res.statusCode} ${text.slice(0, 200)}`))
        })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(signed.body)
    })
  }
}

function chunks(items, size) {
  const out = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The values of `names`, in order. */
export async function leanSecrets(call, names) {
  if (names.length === 1) {
    const out = await call('secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: names[0] })
    return [out.SecretString]
  }
  const byName = new Map()
  await Promise.all(
    chunks(names, 20).map(async (ids) => {
      const out = await call('secretsmanager', 'secretsmanager.BatchGetSecretValue', { SecretIdList: ids })
      for (const v of out.SecretValues ?? []) byName.set(v.Name, v.SecretString)
    }),
  )
  return names.map((name) => byName.get(name))
}

export async function leanParameters(call, names) {
  const byName = new Map()
  await Promise.all(
    chunks(names, 10).map(async (batch) => {
      const out = await call('ssm', 'AmazonSSM.GetParameters', { Names: batch, WithDecryption: true })
      for (const p of out.Parameters ?? []) byName.set(p.Name, p.Value)
    }),
  )
  return names.map((name) => byName.get(name))
}
