import { TokenSealer } from '../../lib/store/TokenSealer';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';

const binding = { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID };
const token = { accessToken: 'eyJhbGciOi.access-token-value', usableUntil: 1_700_000_240_000, usableLifetimeMs: 240_000 };

type Sealed = { v: number; iv: string; box: string };
const sealed = (sealer = new TokenSealer(CLIENT_SECRET, binding)) => sealer.seal(token) as Sealed;

/** Flips one bit of a base64url field. */
function flip(field: string, byte: number): string {
  const bytes = Buffer.from(field, 'base64url');
  bytes[byte] = bytes[byte] ^ 0x01;
  return bytes.toString('base64url');
}

describe('TokenSealer', () => {
  it('opens what it sealed', () => {
    const sealer = new TokenSealer(CLIENT_SECRET, binding);
    expect(sealer.open(sealer.seal(token))).toEqual(token);
  });

  it('seals into a JSON value holding neither the token, the secret nor the client id', () => {
    const text = JSON.stringify(sealed()) + new TokenSealer(CLIENT_SECRET, binding).keyName;
    for (const forbidden of [
      token.accessToken,
      'access-token-value',
      CLIENT_SECRET,
      CLIENT_ID,
      Buffer.from(token.accessToken).toString('base64'),
    ]) {
      expect(text).not.toContain(forbidden);
    }
    expect(sealed().v).toBe(1);
  });

  it('uses a fresh IV for every seal', () => {
    const sealer = new TokenSealer(CLIENT_SECRET, binding);
    expect((sealer.seal(token) as Sealed).iv).not.toBe((sealer.seal(token) as Sealed).iv);
  });

  it('names the key by a hash that depends on secret, endpoint, client id and scope', () => {
    const name = new TokenSealer(CLIENT_SECRET, binding).keyName;
    expect(name).toMatch(/^kagenti-auth:token:[A-Za-z0-9_-]{24}$/);
    expect(new TokenSealer(CLIENT_SECRET, binding).keyName).toBe(name);
    expect(new TokenSealer(Buffer.from(CLIENT_SECRET), binding).keyName).toBe(name);
    const others = [
      new TokenSealer('rotated-secret', binding),
      new TokenSealer(CLIENT_SECRET, { ...binding, clientId: 'other-client' }),
      new TokenSealer(CLIENT_SECRET, {
        ...binding,
        tokenEndpoint: 'https://keycloak.test/realms/other/protocol/openid-connect/token',
      }),
      new TokenSealer(CLIENT_SECRET, { ...binding, scope: 'kagenti' }),
    ];
    for (const other of others) expect(other.keyName).not.toBe(name);
  });

  it.each([
    ['a rotated secret', new TokenSealer('rotated-secret', binding)],
    ['another client', new TokenSealer(CLIENT_SECRET, { ...binding, clientId: 'other-client' })],
    ['another scope', new TokenSealer(CLIENT_SECRET, { ...binding, scope: 'kagenti' })],
  ])('does not open an entry for %s', (_name, other) => {
    expect(other.open(sealed())).toBeUndefined();
  });

  it.each([
    ['the IV', (s: Sealed) => ({ ...s, iv: flip(s.iv, 0) })],
    ['the ciphertext', (s: Sealed) => ({ ...s, box: flip(s.box, 0) })],
    ['the tag', (s: Sealed) => ({ ...s, box: flip(s.box, Buffer.from(s.box, 'base64url').length - 1) })],
    ['the length', (s: Sealed) => ({ ...s, box: Buffer.from(s.box, 'base64url').subarray(1).toString('base64url') })],
  ])('does not open an entry whose %s was tampered with', (_name, tamper) => {
    const sealer = new TokenSealer(CLIENT_SECRET, binding);
    expect(sealer.open(sealer.seal(token))).toEqual(token);
    expect(sealer.open(tamper(sealer.seal(token) as Sealed))).toBeUndefined();
  });

  it('does not open another version of the format', () => {
    const sealer = new TokenSealer(CLIENT_SECRET, binding);
    expect(sealer.open({ ...(sealer.seal(token) as Sealed), v: 2 })).toBeUndefined();
    expect(sealer.open({ ...(sealer.seal(token) as Sealed), v: '1' })).toBeUndefined();
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'eyJhbGciOi.access-token-value'],
    ['a number', 42],
    ['an array', [1, 'a', 'b']],
    ['an empty object', {}],
    ['fields of the wrong type', { v: 1, iv: 12, box: true }],
    ['a short IV', { v: 1, iv: 'AAAA', box: 'A'.repeat(40) }],
    ['no ciphertext', { v: 1, iv: 'A'.repeat(16), box: 'A'.repeat(22) }],
    ['random bytes', { v: 1, iv: 'A'.repeat(16), box: 'B'.repeat(60) }],
  ])('treats %s as nothing', (_name, value) => {
    expect(new TokenSealer(CLIENT_SECRET, binding).open(value)).toBeUndefined();
  });

  it.each([
    ['an unsafe token', { ...token, accessToken: 'a\r\nb' }],
    ['an empty token', { ...token, accessToken: '' }],
    ['a non-finite expiry', { ...token, usableUntil: Number.NaN }],
    ['a zero lifetime', { ...token, usableLifetimeMs: 0 }],
    ['a lifetime beyond a day', { ...token, usableLifetimeMs: 86_400_001 }],
  ])('does not return a well-sealed entry holding %s', (_name, entry) => {
    const sealer = new TokenSealer(CLIENT_SECRET, binding);
    expect(sealer.open(sealer.seal(entry))).toBeUndefined();
  });

  it('refuses empty key material', () => {
    expect(() => new TokenSealer('', binding)).toThrow(new TypeError('The token store secret must not be empty'));
    expect(() => new TokenSealer(new Uint8Array(0), binding)).toThrow(TypeError);
  });
});

describe('TokenSealer.open on entries that are not this version’s tokens', () => {
  const sealer = new TokenSealer(CLIENT_SECRET, binding);
  /** What a writer with the same key would seal with fields of the wrong type or range. */
  const sealedWith = (fields: Record<string, unknown>) => sealer.seal({ ...token, ...fields });

  it.each([
    ['an iv that is not text', { iv: 5 }],
    ['a box that is not text', { box: 5 }],
  ])('returns nothing for %s, without throwing', (_name, change) => {
    expect(sealer.open({ ...sealed(sealer), ...change })).toBeUndefined();
  });

  it.each([
    ['an access token that is not text', { accessToken: 5 }],
    ['a usable lifetime given as text', { usableLifetimeMs: '5000' }],
    ['a usable lifetime over a day', { usableLifetimeMs: 86_400_001 }],
  ])('refuses a sealed entry with %s', (_name, fields) => {
    expect(sealer.open(sealedWith(fields))).toBeUndefined();
  });

  it('accepts a usable lifetime of exactly one day', () => {
    expect(sealer.open(sealedWith({ usableLifetimeMs: 86_400_000 }))).toEqual({ ...token, usableLifetimeMs: 86_400_000 });
  });
});
