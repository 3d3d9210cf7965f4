// API reports, one per entry point in scripts/entries.json, from the built declarations in dist/
// (run `npm run build` first; `npm run api:check` and `npm run api:update` do).
//   node scripts/api-report.mjs --check    fails when the public API differs from api-reports/
//   node scripts/api-report.mjs --update   rewrites api-reports/ to match
import { existsSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { readEntries, root } from './entries.mjs';

const mode = process.argv[2];
if (mode !== '--check' && mode !== '--update') {
  console.error('usage: node scripts/api-report.mjs --check|--update');
  process.exit(2);
}
const localBuild = mode === '--update';

function configFor(entry) {
  return ExtractorConfig.prepare({
    configObjectFullPath: join(root, 'api-extractor.json'), // not read: it anchors relative paths
    packageJsonFullPath: join(root, 'package.json'),
    configObject: {
      projectFolder: root,
      mainEntryPointFilePath: join(root, entry.cjsTypes),
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'es2022',
            module: 'commonjs',
            moduleResolution: 'node10',
            strict: true,
            skipLibCheck: true,
            types: ['node'],
          },
          files: [join(root, entry.cjsTypes)],
        },
      },
      apiReport: {
        enabled: true,
        // api-extractor appends .api.md itself.
        reportFileName: entry.report.replace(/\.api\.md$/, ''),
        reportFolder: join(root, 'api-reports'),
        reportTempFolder: join(root, 'temp/api-reports'),
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning', addToApiReportFile: true },
          // Release tags (@public, @beta) are not a habit of this package: every export is public.
          'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
          // The report marks each undocumented member "(undocumented)" in place; the summary list
          // would add line numbers that shift with every unrelated edit.
          'ae-undocumented': { logLevel: 'none', addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: 'warning' } },
      },
    },
  });
}

let failed = 0;
for (const entry of readEntries()) {
  if (!existsSync(join(root, entry.cjsTypes))) {
    console.error(`${entry.cjsTypes} is missing: run npm run build first`);
    process.exit(1);
  }
  const result = Extractor.invoke(configFor(entry), { localBuild, printApiReportDiff: !localBuild });
  // A type inlined from another package can come out as import("/abs/path/..."): such a report
  // would differ on every machine, so it fails until the type is exported or named.
  const written = readFileSync(join(root, 'temp/api-reports', entry.report), 'utf8');
  const machinePath = [root, homedir(), tmpdir()].find(path => path.length > 1 && written.includes(path));
  if (machinePath) {
    console.error(`api-reports/${entry.report}: holds the machine path ${machinePath}; export or name the type it comes from`);
    failed += 1;
    continue;
  }
  if (result.succeeded) {
    console.log(`api-reports/${entry.report}: ${localBuild && result.apiReportChanged ? 'updated' : 'up to date'}`);
  } else {
    failed += 1;
    console.error(
      result.apiReportChanged && !localBuild
        ? `api-reports/${entry.report}: the public API of "${entry.specifier}" changed; review it, then run npm run api:update and commit the report`
        : `api-reports/${entry.report}: ${result.errorCount} errors, ${result.warningCount} warnings (see above)`,
    );
  }
}
process.exit(failed ? 1 : 0);
