import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeycloakTokenManagerOptions } from '../../lib';
import { MemoryTokenStore } from '../helpers/MemoryTokenStore';
import { findLeak } from '../helpers/secretScan';
import { managerFixture } from '../helpers/tokenEndpointMock';
import { tokenStoreSecretFor } from '../../lib/token/tokenStoreSecretFor';

const ENDPOINT = 'https://keycloak.example/realms/kagenti/protocol/openid-connect/token';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: typeof rsa) => key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** Two "replicas" with their own endpoints and clocks, sharing one store. */
function pair(first: Partial<KeycloakTokenManagerOptions>, second: Partial<KeycloakTokenManagerOptions> = first) {
  const store = new MemoryTokenStore();
  const a = managerFixture({ clientSecret: undefined, tokenStore: store, ...first });
  const b = managerFixture({ clientSecret: undefined, tokenStore: store, ...second });
  return { store, a, b };
}

describe('the token store key material, by client authentication method', () => {
  it('seals with a fixed private key by default (private_key_jwt): a replica with the same key adopts', async () => {
    const { a, b } = pair({ privateKey: pem(rsa) });
    const token = await a.manager.getToken();
    await expect(b.manager.getToken()).resolves.toBe(token);
    expect(b.endpoint.count).toBe(0);
  });

  it('gives a replica with another private key nothing to open: it fetches its own token', async () => {
    const { a, b } = pair({ privateKey: pem(rsa) }, { privateKey: pem(otherRsa) });
    await a.manager.getToken();
    await b.manager.getToken();
    expect(b.endpoint.count).toBe(1);
  });

  it('accepts the same key as a KeyObject or a JWK: the material is the key, not its spelling', async () => {
    const { a, b } = pair({ privateKey: rsa.privateKey }, { privateKey: rsa.privateKey.export({ format: 'jwk' }) });
    const token = await a.manager.getToken();
    await expect(b.manager.getToken()).resolves.toBe(token);
    expect(b.endpoint.count).toBe(0);
  });

  it('puts neither the key nor the token in the store', async () => {
    const { a, store } = pair({ privateKey: pem(rsa) });
    const token = await a.manager.getToken();
    const stored = JSON.stringify([...store.entries]);
    expect(findLeak(stored, [token, pem(rsa), String(rsa.privateKey.export({ format: 'jwk' }).d)])).toBeUndefined();
  });

  it.each([
    ['a client assertion (it rotates)', { clientAssertion: () => 'eyJhbGciOiJub25lIn0.e30.' }, /rotating client assertion/],
    ['a private key function', { privateKey: () => pem(rsa) }, /private key function/],
  ])('refuses a tokenStore with %s and no tokenStoreSecret, naming the option', (_label, options, reason) => {
    expect(() => managerFixture({ clientSecret: undefined, tokenStore: new MemoryTokenStore(), ...options })).toThrow(
      new RegExp(`needs tokenStoreSecret.*${reason.source}`),
    );
  });

  it("seals with clientSecretFile's current secret: replicas reading one file share, and a rotated file misses the old entry", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kagenti-secret-'));
    const file = join(dir, 'client-secret');
    writeFileSync(file, 'first-secret\n');
    const { a, b, store } = pair({ clientSecretFile: file });
    const token = await a.manager.getToken();
    // The store write follows a real file read, in the background: b adopts once it is there.
    for (let turn = 0; turn < 1_000 && store.count('set') < 1; turn++) await new Promise(resolve => setImmediate(resolve));
    await expect(b.manager.getToken()).resolves.toBe(token);
    expect(b.endpoint.count).toBe(0);
    writeFileSync(file, 'rotated-secret\n');
    const c = managerFixture({ clientSecret: undefined, tokenStore: store, clientSecretFile: file });
    await c.manager.getToken();
    expect(c.endpoint.count).toBe(1);
    // Written in the background (after a real file read), under the rotated secret's own key.
    for (let turn = 0; turn < 1_000 && store.count('set') < 2; turn++) await new Promise(resolve => setImmediate(resolve));
    expect(store.entries.size).toBe(2);
    rmSync(dir, { recursive: true });
  });

  it('shares tokens between client-assertion replicas given one tokenStoreSecret', async () => {
    const options = { clientAssertion: () => 'eyJhbGciOiJub25lIn0.e30.', tokenStoreSecret: 'fleet-sealing-secret' };
    const { a, b } = pair(options);
    const token = await a.manager.getToken();
    await expect(b.manager.getToken()).resolves.toBe(token);
    expect(b.endpoint.count).toBe(0);
  });
});

describe('tokenStoreSecretFor', () => {
  it.each(['client_secret_basic', 'client_secret_post', 'client_secret_jwt'] as const)('is the client secret for %s', method => {
    expect(tokenStoreSecretFor(method, { clientSecret: 'the-secret' }, ENDPOINT)).toBe('the-secret');
  });

  it.each(['client_secret_basic', 'client_secret_post', 'client_secret_jwt'] as const)(
    'is a function giving the current content of clientSecretFile for %s',
    async method => {
      const dir = mkdtempSync(join(tmpdir(), 'kagenti-secret-'));
      const file = join(dir, 'client-secret');
      writeFileSync(file, 'first-secret\n');
      const secret = tokenStoreSecretFor(method, { clientSecretFile: file }, ENDPOINT);
      expect(typeof secret).toBe('function');
      await expect((secret as () => Promise<string>)()).resolves.toBe('first-secret');
      writeFileSync(file, 'rotated-secret');
      await expect((secret as () => Promise<string>)()).resolves.toBe('rotated-secret');
      rmSync(dir, { recursive: true });
      await expect((secret as () => Promise<string>)()).rejects.toMatchObject({ code: 'CLIENT_SECRET_UNAVAILABLE' });
    },
  );

  it('is nothing for private_key_jwt without a fixed key, or with a key function', () => {
    expect(tokenStoreSecretFor('private_key_jwt', {}, ENDPOINT)).toBeUndefined();
    expect(tokenStoreSecretFor('private_key_jwt', { privateKey: () => pem(rsa) }, ENDPOINT)).toBeUndefined();
  });

  it('is the same DER bytes for one private key however it is given', () => {
    const fromPem = tokenStoreSecretFor('private_key_jwt', { privateKey: pem(rsa) }, ENDPOINT);
    expect(fromPem).toBeInstanceOf(Uint8Array);
    expect(tokenStoreSecretFor('private_key_jwt', { privateKey: rsa.privateKey }, ENDPOINT)).toEqual(fromPem);
    expect(tokenStoreSecretFor('private_key_jwt', { privateKey: rsa.privateKey.export({ format: 'jwk' }) }, ENDPOINT)).toEqual(
      fromPem,
    );
  });
});
