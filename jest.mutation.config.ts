import path from 'node:path';
import type { Config } from 'jest';
import base from './jest.config';

// The suites StrykerJS runs for each mutant: every suite that runs in this process (unit, property,
// the test fakes, the in-process Backstage and integration suites). Suites that start child
// processes (oidc-provider, redis-server, replica, shutdown and createBackend children) and the soak suite are
// left out: a mutation run over them on a shared 2-core machine would take many hours.
// Transpile-only, since Stryker's mutants do not type-check.
const IN_PROCESS_SUITES = [
  // Every folder that mirrors lib/, and the cross-cutting in-process ones.
  ...[
    'util',
    'errors',
    'policy',
    'protocol',
    'config',
    'store',
    'telemetry',
    'token',
    'axios',
    'fetch',
    'sse',
    'client',
    'backstage',
    'testing',
    'backstageTesting',
    'bin',
  ].map(folder => `<rootDir>/__tests__/${folder}/**/*.test.ts`),
  '<rootDir>/__tests__/properties/*.test.ts',
  '<rootDir>/__tests__/secrecy/*.test.ts',
  '<rootDir>/__tests__/integration/redirects.integration.test.ts',
  '<rootDir>/__tests__/integration/jwtTokens.integration.test.ts',
];
const CHILD_PROCESS_SUITES = [
  '/withoutOpenTelemetry\\.test\\.ts$',
  '\\.oidc\\.test\\.ts$',
  '/backstage/shutdown\\.test\\.ts$',
  '/backstage/entryPoints\\.test\\.ts$',
  '\\.process\\.test\\.ts$',
  '/bin/kagentiAuthFakes\\.test\\.ts$',
];

const config: Config = {
  ...base,
  // MUTATION_TESTS=a,b narrows the run to those suites (file names under __tests__/), for a
  // folder-at-a-time run on a small machine; a mutant only another suite kills then counts as survived.
  testMatch: process.env.MUTATION_TESTS
    ? process.env.MUTATION_TESTS.split(',').map(name => `<rootDir>/__tests__/${name.trim()}`)
    : IN_PROCESS_SUITES,
  // lib/ is a root too, so that jest knows which suites depend on a mutated file (Stryker's
  // enableFindRelatedTests): each mutant then loads only the suites that can reach it. So is
  // examples/: the example plugin's suites reach lib/backstage through it.
  roots: ['<rootDir>/__tests__', '<rootDir>/lib', '<rootDir>/examples'],
  // MUTATION_IGNORE (a path regex) leaves more suites out, e.g. the Backstage ones for a core folder.
  testPathIgnorePatterns: [
    ...(base.testPathIgnorePatterns ?? ['/node_modules/']),
    ...CHILD_PROCESS_SUITES,
    ...(process.env.MUTATION_IGNORE ? [process.env.MUTATION_IGNORE] : []),
  ],
  // For each mutant: only the suites holding a test that covers it, quickest first, stopping after
  // the first failing suite (see the two files).
  testSequencer: '<rootDir>/scripts/mutationTestSequencer.cjs',
  runner: '<rootDir>/scripts/mutationTestRunner.cjs',
  // ...and within a suite, the tests after the first failing one fail at once (see the file).
  // An absolute path: StrykerJS resolves the environment itself, without <rootDir>.
  testEnvironment: path.join(__dirname, 'scripts/mutationTestEnvironment.cjs'),
  // A mutant that makes a wait hang fails its test in 2 s, not 5 (no test of this set needs 1 s).
  testTimeout: 2000,
  // PROPERTY_RUNS (set by scripts/mutation-folder.sh) caps the cases of each property test.
  setupFiles: [...(base.setupFiles ?? []), '<rootDir>/__tests__/helpers/capPropertyRuns.ts'],
  // jose (an ESM-only test dependency) keeps the base config's transform.
  transform: { ...base.transform, '^.+\\.tsx?$': ['ts-jest', { tsconfig: { isolatedModules: true } }] },
};

export default config;
