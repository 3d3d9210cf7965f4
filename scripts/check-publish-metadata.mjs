#!/usr/bin/env node
// Run by `npm publish` (prepublishOnly): refuses to publish a package.json without the links the
// npm page needs. npm renders the README's relative links (docs/, examples/, BENCHMARKS.md) against
// `repository`, and shows `homepage`; without them those links are dead on npmjs.com, though they
// resolve in node_modules (the files ship). The project's URL is not recorded anywhere else, so
// whoever publishes sets it: `npm pkg set repository.type=git repository.url=… homepage=…`.
import { readFileSync } from 'node:fs';

export function publishMetadataProblems(pkg) {
  const problems = [];
  const repository = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (typeof repository !== 'string' || !/^(git\+)?https:\/\/\S+$|^github:\S+$/.test(repository)) {
    problems.push('"repository" (an https URL of the git repository): npm resolves the README\'s relative links against it');
  }
  if (typeof pkg.homepage !== 'string' || !/^https:\/\/\S+$/.test(pkg.homepage)) {
    problems.push('"homepage" (an https URL): the link the npm page shows');
  }
  return problems;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const file = process.argv[2] ?? 'package.json';
  const problems = publishMetadataProblems(JSON.parse(readFileSync(file, 'utf8')));
  if (problems.length > 0) {
    console.error(`Not publishing: ${file} lacks\n${problems.map(problem => `  - ${problem}`).join('\n')}`);
    console.error('Set them, e.g.: npm pkg set repository.type=git repository.url=https://… homepage=https://…');
    process.exit(1);
  }
}
