/**
 * Decisions of the transport that a scoped Stryker run (choose.ts, endpoint.ts, sdk.ts, clock.ts,
 * sign.ts, socket-errors.ts, over the transport, store and in-process integration suites) found no test pinning:
 * which transport serves, where it sends, when the SDK transport resends or gives up, and which
 * answers' Dates the signing clock learns from. Each test names the mutant it kills (file:line as
 * Stryker numbers it) and fails with it applied. Offline: choose() and resolveEndpoint() are pure
 * but for the shared config files (a temporary home directory stands for one), the SDK's endpoint
 * provider is asked without sending, and the SDK transport's tests give it a scripted client.
 */
import { getEventListeners } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { SSMClient } from '@aws-sdk/client-ssm'
import { choose, type Env, type HttpsConfig } from '../../lib/transport/choose.js'
import { signingClock } from '../../lib/transport/clock.js'
import { regionalEndpoint, resolveEndpoint, type EndpointSettings } from '../../lib/transport/endpoint.js'
import { sdkTransport, type SdkClient } from '../../lib/transport/sdk.js'
import { connectionCodeOf, isNotHttp } from '../../lib/transport/socket-errors.js'
import { failure, options, output } from './support.js'

/** What Lambda sets. */
const LAMBDA: Env = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'ASIAENV',
  AWS_SECRET_ACCESS_KEY: 'env-secret',
  AWS_SESSION_TOKEN: 'env-token',
  AWS_LAMBDA_FUNCTION_NAME: 'fn',
}
const STATIC = { accessKeyId: 'AKIDSTATIC', secretAccessKey: 'static-secret' }

/** The reason the SDK serves, failing the test when the lean transport does. */
function sdkReason(...args: Parameters<typeof choose>): string {
  const choice = choose(...args)
  if (choice.kind !== 'sdk') throw new Error(`expected the SDK, got https to ${choice.config.endpoint}`)
  return choice.reason
}

/** The lean transport's config, failing the test (with the reason) when the SDK serves. */
function lean(...args: Parameters<typeof choose>): HttpsConfig {
  const choice = choose(...args)
  if (choice.kind !== 'https') throw new Error(`expected https, got the SDK: ${choice.reason}`)
  return choice.config
}

describe('choose: static credentials are checked member by member, as the SDK would use them', () => {
  // choose.ts:123 `!accessKeyId || !secretAccessKey` -> `&&`: an access key alone in the
  // environment picked the lean transport, which then signed with an undefined secret.
  test('the environment has an access key but no secret: the SDK serves (its chain looks elsewhere)', () => {
    expect(sdkReason('ssm', {}, { ...LAMBDA, AWS_SECRET_ACCESS_KEY: undefined })).toBe('no credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)')
    expect(sdkReason('ssm', {}, { ...LAMBDA, AWS_ACCESS_KEY_ID: '' })).toBe('no credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)')
  })

  // choose.ts:127 the `typeof given !== 'object' || given === null` check (its `||`, either side
  // -> false) and its reason: a string's characters were read as members ("credentials.0"), and
  // null threw a TypeError out of choose() instead of leaving the value to the SDK.
  test.each([
    ['a string', 'AKID:secret'],
    ['a number', 42],
    ['null', null],
  ])('credentials that are %s: the SDK serves, saying they are not an object', (_what, credentials) => {
    expect(sdkReason('ssm', { credentials }, LAMBDA)).toBe('clientOptions.credentials is not an object')
  })

  // choose.ts:132 the accessKeyId / secretAccessKey check: each of its four conditions (and the
  // ways of joining them) is needed; a number or an empty string is not a key aws4 can sign with.
  test.each([
    ['accessKeyId a number', { accessKeyId: 12345, secretAccessKey: 's' }],
    ['accessKeyId empty', { accessKeyId: '', secretAccessKey: 's' }],
    ['secretAccessKey a number', { accessKeyId: 'AKID', secretAccessKey: 12345 }],
    ['secretAccessKey empty', { accessKeyId: 'AKID', secretAccessKey: '' }],
  ])('%s: the SDK serves', (_what, credentials) => {
    expect(sdkReason('ssm', { credentials }, LAMBDA)).toBe('clientOptions.credentials lacks accessKeyId or secretAccessKey')
  })

  // choose.ts:135 the sessionToken check's reason (no test reached it).
  test('a sessionToken that is not a string: the SDK serves, saying so', () => {
    expect(sdkReason('ssm', { credentials: { ...STATIC, sessionToken: 7 } }, LAMBDA)).toBe('clientOptions.credentials.sessionToken is not a string')
  })
})

