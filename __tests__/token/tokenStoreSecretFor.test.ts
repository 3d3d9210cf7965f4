import { generateKeyPairSync } from 'node:crypto';
import type { KeycloakTokenManagerOptions } from '../../lib';
import { MemoryTokenStore } from '../helpers/MemoryTokenStore';
import { findLeak } from '../helpers/secretScan';
import { managerFixture } from '../helpers/tokenEndpointMock';
import { tokenStoreSecretFor } from '../../lib/token/tokenStoreSecretFor';

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
    expect(tokenStoreSecretFor(method, { clientSecret: 'the-secret' })).toBe('the-secret');
  });

  it('is nothing for private_key_jwt without a fixed key, or with a key function', () => {
    expect(tokenStoreSecretFor('private_key_jwt', {})).toBeUndefined();
    expect(tokenStoreSecretFor('private_key_jwt', { privateKey: () => pem(rsa) })).toBeUndefined();
  });

  it('is the same DER bytes for one private key however it is given', () => {
    const fromPem = tokenStoreSecretFor('private_key_jwt', { privateKey: pem(rsa) });
    expect(fromPem).toBeInstanceOf(Uint8Array);
    expect(tokenStoreSecretFor('private_key_jwt', { privateKey: rsa.privateKey })).toEqual(fromPem);
    expect(tokenStoreSecretFor('private_key_jwt', { privateKey: rsa.privateKey.export({ format: 'jwk' }) })).toEqual(fromPem);
  });
});
