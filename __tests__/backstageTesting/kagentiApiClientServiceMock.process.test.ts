import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

// A child process without jest, in a file of its own so that the mutation runs, which leave out the
// suites that start processes, can run the in-process suite of kagentiApiClientServiceMock.
describe('outside jest (a development backend)', () => {
  it('gives a factory, and refuses .mock() with a TypeError saying what to use instead', async () => {
    const script = `
      const { kagentiApiClientServiceMock } = require('./lib/backstageTesting');
      const factory = kagentiApiClientServiceMock.factory();
      let refused;
      try { kagentiApiClientServiceMock.mock(); } catch (error) { refused = error.name + ': ' + error.message; }
      process.stdout.write(JSON.stringify({ factory: factory.$$type, jest: typeof jest, refused }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      timeout: 30_000,
    });

    expect(JSON.parse(stdout)).toEqual({
      factory: '@backstage/BackendFeature',
      jest: 'undefined',
      refused: expect.stringMatching(
        /^TypeError: kagentiApiClientServiceMock\.mock\(\) needs jest .*use kagentiApiClientServiceMock\.factory\(implementation\)$/,
      ),
    });
    // ts-node compiles the entry in the child: seconds on a loaded machine.
  }, 30_000);
});
