// Replays the survivors of a finished or stopped StrykerJS folder run against the tests as they are
// now, without a new run: for each mutant that survived (or had no coverage), applies its replacement
// to the current source (found by the text of the mutated lines, so that edits elsewhere in the file
// do not matter), runs the given suites with jest (transpile-only, property tests capped, bail), and
// records whether a test now fails. For counting what tests written after a run kill; a new
// StrykerJS run remains the measure of record.
//
//   node scripts/mutation-replay.cjs <events dir> <commit the run tested> <map.json> [result.json]
//
// map.json maps a source file to the suites that can kill its mutants now (the suites written or
// changed since the run: the others already passed under StrykerJS), e.g.
//   { "lib/config/readKeycloakAuthConfig.ts": ["__tests__/config/readKeycloakAuthConfig.refusals.test.ts"] }
// A mutant of a file not in the map is reported as "no new tests"; one whose lines changed since the
// run, as "changed". Run it in a separate git worktree: it rewrites source files while it works.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const [dir, commit, mapFile, out = 'reports/mutation/replay.json'] = process.argv.slice(2);
if (!dir || !commit || !mapFile) {
  console.error('usage: node scripts/mutation-replay.cjs <events dir> <commit> <map.json> [result.json]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const related = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
const results = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : {};
const jestConfig = JSON.stringify({
  rootDir: root,
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  setupFiles: ['<rootDir>/__tests__/helpers/capPropertyRuns.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
    '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
});

const mutants = fs
  .readdirSync(dir)
  .filter(file => file.endsWith('-onMutantTested.json'))
  .map(file => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')))
  .filter(mutant => mutant.status === 'Survived' || mutant.status === 'NoCoverage');

for (const mutant of mutants) {
  if (results[mutant.id]) continue;
  const rel = mutant.fileName.replace(/.*?\/lib\//, 'lib/');
  const record = status => {
    results[mutant.id] = {
      status,
      file: rel,
      line: mutant.location.start.line,
      mutator: mutant.mutatorName,
      replacement: mutant.replacement,
    };
    fs.writeFileSync(out, JSON.stringify(results, null, 1));
    console.log(`${mutant.id} ${rel}:${mutant.location.start.line} ${status}`);
  };
  const suites = related[rel];
  if (!suites) {
    record('no new tests');
    continue;
  }
  const then = execFileSync('git', ['-C', root, 'show', `${commit}:${rel}`], { encoding: 'utf8' }).split('\n');
  const file = path.join(root, rel);
  const now = fs.readFileSync(file, 'utf8');
  const lines = now.split('\n');
  const { start, end } = mutant.location; // lines and columns 1-based, end column exclusive
  let at = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === then[start.line - 1] && (at < 0 || Math.abs(i - start.line + 1) < Math.abs(at - start.line + 1))) at = i;
  }
  const shift = at - (start.line - 1);
  if (at < 0 || lines[end.line - 1 + shift] !== then[end.line - 1]) {
    record('changed');
    continue;
  }
  const before = [...lines.slice(0, at), lines[at].slice(0, start.column - 1)].join('\n');
  const after = [lines[end.line - 1 + shift].slice(end.column - 1), ...lines.slice(end.line + shift)].join('\n');
  fs.writeFileSync(file, before + mutant.replacement + after);
  try {
    const run = spawnSync('npx', ['jest', '-c', jestConfig, '--bail', '--silent', '--testTimeout=3000', ...suites], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PROPERTY_RUNS: process.env.PROPERTY_RUNS ?? '25', CI: '' },
    });
    record(run.error ? 'timeout' : run.status === 0 ? 'survived' : 'killed');
  } finally {
    fs.writeFileSync(file, now);
  }
}
