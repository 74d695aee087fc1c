/** The path tests, benchmarks and examples import the AWS stand-in from; it lives in aws-server/. */
export * from './aws-server/index.js'
