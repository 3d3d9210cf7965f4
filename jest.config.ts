import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // Fails the run if a test leaves `.only` behind in CI.
  ...(process.env.CI ? { ci: true } : {}),
};

export default config;
