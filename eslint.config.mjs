// Flat config: typescript-eslint's type-checked rules over everything TypeScript; Prettier owns layout.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import layers from './scripts/eslint-layers.mjs';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'reports/**',
      '.stryker-tmp*/**',
      'node_modules/**',
      'bench/results/**',
      '**/*.d.ts',
      '*.d.ts',
      'temp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // An aborted wait rejects with the signal's own reason, as AbortSignal users expect.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // Folders of lib/ import one way: the table in lib/README.md.
    files: ['lib/**/*.ts'],
    plugins: { layers },
    // One concept per file: a file of lib/ past 300 lines holds more than one.
    rules: { 'layers/imports': 'error', 'max-lines': ['error', { max: 300 }] },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Node scripts: TypeScript checks names in .ts files; these only run under Node.
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    rules: { 'no-undef': 'off' },
  },
  {
    // CommonJS modules load their dependencies with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['__tests__/**', 'bench/**', 'examples/**', 'test-servers/**'],
    rules: {
      // Tests hand rejected promises and mocks around on purpose.
      '@typescript-eslint/unbound-method': 'off',
      // Fakes implement async interfaces without awaiting anything; matchers are typed `any`.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  prettier,
);
