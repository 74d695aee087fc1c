/**
 * Injected faults: the rules tests arm, which request (or which entry of a batch) each one hits,
 * and the AWS-like errors they answer with. Messages name the action and the resource, never a
 * value.
 */
import { ModelError, type SecretsModel } from '../model.js'
import type { FaultRule } from './index.js'
import type { Route } from './service.js'

interface ArmedFault {
  readonly rule: FaultRule
  remaining: number
}

function defaultStatus(code: string): number {
  if (/^Internal(Service|Server)Error$|^InternalFailure$/.test(code)) return 500
  if (/^ServiceUnavailable(Exception)?$/.test(code)) return 503
  return 400
}

/** An AWS-like message for an injected error; it names the action and the resource, never a value. */
function defaultMessage(code: string, route: Route, name: string | undefined): string {
  const action = `${route.service.name}:${route.operation}`
  switch (code) {
    case 'ThrottlingException':
      return 'Rate exceeded'
    case 'ProvisionedThroughputExceededException':
      return PROVISIONED_THROUGHPUT_EXCEEDED
    case 'AccessDeniedException':
      return `User: arn:aws:sts::123456789012:assumed-role/test-role/test is not authorized to perform: ${action} on resource: ${name ?? '*'} because no identity-based policy allows the ${action} action`
    case 'DecryptionFailure':
      return "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
    case 'InternalServiceError':
    case 'InternalServerError':
      return 'An error occurred on the server side.'
    case 'ServiceUnavailable':
      return 'Service Unavailable'
    default:
      return `${code} (injected by the test server)`
  }
}

export const PROVISIONED_THROUGHPUT_EXCEEDED =
  'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.'

export function injectedError(rule: FaultRule, route: Route, name: string | undefined): ModelError {
  const code = rule.code ?? 'InternalServiceError'
  return new ModelError(code, rule.message ?? defaultMessage(code, route, name), rule.status ?? route.service.errorStatus?.[code] ?? defaultStatus(code))
}

/** The armed rules, in the order they were armed; each one counts down the requests it hits. */
export class Faults {
  private armed: ArmedFault[] = []

  constructor(private readonly model: SecretsModel) {}

  arm(rule: FaultRule): void {
    this.armed.push({ rule: { ...rule }, remaining: rule.times ?? Infinity })
  }

  clear(): void {
    this.armed = []
  }

  /**
   * The rule that hits this whole request, if any. perEntry rules leave batches to `takeEntry`;
   * 'unprocessed' rules are the handler's to take (`takeUnprocessed`).
   */
  take(route: Route, names: readonly string[]): FaultRule | undefined {
    const answersPerEntry = route.service.perEntryOperations.includes(route.operation)
    const armed = this.armed.find(
      (f) => f.rule.kind !== 'unprocessed' && !(f.rule.perEntry && answersPerEntry) && this.matches(f, route, names),
    )
    return armed ? this.consume(armed) : undefined
  }

  /** How many keys an 'unprocessed' rule leaves unprocessed in this batch (Infinity: all), if one is armed. */
  takeUnprocessed(route: Route, names: readonly string[]): number | undefined {
    const armed = this.armed.find((f) => f.rule.kind === 'unprocessed' && this.matches(f, route, names))
    return armed ? (this.consume(armed).count ?? Infinity) : undefined
  }

  private matches(f: ArmedFault, route: Route, names: readonly string[]): boolean {
    return (
      f.remaining > 0 &&
      (f.rule.operation === undefined || f.rule.operation === route.operation) &&
      (f.rule.name === undefined || names.some((n) => this.sameResource(route, n, f.rule.name!)))
    )
  }

  /** The error of a perEntry rule for one resource of a batch, if one is armed. */
  takeEntry(route: Route, id: string): ModelError | undefined {
    const armed = this.armed.find(
      (f) =>
        f.remaining > 0 &&
        f.rule.perEntry === true &&
        f.rule.kind === 'error' &&
        (f.rule.operation === undefined || f.rule.operation === route.operation) &&
        (f.rule.name === undefined || this.sameResource(route, id, f.rule.name)),
    )
    return armed ? injectedError(this.consume(armed), route, id) : undefined
  }

  private consume(armed: ArmedFault): FaultRule {
    armed.remaining -= 1
    if (armed.remaining <= 0) this.armed = this.armed.filter((f) => f !== armed)
    return armed.rule
  }

  private sameResource(route: Route, a: string, b: string): boolean {
    return a === b || route.service.canonicalId(this.model, a) === route.service.canonicalId(this.model, b)
  }
}
