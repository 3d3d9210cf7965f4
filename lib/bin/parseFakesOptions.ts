import { parseArgs } from 'node:util';

/** What `kagenti-auth-fakes` was asked for. */
export interface FakesOptions {
  /** 0: a free port. */
  keycloakPort: number;
  kagentiPort: number;
  controlPort: number;
  clientId: string;
  clientSecret: string;
  realm: string;
  expiresInSeconds: number;
}

export const FAKES_USAGE = `usage: kagenti-auth-fakes [options]

Starts a fake Keycloak token endpoint and a fake Kagenti API on 127.0.0.1 for local development,
prints the app-config to use them, and serves a control API. Stops on SIGINT or SIGTERM.

  --keycloak-port <n>        fake Keycloak port (default 8180; 0: a free port)
  --kagenti-port <n>         fake Kagenti API port (default 8181; 0: a free port)
  --control-port <n>         control API port (default 8182; 0: a free port)
  --client-id <id>           the client the fake Keycloak accepts (default backstage)
  --client-secret <secret>   its secret (default fake-secret)
  --realm <realm>            realm in the token path (default kagenti)
  --expires-in <seconds>     lifetime of each token (default 300)
  --help                     this text
`;

/** A command line the command cannot run with; the message says which option and why. */
export class FakesUsageError extends Error {
  override readonly name = 'FakesUsageError';
}

function integer(option: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new FakesUsageError(`--${option} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Reads the command line (without `node` and the script).
 * @returns the options, or `'help'` for `--help`.
 * @throws FakesUsageError for an unknown option, a missing value or a value out of range.
 */
export function parseFakesOptions(argv: readonly string[]): FakesOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'keycloak-port': { type: 'string', default: '8180' },
        'kagenti-port': { type: 'string', default: '8181' },
        'control-port': { type: 'string', default: '8182' },
        'client-id': { type: 'string', default: 'backstage' },
        'client-secret': { type: 'string', default: 'fake-secret' },
        realm: { type: 'string', default: 'kagenti' },
        'expires-in': { type: 'string', default: '300' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    // A stray argument could be a secret typed in the wrong place: it is not quoted back.
    if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new FakesUsageError('kagenti-auth-fakes takes options only (--name value), no other arguments');
    }
    // The other parseArgs errors name the option only.
    throw new FakesUsageError((error as Error).message);
  }
  if (values.help) return 'help';
  for (const option of ['client-id', 'client-secret', 'realm'] as const) {
    if (values[option] === '') throw new FakesUsageError(`--${option} must not be empty`);
  }
  if (!/^[\w.-]+$/.test(values.realm)) throw new FakesUsageError('--realm may hold letters, digits, "_", "." and "-" only');
  return {
    keycloakPort: integer('keycloak-port', values['keycloak-port'], 0, 65535),
    kagentiPort: integer('kagenti-port', values['kagenti-port'], 0, 65535),
    controlPort: integer('control-port', values['control-port'], 0, 65535),
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    realm: values.realm,
    expiresInSeconds: integer('expires-in', values['expires-in'], 1, 86_400),
  };
}
