import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenRequestError } from '../../lib';
import { rejection } from '../helpers/assertions';
import { managerFixture } from '../helpers/tokenEndpointMock';

const INVALID_CLIENT = [401, { error: 'invalid_client', error_description: 'Invalid client credentials' }] as const;

describe('KeycloakTokenManager: the failure cool-down is bound to the credential that failed', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kagenti-cooldown-'));
    file = join(dir, 'client-secret');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withSecretFile = () => {
    writeFileSync(file, 'old-secret\n');
    const fixture = managerFixture({ clientSecret: undefined, clientSecretFile: file, failureCooldownMs: 60_000 });
    fixture.endpoint.reply([...INVALID_CLIENT]);
    return fixture;
  };

  it('holds invalid_client, without a request, while the secret file is unchanged (a newline added is no change)', async () => {
    const { endpoint, manager } = withSecretFile();
    const first = await rejection<TokenRequestError>(manager.getToken());
    expect(first.error).toBe('invalid_client');
    writeFileSync(file, 'old-secret\n\n');
    await expect(manager.getToken()).rejects.toBe(first);
    expect(endpoint.count).toBe(1);
  });

  it('tries at once when the secret file was rewritten since the failure', async () => {
    const { endpoint, manager } = withSecretFile();
    await rejection(manager.getToken());
    writeFileSync(file, 'new-secret\n');
    await expect(manager.getToken()).resolves.toBe('token-1');
    expect(endpoint.count).toBe(2);
    expect(endpoint.requests[1].headers?.Authorization).toBe(
      `Basic ${Buffer.from('boost-backend:new-secret').toString('base64')}`,
    );
  });

  it('sends one request for every caller waiting meanwhile once the secret changed', async () => {
    const { endpoint, manager } = withSecretFile();
    await rejection(manager.getToken());
    writeFileSync(file, 'new-secret');
    const tokens = await Promise.all(Array.from({ length: 10 }, () => manager.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(endpoint.count).toBe(2);
  });

  it('holds the failure while the file cannot be read, and says nothing was sent once the hold is over', async () => {
    const { endpoint, manager, clock } = withSecretFile();
    const first = await rejection(manager.getToken());
    rmSync(file);
    await expect(manager.getToken()).rejects.toBe(first);
    clock.set(clock.now() + 60_000);
    await expect(manager.getToken()).rejects.toMatchObject({ code: 'CLIENT_SECRET_UNAVAILABLE' });
    expect(endpoint.count).toBe(1);
  });

  it('tries at once when a clientSecret function answers a new secret, and holds while it answers the old one', async () => {
    let secret = 'old-secret';
    const { endpoint, manager } = managerFixture({ clientSecret: () => secret, failureCooldownMs: 60_000 });
    endpoint.reply([...INVALID_CLIENT]);
    const first = await rejection(manager.getToken());
    await expect(manager.getToken()).rejects.toBe(first);
    secret = 'new-secret';
    await expect(manager.getToken()).resolves.toBe('token-1');
    expect(endpoint.count).toBe(2);
  });

  it('tries at once when a privateKey function answers another key', async () => {
    const keys = [generateKeyPairSync('ec', { namedCurve: 'P-256' }), generateKeyPairSync('ec', { namedCurve: 'P-256' })];
    let current = keys[0].privateKey;
    const { endpoint, manager } = managerFixture({
      clientSecret: undefined,
      privateKey: () => current,
      failureCooldownMs: 60_000,
    });
    endpoint.reply([...INVALID_CLIENT]);
    const first = await rejection(manager.getToken());
    await expect(manager.getToken()).rejects.toBe(first);
    current = keys[1].privateKey;
    await expect(manager.getToken()).resolves.toBe('token-1');
    expect(endpoint.count).toBe(2);
  });

  it('tries at once when the clientAssertionFile holds a new assertion', async () => {
    writeFileSync(file, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJvbGQifQ.\n');
    const { endpoint, manager } = managerFixture({
      clientSecret: undefined,
      clientAssertionFile: file,
      failureCooldownMs: 60_000,
    });
    endpoint.reply([...INVALID_CLIENT]);
    const first = await rejection(manager.getToken());
    await expect(manager.getToken()).rejects.toBe(first);
    writeFileSync(file, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJuZXcifQ.\n');
    await expect(manager.getToken()).resolves.toBe('token-1');
    expect(endpoint.count).toBe(2);
  });

  it('holds as before for a secret given as a string: it cannot change', async () => {
    const { endpoint, manager } = managerFixture({ failureCooldownMs: 60_000 });
    endpoint.reply([...INVALID_CLIENT]);
    const first = await rejection(manager.getToken());
    await expect(manager.getToken()).rejects.toBe(first);
    expect(endpoint.count).toBe(1);
  });

  it('lets the caller abort while the credential is checked, and a closed manager refuses', async () => {
    const { manager } = withSecretFile();
    await rejection(manager.getToken());
    const controller = new AbortController();
    const pending = manager.getToken({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const later = manager.getToken();
    manager.close();
    await expect(later).rejects.toMatchObject({ code: 'TOKEN_MANAGER_CLOSED' });
  });
});
