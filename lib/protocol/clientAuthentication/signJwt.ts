import { constants, createHmac, sign, type KeyObject } from 'node:crypto';

/** JWS algorithms for `private_key_jwt` (RFC 7518 §3; EdDSA per RFC 8037). */
export const ASYMMETRIC_SIGNING_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
/** JWS algorithms for `client_secret_jwt`. */
export const HMAC_SIGNING_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
/** Every algorithm a client assertion can be signed with. */
export const SIGNING_ALGORITHMS = [...ASYMMETRIC_SIGNING_ALGORITHMS, ...HMAC_SIGNING_ALGORITHMS] as const;

export type AsymmetricSigningAlgorithm = (typeof ASYMMETRIC_SIGNING_ALGORITHMS)[number];
export type HmacSigningAlgorithm = (typeof HMAC_SIGNING_ALGORITHMS)[number];
/** A JWS `alg` accepted for client assertions. */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
const digest = (alg: SigningAlgorithm): string => `sha${alg.slice(2)}`;

/**
 * A compact JWS (RFC 7515 §7.1) over `claims`. node:crypto signs, so the package stays
 * CommonJS-loadable everywhere (jose 6 is ESM-only); `key` must already fit `alg`
 * (checked by `importPrivateKey` or `clientSecretJwt`).
 */
export function signJwt(header: { alg: SigningAlgorithm; kid?: string }, claims: object, key: KeyObject): string {
  const { alg } = header;
  const input = `${base64url(JSON.stringify({ ...header, typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  // Stryker disable next-line StringLiteral: Buffer.from reads a string as UTF-8 when the encoding is empty
  const data = Buffer.from(input, 'utf8');
  let signature: Buffer;
  if (alg === 'EdDSA') {
    signature = sign(null, data, key);
  } else if (alg.startsWith('HS')) {
    signature = createHmac(digest(alg), key).update(data).digest();
  } else if (alg.startsWith('PS')) {
    // RFC 7518 §3.5: the salt is as long as the hash.
    signature = sign(digest(alg), data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
    // Stryker disable next-line ConditionalExpression,StringLiteral: only ES* and RS* get here, and an RSA signature ignores dsaEncoding
  } else if (alg.startsWith('ES')) {
    // JWS wants the raw r‖s pair, not the DER sequence node:crypto gives by default.
    signature = sign(digest(alg), data, { key, dsaEncoding: 'ieee-p1363' });
  } else {
    signature = sign(digest(alg), data, key);
  }
  return `${input}.${base64url(signature)}`;
}
