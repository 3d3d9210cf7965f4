// Everything derived from scripts/entries.json, the one list of entry points: file names in
// dist/, the package.json `exports` map, the API report names. Scripts import this module
// instead of repeating any of it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const packageName = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name;

/** The ESM type tree and the ESM wrappers live here, beside the CommonJS build in dist/. */
export const esmDir = 'dist/esm';

/**
 * @returns {Array<{ subpath: string, module: string, specifier: string, source: string,
 *   cjs: string, cjsTypes: string, esm: string, esmTypes: string, report: string }>}
 */
export function readEntries() {
  const { entries } = JSON.parse(readFileSync(join(root, 'scripts/entries.json'), 'utf8'));
  return Object.entries(entries).map(([subpath, module]) => {
    // A nested subpath (`./backstage/testing`) follows Backstage's `<library>/testing` convention.
    if (subpath !== '.' && !/^\.(\/[a-z][a-z0-9-]*)+$/.test(subpath)) {
      throw new Error(
        `scripts/entries.json: subpath "${subpath}" must be "." or "./name" or "./name/name" (lower-case letters, digits, dashes)`,
      );
    }
    if (!/^[A-Za-z0-9_/-]+$/.test(module) || module.startsWith('/') || module.includes('..')) {
      throw new Error(`scripts/entries.json: module "${module}" for "${subpath}" must be a path under lib/ without extension`);
    }
    const name = subpath === '.' ? '' : subpath.slice(2);
    return {
      subpath,
      module,
      specifier: name ? `${packageName}/${name}` : packageName,
      source: `lib/${module}.ts`,
      cjs: `dist/${module}.js`,
      cjsTypes: `dist/${module}.d.ts`,
      esm: `${esmDir}/${module}.mjs`,
      esmTypes: `${esmDir}/${module}.d.mts`,
      report: name ? `report-${name.replaceAll('/', '-')}.api.md` : 'report.api.md',
    };
  });
}

/** The `exports` and `typesVersions` fields package.json must hold for these entries. */
export function packageFields(entries) {
  const exports = {};
  const typesVersions = {};
  for (const entry of entries) {
    exports[entry.subpath] = {
      import: { types: `./${entry.esmTypes}`, default: `./${entry.esm}` },
      require: { types: `./${entry.cjsTypes}`, default: `./${entry.cjs}` },
    };
    // TypeScript's node10 resolution ignores `exports`; this maps subpaths for it.
    if (entry.subpath !== '.') typesVersions[entry.subpath.slice(2)] = [entry.cjsTypes];
  }
  exports['./package.json'] = './package.json';
  return Object.keys(typesVersions).length ? { exports, typesVersions: { '*': typesVersions } } : { exports };
}
