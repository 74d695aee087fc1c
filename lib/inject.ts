/**
 * From cached raw values to what the handler sees: the declared transform (memoized per key,
 * so a warm invocation does not parse JSON again), then all-or-nothing injection into the
 * context and process.env.
 */
import { cache, type Entry } from './cache.js'
import { type KeyFailure, SecretsError, hintFor } from './errors.js'
import type { Binding } from './options.js'
import type { Plan } from './resolve.js'
import { applyTransform, concreteTransform, envText, pickField, TransformError } from './transform.js'

/** Is the key's transformed value already memoized for this raw value? */
function isMemoized(binding: Binding, entry: Entry): boolean {
  return entry.raw === binding.lastRaw && binding.lastValue !== undefined
}

/** Transforms one key's raw value into what the handler sees, and memoizes it on the binding. */
function transformInto(binding: Binding, entry: Entry): void {
  const raw = entry.raw
  let value: unknown
  if (binding.request.kind === 'parameters') {
    const each: Record<string, unknown> = {}
    for (const [name, text] of Object.entries(raw as Record<string, string>)) {
      each[name] = applyTransform(concreteTransform(binding.eachTransform, name), text)
    }
    value = each
  } else {
    value = applyTransform(binding.transform, raw as string | Uint8Array)
    if (binding.field !== undefined) value = pickField(value, binding.field)
  }
  if (binding.target === 'env') value = envText(value)
  binding.lastRaw = raw
  binding.lastValue = value
}

/** Injects every key, or none: a transform failure of any key fails the invocation. */
export function inject(plan: Plan, entries: ReadonlyArray<Entry | undefined>, context: Record<string, unknown>): void {
  const { bindings } = plan
  let failures: KeyFailure[] | undefined
  for (let i = 0; i < bindings.length; i++) {
    const binding = bindings[i]!
    if (isMemoized(binding, entries[i]!)) continue
    try {
      transformInto(binding, entries[i]!)
    } catch (error) {
      if (!(error instanceof TransformError)) throw error
      ;(failures ??= []).push(transformFailure(plan, i, error))
    }
  }
  if (failures) throw new SecretsError(failures)
  for (let i = 0; i < bindings.length; i++) {
    const binding = bindings[i]!
    if (binding.target === 'context') context[binding.key] = binding.lastValue
    else process.env[binding.key] = binding.lastValue as string
  }
}

/**
 * When some keys could not be fetched, the keys that did arrive may still fail their transform:
 * the SecretsError lists every failed key, so those are added (in declaration order).
 */
export function withTransformFailures(plan: Plan, error: unknown): unknown {
  if (!(error instanceof SecretsError)) return error
  const failed = new Set(error.failures.map((f) => `${f.target}.${f.key}`))
  const more: KeyFailure[] = []
  plan.bindings.forEach((binding, i) => {
    if (failed.has(`${binding.target}.${binding.key}`)) return
    const entry = cache.get(plan.keys[i]!)
    if (!entry?.hasValue || isMemoized(binding, entry)) return
    try {
      transformInto(binding, entry)
    } catch (transformError) {
      if (transformError instanceof TransformError) more.push(transformFailure(plan, i, transformError))
    }
  })
  if (more.length === 0) return error
  const order = (f: KeyFailure): number => plan.bindings.findIndex((b) => b.key === f.key && b.target === f.target)
  return new SecretsError([...error.failures, ...more].sort((a, b) => order(a) - order(b)))
}

function transformFailure(plan: Plan, index: number, error: TransformError): KeyFailure {
  const binding = plan.bindings[index]!
  const store = plan.stores[index]!.name
  const name = binding.request.name
  return {
    key: binding.key,
    target: binding.target,
    store,
    name,
    code: 'TransformError',
    message: `the value ${error.message}`,
    hint: hintFor('TransformError', store, name, undefined),
    retryable: false,
  }
}
