/**
 * Whether this process runs tests: the variable a test runner sets in the processes it runs tests
 * in. The package behaves as a test expects there (stores/connection.ts warns of a lean transport
 * that mocks do not reach; transport/sdk-module.ts loads the SDK the way module mocks see).
 */
const TEST_RUNNERS = ['JEST_WORKER_ID', 'VITEST', 'NODE_TEST_CONTEXT'] as const

/** The variable that says so, or undefined outside a test run. */
export function testRunner(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return TEST_RUNNERS.find((name) => env[name] !== undefined)
}
