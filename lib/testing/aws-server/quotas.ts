/**
 * Quotas: AWS's documented request rates, and the token buckets that enforce them (one per
 * operation; operations of a shared group draw from one bucket).
 */
import type { Operation, Quotas, SharedQuotas } from './index.js'

/**
 * Default per-account, per-Region quotas (requests/s). Secrets Manager: GetSecretValue 10,000,
 * DescribeSecret 40,000, BatchGetSecretValue 100, PutSecretValue + UpdateSecretVersionStage
 * 50 combined. SSM standard throughput: 40, shared by GetParameter, GetParameters and
 * GetParametersByPath (see AWS_DEFAULT_SHARED_QUOTAS).
 */
export const AWS_DEFAULT_QUOTAS: Readonly<Quotas> = Object.freeze({
  GetSecretValue: 10_000,
  DescribeSecret: 40_000,
  BatchGetSecretValue: 100,
  PutSecretValue: 50,
  UpdateSecretVersionStage: 50,
  GetParameter: 40,
  GetParameters: 40,
  GetParametersByPath: 40,
})

export const AWS_DEFAULT_SHARED_QUOTAS: SharedQuotas = Object.freeze([
  Object.freeze(['GetParameter', 'GetParameters', 'GetParametersByPath'] as const),
  Object.freeze(['PutSecretValue', 'UpdateSecretVersionStage'] as const),
])

/**
 * The same account with SSM higher throughput enabled: GetParameter and GetParameters share
 * 10,000/s; GetParametersByPath has its own 100/s.
 */
export const AWS_HIGH_THROUGHPUT_SSM_QUOTAS: Readonly<Quotas> = Object.freeze({
  ...AWS_DEFAULT_QUOTAS,
  GetParameter: 10_000,
  GetParameters: 10_000,
  GetParametersByPath: 100,
})

export const AWS_HIGH_THROUGHPUT_SSM_SHARED_QUOTAS: SharedQuotas = Object.freeze([
  Object.freeze(['GetParameter', 'GetParameters'] as const),
  Object.freeze(['PutSecretValue', 'UpdateSecretVersionStage'] as const),
])

/**
 * AWS's quotas, scaled (e.g. 0.1 to hit them with few requests), ready to spread into
 * `startAwsServer({ ...awsQuotas('standard') })`.
 */
export function awsQuotas(
  throughput: 'standard' | 'high' = 'standard',
  scale = 1,
): { quotas: Quotas; sharedQuotas: SharedQuotas } {
  const base = throughput === 'high' ? AWS_HIGH_THROUGHPUT_SSM_QUOTAS : AWS_DEFAULT_QUOTAS
  const quotas: Quotas = {}
  for (const [operation, rate] of Object.entries(base) as [Operation, number][]) quotas[operation] = rate * scale
  return { quotas, sharedQuotas: throughput === 'high' ? AWS_HIGH_THROUGHPUT_SSM_SHARED_QUOTAS : AWS_DEFAULT_SHARED_QUOTAS }
}

/** A token bucket: `rate` tokens a second, at most `capacity`, starting full. */
export class TokenBucket {
  private tokens: number
  private last = Date.now()

  constructor(private readonly rate: number, private readonly capacity: number) {
    this.tokens = capacity
  }

  take(): boolean {
    const now = Date.now()
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/** One bucket per operation; operations of a shared group point at the same bucket. */
export function buildBuckets(quotas: Quotas | false, shared: SharedQuotas, burst: number): Map<Operation, TokenBucket> {
  const buckets = new Map<Operation, TokenBucket>()
  if (quotas === false) return buckets
  const bucket = (rate: number): TokenBucket => new TokenBucket(rate, rate > 0 ? Math.max(1, rate * burst) : 0)
  for (const group of shared) {
    const rates = group.map((operation) => quotas[operation]).filter((rate): rate is number => rate !== undefined)
    if (rates.length === 0) continue
    const groupBucket = bucket(Math.max(...rates))
    for (const operation of group) buckets.set(operation, groupBucket)
  }
  for (const [operation, rate] of Object.entries(quotas) as [Operation, number][]) {
    if (!buckets.has(operation)) buckets.set(operation, bucket(rate))
  }
  return buckets
}

