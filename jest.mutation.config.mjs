/**
 * The unit suites Stryker runs for each mutant (`npm run test:mutation`): the ones that exercise
 * the mutated files (cache, resolver, inject, transform, middleware) in-process and fast. No
 * type checking (a mutant may not type-check; what matters is whether a test catches it).
 * resolver/resolve.test.ts sleeps in real time (retries, deadlines: 4-5 s in all), but with
 * per-test coverage a mutant runs only the tests that reach it, so the slow ones run for few.
 */
import base from './jest.config.mjs'

export default {
  ...base,
  testMatch: [
    '**/__tests__/cache/**/*.test.ts',
    '**/__tests__/resolver/**/*.test.ts',
    '**/__tests__/abandon.test.ts',
    '**/__tests__/inject.test.ts',
    '**/__tests__/transform.test.ts',
    '**/__tests__/json-number.test.ts',
    '**/__tests__/middleware.test.ts',
    '**/__tests__/findings.test.ts',
    '**/__tests__/rotation.test.ts',
    '**/__tests__/retrying.test.ts',
    '**/__tests__/registry.test.ts',
    '**/__tests__/options/**/*.test.ts',
    '**/__tests__/direct.test.ts',
    '**/__tests__/jitter.test.ts',
    '**/__tests__/log.test.ts',
  ],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
}
