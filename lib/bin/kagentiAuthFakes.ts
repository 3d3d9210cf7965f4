#!/usr/bin/env node
// `npx kagenti-auth-fakes`: the package's bin (package.json "bin"), built to dist/bin/.
import { FAKES_USAGE, FakesUsageError, parseFakesOptions } from './parseFakesOptions';
import { startLocalFakes } from './startLocalFakes';

async function main(argv: readonly string[]): Promise<void> {
  let options;
  try {
    options = parseFakesOptions(argv);
  } catch (error) {
    if (!(error instanceof FakesUsageError)) throw error;
    process.stderr.write(`kagenti-auth-fakes: ${error.message}\n\n${FAKES_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    process.stdout.write(FAKES_USAGE);
    return;
  }

  let fakes;
  try {
    fakes = await startLocalFakes(options);
  } catch (error) {
    const { code, port } = error as { code?: unknown; port?: unknown };
    const why =
      code === 'EADDRINUSE' ? `port ${String(port)} is taken (choose another, or 0 for a free one)` : String(code ?? error);
    process.stderr.write(`kagenti-auth-fakes: could not start: ${why}\n`);
    process.exitCode = 1;
    return;
  }

  // stdout is the app-config, comments included, so that all of it can be pasted or redirected to a file.
  process.stdout.write(
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
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`kagenti-auth-fakes: ${signal}, stopping\n`);
    // Exits by itself once every server is closed: nothing else keeps the process alive.
    fakes.close().catch(() => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main(process.argv.slice(2));
