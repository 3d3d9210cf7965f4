import type { Config } from 'jest';
import base from './jest.config';

// The suites StrykerJS runs for each mutant: unit and property tests only. The integration and
// soak suites start servers and child processes and take a minute; a mutation run over them on a
// shared 2-core machine would take hours. Transpile-only, since Stryker's mutants do not type-check.
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/__tests__/*.test.ts', '<rootDir>/__tests__/properties/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
};

export default config;
