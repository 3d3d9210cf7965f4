import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // jose 6 is ESM-only; tests use it as an independent JWT verifier, so it is compiled to CommonJS here.
  transform: {
    '^.+\\.tsx?$': 'ts-jest',
    '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // Fails the run if a test leaves `.only` behind in CI.
  ...(process.env.CI ? { ci: true } : {}),
};

export default config;
