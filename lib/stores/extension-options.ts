/**
 * What both extension stores do with their options before the first request: check the host is
 * loopback, take the port and connection bound from the options or else from the extension's own
 * variables, check the start-up wait, and find the endpoint. Each extension differs only in its
 * variables and the layer that provides it (ExtensionVariables).
 */
import { checkInteger, readInteger, type Env, type IntegerRule } from '../env-vars.js'
import { DEFAULT_HOST } from '../extension-protocol.js'
import type { Unreachable } from './extension-failures.js'
import { checkLoopbackHost, checkStartupTimeout, endpointFor, type ExtensionEndpoint } from './extension-http.js'

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

export interface ExtensionConnection {
  readonly endpoint: ExtensionEndpoint
  readonly unreachable: Unreachable
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
  return { endpoint: endpointFor(host, port, maxConnections), unreachable }
}

/** The option when given (its error names the option), else the variable (its error names the variable). */
function setting(option: string, given: number | undefined, env: Env, variable: string, rule: DefaultedRule): number {
  return given === undefined ? readInteger(env, variable, rule) : checkInteger(option, given, rule)
}
