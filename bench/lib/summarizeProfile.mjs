// Self time of a V8 .cpuprofile by function and by file, heaviest first: node summarizeProfile.mjs <file> [rows]
import { readFileSync } from 'node:fs';

const [file, rowsArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const rows = Number(rowsArg ?? 30);
const byId = new Map(profile.nodes.map(node => [node.id, node]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++)
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (deltas[i] ?? 0));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const shortUrl = url.replace(/^.*node_modules\//, '').replace(/^.*\/wt\/[^/]+\//, '');
  const name = `${functionName || '(anonymous)'} ${shortUrl}:${lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const fileKey = shortUrl || '(native)';
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
}
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows))
    console.log(`${((100 * us) / total).toFixed(2).padStart(6)} %  ${name}`);
};
print('self time by function', byFunction);
print('self time by file', byFile);
