// Every TypeScript block of README.md type-checks as a module of its own against the package's
// entries, strict, as a reader would paste it (issue 19: the Backstage snippet did not compile).
// `config` and `logger`, which the blocks say come from the host, are declared once for all.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const HOST = path.join(ROOT, '__readme__', 'host.d.ts');

/** The ```ts blocks of a Markdown file, with the line each starts on. */
export function typeScriptBlocks(markdown: string): Array<{ line: number; code: string }> {
  const blocks: Array<{ line: number; code: string }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The diagnostics of each block, compiled in one program. */
function diagnosticsOf(blocks: Array<{ line: number; code: string }>): string[] {
  const files = new Map<string, string>([
    [
      HOST,
      [
        "declare const config: import('@backstage/config').Config;",
        "declare const logger: import('@backstage/backend-plugin-api').LoggerService;",
      ].join('\n'),
    ],
  ]);
  blocks.forEach((block, index) => files.set(path.join(ROOT, '__readme__', `block${index}-line${block.line}.ts`), block.code));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    esModuleInterop: true,
    skipLibCheck: true,
    baseUrl: ROOT,
    paths: {
      '@boost/kagenti-auth': ['lib/index.ts'],
      '@boost/kagenti-auth/backstage': ['lib/backstage/index.ts'],
      '@boost/kagenti-auth/testing': ['lib/testing/index.ts'],
      '@boost/kagenti-auth/backstage/testing': ['lib/backstageTesting/index.ts'],
    },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = name => files.get(path.resolve(name)) ?? readFile(name);
  host.fileExists = name => files.has(path.resolve(name)) || fileExists(name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const text = files.get(path.resolve(name));
    return text === undefined
      ? getSourceFile(name, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(name, text, languageVersion, true);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter(diagnostic => diagnostic.file && files.has(path.resolve(diagnostic.file.fileName)))
    .map(diagnostic => {
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const block = path.basename(diagnostic.file!.fileName);
      return `${block}:${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
}

describe('README.md', () => {
  const blocks = typeScriptBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  it('has the quick starts as TypeScript blocks (Backstage service, KagentiApiClient, installKeycloakAuth, fetch)', () => {
    const all = blocks.map(block => block.code).join('\n');
    expect(all).toContain('kagentiApiClientServiceRef');
    expect(all).toContain('KagentiApiClient.fromConfig');
    expect(all).toContain('installKeycloakAuth(');
    expect(all).toContain('createAuthorizedFetch(');
  });

  it('type-checks every TypeScript block, strict, against the package entries', () => {
    expect(diagnosticsOf(blocks)).toEqual([]);
  }, 120_000);

  it('reports a block that does not compile (the check can fail)', () => {
    const broken = typeScriptBlocks(
      [
        '```ts',
        "import { KeycloakTokenManager } from '@boost/kagenti-auth';",
        'const tokens = KeycloakTokenManager.fromConfig(config, { logger });',
        'tokens.getToken(req);',
        '```',
      ].join('\n'),
    );
    expect(diagnosticsOf(broken).join('\n')).toMatch(/block0-line2\.ts:3: .*(req|possibly 'undefined')/);
  }, 120_000);
});

describe('the links of README.md and docs/', () => {
  const packed = new Set<string>(
    (
      JSON.parse(
        execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
      ) as Array<{ files: Array<{ path: string }> }>
    )[0].files.map(file => file.path),
  );
  const documents = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map(name => `docs/${name}`)];

  /** Every relative link target of a Markdown file, resolved from the package root, anchors dropped. */
  const relativeLinks = (document: string): string[] =>
    [...readFileSync(path.join(ROOT, document), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)]
      .map(match => match[1].replace(/#.*$/, ''))
      .filter(target => target !== '' && !/^[a-z]+:/i.test(target))
      .map(target => path.posix.normalize(path.posix.join(path.posix.dirname(document), target)));

  it.each(documents)('%s links only to files the npm package ships (its npm page and node_modules copy work)', document => {
    const dead = relativeLinks(document).filter(
      target => !packed.has(target) && ![...packed].some(file => file.startsWith(`${target.replace(/\/$/, '')}/`)),
    );
    expect(dead).toEqual([]);
  });

  it('finds links to check, and would flag one the package does not ship', () => {
    const links = relativeLinks('README.md');
    expect(links).toContain('docs/configuration.md');
    expect(packed.has('docs/configuration.md')).toBe(true);
    expect(packed.has('lib/index.ts')).toBe(false);
  });
});
