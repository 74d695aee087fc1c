/**
 * The trace headers every SDK request carries in Lambda (@aws-sdk/core's
 * recursionDetectionMiddleware, always in a client's stack), so that the lean transport sends
 * them too: X-Amzn-Trace-Id, the invocation's X-Ray trace id (from the runtime's InvokeStore,
 * else `_X_AMZN_TRACE_ID`) when `AWS_LAMBDA_FUNCTION_NAME` is set; and the W3C `traceparent`,
 * `tracestate` and `baggage` the runtime's InvokeStore holds. Read at each attempt: Lambda
 * sets them per invocation (per request, with several invocations at once in one process).
 * The runtime publishes its InvokeStore on `globalThis.awslambda`, where the SDK finds it; the
 * package reads it there and does not load @aws/lambda-invoke-store.
 */
interface InvokeStoreView {
  getXRayTraceId?(): unknown
  getTraceparent?(): unknown
  getTracestate?(): unknown
  getBaggage?(): unknown
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0

export function traceHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const store = (globalThis as { awslambda?: { InvokeStore?: InvokeStoreView } }).awslambda?.InvokeStore
  const headers: Record<string, string> = {}
  // As the SDK: the store's trace id when it has one, else the variable's.
  const traceId = store?.getXRayTraceId?.() ?? env._X_AMZN_TRACE_ID
  if (nonEmpty(env.AWS_LAMBDA_FUNCTION_NAME) && nonEmpty(traceId)) headers['X-Amzn-Trace-Id'] = traceId
  const traceparent = store?.getTraceparent?.()
  if (nonEmpty(traceparent)) {
    headers.traceparent = traceparent
    const tracestate = store?.getTracestate?.()
    if (nonEmpty(tracestate)) headers.tracestate = tracestate
    const baggage = store?.getBaggage?.()
    if (nonEmpty(baggage)) headers.baggage = baggage
  }
  return headers
}
