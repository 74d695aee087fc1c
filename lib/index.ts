/** middy-secrets: the public API. */
export { secrets, type SecretsMiddleware } from './middleware.js'
export { secret, parameter, parameters, appConfig, item, items } from './declare.js'
export type {
  Declaration,
  DeclarationKind,
  SecretOptions,
  ParameterOptions,
  ParametersOptions,
  AppConfigOptions,
  ItemOptions,
  ItemsOptions,
  ItemAttributes,
  CommonKeyOptions,
  InjectedContext,
  KeyDeclaration,
  ValueOf,
} from './declare.js'
export { load, getSecret, getParameter, getParameters, getAppConfig, getItem, getItems, type LoadOptions } from './direct.js'
export type { SecretsOptions, ClientOptions, LogLevel, RefreshDecision, Stores, StoreRole, TransportChoice, AwsClientCapture, AwsSdkClientShape } from './options/types.js'
export { refresh, clearCache } from './registry.js'
export { ConfigError, SecretsError, type KeyFailure, type Target } from './errors.js'
export type { Transform } from './transform.js'
export type { Store, StoreRequest, StoreResult, StoreValue, StoreData, StoreFailure, StoreError, FetchOptions, SecretDescription, Logger, RequestKind, ItemKey } from './store.js'
export { secretsManagerStore, type SecretsManagerStoreOptions } from './stores/secrets-manager.js'
export { ssmStore, type SsmStoreOptions } from './stores/ssm.js'
export { appConfigStore, type AppConfigStoreOptions } from './stores/appconfig.js'
export { dynamoDbStore, type DynamoDbStoreOptions } from './stores/dynamodb.js'
