#!/usr/bin/env bash
# StrykerJS over one folder of lib/, with its own incremental file and reports, so that runs of
# different folders neither overwrite each other nor re-test what did not change:
#   scripts/mutation-folder.sh axios                    # lib/axios/**, reports/mutation/axios.*
#   scripts/mutation-folder.sh token --concurrency 1
#   scripts/mutation-folder.sh                          # every folder of lib/, one after another
#
# Every in-process suite is available to every folder (jest.mutation.config.ts); the test sequencer
# there loads, for each mutant, only the suites holding a test that covers it. MUTATION_TESTS=a,b
# narrows the suites anyway (then a mutant only another suite kills counts as survived), and the
# Backstage suites are left out of the core folders' runs (below);
# PROPERTY_RUNS (default 25) caps the cases of each property test.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  failed=""
  for dir in lib/*/; do
    dir="${dir#lib/}"
    # A folder of types only (lib/logging/) has no mutants; Stryker says so and is skipped.
    grep -lqE '^\s*(export )?(async )?(function|class|const|let) ' "lib/${dir}"*.ts 2>/dev/null || continue
    "$0" "${dir%/}" || failed="$failed ${dir%/}"
  done
  [ -z "$failed" ] || { echo "mutation runs failed for:$failed" >&2; exit 1; }
  exit 0
fi
folder="$1"; shift
export PROPERTY_RUNS="${PROPERTY_RUNS:-25}"
# The Backstage suites load @backstage/* for every mutant they cover; they test lib/backstage,
# lib/client and lib/testing, and only run through the core for the rest.
case "$folder" in
  backstage|client|testing) ;;
  *) export MUTATION_IGNORE="${MUTATION_IGNORE:-/__tests__/backstage/}" ;;
esac
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
    // One file per mutant as it is tested: a run stopped early still says what it found.
    reporters: [...base.reporters, "event-recorder"],
    eventReporter: { baseDir: `reports/mutation/${NAME}.events` },
    tempDirName: `.stryker-tmp-${NAME}`,
  };
  process.stdout.write(JSON.stringify(config, null, 2));
' > "$config"
exec npx stryker run "$config" "$@"
