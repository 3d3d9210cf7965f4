import type { Config } from 'jest';
import base from './jest.config';

// The suites StrykerJS runs for each mutant: unit and property tests only. The integration and
// soak suites start servers and child processes and take a minute; a mutation run over them on a
// shared 2-core machine would take hours. Transpile-only, since Stryker's mutants do not type-check.
const config: Config = {
  ...base,
  // MUTATION_TESTS=a,b narrows the run to those suites (file names under __tests__/), for a
  // folder-at-a-time run on a small machine; a mutant only another suite kills then counts as survived.
  testMatch: process.env.MUTATION_TESTS
    ? process.env.MUTATION_TESTS.split(',').map(name => `<rootDir>/__tests__/${name.trim()}`)
    : ['<rootDir>/__tests__/*.test.ts', '<rootDir>/__tests__/properties/*.test.ts'],
  // jose (an ESM-only test dependency) keeps the base config's transform.
  transform: { ...base.transform, '^.+\\.tsx?$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
};

export default config;
