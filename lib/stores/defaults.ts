/**
 * The AWS-backed stores a middleware uses when the user gives none. They are shared per
 * client options (by identity) and batch setting, so that middlewares declaring the same
 * secret share one cache entry and one in-flight fetch. The store code is imported statically
 * (a dynamic import() of it measured slower on the cold path than its ~1.3 KB gzip cost);
 * the AWS SDK it needs is imported on the first fetch.
 */
import type { ClientOptions, StoreRole } from '../options.js'
import type { Store } from '../store.js'
import { secretsManagerStore } from './secrets-manager.js'
import { ssmStore } from './ssm.js'

const NO_OPTIONS: ClientOptions = {}
const shared = new WeakMap<ClientOptions, Map<string, Store>>()

export function defaultStore(role: StoreRole, clientOptions: ClientOptions | undefined, batch: boolean): Store {
  const options = clientOptions ?? NO_OPTIONS
  let stores = shared.get(options)
  if (!stores) {
    stores = new Map()
    shared.set(options, stores)
  }
  const id = `${role}:${batch}`
  let store = stores.get(id)
  if (!store) {
    store = role === 'secretsManager' ? secretsManagerStore({ clientOptions, batch }) : ssmStore({ clientOptions, batch })
    stores.set(id, store)
  }
  return store
}
