// Jest runs the TypeScript sources as ES modules through SWC (type stripping only;
// `npm run typecheck` is the type check). Node 24 itself runs the same files unbuilt.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2024' }, module: { type: 'es6' } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts', '<rootDir>/config/**/*.test.ts'],
  testTimeout: 60000,
  // One migrated template database per run; each test database is a copy of it (test/helpers/test-database.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  maxWorkers: 2,
};
