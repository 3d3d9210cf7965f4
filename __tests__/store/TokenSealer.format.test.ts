import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { TokenSealer, type TokenSealerBinding } from '../../lib/store/TokenSealer';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';

// The sealed format, written out here from its description (HKDF-SHA256 with the package's salt,
// AES-256-GCM with the key name in the authenticated data), so that a replica running another
// build of the package, or a change to the format, shows up as entries that no longer open.
const binding: TokenSealerBinding = { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, scope: 'kagenti' };
const token = { accessToken: 'eyJhbGciOi.access-token-value', usableUntil: 1_700_000_240_000, usableLifetimeMs: 240_000 };

function derive(secret: string, { tokenEndpoint, clientId, scope }: TokenSealerBinding) {
  const salt = Buffer.from('@boost/kagenti-auth token store');
  const context = JSON.stringify([1, tokenEndpoint, clientId, scope ?? null]);
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret), salt, `seal ${context}`, 32));
  const keyName = `kagenti-auth:token:${Buffer.from(hkdfSync('sha256', Buffer.from(secret), salt, `name ${context}`, 18)).toString('base64url')}`;
  return { key, keyName, aad: Buffer.from(`v1 ${keyName}`) };
}

/** Seals any plaintext the way the format says, as a writer holding the same secret could. */
function sealText(plaintext: string, secret = CLIENT_SECRET) {
  const { key, aad } = derive(secret, binding);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const box = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { v: 1, iv: iv.toString('base64url'), box: box.toString('base64url') };
}

function openText(entry: { iv: string; box: string }, secret = CLIENT_SECRET): string {
  const { key, aad } = derive(secret, binding);
  const box = Buffer.from(entry.box, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(entry.iv, 'base64url')).setAAD(aad);
  decipher.setAuthTag(box.subarray(box.length - 16));
  return Buffer.concat([decipher.update(box.subarray(0, box.length - 16)), decipher.final()]).toString('utf8');
}

describe('the sealed token format', () => {
  const sealer = new TokenSealer(CLIENT_SECRET, binding);

  it('names the key as the format says', () => {
    expect(sealer.keyName).toBe(derive(CLIENT_SECRET, binding).keyName);
  });

  it('seals the token as [accessToken, usableUntil, usableLifetimeMs] under the derived key', () => {
    const entry = sealer.seal(token) as { v: number; iv: string; box: string };
    expect(JSON.parse(openText(entry))).toEqual([token.accessToken, token.usableUntil, token.usableLifetimeMs]);
  });

  it('opens an entry sealed by another writer of the format, with a non-ASCII secret', () => {
    const secret = 'clé-secrète-ü';
    const own = new TokenSealer(secret, binding);
    expect(own.open(sealText(JSON.stringify([token.accessToken, token.usableUntil, token.usableLifetimeMs]), secret))).toEqual(
      token,
    );
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['JSON null', 'null'],
    ['a number', '5'],
    ['an object', '{"accessToken":"eyJhbGciOi.access-token-value"}'],
    ['a fourth field', JSON.stringify([token.accessToken, token.usableUntil, token.usableLifetimeMs, 'extra'])],
    ['two fields', JSON.stringify([token.accessToken, token.usableUntil])],
    ['an expiry given as text', JSON.stringify([token.accessToken, String(token.usableUntil), token.usableLifetimeMs])],
    ['an infinite expiry', `["${token.accessToken}",1e999,240000]`],
    ['a null expiry', JSON.stringify([token.accessToken, null, token.usableLifetimeMs])],
  ])('refuses a well-sealed entry holding %s, without throwing', (_name, plaintext) => {
    const entry = sealText(plaintext);
    expect(() => sealer.open(entry)).not.toThrow();
    expect(sealer.open(entry)).toBeUndefined();
  });

  it('does not open an entry sealed with another key name in its authenticated data', () => {
    // The same key, but the authenticated data names another entry: what was copied does not open.
    const { key } = derive(CLIENT_SECRET, binding);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from('v1 kagenti-auth:token:another-entry'));
    const plaintext = JSON.stringify([token.accessToken, token.usableUntil, token.usableLifetimeMs]);
    const box = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    expect(sealer.open({ v: 1, iv: iv.toString('base64url'), box: box.toString('base64url') })).toBeUndefined();
    expect(sealer.open(sealText(plaintext))).toEqual(token);
  });
});
