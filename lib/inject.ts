/**
 * From resolved raw values to what the handler sees: each key's declared transform (memoized
 * per key while its raw value is unchanged, so a warm invocation does not parse JSON again), then
 * all-or-nothing injection into the context and process.env. Keys that could not be fetched and
 * keys whose value does not transform fail together, in one SecretsError, in declaration order.
 */
import { Absence, type Fetched, type RawValue } from './cache/entry.js'
import { type KeyFailure, SecretsError } from './errors.js'
import { keyFailure } from './hints.js'
import type { Binding } from './options/types.js'
import type { Plan, Slot } from './resolver/plan.js'
import type { StoreError } from './store.js'
import { numberText } from './json-number.js'
import { applyTransform, asText, concreteTransform, envText, pickField, TransformError } from './transform.js'

/** Names of a parameters() object are SSM names: `__proto__` among them is a key like any other. */
function defineOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
}

/** A key whose value does not exist and that is not optional: its not-found failure. */
class Missing extends Error {
  constructor(readonly absence: Absence) {
    super(absence.error.message)
  }
}

/**
 * The key's own copy where its value would be the cache's object, or part of it: bytes passed
 * through, a DynamoDB map or list (with or without `field`). Keys of one entry never share an
 * object: a handler that wipes its key material (`bytes.fill(0)`) wipes only its own key's, never
 * another key's or the cache's. (A key's value is still the same object from one invocation to
 * the next, as with the peers: README, Architecture.)
 */
function own(value: unknown, raw: unknown): unknown {
  // Stryker disable next-line ConditionalExpression: copying bytes decoded from text (new already) copies them once more, which no one can tell
  if (value instanceof Uint8Array) return value === raw ? value.slice() : value
  // A DynamoDB value (a map, a list, a set) or what `field` picked from one. Not bytes: what was
  // parsed from them is new. (structuredClone of text or a number is that text or number.)
  // Stryker disable next-line ConditionalExpression,LogicalOperator: cloning a value parsed from text, or a primitive, gives an equal value no one can tell apart
  return typeof raw === 'object' && raw !== null && !(raw instanceof Uint8Array) ? structuredClone(value) : value
}

/** What the handler sees for one raw value of this key. Throws TransformError or Missing. */
function transformed(binding: Binding, raw: RawValue): unknown {
  if (raw instanceof Absence) {
    if (!binding.optional) throw new Missing(raw)
    return binding.fallback === undefined || binding.target === 'context' ? binding.fallback : envText(binding.fallback)
  }
  let value: unknown
  if (binding.request.kind === 'parameters' || binding.request.kind === 'items') {
    const each: Record<string, unknown> = {}
    for (const [name, one] of Object.entries(raw as Readonly<Record<string, unknown>>)) {
      defineOwn(each, name, own(applyTransform(concreteTransform(binding.eachTransform, name), one), one))
    }
    value = each
  } else {
    // A DynamoDB value arrives structured already: 'json' (implied by field) is for text, and
    // pickField says what is wrong with anything that is not a map.
    const structured = binding.field !== undefined && typeof raw !== 'string' && !(raw instanceof Uint8Array)
    value = structured ? raw : applyTransform(binding.transform, raw)
    if (binding.field !== undefined) value = pickField(value, binding.field)
    value = own(value, raw)
  }
  if (binding.target === 'context') return value
  // A number parsed from text: its spelling there says whether the double holds it exactly.
  const parsed =
    (typeof raw === 'string' || raw instanceof Uint8Array) &&
    // Stryker disable next-line ConditionalExpression: a shortcut only: a field's text is a JSON object JSON.parse accepted, where numberText finds a text only for a field whose value is a number (the last of its name, as JSON.parse keeps it)
    typeof value === 'number'
  // Stryker disable next-line ConditionalExpression: a number parsed from text without a field is the whole text, a JSON number naming no field, so numberText(text, undefined) finds nothing: the spelling is undefined either way
  return envText(value, parsed && binding.field !== undefined ? numberText(asText(raw), binding.field) : undefined)
}

/** Makes the key's memo hold this raw value's transform (kept when the raw value is the same). */
function memoize(slot: Slot, raw: RawValue): void {
  if (slot.memo === undefined || slot.memo.raw !== raw) slot.memo = { raw, value: transformed(slot.binding, raw) }
}

const NO_FAILURES: readonly KeyFailure[] = []

/**
 * Injects every key, or none. `view` holds the invocation's resolved values (undefined: every
 * slot's entry holds a fresh value, the warm path); `failed` are the keys that could not be
 * fetched: the keys that did arrive are still transformed, so the error lists every failed key.
 * `internal` (middy's `request.internal`, given when the `internal` option is on) gets every key
 * too, for other middlewares.
 */
