import { DEFAULT_ASSERTION_LIFETIME_SECONDS, MAX_ASSERTION_LIFETIME_SECONDS, defaultAssertionAudience } from './assertionClaims';
import { clientAssertion, clientAssertionSource } from './clientAssertion';
import type { ClientAuthentication, ClientAuthenticator } from './ClientAuthenticator';
import { clientSecretBasic } from './clientSecretBasic';
import { clientSecretJwt } from './clientSecretJwt';
import { clientSecretPost } from './clientSecretPost';
import { privateKeyJwt, type PrivateKeySource } from './privateKeyJwt';
import { clientSecretSource } from './secretSource';
import {
  ASYMMETRIC_SIGNING_ALGORITHMS,
  HMAC_SIGNING_ALGORITHMS,
  type AsymmetricSigningAlgorithm,
  type HmacSigningAlgorithm,
  type SigningAlgorithm,
} from './signJwt';

/** The client-authentication part of the token manager's options. */
export interface ClientAuthenticationOptions {
  /**
   * Default: `private_key_jwt` when `privateKey` is set, `client_assertion` when
   * `clientAssertion` or `clientAssertionFile` is, otherwise `client_secret_basic`.
   */
  clientAuthentication?: ClientAuthentication;
  /**
   * The client secret, or a function returning it, called per token request (rotation). For
   * `client_secret_basic`, `client_secret_post` and `client_secret_jwt` (the HMAC key).
   */
  clientSecret?: string | (() => string | Promise<string>);
  /**
   * For `private_key_jwt`: PEM text (PKCS#8), a private JWK, a `KeyObject`, or a function
   * returning one, called per token request (rotation). A static key is checked at construction.
   */
  privateKey?: PrivateKeySource;
  /** The `kid` header of signed assertions. Default: the JWK's `kid`, if any; otherwise none. */
  privateKeyId?: string;
  /**
   * JWS `alg`. `private_key_jwt`: default RS256 for RSA, PS256 for RSA-PSS, ES256/384/512 by EC
   * curve, EdDSA for Ed25519 (or the JWK's `alg`). `client_secret_jwt`: HS256 (default), HS384, HS512.
   */
  signingAlgorithm?: SigningAlgorithm;
  /** For `client_assertion`: returns the JWT to send as is, called per token request. */
  clientAssertion?: () => string | Promise<string>;
  /** For `client_assertion`: a file holding the JWT (e.g. a projected service-account token), read per token request. */
  clientAssertionFile?: string;
  /** `aud` of signed assertions. Default: the realm issuer, i.e. tokenEndpoint without `/protocol/openid-connect/token`. */
  assertionAudience?: string;
  /**
   * `exp − iat` of signed assertions, in seconds, 1 to 60 (Keycloak's default maximum). Default 30:
   * each attempt signs a fresh one, so a short life costs nothing, halves the window in which a
   * captured assertion is worth anything, and leaves room under Keycloak's limit.
   */
  assertionLifetimeSeconds?: number;
}

type Credential = 'clientSecret' | 'privateKey' | 'clientAssertion' | 'clientAssertionFile';

const METHODS: readonly ClientAuthentication[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'client_secret_jwt',
  'client_assertion',
];

const NEEDS: Record<ClientAuthentication, readonly Credential[]> = {
  client_secret_basic: ['clientSecret'],
  client_secret_post: ['clientSecret'],
  client_secret_jwt: ['clientSecret'],
  private_key_jwt: ['privateKey'],
  client_assertion: ['clientAssertion', 'clientAssertionFile'],
};

const isSet = (value: unknown): boolean => value !== undefined;

/**
 * Picks the client authentication method and checks, once, that exactly the credential it needs
 * is given and usable (a static private key is parsed here).
 * @throws TypeError naming the options that are missing, extra or malformed; never quoting a secret.
 */
export function createClientAuthenticator(
  tokenEndpoint: string,
  clientId: string,
  options: ClientAuthenticationOptions,
): ClientAuthenticator {
  const method = chooseMethod(options);
  assertOneCredential(method, options);
  assertSigningOptionsFit(method, options);
  return build(method, tokenEndpoint, clientId, options);
}

const givenCredentials = (options: ClientAuthenticationOptions): Credential[] =>
  (['clientSecret', 'privateKey', 'clientAssertion', 'clientAssertionFile'] as const).filter(key => isSet(options[key]));

function chooseMethod(options: ClientAuthenticationOptions): ClientAuthentication {
  const method = options.clientAuthentication ?? defaultMethod(givenCredentials(options));
  if (!METHODS.includes(method)) {
    throw new TypeError(`clientAuthentication must be one of ${METHODS.map(m => `'${m}'`).join(', ')}`);
  }
  return method;
}

