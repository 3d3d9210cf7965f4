// What a mutation run (finished or stopped) has found so far, from the files StrykerJS's event
// recorder wrote one per tested mutant (scripts/mutation-folder.sh turns it on):
//   node scripts/mutation-events.cjs reports/mutation/token.events          # per file: tested/planned, score
//   node scripts/mutation-events.cjs reports/mutation/token.events list     # ... and every survivor
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
if (!dir || !fs.existsSync(dir)) {
  console.error('usage: node scripts/mutation-events.cjs <reports/mutation/<folder>.events> [list]');
  process.exit(2);
}
const files = fs.readdirSync(dir).sort();
const planFile = files.find(file => file.endsWith('-onMutationTestingPlanReady.json'));
if (!planFile) {
  console.error(`${dir} has no mutation plan yet: the run has not finished its dry run`);
  process.exit(2);
}
const relative = fileName => fileName.replace(/.*?\/lib\//, 'lib/');
const planned = new Map();
for (const { mutant } of JSON.parse(fs.readFileSync(path.join(dir, planFile), 'utf8')).mutantPlans) {
  planned.set(relative(mutant.fileName), (planned.get(relative(mutant.fileName)) ?? 0) + 1);
}
const tested = new Map();
for (const file of files.filter(name => name.endsWith('-onMutantTested.json'))) {
  const mutant = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const key = relative(mutant.fileName);
  if (!tested.has(key)) tested.set(key, []);
  tested.get(key).push(mutant);
}
const notCounted = new Set(['CompileError', 'RuntimeError', 'Ignored']);
const total = { tested: 0, planned: 0, detected: 0, valid: 0 };
for (const file of [...planned.keys()].sort()) {
  const mutants = tested.get(file) ?? [];
  const counts = {};
  for (const { status } of mutants) counts[status] = (counts[status] ?? 0) + 1;
  const valid = mutants.filter(({ status }) => !notCounted.has(status)).length;
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  Object.assign(total, {
    tested: total.tested + mutants.length,
    planned: total.planned + planned.get(file),
    detected: total.detected + detected,
    valid: total.valid + valid,
  });
  const score = valid ? `${((detected / valid) * 100).toFixed(1)} %` : '-';
  console.log(`${file}  tested ${mutants.length}/${planned.get(file)}  score ${score}  ${JSON.stringify(counts)}`);
  if (process.argv[3] !== 'list') continue;
  const source = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  for (const mutant of mutants.filter(({ status }) => status === 'Survived' || status === 'NoCoverage')) {
    const { start, end } = mutant.location;
    // The mutated span (lines and columns 1-based, the end column exclusive), read from the file as it is now: after an
    // edit of that file since the run, it may be off.
    const span =
      start.line === end.line
        ? (source[start.line - 1] ?? '').slice(start.column - 1, end.column - 1)
        : [
            (source[start.line - 1] ?? '').slice(start.column - 1),
            ...source.slice(start.line, end.line - 1),
            (source[end.line - 1] ?? '').slice(0, end.column - 1),
          ].join(' ');
    const code = span.replace(/\s+/g, ' ').trim().slice(0, 100);
    console.log(
      `  ${mutant.id} L${start.line}:${start.column} ${mutant.status} ${mutant.mutatorName}: ${code}  →  ${String(
        mutant.replacement ?? '',
      )
        .replace(/\s+/g, ' ')
        .slice(0, 80)}`,
    );
  }
}
const overall = total.valid ? `${((total.detected / total.valid) * 100).toFixed(1)} %` : '-';
console.log(`all: tested ${total.tested}/${total.planned}, score of those tested ${overall}`);
