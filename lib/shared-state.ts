/**
 * The state that every copy of the package in one process shares. An ESM `import` and a
 * CommonJS `require` of middy-secrets load two copies of its code (the dual-package hazard), and
 * each kept a cache, counters, default stores and a registry of its own: a CommonJS handler tested
 * from an ESM test fetched its secrets twice, and the test's clearCache() never reached the
 * handler's cache. So those few structures live on `globalThis`, under one registered symbol,
 * each under its module's name; each module is still their only writer.
 *
 * The symbol's version changes whenever one of them changes shape, so that two releases of the
 * package in one process (nested node_modules) never share what they read differently.
 */
// v2: the registry holds plans (owner, refresh) and its pruning mark, no longer middleware objects.
// v3: entry generations are counted for the process and remembered by key (cache/entry.ts), and
// a registered refresh takes the set of entries already invalidated (registry.ts).
const STATE = Symbol.for('middy-secrets.shared-state.v3')

interface Holder {
  [STATE]?: Map<string, unknown>
}

/** This process's `name` part, made by `make` the first time any copy asks for it. */
export function shared<T>(name: string, make: () => T): T {
  const holder = globalThis as Holder
  // Not enumerable: util.inspect(globalThis) and the like would print the cached values.
  if (holder[STATE] === undefined) Object.defineProperty(holder, STATE, { value: new Map<string, unknown>(), enumerable: false, writable: false, configurable: true })
  const state = holder[STATE]!
  if (!state.has(name)) state.set(name, make())
  return state.get(name) as T
}