export function inject(
  plan: Plan,
  view: ReadonlyArray<Fetched | undefined> | undefined,
  context: Record<string, unknown>,
  failed: readonly KeyFailure[] = NO_FAILURES,
  internal?: Record<string, unknown>,
): void {
  const { slots } = plan
  let failures: KeyFailure[] | undefined
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!
    const fetched = view === undefined ? slot.entry!.value : view[i]
    if (fetched === undefined) continue // among `failed`
    try {
      memoize(slot, fetched.raw)
    } catch (error) {
      failures ??= []
      failures.push(failureOf(slot, keyError(error)))
    }
  }
  if (failures !== undefined || failed.length > 0) throw new SecretsError(inDeclarationOrder(plan, [...failed, ...(failures ?? [])]))
  // Every memo now holds this invocation's value: nothing ran in between (no await).
  const writing = writingOf(plan)
  writing.write(slots, context, internal)
  for (let e = 0; e < writing.env.length; e++) {
    const { binding, memo } = slots[writing.env[e]!]!
    if (memo!.value === undefined) delete process.env[binding.key] // an optional key that does not exist
    else process.env[binding.key] = memo!.value as string
  }
}

/** Writes every memo's value to the context (context keys) and to request.internal (every key). */
type Writer = (slots: readonly Slot[], context: Record<string, unknown>, internal: Record<string, unknown> | undefined) => void

/** How a plan's values are written: the writer, and the slots of its env keys (process.env is written by name, always). */
interface Writing {
  injections: number
  write: Writer
  readonly env: readonly number[]
  /** Its plan, weakly: the warm path's shortcut (below) holds this, made once per plan. */
  readonly plan: WeakRef<Plan>
}

const writings = new WeakMap<Plan, Writing>()
// The writing of the plan injected last: a function has one plan, most often, and a WeakMap
// lookup on every warm invocation costs more than the rest of the write. It holds its plan
// weakly: a plan is what a middleware's registration and a get function's values hang on, and
// the last one used must not outlive its middleware (or keep a value clearCache() let go of).
let lastWriting: Writing | undefined

/**
 * A loop of `target[key] = value` is one store site for every key, which V8 handles as
 * megamorphic (about 100 ns a store). A function written for the plan's keys (`c["db"] =
 * s[0].memo.value`) gives each key a store site of its own: a warm `before` with 10 keys (and
 * request.internal) went from 1.3 to 0.6 µs, in process, on Node 22; the bench's warm section has
 * the figures through middy. It is compiled on the plan's second injection, so a cold start or a
 * one-shot load() never pays for it, and the loop serves where code from strings is not allowed
 * (--disallow-code-generation-from-strings). Only key names, which the declarations chose, go
 * into the code, as JSON string literals; never a value.
 */
function writingOf(plan: Plan): Writing {
  // Stryker disable next-line ConditionalExpression: false only skips the shortcut (the WeakMap holds the same writing)
  let writing = plan === lastWriting?.plan.deref() ? lastWriting : writings.get(plan)
  if (writing === undefined) {
    writing = { injections: 0, write: writeByLoop, env: plan.slots.flatMap((s, i) => (s.binding.target === 'env' ? [i] : [])), plan: new WeakRef(plan) }
    writings.set(plan, writing)
  }
  if (++writing.injections === 2) writing.write = compiledWriter(plan.slots) ?? writeByLoop
  lastWriting = writing
  return writing
}

function writeByLoop(slots: readonly Slot[], context: Record<string, unknown>, internal: Record<string, unknown> | undefined): void {
  for (let i = 0; i < slots.length; i++) {
    const { binding, memo } = slots[i]!
    if (binding.target === 'context') context[binding.key] = memo!.value
    if (internal !== undefined) internal[binding.key] = memo!.value
  }
}

function compiledWriter(slots: readonly Slot[]): Writer | undefined {
  const lines = slots.map(({ binding }, i) => {
    const name = JSON.stringify(binding.key)
    const toContext = binding.target === 'context' ? `c[${name}] = s[${i}].memo.value; ` : ''
    return `${toContext}if (n !== undefined) n[${name}] = s[${i}].memo.value;`
  })
  try {
    return new Function('s', 'c', 'n', `'use strict';\n${lines.join('\n')}`) as Writer
  } catch {
    // EvalError: code generation from strings is disallowed; the caller falls back to the loop
  }
  return undefined
}

/** What a transform's failure says of its key: an absence (Missing) or a TransformError; anything else is a bug, rethrown. */
function keyError(error: unknown): StoreError {
  if (error instanceof Missing) return error.absence.error
  // Stryker disable next-line ConditionalExpression: transformed() throws only Missing and TransformError; the rethrow is for a bug
  if (error instanceof TransformError) return { code: 'TransformError', message: `the value ${error.message}`, retryable: false }
  throw error
}

function inDeclarationOrder(plan: Plan, failures: readonly KeyFailure[]): KeyFailure[] {
  // A key name is declared once across context and env (a ConfigError otherwise): the name places it.
  const order = (f: KeyFailure): number => plan.slots.findIndex((s) => s.binding.key === f.key)
  return [...failures].sort((a, b) => order(a) - order(b))
}

function failureOf(slot: Slot, error: StoreError): KeyFailure {
  const { binding } = slot
  return keyFailure({ key: binding.key, target: binding.target, role: binding.role, name: binding.request.name }, slot.store.name, error)
}