describe('choose: option values it cannot honour', () => {
  // choose.ts:87 `typeof offset !== 'number' || !Number.isFinite(offset)` -> `&&`: NaN and
  // Infinity are numbers; kept as the signing offset, every signature would throw (an invalid Date).
  test.each([NaN, Infinity])('systemClockOffset %p: the SDK serves', (systemClockOffset) => {
    expect(sdkReason('ssm', { systemClockOffset }, LAMBDA)).toBe('clientOptions.systemClockOffset is not a number')
  })

  // choose.ts:80 'useFipsEndpoint' -> '': the reason names the option (only useDualstackEndpoint's was tested).
  test('useFipsEndpoint that is not a boolean: the reason names it', () => {
    expect(sdkReason('ssm', { useFipsEndpoint: 'true' }, LAMBDA)).toBe('clientOptions.useFipsEndpoint is not a boolean')
  })
})

describe('choose: the variables the SDK reads', () => {
  // choose.ts:72 'AWS_SHARED_CREDENTIALS_FILE' -> '': only AWS_CONFIG_FILE was tested.
  test('AWS_SHARED_CREDENTIALS_FILE selects the SDK, as AWS_CONFIG_FILE does', () => {
    expect(sdkReason('ssm', {}, { ...LAMBDA, AWS_SHARED_CREDENTIALS_FILE: '/creds' })).toBe('AWS_SHARED_CREDENTIALS_FILE is set (shared config files are read by the SDK only)')
  })

  // choose.ts:170 `value === 'false'` -> false, 'false' -> '', and `ok(value === 'true')` -> ok(true):
  // an explicit 'false' is valid and means false (only 'true' and invalid values were tested).
  test("AWS_USE_FIPS_ENDPOINT=false and AWS_USE_DUALSTACK_ENDPOINT=false: the lean transport, to the usual host", () => {
    const config = lean('ssm', {}, { ...LAMBDA, AWS_USE_FIPS_ENDPOINT: 'false', AWS_USE_DUALSTACK_ENDPOINT: 'false' })
    expect(config.endpoint).toBe('https://ssm.eu-west-1.amazonaws.com/')
  })

  test('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false: the environment\'s endpoint URL is used', () => {
    const config = lean('ssm', {}, { ...LAMBDA, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false', AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:4566' })
    expect(config.endpoint).toBe('http://127.0.0.1:4566/')
  })

  // choose.ts:149 `mode !== 'preferred'` -> true: 'preferred', the SDK's default spelt out, was
  // refused as if it were an unknown mode; without an account there is no account endpoint.
  test("DynamoDB with AWS_ACCOUNT_ID_ENDPOINT_MODE=preferred and no account: the lean transport, to the regional host", () => {
    const config = lean('dynamodb', {}, { ...LAMBDA, AWS_ACCOUNT_ID_ENDPOINT_MODE: 'preferred' })
    expect(config.endpoint).toBe('https://dynamodb.eu-west-1.amazonaws.com/')
  })
})

describe('resolveEndpoint: what a configured endpoint may carry, and the name its reason gives', () => {
  const base: EndpointSettings = { region: 'eu-west-1', fips: false, dualStack: false, ignoreConfiguredEndpointUrls: false }

  // endpoint.ts:92 `url.username || url.password` -> false, -> `&&`: only a query had been tested.
  // The SDK would send credentials in the URL nowhere the lean transport does: left to it.
  test.each(['http://user@127.0.0.1:4566/', 'http://:pass@127.0.0.1:4566/', 'http://user:pass@127.0.0.1:4566/', 'http://127.0.0.1:4566/#f'])('%s: left to the SDK', (endpoint) => {
    expect(resolveEndpoint('ssm', { ...base, endpoint }, {})).toEqual({ ok: false, reason: 'clientOptions.endpoint has credentials, a query or a fragment' })
  })

  // endpoint.ts:119 'AWS_ENDPOINT_URL' -> '': the reason names the variable the bad URL came from.
  test('a bad AWS_ENDPOINT_URL is named in the reason', () => {
    expect(resolveEndpoint('ssm', base, { AWS_ENDPOINT_URL: 'localhost:4566' })).toEqual({ ok: false, reason: 'AWS_ENDPOINT_URL is not an http(s) URL' })
  })
})

