/** Per-request options of the auth interceptors, under `config.kagentiAuth`. */
export interface KagentiAuthRequestOptions {
  /** Send this request without a token and never retry it on 401. */
  skip?: boolean;
  /**
   * Ask for a token that stays usable at least this long, in milliseconds (for streams).
   * See `KeycloakTokenManager.getTokenForStreaming`.
   */
  minTokenLifetimeMs?: number;
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Options of `@boost/kagenti-auth`'s interceptors for this request. */
    kagentiAuth?: KagentiAuthRequestOptions;
  }
}
