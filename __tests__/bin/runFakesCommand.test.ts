import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { FAKES_USAGE } from '../../lib/bin/parseFakesOptions';
import { runFakesCommand, type FakesCommandProcess } from '../../lib/bin/runFakesCommand';
import * as localFakes from '../../lib/bin/startLocalFakes';
import type { LocalFakes } from '../../lib/bin/startLocalFakes';
import { listenOnLoopback, type LoopbackServer } from '../../lib/testing/listenOnLoopback';
import { loopbackRequest } from '../testing/helpers/loopbackRequest';

const FREE_PORTS = ['--keycloak-port', '0', '--kagenti-port', '0', '--control-port', '0'];

/** A stand-in for `process`: what the command writes, its exit code, exit() calls, and signals to send it. */
class FakeProcess extends EventEmitter implements FakesCommandProcess {
  out = '';
  err = '';
  exitCode?: number | string | undefined;
  readonly exits: number[] = [];
  readonly stdout = { write: (text: string) => (this.out += text) };
  readonly stderr = { write: (text: string) => (this.err += text) };
  exit(code: number): void {
    this.exits.push(code);
  }
}

let proc: FakeProcess;
let fakes: LocalFakes | undefined;
beforeEach(() => {
  proc = new FakeProcess();
});
afterEach(async () => {
  await fakes?.close();
  fakes = undefined;
});

/** The servers' URLs, each answering 404 or 401 while the fakes run. */
const urlsOf = (running: LocalFakes) => [running.keycloak.tokenEndpoint, running.kagenti.url, `${running.controlUrl}/counts`];

describe('runFakesCommand', () => {
  it('prints the fakes’ addresses as comments, then the app-config, and stops nothing until a signal', async () => {
    fakes = await runFakesCommand(FREE_PORTS, proc);

    expect(fakes).toBeDefined();
    const running = fakes!;
    expect(proc.out).toBe(
      [
        `# kagenti-auth-fakes: fake Keycloak ${running.keycloak.tokenEndpoint}`,
        `# fake Kagenti API ${running.kagenti.url} (answers 404 until a route is set)`,
        `# control API ${running.controlUrl} (counts, revoke-all, fault, reject-next, routes)`,
        "# app-config.local.yaml (the client secret is the fake's development secret):",
        running.appConfig,
      ].join('\n'),
    );
    expect(proc.err).toBe('');
    expect(proc.exitCode).toBeUndefined();
    expect((await loopbackRequest(`${running.controlUrl}/counts`)).status).toBe(200);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s, says so and closes every server', async signal => {
    fakes = await runFakesCommand(FREE_PORTS, proc);
    const running = fakes!;

    proc.emit(signal, signal);
    await running.close(); // the same closing, awaited

    expect(proc.err).toBe(`kagenti-auth-fakes: ${signal}, stopping\n`);
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    for (const url of urlsOf(running)) {
      await expect(loopbackRequest(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    }
  });

  it('exits 1 at once on a second signal while closing', async () => {
    fakes = await runFakesCommand(FREE_PORTS, proc);

    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGINT', 'SIGINT');

    expect(proc.exits).toEqual([1]);
    expect(proc.err).toBe('kagenti-auth-fakes: SIGTERM, stopping\n');
  });

  it('prints the usage to stdout for --help, sets no exit code and starts nothing', async () => {
    expect(await runFakesCommand(['--help'], proc)).toBeUndefined();

    expect(proc.out).toBe(FAKES_USAGE);
    expect(proc.out).toMatch(/^usage: kagenti-auth-fakes \[options\]\n/);
    for (const option of [
      '--keycloak-port',
      '--kagenti-port',
      '--control-port',
      '--client-id',
      '--client-secret',
      '--realm',
      '--expires-in',
    ]) {
      expect(proc.out).toContain(`  ${option} `);
    }
    expect(proc.err).toBe('');
    expect(proc.exitCode).toBeUndefined();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('sets exit code 2 and prints the reason and the usage to stderr for a bad option', async () => {
    expect(await runFakesCommand(['--keycloak-port', 'eighty'], proc)).toBeUndefined();

    expect(proc.exitCode).toBe(2);
    expect(proc.err).toBe(`kagenti-auth-fakes: --keycloak-port must be an integer from 0 to 65535\n\n${FAKES_USAGE}`);
    expect(proc.out).toBe('');
  });

  describe('when a port is taken', () => {
    let taken: LoopbackServer;
    beforeEach(async () => {
      taken = await listenOnLoopback(createServer());
    });
    afterEach(() => taken.close());

    it('sets exit code 1, names the port and prints no config', async () => {
      const argv = ['--keycloak-port', '0', '--kagenti-port', String(taken.port), '--control-port', '0'];
      expect(await runFakesCommand(argv, proc)).toBeUndefined();

      expect(proc.exitCode).toBe(1);
      expect(proc.err).toBe(
        `kagenti-auth-fakes: could not start: port ${taken.port} is taken (choose another, or 0 for a free one)\n`,
      );
      expect(proc.out).toBe('');
      expect(proc.listenerCount('SIGINT')).toBe(0);
    });
  });

  describe('when the fakes fail to start otherwise', () => {
    afterEach(() => jest.restoreAllMocks());

    it.each([
      ['an error code', Object.assign(new Error('permission denied'), { code: 'EACCES' }), 'EACCES'],
      ['no code', new Error('no loopback interface'), 'Error: no loopback interface'],
    ])('sets exit code 1 and names the failure by %s', async (_, failure, named) => {
      jest.spyOn(localFakes, 'startLocalFakes').mockRejectedValue(failure);

      expect(await runFakesCommand(FREE_PORTS, proc)).toBeUndefined();

      expect(proc.exitCode).toBe(1);
      expect(proc.err).toBe(`kagenti-auth-fakes: could not start: ${named}\n`);
      expect(proc.out).toBe('');
    });
  });
});
