/** middy-secrets/testing: what a handler's unit tests need, with no AWS and no SDK mocks. */
export { memoryStore, type MemoryStore, type MemoryStoreOptions, type MemoryCall, type MemoryFault, type MemoryOperation } from './memory-store.js'
export { SecretsModel, ModelError, AWSCURRENT, AWSPREVIOUS, AWSPENDING, type ModelSeed, type ParameterSeed, type ParameterType } from './model.js'
export {
  startAwsServer,
  AWS_DEFAULT_QUOTAS,
  AWS_HIGH_THROUGHPUT_SSM_QUOTAS,
  type AwsServer,
  type AwsServerOptions,
  type FaultRule,
  type CallRecord,
  type Operation,
} from './aws-server.js'
