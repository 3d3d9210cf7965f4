import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** The `layers/imports` messages ESLint gives `source` as if it were the file `file` (relative to the repo). */
function lint(cases: Array<[file: string, source: string]>): string[][] {
  // ESLint and the rule are ES modules: they run in a child Node process, on virtual files.
  const script = `
    import { Linter } from 'eslint';
    import layers from './scripts/eslint-layers.mjs';
    const linter = new Linter();
    const config = [{ files: ['**/*.ts'], plugins: { layers }, rules: { 'layers/imports': 'error' } }];
    const cases = JSON.parse(process.argv[1]);
    const out = cases.map(([file, source]) =>
      linter.verify(source, config, { filename: ${JSON.stringify(ROOT)} + '/' + file }).map(m => m.message));
    process.stdout.write(JSON.stringify(out));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8' }),
  ) as string[][];
}

describe('layers/imports (the import table of lib/README.md, enforced by lint)', () => {
  it('refuses an import that runs back up, naming both folders and what is allowed', () => {
    const [store, deep] = lint([
      ['lib/store/Back.ts', "import { KeycloakTokenManager } from '../token/KeycloakTokenManager';"],
      ['lib/protocol/clientAuthentication/Deep.ts', "export { TokenCache } from '../../token/TokenCache';"],
    ]);
    expect(store).toEqual(['lib/store may not import lib/token (lib/README.md allows: util, logging, errors)']);
    expect(deep).toEqual(['lib/protocol may not import lib/token (lib/README.md allows: util, logging, errors)']);
  });

  it('allows imports down the table and within a folder', () => {
    const results = lint([
      ['lib/token/A.ts', "import { checkNumber } from '../util/checks';\nimport { FailureMemory } from './FailureMemory';"],
      [
        'lib/protocol/clientAuthentication/B.ts',
        "import { Redactor } from '../../util/Redactor';\nimport { x } from '../parseRetryAfter';",
      ],
      ['lib/index.ts', "export { KeycloakTokenManager } from './token/KeycloakTokenManager';"],
    ]);
    expect(results).toEqual([[], [], []]);
  });

  it('refuses packages a folder may not use: the test fakes take node built-ins only, the core no Backstage', () => {
    const [testing, core, builtin] = lint([
      ['lib/testing/Fake.ts', "import axios from 'axios';"],
      ['lib/token/C.ts', "import { coreServices } from '@backstage/backend-plugin-api';"],
      ['lib/testing/Ok.ts', "import { createServer } from 'node:http';\nimport { randomBytes } from 'crypto';"],
    ]);
    expect(testing).toEqual(['lib/testing may not import the package axios (lib/README.md allows: node)']);
    expect(core).toEqual([
      'lib/token may not import the package @backstage/backend-plugin-api (lib/README.md allows: node, axios)',
    ]);
    expect(builtin).toEqual([]);
  });

  it('catches require() and import() too', () => {
    const [required, imported] = lint([
      ['lib/store/R.ts', "const t = require('../token/TokenCache');"],
      ['lib/util/I.ts', "const e = import('../errors/KagentiAuthError');"],
    ]);
    expect(required).toEqual(['lib/store may not import lib/token (lib/README.md allows: util, logging, errors)']);
    expect(imported).toEqual(['lib/util may not import lib/errors (lib/README.md allows: no other folder)']);
  });

  it('asks for a row when a new folder has none', () => {
    const [[message]] = lint([['lib/newfolder/X.ts', "import { z } from 'zod';"]]);
    expect(message).toBe("lib/newfolder has no row in lib/README.md's import table; add one");
  });
});
