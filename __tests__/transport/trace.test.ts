/**
 * transport/trace.ts: in Lambda the lean transport sends the trace headers an SDK request carries
 * (@aws-sdk/core's recursionDetectionMiddleware): found by review, the lean transport sent none.
 */
import { traceHeaders } from '../../lib/transport/trace.js'
import { httpsTransport } from '../../lib/transport/https.js'
import { sdkTransport } from '../../lib/transport/sdk.js'
import { CREDENTIALS, localConfig, options, startCaptureServer, type CaptureServer } from './support.js'

const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
type Global = { awslambda?: { InvokeStore?: object } }
const saved = { fn: process.env.AWS_LAMBDA_FUNCTION_NAME, trace: process.env._X_AMZN_TRACE_ID, awslambda: (globalThis as Global).awslambda }

function restore(): void {
  for (const [name, value] of [['AWS_LAMBDA_FUNCTION_NAME', saved.fn], ['_X_AMZN_TRACE_ID', saved.trace]] as const) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  if (saved.awslambda === undefined) delete (globalThis as Global).awslambda
  else (globalThis as Global).awslambda = saved.awslambda
}
afterEach(restore)

/** A stand-in for the runtime's InvokeStore, as @aws/lambda-invoke-store publishes it. */
function invokeStore(values: { traceId?: string; traceparent?: string; tracestate?: string; baggage?: string }): void {
  ;(globalThis as Global).awslambda = {
    InvokeStore: {
      getXRayTraceId: () => values.traceId,
      getTraceparent: () => values.traceparent,
      getTracestate: () => values.tracestate,
      getBaggage: () => values.baggage,
    },
  }
}

describe('traceHeaders', () => {
  test("in Lambda, _X_AMZN_TRACE_ID as X-Amzn-Trace-Id; outside Lambda (no function name) or with an empty id, none", () => {
    expect(traceHeaders({ AWS_LAMBDA_FUNCTION_NAME: 'fn', _X_AMZN_TRACE_ID: TRACE })).toEqual({ 'X-Amzn-Trace-Id': TRACE })
    expect(traceHeaders({ _X_AMZN_TRACE_ID: TRACE })).toEqual({})
    expect(traceHeaders({ AWS_LAMBDA_FUNCTION_NAME: '', _X_AMZN_TRACE_ID: TRACE })).toEqual({})
    expect(traceHeaders({ AWS_LAMBDA_FUNCTION_NAME: 'fn', _X_AMZN_TRACE_ID: '' })).toEqual({})
  })

  test("the runtime's InvokeStore wins over the variable (several invocations at once in one process), and brings the W3C headers", () => {
    invokeStore({ traceId: 'Root=from-store', traceparent: TRACEPARENT, tracestate: 'vendor=1', baggage: 'k=v' })
    expect(traceHeaders({ AWS_LAMBDA_FUNCTION_NAME: 'fn', _X_AMZN_TRACE_ID: TRACE })).toEqual({
      'X-Amzn-Trace-Id': 'Root=from-store',
      traceparent: TRACEPARENT,
      tracestate: 'vendor=1',
      baggage: 'k=v',
    })
    // No trace id in the store: the variable's. No traceparent: no tracestate or baggage either.
    invokeStore({ tracestate: 'vendor=1', baggage: 'k=v' })
    expect(traceHeaders({ AWS_LAMBDA_FUNCTION_NAME: 'fn', _X_AMZN_TRACE_ID: TRACE })).toEqual({ 'X-Amzn-Trace-Id': TRACE })
    invokeStore({ traceparent: TRACEPARENT })
    expect(traceHeaders({})).toEqual({ traceparent: TRACEPARENT })
  })
})

describe('over HTTP, against what the SDK sends', () => {
  let server: CaptureServer
  beforeAll(async () => {
    server = await startCaptureServer()
  })
  afterAll(() => server.close())

  test('in Lambda, both transports send the same trace headers', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'fn'
    process.env._X_AMZN_TRACE_ID = TRACE
    invokeStore({ traceparent: TRACEPARENT, tracestate: 'vendor=1' })
    server.requests.length = 0
    await sdkTransport('secretsmanager', { clientOptions: { endpoint: server.endpoint, region: 'eu-west-1', credentials: CREDENTIALS } }).call('GetSecretValue', { SecretId: 'a' }, options())
    await httpsTransport(localConfig('secretsmanager', server.endpoint)).call('GetSecretValue', { SecretId: 'a' }, options())
    const [sdk, lean] = server.requests
    const trace = (headers: Record<string, unknown>) => ({ id: headers['x-amzn-trace-id'], traceparent: headers.traceparent, tracestate: headers.tracestate })
    expect(trace(sdk!.headers)).toEqual({ id: TRACE, traceparent: TRACEPARENT, tracestate: 'vendor=1' })
    expect(trace(lean!.headers)).toEqual(trace(sdk!.headers))
  })
})
