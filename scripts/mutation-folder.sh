#!/usr/bin/env bash
# StrykerJS over one folder of lib/, with its own incremental file and reports, so that runs of
# different folders neither overwrite each other nor re-test what did not change:
#   scripts/mutation-folder.sh axios                    # lib/axios/**, reports/mutation/axios.*
#   scripts/mutation-folder.sh token --concurrency 1
#
# Every in-process suite is available to every folder (jest.mutation.config.ts); the test sequencer
# there loads, for each mutant, only the suites holding a test that covers it. MUTATION_TESTS=a,b
# narrows the suites anyway (then a mutant only another suite kills counts as survived);
# PROPERTY_RUNS (default 25) caps the cases of each property test.
set -euo pipefail
folder="$1"; shift
cd "$(dirname "$0")/.."
export PROPERTY_RUNS="${PROPERTY_RUNS:-25}"
name="${folder//\//-}"
export MUTATION_TEST_NAMES="$PWD/reports/mutation/${name}.test-names.json"
mkdir -p reports/mutation
config="reports/mutation/${name}.stryker.config.json"
FOLDER="$folder" NAME="$name" node -e '
  const base = require("./stryker.config.json");
  const { FOLDER, NAME } = process.env;
  delete base.$schema;
  const config = {
    ...base,
    mutate: [`lib/${FOLDER}/**/*.ts`, "!lib/**/*.d.ts", "!lib/index.ts"],
    incrementalFile: `reports/mutation/${NAME}.incremental.json`,
    jsonReporter: { fileName: `reports/mutation/${NAME}.json` },
    htmlReporter: { fileName: `reports/mutation/${NAME}.html` },
    tempDirName: `.stryker-tmp-${NAME}`,
  };
  process.stdout.write(JSON.stringify(config, null, 2));
' > "$config"
exec npx stryker run "$config" "$@"
