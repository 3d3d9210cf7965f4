// The jest test environment of mutation runs (jest.mutation.config.ts): Node's, plus, in a run with a
// testNamePattern (a StrykerJS mutant run), once one test of the suite has failed, every later test
// fails at once instead of running: one failure kills the mutant, and a mutant that makes every
// token wait hang would otherwise cost the suite's whole count of test timeouts.
'use strict';
const { TestEnvironment } = require('jest-environment-node');

class MutationTestEnvironment extends TestEnvironment {
  #bail;
  #failed = false;

  constructor(config, context) {
    super(config, context);
    this.#bail = Boolean(config.globalConfig.testNamePattern);
  }

  handleTestEvent(event) {
    if (!this.#bail) return;
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') this.#failed = true;
    if (event.name === 'test_start' && this.#failed) {
      event.test.fn = () => {
        throw new Error('not run: an earlier test of this suite failed in this mutant run');
      };
    }
  }
}

module.exports = MutationTestEnvironment;
