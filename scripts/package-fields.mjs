// Keeps package.json's `exports` (and `typesVersions`) in step with scripts/entries.json.
//   node scripts/package-fields.mjs --check   fails when they differ (CI, check-pack)
//   node scripts/package-fields.mjs --write   rewrites them (after editing entries.json)
import { readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { packageFields, readEntries, root } from './entries.mjs';

const mode = process.argv[2];
if (mode !== '--check' && mode !== '--write') {
  console.error('usage: node scripts/package-fields.mjs --check|--write');
  process.exit(2);
}
const file = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
const wanted = packageFields(readEntries());
const current = { exports: pkg.exports, ...(pkg.typesVersions ? { typesVersions: pkg.typesVersions } : {}) };

if (isDeepStrictEqual(current, wanted)) {
  console.log('package.json exports match scripts/entries.json');
} else if (mode === '--check') {
  console.error('package.json "exports"/"typesVersions" do not match scripts/entries.json; run: npm run exports:update');
  console.error('expected:\n' + JSON.stringify(wanted, null, 2));
  process.exit(1);
} else {
  // Replace in place so the fields keep their position in package.json.
  const next = {};
  for (const [key, value] of Object.entries(pkg)) {
    if (key === 'typesVersions') continue;
    next[key] = key === 'exports' ? wanted.exports : value;
    if (key === 'exports' && wanted.typesVersions) next.typesVersions = wanted.typesVersions;
  }
  writeFileSync(file, JSON.stringify(next, null, 2) + '\n');
  console.log('package.json exports rewritten from scripts/entries.json');
}
