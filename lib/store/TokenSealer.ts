import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { HEADER_SAFE_TOKEN, MAX_TOKEN_LIFETIME_MS, type UsableToken } from '../util/UsableToken';
import type { TokenStoreJson } from './TokenStore';

/** Version of the sealed format; an entry of any other version is a miss. */
export const TOKEN_ENTRY_VERSION = 1;
/** Prefix of every store key the package writes. */
export const TOKEN_STORE_KEY_PREFIX = 'kagenti-auth:token:';

/** What a sealing key is bound to: an entry sealed for one client never opens for another. */
export interface TokenSealerBinding {
  tokenEndpoint: string;
  clientId: string;
  scope?: string;
}

const SALT = Buffer.from('@boost/kagenti-auth token store');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals token entries with AES-256-GCM under a key derived by HKDF-SHA256 from the key material
 * (the client secret by default), bound to token endpoint, client id and scope. The store key is
 * derived the same way, so it names neither the client nor anything a reader without the secret
 * could compute; a rotated secret reads and writes a key of its own.
 */
export class TokenSealer {
  /** The store key for this binding and key material. */
  readonly keyName: string;
  readonly #key: Buffer;
  readonly #aad: Buffer;

  constructor(keyMaterial: string | Uint8Array, binding: TokenSealerBinding) {
    const ikm = Buffer.from(keyMaterial);
    if (ikm.length === 0) throw new TypeError('The token store secret must not be empty');
    const context = JSON.stringify([TOKEN_ENTRY_VERSION, binding.tokenEndpoint, binding.clientId, binding.scope ?? null]);
    this.#key = Buffer.from(hkdfSync('sha256', ikm, SALT, `seal ${context}`, 32));
    const name = Buffer.from(hkdfSync('sha256', ikm, SALT, `name ${context}`, 18)).toString('base64url');
    this.keyName = `${TOKEN_STORE_KEY_PREFIX}${name}`;
    // The key name in the authenticated data: an entry copied under another key does not open.
    this.#aad = Buffer.from(`v${TOKEN_ENTRY_VERSION} ${this.keyName}`);
  }

  /** The entry as a JSON value holding no plaintext: `{ v, iv, box }` (base64url). */
  seal(token: UsableToken): TokenStoreJson {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(this.#aad);
    const plaintext = JSON.stringify([token.accessToken, token.usableUntil, token.usableLifetimeMs]);
    const box = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { v: TOKEN_ENTRY_VERSION, iv: iv.toString('base64url'), box: box.toString('base64url') };
  }

  /**
   * The token in a sealed entry, or `undefined` for anything that does not open: another
   * version, another client or secret, a tampered or malformed value.
   */
  open(value: unknown): UsableToken | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const { v, iv, box } = value as Record<string, unknown>;
    if (v !== TOKEN_ENTRY_VERSION || typeof iv !== 'string' || typeof box !== 'string') return undefined;
    const ivBytes = Buffer.from(iv, 'base64url');
    const boxBytes = Buffer.from(box, 'base64url');
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: a fast path only; another IV length or a box with no ciphertext fails authentication below anyway
    if (ivBytes.length !== IV_BYTES || boxBytes.length <= TAG_BYTES) return undefined;
    let plaintext: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, ivBytes);
      decipher.setAAD(this.#aad);
      decipher.setAuthTag(boxBytes.subarray(boxBytes.length - TAG_BYTES));
      // Stryker disable BlockStatement: an empty catch below leaves no text, which parseToken refuses just the same
      plaintext = Buffer.concat([decipher.update(boxBytes.subarray(0, boxBytes.length - TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return undefined;
    }
    // Stryker restore BlockStatement
    return parseToken(plaintext);
  }
}

function parseToken(plaintext: string): UsableToken | undefined {
  let parsed: unknown;
  try {
    // Stryker disable BlockStatement: an empty catch below leaves parsed undefined, which the next check refuses just the same
    parsed = JSON.parse(plaintext);
  } catch {
    return undefined;
  }
  // Stryker restore BlockStatement
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [accessToken, usableUntil, usableLifetimeMs] = parsed as unknown[];
  if (typeof accessToken !== 'string' || !HEADER_SAFE_TOKEN.test(accessToken)) return undefined;
  if (!isFiniteNumber(usableUntil)) return undefined;
  if (typeof usableLifetimeMs !== 'number' || !(usableLifetimeMs > 0 && usableLifetimeMs <= MAX_TOKEN_LIFETIME_MS))
    return undefined;
  return { accessToken, usableUntil, usableLifetimeMs };
}

// Number.isFinite is false for anything that is not a number; the predicate only tells TypeScript so.
const isFiniteNumber = (value: unknown): value is number => Number.isFinite(value);
