/**
 * `middy-secrets/extension`: both sides of the AWS Parameters and Secrets Lambda Extension's
 * HTTP interface. `extensionStore()` reads through the extension in Lambda (no AWS SDK in the
 * bundle); `startExtensionServer()` is a local stand-in for it, so code written against the
 * extension runs on a laptop (the `middy-secrets serve` CLI wraps it).
 */
export { extensionStore, type ExtensionStoreOptions } from './stores/extension.js'
export { startExtensionServer, type ExtensionServer } from './extension-server/server.js'
export type { ExtensionServerOptions } from './extension-server/settings.js'
export type { Backend as ExtensionServerBackend } from './extension-server/handler.js'
export { ExtensionConfigError, readExtensionSettings, type ExtensionLogLevel, type ExtensionSettings } from './env-vars.js'
export { TOKEN_HEADER, SECRETS_PATH, PARAMETERS_PATH } from './extension-server/protocol.js'
