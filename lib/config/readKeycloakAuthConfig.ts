import type { JsonWebKey } from 'node:crypto';
import { ConfigurationError } from '../errors/ConfigurationError';
import type { ClientAuthentication } from '../protocol/clientAuthentication/ClientAuthenticator';
import type { SigningAlgorithm } from '../protocol/clientAuthentication/signJwt';
import {
  CONFIG_KEYS,
  DEFAULT_TOKEN_EXPIRY_BUFFER_SECONDS,
  kagentiAuthConfigSchema,
  NUMBER_CONFIG_KEYS,
} from './kagentiAuthConfigSchema';

/** Where the auth settings live in app-config. */
export const KAGENTI_AUTH_CONFIG_PATH = 'boost.kagenti.auth';

/**
 * The part of Backstage's `Config` that is read. `getOptional` is used when present so that
 * the zod schema, not the reader, judges every type.
 */
export interface ConfigLike {
  getOptionalConfig(key: string): ConfigLike | undefined;
  getOptionalString(key: string): string | undefined;
  getOptionalNumber(key: string): number | undefined;
  getOptional?(key?: string): unknown;
}

/**
 * Auth settings once read and validated, with defaults applied. Exactly one of `clientSecret`,
 * `clientSecretFile`, `privateKey` and `clientAssertionFile` is set; the other optional keys only
 * when configured.
 */
export interface KeycloakAuthConfig {
  tokenEndpoint: string;
  clientId: string;
  clientSecret?: string;
  /** Read per token request (a secret rotated in place is picked up). */
  clientSecretFile?: string;
  clientAuthentication?: ClientAuthentication;
  /** PEM text, or the JWK parsed from JSON text; already checked to parse and fit `signingAlgorithm`. */
  privateKey?: string | JsonWebKey;
  privateKeyId?: string;
  signingAlgorithm?: SigningAlgorithm;
  /** Read per token request (a rotated projected token is picked up). */
  clientAssertionFile?: string;
  assertionAudience?: string;
  /** Seconds before `expires_in` runs out at which a token stops being used. Default 60. */
  tokenExpiryBufferSeconds: number;
}

const isConfigLike = (value: unknown): value is ConfigLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ConfigLike).getOptionalConfig === 'function' &&
  typeof (value as ConfigLike).getOptionalString === 'function';

function rawFromConfig(config: ConfigLike): unknown {
  let node: ConfigLike | undefined;
  try {
    node = config.getOptionalConfig(KAGENTI_AUTH_CONFIG_PATH);
  } catch {
    // Backstage throws when the path exists but is not an object; its message may quote values.
    throw new ConfigurationError(`${KAGENTI_AUTH_CONFIG_PATH} must be an object`);
  }
  if (node === undefined) return undefined;
  if (typeof node.getOptional === 'function') return node.getOptional();

  // A minimal Config without getOptional: read key by key, translating its type errors.
  const source = node;
  const read = <T>(key: string, get: (key: string) => T): T | undefined => {
    try {
      return get(key);
    } catch {
      throw new ConfigurationError(`${KAGENTI_AUTH_CONFIG_PATH}.${key} has the wrong type`, [key]);
    }
  };
  return Object.fromEntries(
    CONFIG_KEYS.map(key => [
      key,
      read(key, name =>
        (NUMBER_CONFIG_KEYS as readonly string[]).includes(name)
          ? source.getOptionalNumber(name)
          : source.getOptionalString(name),
      ),
    ]),
  );
}

function rawFromObject(root: unknown): unknown {
  let node: unknown = root;
  for (const segment of KAGENTI_AUTH_CONFIG_PATH.split('.')) {
    if (node === undefined || node === null) return undefined;
    if (typeof node !== 'object' || Array.isArray(node)) {
      throw new ConfigurationError(`${KAGENTI_AUTH_CONFIG_PATH} must be an object`);
    }
    node = (node as Record<string, unknown>)[segment];
  }
  return node ?? undefined;
}

/**
 * Reads `boost.kagenti.auth` from a Backstage `Config` or from a plain object holding the
 * app-config root.
 *
 * @returns the validated settings, or `undefined` when none of tokenEndpoint, clientId and a
 *   credential (clientSecret, clientSecretFile, privateKey or clientAssertionFile) is set (auth disabled).
 * @throws ConfigurationError when only some of them are set, two credentials are, or a value
 *   is malformed (a privateKey that does not parse or fit signingAlgorithm included). The
 *   message names the keys; it never contains a configured value.
 */
export function readKeycloakAuthConfig(config: ConfigLike | object | undefined): KeycloakAuthConfig | undefined {
  const raw = isConfigLike(config) ? rawFromConfig(config) : rawFromObject(config);
  if (raw === undefined) return undefined;

  const parsed = kagentiAuthConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const keys = [...new Set(parsed.error.issues.map(issue => issue.path.join('.')).filter(Boolean))];
    // Only our own messages are used: zod's defaults can quote the received value.
    const details = parsed.error.issues.map(issue =>
      issue.path.length > 0 ? `${KAGENTI_AUTH_CONFIG_PATH}.${issue.path.join('.')}: ${issue.message}` : issue.message,
    );
    throw new ConfigurationError(`Invalid ${KAGENTI_AUTH_CONFIG_PATH} configuration: ${details.join('; ')}`, keys);
  }

  const { tokenEndpoint, clientId, clientSecret, tokenExpiryBufferSeconds, ...authentication } = parsed.data;
  // The schema lets tokenEndpoint, clientId and a credential through together or not at all.
  if (tokenEndpoint === undefined || clientId === undefined) return undefined;
  // Only the keys that are set, so that spreading this over options never blanks one out.
  const set = Object.fromEntries(Object.entries(authentication).filter(([, value]) => value !== undefined));
  return {
    tokenEndpoint: tokenEndpoint.trim(),
    clientId,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(set as Omit<KeycloakAuthConfig, 'tokenEndpoint' | 'clientId' | 'clientSecret' | 'tokenExpiryBufferSeconds'>),
    tokenExpiryBufferSeconds: tokenExpiryBufferSeconds ?? DEFAULT_TOKEN_EXPIRY_BUFFER_SECONDS,
  };
}
