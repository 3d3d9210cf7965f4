import { createPrivateKey, type JsonWebKey, KeyObject } from 'node:crypto';
import { ASYMMETRIC_SIGNING_ALGORITHMS, type AsymmetricSigningAlgorithm } from './signJwt';

/** A private key as accepted by `privateKey`: PEM text (PKCS#8, or PKCS#1/SEC1), a private JWK, or a `KeyObject`. */
export type PrivateKeyInput = string | JsonWebKey | KeyObject;

/** A key ready to sign with, and the `kid` and `alg` it brings when given as a JWK. */
export interface ImportedPrivateKey {
  key: KeyObject;
  algorithm: AsymmetricSigningAlgorithm;
  keyId?: string;
}

const CURVE_ALGORITHMS: Record<string, AsymmetricSigningAlgorithm> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};
/** RFC 7518 §3.3, and what Keycloak and most servers refuse below. */
const MIN_RSA_BITS = 2048;

/**
 * Parses and checks a private key for `private_key_jwt`, so that a bad key fails at startup
 * rather than at the first token request. Messages never quote the key.
 * @throws TypeError naming what is wrong (not parseable, public only, too short, wrong type for the algorithm).
 */
export function importPrivateKey(input: unknown, algorithm?: string, what = 'privateKey'): ImportedPrivateKey {
  const key = toKeyObject(input, what);
  const jwk = isJwk(input) ? input : undefined;
  const natural = naturalAlgorithm(key, what);
  const wanted = algorithm ?? (typeof jwk?.alg === 'string' ? jwk.alg : natural);
  if (!(ASYMMETRIC_SIGNING_ALGORITHMS as readonly string[]).includes(wanted)) {
    throw new TypeError(
      `signingAlgorithm ${JSON.stringify(wanted).slice(0, 20)} is not one of ${ASYMMETRIC_SIGNING_ALGORITHMS.join(', ')} (HS256/384/512 belong to client_secret_jwt)`,
    );
  }
  const chosen = wanted as AsymmetricSigningAlgorithm;
  if (!fits(key, chosen)) {
    throw new TypeError(
      `${what} is ${describeKey(key)}, which cannot sign ${chosen}; use ${natural} or a key of the right type. Check signingAlgorithm and the key.`,
    );
  }
  return { key, algorithm: chosen, ...(typeof jwk?.kid === 'string' && jwk.kid ? { keyId: jwk.kid } : {}) };
}

function isJwk(value: unknown): value is JsonWebKey & { kid?: unknown } {
  return typeof value === 'object' && value !== null && !(value instanceof KeyObject) && !Array.isArray(value);
}

function toKeyObject(input: unknown, what: string): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== 'private') throw new TypeError(`${what} is a ${input.type} KeyObject; a private key is needed to sign`);
    return input;
  }
  try {
    if (typeof input === 'string') {
      // Stryker disable next-line StringLiteral: the catch below replaces this message with its own, as it does not start with `what`
      if (!input.includes('-----BEGIN')) throw new TypeError('not PEM');
      if (!/PRIVATE KEY-----/.test(input)) {
        throw new TypeError(`${what} is PEM but not a private key (a public key or certificate cannot sign). Check the key.`);
      }
      return createPrivateKey({ key: input, format: 'pem' });
    }
    if (isJwk(input)) {
      // Stryker disable next-line StringLiteral: the catch below replaces this message with its own, as it does not start with `what`
      if (typeof input.kty !== 'string') throw new TypeError('no kty');
      if (input.kty !== 'oct' && input.d === undefined) {
        throw new TypeError(`${what} is a public JWK (no "d"); a private key is needed to sign. Check the key.`);
      }
      return createPrivateKey({ key: input, format: 'jwk' });
    }
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith(what)) throw error;
    const code = (error as { code?: unknown }).code;
    // The cause is left out on purpose: a parser's message or fields can echo parts of the key.
    // eslint-disable-next-line preserve-caught-error
    throw new TypeError(
      `${what} could not be read as a private key${typeof code === 'string' ? ` (${code})` : ''}. Give PKCS#8 PEM text ("-----BEGIN PRIVATE KEY-----"), a private JWK object, or a KeyObject.`,
    );
  }
  const given =
    input === null ? 'null' : Array.isArray(input) ? 'an array' : input === undefined ? 'undefined' : `a ${typeof input}`;
  throw new TypeError(`${what} must be PKCS#8 PEM text, a private JWK object or a KeyObject, not ${given}`);
}

function naturalAlgorithm(key: KeyObject, what: string): AsymmetricSigningAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        throw new TypeError(`${what} is an RSA key of ${details.modulusLength} bits; at least ${MIN_RSA_BITS} are needed`);
      }
      return key.asymmetricKeyType === 'rsa' ? 'RS256' : 'PS256';
    case 'ec': {
      const algorithm = details.namedCurve ? CURVE_ALGORITHMS[details.namedCurve] : undefined;
      if (!algorithm) throw new TypeError(`${what} is an EC key on curve ${details.namedCurve}; use P-256, P-384 or P-521`);
      return algorithm;
    }
    case 'ed25519':
    case 'ed448':
      return 'EdDSA';
    default:
      throw new TypeError(
        `${what} is a ${key.asymmetricKeyType} key, which cannot sign a client assertion; use RSA, EC or Ed25519`,
      );
  }
}

function fits(key: KeyObject, algorithm: AsymmetricSigningAlgorithm): boolean {
  const type = key.asymmetricKeyType;
  if (algorithm.startsWith('RS')) return type === 'rsa';
  if (algorithm.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (algorithm === 'EdDSA') return type === 'ed25519' || type === 'ed448';
  // Stryker disable next-line StringLiteral,ConditionalExpression,OptionalChaining: only an EC key has a namedCurve (naturalAlgorithm refused one without), and every asymmetric key has asymmetricKeyDetails
  return type === 'ec' && CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''] === algorithm;
}

function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return `an EC key on ${details.namedCurve}`;
  // Stryker disable next-line OptionalChaining: toKeyObject lets only private asymmetric keys through, and they all have a type
  if (key.asymmetricKeyType?.startsWith('rsa')) return `an RSA key`;
  return `a ${key.asymmetricKeyType} key`;
}
