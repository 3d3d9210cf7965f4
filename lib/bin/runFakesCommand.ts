import { FAKES_USAGE, FakesUsageError, parseFakesOptions } from './parseFakesOptions';
import { startLocalFakes, type LocalFakes } from './startLocalFakes';

/** The parts of `process` the command uses: `process` itself, or a stand-in in tests. */
export interface FakesCommandProcess {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  exitCode?: number | string | undefined;
  exit(code: number): void;
  on(signal: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * `kagenti-auth-fakes` with its command line (without `node` and the script): prints the usage
 * (exit code 2 for a bad option), or starts the fakes, prints the app-config and stops them on
 * SIGINT or SIGTERM (a second signal exits 1 at once). Exit code 1 when they cannot start.
 * @returns the running fakes, or `undefined` when none were started.
 */
export async function runFakesCommand(argv: readonly string[], proc: FakesCommandProcess): Promise<LocalFakes | undefined> {
  let options;
  try {
    options = parseFakesOptions(argv);
  } catch (error) {
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: parseFakesOptions throws FakesUsageError only; this guards against a future change
    if (!(error instanceof FakesUsageError)) throw error;
    proc.stderr.write(`kagenti-auth-fakes: ${error.message}\n\n${FAKES_USAGE}`);
    proc.exitCode = 2;
    return undefined;
  }
  if (options === 'help') {
    proc.stdout.write(FAKES_USAGE);
    return undefined;
  }

  let fakes: LocalFakes;
  try {
    fakes = await startLocalFakes(options);
  } catch (error) {
    const { code, port } = error as { code?: unknown; port?: unknown };
    const why =
      code === 'EADDRINUSE' ? `port ${String(port)} is taken (choose another, or 0 for a free one)` : String(code ?? error);
    proc.stderr.write(`kagenti-auth-fakes: could not start: ${why}\n`);
    proc.exitCode = 1;
    return undefined;
  }

  // stdout is the app-config, comments included, so that all of it can be pasted or redirected to a file.
  proc.stdout.write(
    [
      `# kagenti-auth-fakes: fake Keycloak ${fakes.keycloak.tokenEndpoint}`,
      `# fake Kagenti API ${fakes.kagenti.url} (answers 404 until a route is set)`,
      `# control API ${fakes.controlUrl} (counts, revoke-all, fault, reject-next, routes)`,
      "# app-config.local.yaml (the client secret is the fake's development secret):",
      fakes.appConfig,
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal while closing: leave now.
      proc.exit(1);
      return;
    }
    stopping = true;
    proc.stderr.write(`kagenti-auth-fakes: ${signal}, stopping\n`);
    // The process exits by itself once every server is closed: nothing else keeps it alive.
    // (close() never rejects: the servers end their connections and resolve.)
    void fakes.close();
  };
  proc.on('SIGINT', stop);
  proc.on('SIGTERM', stop);
  return fakes;
}
