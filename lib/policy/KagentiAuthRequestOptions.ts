/**
 * Per-request options of the package's auth, whatever the transport: under `config.kagentiAuth`
 * for axios, under `init.kagentiAuth` for `createAuthorizedFetch`.
 */
export interface KagentiAuthRequestOptions {
  /** Send this request without a token and never retry it on 401. */
  skip?: boolean;
  /**
   * Ask for a token that stays usable at least this long, in milliseconds (for streams).
   * See `KeycloakTokenManager.getTokenForStreaming`.
   */
  minTokenLifetimeMs?: number;
  /**
   * With `minTokenLifetimeMs`: a preference, not a need (see `GetTokenOptions.bestEffort`); set by
   * the Kagenti client for its default stream minimum.
   */
  bestEffort?: boolean;
}
