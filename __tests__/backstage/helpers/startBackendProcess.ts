import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..', '..');
/** What the child runs: the entry, and every folder of source it may import. */
const CHILD = path.join('__tests__', 'backstage', 'fixtures', 'createBackendChild.ts');
const SOURCES = ['lib', path.join('examples', 'backstage')];
const APP_CONFIG = path.join(__dirname, '..', 'fixtures', 'app-config.yaml');
/** Loading Backstage takes seconds, and many more on a loaded machine. */
const READY_WITHIN_MS = 90_000;
/** How long a child that does not exit after SIGTERM is given before it is killed. */
const EXIT_WAIT_MS = 5_000;

/** How a child ended after SIGTERM. */
export interface SigtermExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal to `process.exit`, as the child measured it; undefined when it did not say. */
  childMs: number | undefined;
  /** From sending the signal to seeing the child end, as this process measured it. */
  parentMs: number;
}

/** A backend from `createBackend()` running in a child process, on 127.0.0.1. */
export interface BackendProcess {
  url: string;
  /** Everything the child wrote to stdout and stderr so far (Backstage logs JSON lines to stdout). */
  output(): string;
  /** What it wrote to stderr alone. */
  stderr(): string;
  /** Sends SIGTERM and waits for the child to end (killing it after a while). */
  sigterm(): Promise<SigtermExit>;
  /** Kills the child if it still runs. */
  kill(): void;
}

/** The child's code as JavaScript, in a folder of its own. */
export interface CompiledChild {
  /** The entry to run with node. */
  entry: string;
  /** Removes the folder. */
  remove(): void;
}

/**
 * Transpiles the child and the sources it imports once, in the layout of the repository, into a
 * temporary folder that links to the repository's node_modules. Each child then loads JavaScript:
 * ts-node would transpile the same files again in every child, which costs about as much CPU as
 * loading Backstage.
 */
export function compileChild(): CompiledChild {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kagenti-backend-child-'));
  const compilerOptions: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
  };
  const files = [CHILD, ...SOURCES.flatMap(dir => typeScriptFilesIn(dir))];
  for (const file of files) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(ROOT, file), 'utf8'), {
      compilerOptions,
      fileName: file,
    });
    const out = path.join(outDir, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText);
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  return {
    entry: path.join(outDir, CHILD.replace(/\.ts$/, '.js')),
    remove: () => fs.rmSync(outDir, { recursive: true, force: true }),
  };
}

function typeScriptFilesIn(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter(name => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map(name => path.join(dir, name));
}

/**
 * Starts the compiled `fixtures/createBackendChild.ts` with `fixtures/app-config.yaml`; `env`
 * fills its `${VAR}`s. Resolves once the backend listens; rejects with the child's output otherwise.
 */
export async function startBackendProcess(compiled: CompiledChild, env: Record<string, string>): Promise<BackendProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [compiled.entry, '--config', APP_CONFIG], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // After 'exit', once the child's output has been read to its end.
  const closed = new Promise<void>(resolve => child.once('close', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };

  let timer: NodeJS.Timeout | undefined;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const onData = () => {
        const ready = /^READY (\d+)$/m.exec(output);
        if (!ready) return;
        child.stdout.off('data', onData);
        resolve(Number(ready[1]));
      };
      child.stdout.on('data', onData);
      void exited.then(({ code, signal }) => reject(new Error(`the backend exited (${code ?? signal}) before it was ready`)));
      timer = setTimeout(() => reject(new Error(`the backend was not ready within ${READY_WITHIN_MS} ms`)), READY_WITHIN_MS);
    });
  } catch (error) {
    kill();
    throw new Error(`${(error as Error).message}; its output:\n${output}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }

  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stderr: () => stderr,
    kill,
    sigterm: async () => {
      const sentAt = performance.now();
      child.kill('SIGTERM');
      const killer = setTimeout(kill, EXIT_WAIT_MS);
      const { code, signal } = await exited;
      const parentMs = performance.now() - sentAt;
      clearTimeout(killer);
      await closed;
      const said = /^EXITED \S+ (\d+(?:\.\d+)?)$/m.exec(output);
      return { code, signal, childMs: said ? Number(said[1]) : undefined, parentMs };
    },
  };
}