describe('choose: the shared config file off Lambda', () => {
  let home: string
  beforeAll(() => {
    home = mkdtempSync(`${tmpdir()}/decisions-home-`)
    mkdirSync(`${home}/.aws`)
    writeFileSync(`${home}/.aws/config`, '[default]\nregion = us-west-2\n')
  })
  afterAll(() => rmSync(home, { recursive: true, force: true }))
  const offLambda = { ...LAMBDA, AWS_LAMBDA_FUNCTION_NAME: undefined }

  // choose.ts:115 /[\\/]+$/ -> /[\\/]$/: every trailing separator of HOME goes, not just one, so
  // the debug line names the file as it is (the file is found either way).
  test('a HOME with trailing separators: the reason names the file without doubled slashes', () => {
    expect(sdkReason('ssm', {}, { ...offLambda, HOME: `${home}//` })).toBe(`${home}/.aws/config exists (its region, endpoint and FIPS settings are read by the SDK only)`)
  })

  // choose.ts:116 `fs?.existsSync` -> `fs.existsSync`: before Node 20.16 there is no
  // process.getBuiltinModule, and the file is not looked for (as documented); choose() must not throw.
  test('without process.getBuiltinModule (Node < 20.16) the file is not looked for: the lean transport serves', () => {
    const process_ = process as { getBuiltinModule?: unknown }
    const saved = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule')
    process_.getBuiltinModule = undefined
    try {
      expect(lean('ssm', {}, { ...offLambda, HOME: home }).endpoint).toBe('https://ssm.eu-west-1.amazonaws.com/')
    } finally {
      if (saved) Object.defineProperty(process, 'getBuiltinModule', saved)
    }
  })
})

// The module-level tables below are "static" to Stryker (ignoreStatic: not run by it); applied
// by hand, these survived the transport, store and endpoint suites.
describe('choose: the clientOptions and credential members it accepts', () => {
  // choose.ts:46 'userAgentAppId' -> '': an option that changes no answer (the others of the list were tested).
  test('userAgentAppId is ignored safely: the lean transport serves', () => {
    expect(lean('ssm', { userAgentAppId: 'my-app' }, LAMBDA).endpoint).toBe('https://ssm.eu-west-1.amazonaws.com/')
  })

  // choose.ts:49 'credentialScope' -> '', '$source' -> '': members the SDK's own static
  // credentials carry (the region scope, and the SDK's marker of where they came from).
  test.each([
    ['credentialScope', { credentialScope: 'eu-west-1' }],
    ['$source', { $source: { CREDENTIALS_CODE: 'e' } }],
  ])('static credentials with %s: the lean transport, signing with the keys', (_member, extra) => {
    const config = lean('ssm', { credentials: { ...STATIC, ...extra } }, LAMBDA)
    expect(config.credentials).toEqual(STATIC)
  })
})

describe('endpoint: the partitions\' region patterns are whole-name matches, with any number of digits', () => {
  // endpoint.ts:26-28 `\d+` -> `\d` in each partition's pattern: a region numbered 10 or more is
  // in its partition (the SDK's patterns say \d+). Checked against the SDK's own endpoint provider.
  test.each(['eu-future-12', 'cn-future-12', 'us-gov-future-12'])('%s', (region) => {
    const client = new SSMClient({ region: 'us-east-1', credentials: STATIC })
    try {
      const sdk = (client.config.endpointProvider as (params: Record<string, unknown>) => { url: URL })({ Region: region, UseFIPS: false, UseDualStack: false }).url.href
      expect(regionalEndpoint('ssm', region, { fips: false, dualStack: false })).toBe(sdk)
    } finally {
      client.destroy()
    }
  })

  // endpoint.ts:27-28 the `^` and `$` of the aws-cn and aws-us-gov patterns. The SDK puts a
  // region no pattern matches in the aws partition (amazonaws.com), where the mutants put these
  // in aws-cn (amazonaws.com.cn) or aws-us-gov: no known partition, left to the SDK.
  test.each(['xcn-north-1', 'cn-north-1a', 'xus-gov-west-1', 'us-gov-west-1a'])('%s: no known partition', (region) => {
    expect(regionalEndpoint('ssm', region, { fips: false, dualStack: false })).toBeUndefined()
  })
})

describe('endpoint: a region name is any host label', () => {
  // endpoint.ts:78 REGION_LABEL's optional group made required: a one-character region, a valid
  // host label (LocalStack and other emulators take any name), was refused.
  test('a one-character region with a custom endpoint: sent there', () => {
    expect(resolveEndpoint('ssm', { region: 'x', fips: false, dualStack: false, ignoreConfiguredEndpointUrls: false, endpoint: 'http://127.0.0.1:4566' }, {})).toEqual({ ok: true, url: 'http://127.0.0.1:4566/', regional: false })
  })
})

