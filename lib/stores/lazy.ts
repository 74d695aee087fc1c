/**
 * The AWS stores as the package hands them out: their code (and so the AWS SDK) loads on the
 * first fetch, not at import. A handler that declares only secrets never loads the SSM store
 * or @aws-sdk/client-ssm, and importing the package stays a few milliseconds.
 */
import type { Store } from '../store.js'
import type { SecretsManagerStoreOptions } from './secrets-manager.js'
import type { SsmStoreOptions } from './ssm.js'

/** `sdk` starts loading the AWS SDK alongside the store's own code, rather than after it. */
function lazyStore(name: string, load: () => Promise<Store>, sdk: () => Promise<unknown>, describes: boolean): Store {
  let loading: Promise<Store> | undefined
  const loaded = (): Promise<Store> => (loading ??= (sdk().catch(() => undefined), load()))
  return {
    name,
    fetch: async (requests, options) => (await loaded()).fetch(requests, options),
    ...(describes ? { describe: async (names, options) => (await loaded()).describe!(names, options) } : {}),
  } satisfies Store
}

/** A Secrets Manager store: batches AWSCURRENT keys, falls back to GetSecretValue, describes for rotation. */
export function secretsManagerStore(options: SecretsManagerStoreOptions = {}): Store {
  return lazyStore(
    'secretsManager',
    () => import('./secrets-manager.js').then((m) => m.secretsManagerStore(options)),
    () => import('@aws-sdk/client-secrets-manager'),
    true,
  )
}

/** An SSM Parameter Store store: GetParameters in tens, GetParametersByPath for paths. */
export function ssmStore(options: SsmStoreOptions = {}): Store {
  return lazyStore('ssm', () => import('./ssm.js').then((m) => m.ssmStore(options)), () => import('@aws-sdk/client-ssm'), false)
}
