/**
 * The AWS AppConfig store. Made now: its connection to AppConfigData (the lean HTTPS transport
 * where it can serve, else the SDK, @aws-sdk/client-appconfigdata, imported on first use). Imported
 * on the first fetch: the reading code (appconfig-reader.ts: one session per configuration).
 */
import type { Store } from '../store.js'
import { connection, type ConnectionOptions } from './connection.js'
import { lazyStore } from './lazy-store.js'

export interface AppConfigStoreOptions extends ConnectionOptions {
}

export function appConfigStore(options: AppConfigStoreOptions = {}): Store {
  const appConfig = connection('appconfigdata', options)
  return lazyStore('appConfig', () => import('./appconfig-reader.js').then((m) => m.appConfigReader(appConfig)))
}
