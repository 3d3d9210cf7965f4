/**
 * How the client authenticates to the token endpoint: RFC 6749 §2.3.1 (`client_secret_basic`,
 * `client_secret_post`), RFC 7523 signed JWTs (`private_key_jwt`, `client_secret_jwt`), or a JWT
 * the workload already holds (`client_assertion`, e.g. a Kubernetes projected service-account token).
 */
export type ClientAuthentication =
  'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'client_secret_jwt' | 'client_assertion';

/** What one token request attempt adds to the standard `grant_type` form. */
export interface PreparedClientAuthentication {
  headers: Record<string, string>;
  form: Record<string, string>;
  /** Every string that must never reach a message: secrets in each encoding, the assertion. */
  secrets: string[];
  /** A digest of the credential this attempt used (see `credentialDigest`), never the credential. */
  credential?: string;
  /** Advice for an `invalid_client` answer, when the method has more to say than "check the secret". */
  invalidClientHint?: (clock: { now: number; serverDate?: number }) => string;
}

/** One client authentication method, chosen once; `prepare` is called for every attempt. */
export interface ClientAuthenticator {
  readonly method: ClientAuthentication;
  /**
   * Builds what one attempt needs. Called per attempt, so a signed assertion always gets a fresh
   * `jti` and `iat`, and a secret, key or assertion source is asked again (rotation).
   * @throws TokenRequestError `CLIENT_SECRET_UNAVAILABLE` or `CLIENT_ASSERTION_UNAVAILABLE`.
   */
  prepare(attempt: { now: number }): Promise<PreparedClientAuthentication>;
  /**
   * A digest of the credential the next attempt would use, asked of its source now (a file read,
   * a function called); absent when the credential cannot change (a string, a fixed key). Tells
   * whether a remembered failure still stands for the credential in place.
   * @throws TokenRequestError as `prepare` does, when the credential cannot be had.
   */
  currentCredential?(): Promise<string>;
}

/** `client_assertion_type` of RFC 7523 §2.2. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