function assertOneCredential(method: ClientAuthentication, options: ClientAuthenticationOptions): void {
  const given = givenCredentials(options);
  const needed = NEEDS[method];
  const extra = given.filter(key => !needed.includes(key));
  const present = given.filter(key => needed.includes(key));
  if (extra.length > 0) {
    throw new TypeError(`${method} uses ${needed.join(' or ')}, so ${extra.join(' and ')} must not be set as well`);
  }
  if (present.length === 0) throw new TypeError(`${method} needs ${needed.join(' or ')}`);
  if (present.length > 1) throw new TypeError(`${method} takes one of ${needed.join(' and ')}, not both`);
}

function assertSigningOptionsFit(method: ClientAuthentication, options: ClientAuthenticationOptions): void {
  const signs = method === 'private_key_jwt' || method === 'client_secret_jwt';
  for (const key of ['privateKeyId', 'signingAlgorithm', 'assertionAudience', 'assertionLifetimeSeconds'] as const) {
    if (!signs && isSet(options[key])) {
      throw new TypeError(`${key} applies to private_key_jwt and client_secret_jwt only, not ${method}`);
    }
  }
  if (isSet(options.privateKeyId) && method !== 'private_key_jwt') {
    throw new TypeError(`privateKeyId applies to private_key_jwt only, not ${method}`);
  }
  if (isSet(options.privateKeyId) && (typeof options.privateKeyId !== 'string' || options.privateKeyId.length === 0)) {
    throw new TypeError('privateKeyId must be a non-empty string');
  }
}

function build(
  method: ClientAuthentication,
  tokenEndpoint: string,
  clientId: string,
  options: ClientAuthenticationOptions,
): ClientAuthenticator {
  switch (method) {
    case 'client_secret_basic':
    case 'client_secret_post':
    case 'client_secret_jwt': {
      const { clientSecret } = options;
      if (!((typeof clientSecret === 'string' && clientSecret.length > 0) || typeof clientSecret === 'function')) {
        throw new TypeError('clientSecret must be a non-empty string or a function returning one');
      }
      const secret = clientSecretSource(tokenEndpoint, clientSecret);
      if (method === 'client_secret_basic') return clientSecretBasic(clientId, secret);
      if (method === 'client_secret_post') return clientSecretPost(clientId, secret);
      return clientSecretJwt({
        clientId,
        secret,
        algorithm: hmacAlgorithm(options.signingAlgorithm),
        ...assertionSettings(tokenEndpoint, options),
      });
    }
    case 'private_key_jwt': {
      const algorithm = options.signingAlgorithm;
      if (algorithm !== undefined && !(ASYMMETRIC_SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) {
        throw new TypeError(`signingAlgorithm for private_key_jwt must be one of ${ASYMMETRIC_SIGNING_ALGORITHMS.join(', ')}`);
      }
      return privateKeyJwt({
        tokenEndpoint,
        clientId,
        privateKey: options.privateKey as PrivateKeySource,
        ...(options.privateKeyId !== undefined ? { keyId: options.privateKeyId } : {}),
        ...(algorithm !== undefined ? { algorithm: algorithm as AsymmetricSigningAlgorithm } : {}),
        ...assertionSettings(tokenEndpoint, options),
      });
    }
    case 'client_assertion': {
      if (isSet(options.clientAssertion) && typeof options.clientAssertion !== 'function') {
        throw new TypeError('clientAssertion must be a function returning the assertion (a JWT string)');
      }
      if (
        isSet(options.clientAssertionFile) &&
        (typeof options.clientAssertionFile !== 'string' || !options.clientAssertionFile)
      ) {
        throw new TypeError('clientAssertionFile must be a non-empty path');
      }
      return clientAssertion(
        clientAssertionSource(
          tokenEndpoint,
          options.clientAssertion
            ? { clientAssertion: options.clientAssertion }
            : { clientAssertionFile: options.clientAssertionFile as string },
        ),
      );
    }
  }
}

function defaultMethod(given: readonly Credential[]): ClientAuthentication {
  if (given.includes('privateKey')) return 'private_key_jwt';
  if (given.includes('clientAssertion') || given.includes('clientAssertionFile')) return 'client_assertion';
  return 'client_secret_basic';
}

function hmacAlgorithm(algorithm: SigningAlgorithm | undefined): HmacSigningAlgorithm {
  if (algorithm === undefined) return 'HS256';
  if (!(HMAC_SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new TypeError(`signingAlgorithm for client_secret_jwt must be one of ${HMAC_SIGNING_ALGORITHMS.join(', ')}`);
  }
  return algorithm as HmacSigningAlgorithm;
}

function assertionSettings(
  tokenEndpoint: string,
  options: ClientAuthenticationOptions,
): { audience: string; lifetimeSeconds: number } {
  const lifetimeSeconds = options.assertionLifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds < 1 || lifetimeSeconds > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new TypeError(`assertionLifetimeSeconds must be a whole number from 1 to ${MAX_ASSERTION_LIFETIME_SECONDS}`);
  }
  const audience = options.assertionAudience ?? defaultAssertionAudience(tokenEndpoint);
  if (typeof audience !== 'string' || audience.trim().length === 0)
    throw new TypeError('assertionAudience must be a non-empty string');
  return { audience, lifetimeSeconds };
}
