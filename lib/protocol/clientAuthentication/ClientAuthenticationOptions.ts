import type { ClientAuthentication } from './ClientAuthenticator';
import type { PrivateKeySource } from './privateKeyJwt';
import type { SigningAlgorithm } from './signJwt';

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
   * Instead of `clientSecret`: a file holding the client secret (e.g. a Kubernetes Secret
   * volume), read per token request, so that a secret rotated in place is picked up without a
   * restart; surrounding whitespace is dropped. With a token store, the sealing key follows the
   * file's current secret.
   */
  clientSecretFile?: string;
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
