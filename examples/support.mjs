/**
 * Small helpers shared by the examples (not part of the package): a fake Lambda context, value
 * masking, and a logger that indents the package's log lines under the example's own output.
 */

/** Masks a secret for printing: `pa****rd` for long text, `<5 chars>` for short, `<32 bytes>` for binary. */
export function mask(value) {
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  if (typeof value !== 'string') return `<${typeof value}>`
  if (value.length < 12) return `<${value.length} chars>`
  return `${value.slice(0, 2)}****${value.slice(-2)}`
}

let requestCounter = 0

/** What Lambda passes as the second argument, enough for middy and middy-secrets. */
export function lambdaContext(remainingMs = 3000) {
  requestCounter += 1
  return {
    functionName: 'example',
    awsRequestId: `req-${requestCounter}`,
    getRemainingTimeInMillis: () => remainingMs,
  }
}

/** A console-compatible logger (what `logger:` accepts) that indents lines under the output. */
/** Log lines are a message and a fields object (names and codes, never values): print both. */
const line = (level) => (message, fields) => {
  const shown = fields ? ` (${Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ')})` : ''
  console.log(`             [${level}] ${message}${shown}`)
}

export const indentedLogger = { debug: () => {}, info: line('log'), warn: line('warn'), error: line('error') }

/** `GetSecretValue prod/db, GetParameter /prod/flags` for the store calls after index `since`. */
export function describeCalls(store, since) {
  const calls = store.calls.slice(since)
  return calls.length === 0 ? 'none' : calls.map((c) => `${c.operation} ${c.name}`).join(', ')
}

/** `5 store calls (GetParameter 3, GetParametersByPath 2)` for the store calls after index `since`. */
export function countCalls(store, since) {
  const calls = store.calls.slice(since)
  if (calls.length === 0) return 'none'
  const byOperation = new Map()
  for (const c of calls) byOperation.set(c.operation, (byOperation.get(c.operation) ?? 0) + 1)
  const parts = [...byOperation].map(([operation, n]) => `${operation} ${n}`)
  return `${calls.length} store call${calls.length === 1 ? '' : 's'} (${parts.join(', ')})`
}

/** What a local run passes to reach `startAwsServer()`: its endpoint, a region, and placeholder credentials. */
export function localAws(server) {
  return { endpoint: server.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
}

/**
 * Moves this process's clock (`Date.now`) forward, so an example can show what happens after a
 * TTL without waiting for it. The package's cache, its request signing and the local AWS
 * server (same process) all read `Date.now`, so they move together. Examples only.
 */
export function movableClock() {
  const realNow = Date.now.bind(Date)
  let offsetMs = 0
  Date.now = () => realNow() + offsetMs
  return {
    /** Seconds moved so far. */
    get seconds() {
      return offsetMs / 1000
    },
    advance(seconds) {
      offsetMs += seconds * 1000
    },
  }
}
