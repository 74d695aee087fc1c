/**
 * The stand-in's call log: every request in arrival order, with the operation and names it asked
 * for, the key (and role) that signed it, and how it was answered. The server fills a record in
 * as the request goes; tests read them as CallRecords.
 */
import type { CallRecord, FaultKind, Operation } from './index.js'
import type { Caller } from './sts.js'

/** A record while its request is answered: the status, throttling and fault are set on the way. */
export interface PendingCall {
  readonly operation: Operation | 'Unknown'
  readonly names: readonly string[]
  status: number
  throttled: boolean
  fault?: FaultKind
}

export class CallLog {
  private readonly records: Array<PendingCall & CallRecord> = []

  get all(): readonly CallRecord[] {
    return this.records
  }

  /** Starts the record of a request that arrived `at` (status 0 until it is answered). */
  add(operation: Operation | 'Unknown', names: readonly string[], caller: Caller, at: number): PendingCall {
    const record = { operation, names, ...signer(caller), status: 0, at, throttled: false }
    this.records.push(record)
    return record
  }

  count(operation?: Operation): number {
    return operation === undefined ? this.records.length : this.records.filter((r) => r.operation === operation).length
  }

  clear(): void {
    this.records.length = 0
  }
}

/** The record's fields for who signed a request. */
function signer(caller: Caller): { accessKeyId?: string; role?: string } {
  return { ...(caller.accessKeyId !== undefined ? { accessKeyId: caller.accessKeyId } : {}), ...(caller.issued ? { role: caller.issued.roleArn } : {}) }
}
