/**
 * What the README's option table says of each option: the default as shown and what the option
 * does. Only the README test reads it; the package never imports it, so this text does not ship
 * in what a Lambda function compiles at its cold start (about 30 µs of CPU per KB imported on
 * Node 22, measured: see the README's Cold start). The typed record names every option of
 * ./table.ts, so a new option cannot miss its row.
 */
import { DEFAULTS, type OptionName } from './table.js'

export interface OptionDoc {
  /** The default, as the README shows it (`—` where there is none). */
  readonly shown: string
  /** What the option does. */
  readonly doc: string
}

export const OPTION_DOCS: Readonly<Record<OptionName, OptionDoc>> = {
  context: { shown: '—', doc: 'Keys set on the Lambda context. A key may not be a context property (`functionName`, `awsRequestId`, `getRemainingTimeInMillis`...).' },
  env: { shown: '—', doc: 'Keys written to `process.env`. Names must be valid variable names (`[A-Za-z_][A-Za-z0-9_]*`) and values must be text (see [Transforms](#transforms)).' },
  ttl: { shown: `\`${DEFAULTS.ttlSeconds}\``, doc: 'Seconds a value stays fresh, for every key that sets no `ttl` of its own. `0` fetches on every invocation, `Infinity` never expires. Given here, it wins over both variables, which apply to secrets and parameters only (`appConfig`, `item` and `items` keys default to 300).' },
  maxEntries: { shown: `\`${DEFAULTS.maxEntries}\``, doc: 'Bound of the module-scoped cache, an integer ≥ 1 (`0` in the variable turns the cache off, as in the extension). The cache is shared by every middleware, and its bound only grows: the largest `maxEntries` asked for applies. Eviction is CLOCK, an approximation of least recently used: a key read by an invocation is spared by the next sweep, and an entry evicted while it is fetched still answers the invocations waiting on it (with its last good value, if the fetch fails).' },
  cache: { shown: `\`${DEFAULTS.cache}\``, doc: '`false` fetches every key on every invocation (TTL 0 and no stale serving).' },
  stores: { shown: 'AWS stores', doc: '`{ secretsManager?, ssm?, appConfig?, dynamodb? }`: replaces the store behind `secret()`, `parameter()`/`parameters()`, `appConfig()` or `item()`/`items()` keys. Use `memoryStore()` in tests, `secretsManagerStore({ client })` / `ssmStore({ client })`... around a client you configured, or the extension stores.' },
  clientOptions: { shown: 'none', doc: 'Options for the SDK clients the package creates, or for the lean transport (`region`, `endpoint`, `credentials`...). The package sets `maxAttempts: 1` on SDK clients, so its own retries are the only retry layer.' },
  transport: { shown: "`'auto'`", doc: "How the package's stores talk to AWS: `'auto'` uses the lean HTTPS transport (requests signed with aws4 over `node:https`, no AWS SDK loaded) where it can do exactly what the SDK would, and the SDK everywhere else; `'sdk'` or `'https'` forces one (see [Cold start](#cold-start))." },
  awsClientCapture: { shown: 'none', doc: "`(client) => client`: wraps each SDK client the package creates, e.g. X-Ray's `captureAWSv3Client` or an OpenTelemetry hook, as middy's option of the same name. It selects the SDK transport (there is no client to wrap otherwise)." },
  logger: { shown: '`console`', doc: "Any object with `debug`, `info`, `warn` and `error` methods (`console`, Powertools' `Logger`, pino). Each line is a short message and a fields object; with `console` under Lambda's JSON log format (`AWS_LAMBDA_LOG_FORMAT=JSON`), one object (`message` and the fields), so that the fields stay queryable. Values are never logged. A logger that throws, or whose promise rejects, loses its line, nothing else." },
  logLevel: { shown: `\`'${DEFAULTS.logLevel}'\``, doc: "`'debug' \\| 'info' \\| 'warn' \\| 'error' \\| 'none'`. Without the option or its variable, Lambda's application log level (`AWS_LAMBDA_LOG_LEVEL`, set with the JSON log format) decides: `TRACE` and `DEBUG` are `'debug'`, `FATAL` is `'error'`." },
  batch: { shown: `\`${DEFAULTS.batch}\``, doc: 'Fetches secrets with `BatchGetSecretValue` (up to 20 per call, when two or more `AWSCURRENT` secrets are due), parameters with `GetParameters` (up to 10 per call) and DynamoDB items with `BatchGetItem` (up to 100 per call). `false` uses `GetSecretValue` / `GetParameter` / `GetItem`, one call per key. If `BatchGetSecretValue` is denied or throttled, or `BatchGetItem` denied, the store switches to the single read for good and logs a warning once.' },
  prefetch: { shown: `\`${DEFAULTS.prefetch}\``, doc: 'Starts fetching when `secrets()` is called, i.e. in the Lambda init phase. The first invocation joins what is still in flight (within its own deadline). If the prefetch fails, it does not throw: the first invocation tries again. A prefetch gives up after 10 s (the Lambda init phase limit), and what it waits on never keeps a process alive.' },
  internal: { shown: `\`${DEFAULTS.internal}\``, doc: "Also sets every key on middy's `request.internal`, under its declared name, for middlewares that read what @middy/secrets-manager or @middy/ssm put there (`getInternal()`; see [Middy's request.internal](#middys-requestinternal)). Off by default: middy makes `request.internal` a new dictionary object for every invocation, and writing 10 keys into it costs a warm invocation about 0.5 µs, more than everything else the middleware does when the values are fresh." },
  concurrency: { shown: `\`${DEFAULTS.concurrency}\``, doc: 'AWS requests in flight at once, per middleware.' },
  requestTimeoutMs: { shown: `\`${DEFAULTS.requestTimeoutMs}\``, doc: 'Timeout of one AWS request, in ms (`0`: none). A timeout can be retried. Each request gets the timeout of its store role, even when one store serves both roles.' },
  deadlineMarginMs: { shown: `\`${DEFAULTS.deadlineMarginMs}\``, doc: 'Resolution gives up this many ms before the Lambda deadline (`context.getRemainingTimeInMillis()`), with a `DeadlineExceeded` failure, instead of letting the function time out.' },
  retries: { shown: `\`${DEFAULTS.retries}\``, doc: 'Retries of a retryable failure (throttling, 5xx, timeouts, network errors), with full-jitter exponential backoff (50 ms base; 2 s cap, 5 s while throttled), never past the deadline. A clock-skew error is retried once at once, re-signed. Other errors (access denied, not found) are not retried. The first attempt runs without loading p-retry.' },
  rotation: { shown: `\`${DEFAULTS.rotation}\``, doc: 'Rotation awareness for every secret: the package learns each secret\'s rotation schedule with `DescribeSecret`, never keeps a value past the next rotation date, and when a value expires it checks with `DescribeSecret` whether the cached version still holds its stage before fetching it again.' },
  maxStale: { shown: `\`${DEFAULTS.maxStaleSeconds}\``, doc: 'Seconds past its expiry that a value may still be served when refreshing it fails for a transient reason. The failure is logged (without the value). `0` disables this.' },
  refreshAhead: { shown: `\`${DEFAULTS.refreshAhead}\``, doc: 'A value that is still fresh but in this last fraction of its TTL is served as it is and fetched again in the background (one batch per store), so the next invocation finds the new value and no warm invocation waits on a refresh. Not before a rotation date (rotation awareness keeps its rules). From `0` (off) up to, but not including, `1`.' },
  jitter: { shown: `\`${DEFAULTS.jitter}\``, doc: 'Expiries come up to this fraction of the TTL earlier, so that environments started together do not refresh together. The fraction is drawn once per execution environment (module instance): its keys still expire together and refresh in one batch. From `0` up to, but not including, `1`.' },
  refreshOn: { shown: '—', doc: '`(error, request) => boolean \\| string[]`. Runs in Middy\'s error phase (the handler or a middleware threw): `true` expires every key, a list expires the keys named (as declared), so the next invocation fetches them. `retrying(handler)` uses it to refresh at once and run the handler again.' },
}