describe('sdkTransport: loading the client package', () => {
  // sdk.ts:63 `code === 'ERR_MODULE_NOT_FOUND'` -> false: an ESM import of a missing package
  // (the Lambda runtime's case) is SdkNotInstalled too; only CommonJS's MODULE_NOT_FOUND was tested.
  test("an ESM import that fails with ERR_MODULE_NOT_FOUND -> SdkNotInstalled", async () => {
    const missing = Object.assign(new Error("Cannot find package '@aws-sdk/client-ssm'"), { code: 'ERR_MODULE_NOT_FOUND' })
    const error = failure(await sdkTransport('ssm', { importSdk: () => Promise.reject(missing) }).call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'SdkNotInstalled', retryable: false })
  })

  // sdk.ts:62 `?.code` -> `.code` (a rejection with no value threw a TypeError out of call()), and
  // :98 the message naming the package.
  test('an import rejected with no error at all -> TransportClientError naming the package', async () => {
    const error = failure(await sdkTransport('ssm', { importSdk: () => Promise.reject(undefined) }).call('GetParameter', { Name: '/p' }, options()))
    expect(error).toMatchObject({ code: 'TransportClientError', message: 'unexpected failure to load @aws-sdk/client-ssm while calling GetParameter' })
  })
})

describe('sdkTransport: the deadline', () => {
  // sdk.ts:89 (no coverage): a call whose deadline has passed is DeadlineExceeded at once; the package is not even loaded.
  test('already passed: DeadlineExceeded, nothing loaded or sent', async () => {
    let imports = 0
    const transport = sdkTransport('ssm', { importSdk: () => ((imports += 1), import('@aws-sdk/client-ssm')) })
    const deadline = new AbortController()
    deadline.abort()
    expect(failure(await transport.call('GetParameter', { Name: '/p' }, options({ signal: deadline.signal })))).toMatchObject({ code: 'DeadlineExceeded' })
    expect(imports).toBe(0)
  })

  // sdk.ts:133 `deadline.aborted` -> false: a deadline that passed while the package loaded was
  // listened for but never heard (an AbortSignal aborts once), and the request went out unbounded.
  test('passed while the package loaded: the request goes out already aborted', async () => {
    const deadline = new AbortController()
    const signals: AbortSignal[] = []
    const client: SdkClient = {
      send: async (_command, { abortSignal }) => {
        signals.push(abortSignal)
        if (abortSignal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' })
        return { Parameter: { Name: '/p' } }
      },
    }
    const importSdk = async (): Promise<unknown> => (deadline.abort(), import('@aws-sdk/client-ssm'))
    const error = failure(await sdkTransport('ssm', { client, importSdk }).call('GetParameter', { Name: '/p' }, options({ signal: deadline.signal })))
    expect(error.code).toBe('DeadlineExceeded')
    expect(signals.map((signal) => signal.aborted)).toEqual([true])
  })

  // sdk.ts:131 `timedOut = !controller.signal.aborted` negated: the request timeout is what the
  // caller is told of, even when the client (one the user gave) then fails in its own words
  // instead of throwing the AbortError the SDK's own client throws.
  test('the request timeout is a TimeoutError, whatever the client throws once it is aborted', async () => {
    const client: SdkClient = {
      send: (_command, { abortSignal }) =>
        new Promise((_resolve, reject) => abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('connection torn down'), { name: 'InternalFailure' })), { once: true })),
    }
    const error = failure(await sdkTransport('ssm', { client }).call('GetParameter', { Name: '/p' }, options({ timeoutMs: 50 })))
    expect(error).toMatchObject({ code: 'TimeoutError', message: 'GetParameter did not answer in time' })
  })

  // sdk.ts:138 release() -> {}, :140 removeEventListener('abort' -> ''): every call left a
  // listener on the invocation's deadline signal (and its timer running).
  test('answered calls leave no listener on the deadline signal', async () => {
    const client: SdkClient = { send: async () => ({ Parameter: { Name: '/p' } }) }
    const transport = sdkTransport('ssm', { client })
    const deadline = new AbortController()
    for (let i = 0; i < 3; i += 1) output(await transport.call('GetParameter', { Name: '/p' }, { signal: deadline.signal, timeoutMs: 5000 }))
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0)
  })
})

