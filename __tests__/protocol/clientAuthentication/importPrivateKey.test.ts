import { generateKeyPairSync } from 'node:crypto';
import { importPrivateKey } from '../../../lib/protocol/clientAuthentication/importPrivateKey';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey;
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
const ed25519 = generateKeyPairSync('ed25519').privateKey;
const ed448 = generateKeyPairSync('ed448').privateKey;
const x25519 = generateKeyPairSync('x25519').privateKey;

const ALGORITHMS = 'RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA';

describe('importPrivateKey', () => {
  it('picks RS256 for an RSA key and PS256 for an RSA-PSS key when no algorithm is asked for', () => {
    expect(importPrivateKey(rsa).algorithm).toBe('RS256');
    expect(importPrivateKey(rsaPss).algorithm).toBe('PS256');
  });

  it('signs PS* with an RSA key as well as an RSA-PSS key', () => {
    expect(importPrivateKey(rsa, 'PS384').algorithm).toBe('PS384');
    expect(importPrivateKey(rsaPss, 'PS512').algorithm).toBe('PS512');
  });

  it('takes EdDSA for both Ed25519 and Ed448 keys, by default and when asked for', () => {
    expect(importPrivateKey(ed25519).algorithm).toBe('EdDSA');
    expect(importPrivateKey(ed448).algorithm).toBe('EdDSA');
    expect(importPrivateKey(ed25519, 'EdDSA').algorithm).toBe('EdDSA');
    expect(importPrivateKey(ed448, 'EdDSA').algorithm).toBe('EdDSA');
  });

  it('refuses an HMAC or unknown signingAlgorithm, listing the asymmetric ones and pointing HS* to client_secret_jwt', () => {
    expect(() => importPrivateKey(rsa, 'HS256')).toThrow(
      new TypeError(`signingAlgorithm "HS256" is not one of ${ALGORITHMS} (HS256/384/512 belong to client_secret_jwt)`),
    );
  });

  it('quotes at most 20 characters of an unknown signingAlgorithm', () => {
    const error = (() => {
      try {
        importPrivateKey(rsa, 'A'.repeat(60));
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a throw');
    })();
    expect(error.message).toBe(
      `signingAlgorithm "${'A'.repeat(19)} is not one of ${ALGORITHMS} (HS256/384/512 belong to client_secret_jwt)`,
    );
  });

  it('refuses an alg from a JWK that is not an asymmetric one', () => {
    const jwk = { ...rsa.export({ format: 'jwk' }), alg: 'HS512' };
    expect(() => importPrivateKey(jwk)).toThrow(/^signingAlgorithm "HS512" is not one of RS256, /);
  });

  it('says a JWK without kty could not be read, without a parser code', () => {
    const { kty: _kty, ...jwk } = rsa.export({ format: 'jwk' });
    expect(() => importPrivateKey(jwk)).toThrow(
      new TypeError(
        'privateKey could not be read as a private key. Give PKCS#8 PEM text ("-----BEGIN PRIVATE KEY-----"), a private JWK object, or a KeyObject.',
      ),
    );
  });

  it('refuses an EC key on a curve JOSE has no algorithm for, naming the curve and the usable ones', () => {
    expect(() => importPrivateKey(secp256k1)).toThrow(
      new TypeError('privateKey is an EC key on curve secp256k1; use P-256, P-384 or P-521'),
    );
  });

  it('refuses a key type that cannot sign, naming the type', () => {
    expect(() => importPrivateKey(x25519, undefined, 'the key')).toThrow(
      new TypeError('the key is a x25519 key, which cannot sign a client assertion; use RSA, EC or Ed25519'),
    );
  });

  it('describes an Ed25519 key by its type when it does not fit the algorithm asked for', () => {
    expect(() => importPrivateKey(ed25519, 'ES256')).toThrow(
      new TypeError(
        'privateKey is a ed25519 key, which cannot sign ES256; use EdDSA or a key of the right type. Check signingAlgorithm and the key.',
      ),
    );
    expect(() => importPrivateKey(p256, 'EdDSA')).toThrow(
      /^privateKey is an EC key on prime256v1, which cannot sign EdDSA; use ES256 /,
    );
  });

  it.each([
    [null, 'null'],
    [[], 'an array'],
    [undefined, 'undefined'],
    [42, 'a number'],
  ])('names what it was given instead of a key: %p', (input, given) => {
    expect(() => importPrivateKey(input)).toThrow(
      new TypeError(`privateKey must be PKCS#8 PEM text, a private JWK object or a KeyObject, not ${given}`),
    );
  });

  it("gives the parser's error code when a key cannot be read, and does not call a symmetric JWK public", () => {
    const pem = rsa.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => importPrivateKey(`${pem.slice(0, 60)}garbage${pem.slice(-40)}`)).toThrow(
      /^privateKey could not be read as a private key \(ERR_[A-Z_]+\)\. Give PKCS#8 PEM text/,
    );
    expect(() => importPrivateKey({ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' })).toThrow(
      /^privateKey could not be read as a private key \(ERR_[A-Z_]+\)\./,
    );
  });

  it.each(['RS256', 'PS256'])('refuses %s for an EC key, naming the curve and the algorithm that fits', algorithm => {
    expect(() => importPrivateKey(p256, algorithm)).toThrow(
      new TypeError(
        `privateKey is an EC key on prime256v1, which cannot sign ${algorithm}; use ES256 or a key of the right type. Check signingAlgorithm and the key.`,
      ),
    );
  });

  it('calls an RSA-PSS key an RSA key when it cannot sign RS256, and offers PS256', () => {
    expect(() => importPrivateKey(rsaPss, 'RS256')).toThrow(
      new TypeError(
        'privateKey is an RSA key, which cannot sign RS256; use PS256 or a key of the right type. Check signingAlgorithm and the key.',
      ),
    );
  });

  it.each([
    ['P-256', 'ES256'],
    ['P-384', 'ES384'],
    ['P-521', 'ES512'],
  ])('picks the algorithm of the curve for an EC key on %s', (namedCurve, algorithm) => {
    expect(importPrivateKey(generateKeyPairSync('ec', { namedCurve }).privateKey).algorithm).toBe(algorithm);
  });
});
