// Type-checks one consumer project of scripts/check-pack.sh: its own files and this package's
// declaration files as installed, in the consumer's resolution mode. Other libraries' .d.ts
// (axios, zod, @types/node) are not checked: that is their authors' job and costs most of the
// time, while skipLibCheck would also skip ours and let an unresolved import pass as `any`.
//   node scripts/check-consumer.mjs <consumer folder with tsconfig.json>
import { resolve, sep } from 'node:path';
import ts from 'typescript';
import { packageName } from './entries.mjs';

const dir = resolve(process.argv[2] ?? '.');
const configFile = ts.findConfigFile(dir, ts.sys.fileExists);
if (!configFile) throw new Error(`no tsconfig.json in ${dir}`);
const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dir);
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });

const ours = `${sep}node_modules${sep}${packageName.split('/').join(sep)}${sep}`;
const checked = program
  .getSourceFiles()
  .filter(file => !resolve(file.fileName).includes(`${sep}node_modules${sep}`) || resolve(file.fileName).includes(ours));
const diagnostics = [
  ...parsed.errors,
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...checked.flatMap(file => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
];
const packageFiles = checked.filter(file => resolve(file.fileName).includes(ours)).length;
if (diagnostics.length > 0) {
  const host = { getCanonicalFileName: f => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' };
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}
if (packageFiles === 0) {
  console.error(`${dir}: the program holds no declaration file of ${packageName}; did it resolve at all?`);
  process.exit(1);
}
console.log(`${packageFiles} declaration files of ${packageName} checked`);
