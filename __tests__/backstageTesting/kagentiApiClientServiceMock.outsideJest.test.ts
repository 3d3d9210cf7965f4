import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import * as underJest from '../../lib/backstageTesting/kagentiApiClientServiceMock';
// What the module imports, loaded once here (outside any test's time limit) for load() to reuse.
import '@backstage/backend-plugin-api';
import '@backstage/errors';
import '../../lib/backstage/kagentiApiClientServiceRef';

// kagentiApiClientServiceMock loaded as plain Node loads it, in this process: jest hands `jest` to
// each module it loads (it is no global), so a module compiled and run here by hand has none in
// scope, as in a development backend. The .process.test.ts suite does the same in a child process.
const file = path.resolve(__dirname, '../../lib/backstageTesting/kagentiApiClientServiceMock.ts');

/** The module, compiled and run with `jest` as given (`undefined`: none in scope at all). */
function load(jestInScope?: object): typeof underJest {
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const module = { exports: {} };
  // Its imports resolve from its own folder, through jest's require (which compiles TypeScript).
  const requireFromLib = (id: string): unknown =>
    jest.requireActual(id.startsWith('.') ? path.resolve(path.dirname(file), id) : id);
  const parameters = ['module', 'exports', 'require', ...(jestInScope ? ['jest'] : [])];
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point: a module scope jest did not make
  const run = new Function(...parameters, outputText) as (...args: unknown[]) => void;
  run(module, module.exports, requireFromLib, jestInScope);
  return module.exports as typeof underJest;
}

const REFUSAL = new TypeError(
  'kagentiApiClientServiceMock.mock() needs jest (it returns jest.fn() methods); outside jest, use kagentiApiClientServiceMock.factory(implementation)',
);

describe('kagentiApiClientServiceMock outside jest', () => {
  it('has no jest in a scope jest did not make (the premise of these tests)', () => {
    expect(typeof (globalThis as { jest?: unknown }).jest).toBe('undefined');
  });

  it('gives a service and a factory, and refuses .mock() with a TypeError saying what to use instead', async () => {
    const { kagentiApiClientServiceMock } = load();
    expect(kagentiApiClientServiceMock.factory().$$type).toBe('@backstage/BackendFeature');
    await expect(kagentiApiClientServiceMock().fetch('/x')).rejects.toMatchObject({ name: 'NotImplementedError' });
    expect(() => kagentiApiClientServiceMock.mock()).toThrow(REFUSAL);
  });

  it('refuses .mock() when the jest in scope has no jest.fn', () => {
    expect(() => load({}).kagentiApiClientServiceMock.mock()).toThrow(REFUSAL);
  });

  it('makes jest.fn() methods with the jest in scope, as it does when jest loads it', () => {
    for (const { kagentiApiClientServiceMock } of [load(jest), underJest]) {
      expect(jest.isMockFunction(kagentiApiClientServiceMock.mock().requestCore)).toBe(true);
    }
  });
});
