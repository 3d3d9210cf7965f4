// The jest test sequencer of mutation runs (jest.mutation.config.ts). StrykerJS runs each mutant
// with a testNamePattern naming the tests that cover it, but jest still loads every suite to find
// them, and nearly every suite reaches nearly every file of lib/ through lib/index.ts: ~10 s per
// mutant on two shared cores. For a run with a pattern, this sequencer drops the suites that hold
// no test the pattern names (so the per-test coverage filter stays exact) and puts the quickest
// suites first, which mutationTestRunner.cjs stops after once a test has failed.
//
// Which suite holds which test, and how long it took, is learnt from a run without a pattern
// (StrykerJS's dry run runs every test first) and written to MUTATION_TEST_NAMES (an absolute
// path), where the other test runner processes read it. A suite it does not know is kept. Without
// MUTATION_TEST_NAMES it changes nothing.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const namesFile = process.env.MUTATION_TEST_NAMES;
/** @type {Map<string, { names: string[], ms: number }> | undefined} by suite path relative to rootDir */
let suites;

function knownSuites() {
  if (suites === undefined && namesFile && fs.existsSync(namesFile)) {
    suites = new Map(Object.entries(JSON.parse(fs.readFileSync(namesFile, 'utf8'))));
  }
  return suites;
}

class MutationTestSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.globalConfig = options.globalConfig;
  }

  suiteKey(file) {
    return path.relative(this.globalConfig.rootDir, file);
  }

  sort(tests) {
    const sorted = super.sort(tests);
    const pattern = this.globalConfig.testNamePattern;
    const known = pattern ? knownSuites() : undefined;
    if (!known) return sorted;
    const named = new RegExp(pattern, 'i'); // as jest matches testNamePattern
    const msOf = test => known.get(this.suiteKey(test.path))?.ms ?? Number.MAX_SAFE_INTEGER;
    return sorted
      .filter(test => {
        const suite = known.get(this.suiteKey(test.path));
        return suite === undefined || suite.names.some(name => named.test(name));
      })
      .sort((a, b) => msOf(a) - msOf(b));
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    if (this.globalConfig.testNamePattern || !namesFile) return;
    const learnt = {};
    for (const suite of results.testResults) {
      learnt[this.suiteKey(suite.testFilePath)] = {
        names: suite.testResults.map(test => test.fullName),
        ms: suite.perfStats.end - suite.perfStats.start,
      };
    }
    suites = new Map(Object.entries(learnt));
    fs.mkdirSync(path.dirname(namesFile), { recursive: true });
    fs.writeFileSync(namesFile, JSON.stringify(learnt));
  }
}

module.exports = MutationTestSequencer;
