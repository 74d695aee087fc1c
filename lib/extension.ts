/**
 * `middy-secrets/extension`: stores that read through the AWS Lambda extensions' local HTTP
 * interfaces, with no AWS SDK in the bundle: `extensionStore()` (the Parameters and Secrets
 * extension) and `appConfigExtensionStore()` (the AppConfig extension). Their local stand-in,
 * `startExtensionServer()`, lives in `middy-secrets/testing` and behind the `middy-secrets serve`
 * CLI, so a function's bundle never carries server code.
 */
export { extensionStore, type ExtensionStoreOptions } from './stores/extension.js'
export { appConfigExtensionStore, type AppConfigExtensionStoreOptions } from './stores/appconfig-extension.js'
export { ExtensionConfigError, readExtensionSettings, type ExtensionLogLevel, type ExtensionSettings, type Env } from './env-vars.js'
export { TOKEN_HEADER, SECRETS_PATH, PARAMETERS_PATH } from './extension-protocol.js'
