// The jest runner of mutation runs (jest.mutation.config.ts): in a run with a testNamePattern (a
// StrykerJS mutant run), it runs the suites one at a time and stops after the first suite with a
// failing test, since one failure kills the mutant. StrykerJS turns jest's own `bail` off (it
// cannot be used programmatically). Runs without a pattern (the dry run, `npm test`) are untouched.
'use strict';
const TestRunner = require('jest-runner').default;

class MutationTestRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    if (!options.serial || !this._globalConfig.testNamePattern) return super.runTests(tests, watcher, options);
    let failed = false;
    const offSuccess = this.on('test-file-success', ([, result]) => {
      if (result.numFailingTests > 0 || result.testExecError) failed = true;
    });
    const offFailure = this.on('test-file-failure', () => {
      failed = true;
    });
    try {
      for (const test of tests) {
        if (failed) break;
        await super.runTests([test], watcher, options);
      }
    } finally {
      offSuccess();
      offFailure();
    }
  }
}

module.exports = MutationTestRunner;
