/**
 * One extension as a store reaches it, the same for both extension stores: the options checked
 * (loopback host; port and connection bound from the options, else the extension's own
 * variables; the start-up wait), then each GET within the store's limit and the endpoint's
 * connection bound, with the start-up wait, anything but an HTTP answer a transport failure.
 * Each extension differs only in its variables and layer (ExtensionVariables) and in how it
 * reads an answer.
 */
import { checkInteger, readInteger, type Env, type IntegerRule } from '../env-vars.js'
import { DEFAULT_HOST } from '../extension-protocol.js'
import type { FetchOptions, StoreRequest, StoreResult } from '../store.js'
import { deadline, transportFailure, unexpected, type Unreachable } from './extension-failures.js'
import { checkLoopbackHost, checkStartupTimeout, endpointFor, getWithStartupWait, type ExtensionEndpoint, type ExtensionGet, type ExtensionResponse } from './extension-http.js'

/** The options both extension stores take to reach their extension. */
export interface ExtensionConnectionOptions {
  readonly port?: number
  readonly host?: string
  readonly maxConnections?: number
  readonly startupTimeoutMs?: number
}

type DefaultedRule = IntegerRule & { readonly default: number }

/** One extension's variables for its port and connection bound, their rules, and the layer it comes in. */
export interface ExtensionVariables {
  readonly port: string
  readonly maxConnections: string
  readonly rules: { readonly port: DefaultedRule; readonly maxConnections: DefaultedRule }
  /** Named in the error when nothing listens, e.g. `AWS Parameters and Secrets Lambda Extension layer`. */
  readonly layer: string
}

export type ReadAnswer = (response: ExtensionResponse, request: StoreRequest) => StoreResult

export interface ExtensionConnection {
  readonly endpoint: ExtensionEndpoint
  readonly unreachable: Unreachable
  /** The GET `http` for `request`; an HTTP answer is what `read` makes of it. Never rejects. */
  get(request: StoreRequest, http: ExtensionGet, fetchOptions: FetchOptions, read: ReadAnswer): Promise<StoreResult>
}

/** Checks the options (or reads the variables) in the order the stores always have: host, port, connections, start-up wait. */
export function extensionConnection(options: ExtensionConnectionOptions, env: Env, variables: ExtensionVariables): ExtensionConnection {
  const host = checkLoopbackHost(options.host ?? DEFAULT_HOST)
  const port = setting('port', options.port, env, variables.port, variables.rules.port)
  const maxConnections = setting('maxConnections', options.maxConnections, env, variables.maxConnections, variables.rules.maxConnections)
  const unreachable: Unreachable = {
    startupTimeoutMs: checkStartupTimeout(options.startupTimeoutMs),
    hint: `add the ${variables.layer}, and check that ${variables.port} is the same for the function and the extension`,
  }
  const endpoint = endpointFor(host, port, maxConnections)

  async function getOnce(request: StoreRequest, http: ExtensionGet, fetchOptions: FetchOptions, read: ReadAnswer): Promise<StoreResult> {
    if (fetchOptions.signal.aborted) return deadline(request)
    const answer = await getWithStartupWait(endpoint, http, unreachable.startupTimeoutMs, fetchOptions)
    return answer.kind === 'response' ? read(answer, request) : transportFailure(answer, request, endpoint, unreachable)
  }

  return {
    endpoint,
    unreachable,
    get: (request, http, fetchOptions, read) =>
      fetchOptions
        .limit(() => endpoint.limiter.run(() => getOnce(request, http, fetchOptions, read)))
        .catch((error: unknown) => unexpected(request, error)),
  }
}

/** The option when given (its error names the option), else the variable (its error names the variable). */
function setting(option: string, given: number | undefined, env: Env, variable: string, rule: DefaultedRule): number {
  return given === undefined ? readInteger(env, variable, rule) : checkInteger(option, given, rule)
}
