import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import { KagentiApiClient } from '../../lib';
import { listenOnLoopback, type LoopbackServer } from '../../lib/testing/listenOnLoopback';
import { jsonOf, loopbackRequest, type LoopbackAnswer } from '../testing/helpers/loopbackRequest';

const ROOT = path.resolve(__dirname, '../..');
const FREE_PORTS = ['--keycloak-port', '0', '--kagenti-port', '0', '--control-port', '0'];

/** `kagenti-auth-fakes` as a child process (the TypeScript source, through ts-node), its output collected. */
class FakesProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'lib/bin/kagentiAuthFakes.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise(resolve => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once stdout holds the whole app-config (its last key), rejects if the process ends first. */
  async printed(): Promise<string> {
    const done = /baseUrl: "[^"]+"\n$/;
    while (!done.test(this.stdout)) {
      const ended = await Promise.race([
        this.exited.then(() => true),
        new Promise<false>(resolve => this.child.stdout.once('data', () => resolve(false))),
      ]);
      if (ended && !done.test(this.stdout))
        throw new Error(`kagenti-auth-fakes ended before printing its config: ${this.stderr}`);
    }
    return this.stdout;
  }
}

const running: FakesProcess[] = [];
const start = (args: string[] = FREE_PORTS): FakesProcess => {
  const started = new FakesProcess(args);
  running.push(started);
  return started;
};

afterEach(async () => {
  for (const fakes of running.splice(0)) {
    if (fakes.child.exitCode === null && fakes.child.signalCode === null) {
      fakes.child.kill('SIGKILL');
      await fakes.exited;
    }
  }
});

/** The values of the printed YAML, by key, and the control API's URL from its comment. */
function readPrinted(stdout: string) {
  const value = (key: string): string => {
    const match = new RegExp(`^ +${key}: ("[^"\\n]*")$`, 'm').exec(stdout);
    if (!match) throw new Error(`no ${key} in the printed config`);
    return JSON.parse(match[1]) as string;
  };
  const control = /^# control API (http:\/\/127\.0\.0\.1:\d+\/_control) /m.exec(stdout)?.[1];
  if (!control) throw new Error('no control API URL printed');
  return {
    auth: { tokenEndpoint: value('tokenEndpoint'), clientId: value('clientId'), clientSecret: value('clientSecret') },
    baseUrl: value('baseUrl'),
    control,
  };
}

const control = (url: string, method: string, body?: unknown): Promise<LoopbackAnswer> =>
  loopbackRequest(url, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });

describe('kagenti-auth-fakes (a child process)', () => {
  it('prints app-config the package runs with, serves the control API, and exits 0 on SIGTERM with its ports closed', async () => {
    const fakes = start();
    const printed = readPrinted(await fakes.printed());
    expect(printed.auth).toEqual({
      tokenEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/realms\/kagenti\/protocol\/openid-connect\/token$/),
      clientId: 'backstage',
      clientSecret: 'fake-secret',
    });
    expect(printed.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Every line is YAML: comments, then the keys to paste.
    expect(
      fakes.stdout.split('\n').filter(line => line !== '' && !line.startsWith('#') && !/^ *\w+:( ".*")?$/.test(line)),
    ).toEqual([]);

    expect(
      (
        await control(`${printed.control}/routes`, 'PUT', {
          method: 'GET',
          path: '/api/v1/agents',
          reply: { json: { items: [] } },
        })
      ).status,
    ).toBe(204);
    const client = KagentiApiClient.fromConfig({ boost: { kagenti: { auth: printed.auth } } }, { baseUrl: printed.baseUrl });
    try {
      expect((await client.requestCore({ method: 'GET', path: '/api/v1/agents' })).data).toEqual({ items: [] });

      expect((await control(`${printed.control}/revoke-all`, 'POST')).status).toBe(204);
      // The client's cached token is now refused: one 401, then a fresh token and a retry.
      expect((await client.requestCore({ method: 'GET', path: '/api/v1/agents' })).status).toBe(200);
    } finally {
      client.close();
    }
    expect(jsonOf(await control(`${printed.control}/counts`, 'GET'))).toStrictEqual({
      tokenRequests: 2,
      apiRequests: 3,
      apiRequestsRejected: 1,
    });

    fakes.child.kill('SIGTERM');

    expect(await fakes.exited).toEqual({ code: 0, signal: null });
    expect(fakes.stderr).toBe('kagenti-auth-fakes: SIGTERM, stopping\n');
    for (const url of [printed.auth.tokenEndpoint, printed.baseUrl, `${printed.control}/counts`]) {
      await expect(loopbackRequest(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    }
  });

  it('exits 0 on SIGINT with a token request left hanging by a fault', async () => {
    const fakes = start();
    const printed = readPrinted(await fakes.printed());
    await control(`${printed.control}/fault`, 'PUT', { mode: 'hang' });
    const hanging = loopbackRequest(printed.auth.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    }).catch((error: NodeJS.ErrnoException) => error.code);
    while ((jsonOf(await control(`${printed.control}/counts`, 'GET')) as { tokenRequests: number }).tokenRequests === 0);

    fakes.child.kill('SIGINT');

    expect(await fakes.exited).toEqual({ code: 0, signal: null });
    expect(await hanging).toBe('ECONNRESET');
    expect(fakes.stderr).toBe('kagenti-auth-fakes: SIGINT, stopping\n');
  });

  it('uses the client, secret, realm and token lifetime asked for', async () => {
    const fakes = start([
      ...FREE_PORTS,
      '--client-id',
      'dev',
      '--client-secret',
      'local only',
      '--realm',
      'team',
      '--expires-in',
      '120',
    ]);
    const printed = readPrinted(await fakes.printed());

    const answer = await loopbackRequest(printed.auth.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'dev', client_secret: 'local only' }).toString(),
    });

    expect(printed.auth).toMatchObject({ clientId: 'dev', clientSecret: 'local only' });
    expect(printed.auth.tokenEndpoint).toContain('/realms/team/');
    expect(jsonOf(answer)).toMatchObject({ expires_in: 120 });
  });

  describe('when it cannot run', () => {
    let taken: LoopbackServer | undefined;
    afterEach(async () => {
      await taken?.close();
      taken = undefined;
    });

    it('exits 1 naming a port that is taken, printing no config', async () => {
      taken = await listenOnLoopback(createServer());
      const fakes = start(['--keycloak-port', '0', '--kagenti-port', String(taken.port), '--control-port', '0']);

      expect(await fakes.exited).toEqual({ code: 1, signal: null });
      expect(fakes.stderr).toBe(
        `kagenti-auth-fakes: could not start: port ${taken.port} is taken (choose another, or 0 for a free one)\n`,
      );
      expect(fakes.stdout).toBe('');
    });

    it('exits 2 with the usage for a bad option, printing no config', async () => {
      const fakes = start(['--keycloak-port', 'eighty']);

      expect(await fakes.exited).toEqual({ code: 2, signal: null });
      expect(fakes.stderr).toMatch(
        /^kagenti-auth-fakes: --keycloak-port must be an integer from 0 to 65535\n\nusage: kagenti-auth-fakes/,
      );
      expect(fakes.stdout).toBe('');
    });

    it('prints the usage to stdout for --help and exits 0', async () => {
      const fakes = start(['--help']);

      expect(await fakes.exited).toEqual({ code: 0, signal: null });
      expect(fakes.stdout).toMatch(/^usage: kagenti-auth-fakes \[options\]\n/);
      expect(fakes.stdout).toContain('--control-port <n>');
    });
  });
});
