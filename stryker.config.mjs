/**
 * Mutation testing of the resolver and its neighbours (`npm run test:mutation`, not part of
 * `npm test`). Stryker 9.5 runs on Node 20 with this repository's ESM jest set-up through
 * `--experimental-vm-modules`; the gate is a 90% score. Surviving mutants that are equivalent
 * are explained next to the code they mutate (a `// Stryker disable next-line ...: why` comment).
 */
export default {
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: { configFile: 'jest.mutation.config.mjs', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  mutate: ['lib/cache/**/*.ts', 'lib/resolver/**/*.ts', 'lib/abandon.ts', 'lib/inject.ts', 'lib/transform.ts', 'lib/json-number.ts', 'lib/middleware.ts'],
  ignoreStatic: true,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Three workers on two cores: a worker waiting out a mutant that hangs (a promise that never
  // settles: a fifth of them here) uses no CPU. A hung mutant is judged 10 s past 1.5x its tests' time.
  concurrency: 3,
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
  // Reruns reuse the results of unchanged code and tests (reports/stryker-incremental.json).
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
}
