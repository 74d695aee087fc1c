/**
 * middy-secrets/testing: what a handler's tests need, with no AWS and no SDK mocks: the memory
 * store, the model of AWS state behind it (Secrets Manager, Parameter Store, AppConfig,
 * DynamoDB), and local stand-ins on 127.0.0.1 for the AWS APIs (real SDK clients) and for the
 * Parameters and Secrets extension's HTTP interface.
 */
export { memoryStore, type MemoryStore, type MemoryStoreOptions, type MemoryCall, type MemoryFault, type MemoryOperation } from './memory-store.js'
export { SecretsModel, ModelError, AWSCURRENT, AWSPREVIOUS, AWSPENDING, type ModelSeed, type ParameterSeed, type ParameterType } from './model.js'
export type {
  AppConfigModel,
  AppConfigResource,
  AppConfigTarget,
  ConfigurationSeed,
  DeployedConfiguration,
  DeployOptions,
  HostedConfigurationVersion,
  DynamoDbModel,
  Item,
  ItemInput,
  ItemValue,
  ItemValueInput,
  KeySchema,
  KeyValue,
  PrimaryKey,
  TableDescription,
  TableSeed,
} from './model.js'
export {
  startAwsServer,
  AWS_DEFAULT_QUOTAS,
  AWS_HIGH_THROUGHPUT_SSM_QUOTAS,
  AWS_DEFAULT_SHARED_QUOTAS,
  AWS_HIGH_THROUGHPUT_SSM_SHARED_QUOTAS,
  awsQuotas,
  type AwsServer,
  type AwsServerOptions,
  type FaultRule,
  type CallRecord,
  type Operation,
  type RoleGrant,
  type IssuedCredentials,
} from './aws-server/index.js'
export { startExtensionServer, type ExtensionServer } from '../extension-server/server.js'
export type { ExtensionServerOptions } from '../extension-server/settings.js'
export type { Backend as ExtensionServerBackend } from '../extension-server/handler.js'