describe('sdkTransport: the resend of a request a dead keep-alive socket swallowed', () => {
  /** A client whose send throws the given errors in turn, then answers; it records how many times it was sent. */
  function scripted(errors: unknown[]): SdkClient & { sends: number } {
    const client = {
      sends: 0,
      async send(): Promise<unknown> {
        client.sends += 1
        await new Promise((resolve) => setImmediate(resolve))
        const error = errors[client.sends - 1]
        if (error !== undefined) throw error
        return { Parameter: { Name: '/p', Value: 'v' } }
      },
    }
    return client
  }
  const call = (client: SdkClient) => sdkTransport('ssm', { client }).call('GetParameter', { Name: '/p' }, options())
  const hangUp = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })

  // sdk.ts:110 `attempt === 1` -> true, the condition -> true, `&&` -> `||`: the resend is once;
  // a second dead connection is the failure (the resolver's retries take it from there).
  test('sent at most twice: a second hang-up is the failure', async () => {
    const client = scripted([hangUp(), hangUp(), hangUp(), hangUp()])
    expect(failure(await call(client))).toMatchObject({ code: 'NetworkingError', retryable: true })
    expect(client.sends).toBe(2)
  })

  // sdk.ts:156 `code === 'EPIPE'` -> false, 'EPIPE' -> '': a write to a socket the far end closed is resent too.
  test('a broken pipe (EPIPE) is resent, and answered', async () => {
    const client = scripted([Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' })])
    expect(output(await call(client))).toEqual({ Parameter: { Name: '/p', Value: 'v' } })
    expect(client.sends).toBe(2)
  })

  // sdk.ts:156 `$fault === undefined` -> true: an answer from AWS ($fault set) is never resent,
  // whatever its message says.
  test("AWS's own error whose message ends in 'socket hang up' is not resent", async () => {
    const client = scripted([Object.assign(new Error('upstream: socket hang up'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } })])
    expect(failure(await call(client)).code).toBe('InternalServerError')
    expect(client.sends).toBe(1)
  })

  // sdk.ts:156 /socket hang up$/ -> /socket hang up/: only Node's words (possibly wrapped before
  // them) mean the connection closed before any answer; the words followed by more are something else.
  test("a message with Node's words in the middle is not resent", async () => {
    const client = scripted([new Error('socket hang up while the answer was read')])
    failure(await call(client))
    expect(client.sends).toBe(1)
  })
})

describe('signingClock: the Dates it learns from', () => {
  const NOW = Date.UTC(2026, 0, 1, 12)
  const learnt = (date: number, tookMs = 0): number => {
    const clock = signingClock(0, () => NOW)
    clock.observe(new Date(date).toUTCString(), NOW - tookMs, false)
    return clock.offset()
  }

  // clock.ts:39 `serverTime < 0` -> false, -> `<= 0`: the epoch is the first Date learnt; one before is not.
  test('a Date before 1970 is not learnt; the epoch itself is', () => {
    expect(learnt(-1000)).toBe(0)
    expect(learnt(0)).toBe(-NOW)
  })

  // clock.ts:39 `>= LAST_HTTP_DATE` -> `>`: the first instant of the year 10000 has no four-digit
  // year: its X-Amz-Date could not be written. The last second before it can.
  test('a Date in the year 10000 is not learnt; the last second of 9999 is', () => {
    const year10000 = Date.UTC(10_000, 0, 1)
    expect(learnt(year10000)).toBe(0)
    expect(learnt(year10000 - 1000)).toBe(year10000 - 1000 - NOW)
  })

  // clock.ts:41 `> STALE_ANSWER_MS` -> `>=`: an answer of exactly 15 minutes is learnt ("over 15 minutes" is not).
  test('an answer that took exactly 15 minutes is learnt from; one a second longer is not', () => {
    const server = NOW + 3_600_000
    expect(learnt(server, 15 * 60_000)).toBe(server - NOW)
    expect(learnt(server, 15 * 60_000 + 1000)).toBe(0)
  })
})

describe("socket-errors: Node's HTTP parser's codes", () => {
  // socket-errors.ts:65 /^HPE_[A-Z_]+$/ -> /HPE_[A-Z_]+$/: a code that merely ends like the
  // parser's (another library's, or a wrapped one) is not "an answer that is not HTTP".
  test('only a code that starts with HPE_ is the parser refusing the answer', () => {
    expect(isNotHttp('HPE_INVALID_CONSTANT')).toBe(true)
    expect(isNotHttp('X_HPE_INVALID_CONSTANT')).toBe(false)
    expect(connectionCodeOf({ code: 'X_HPE_INVALID_CONSTANT' })).toBeUndefined()
  })
})
