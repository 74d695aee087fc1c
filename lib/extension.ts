/**
 * `middy-secrets/extension`: `extensionStore()` reads through the AWS Parameters and Secrets
 * Lambda Extension's HTTP interface (no AWS SDK in the bundle). Its local stand-in,
 * `startExtensionServer()`, lives in `middy-secrets/testing` and behind the `middy-secrets serve`
 * CLI, so a function's bundle never carries server code.
 */
export { extensionStore, type ExtensionStoreOptions } from './stores/extension.js'
export { ExtensionConfigError, readExtensionSettings, type ExtensionLogLevel, type ExtensionSettings, type Env } from './env-vars.js'
export { TOKEN_HEADER, SECRETS_PATH, PARAMETERS_PATH } from './extension-protocol.js'
