import { KagentiAuthError } from './KagentiAuthError';

/**
 * Why a token request failed. Stable: branch on these, not on messages.
 *
 * - `TOKEN_ENDPOINT_OAUTH_ERROR`: the endpoint answered an RFC 6749 error (`error` is set).
 * - `TOKEN_ENDPOINT_HTTP_ERROR`: a non-2xx status without an OAuth error body.
 * - `TOKEN_ENDPOINT_REDIRECT`: a 3xx; redirects are never followed for the token call.
 * - `TOKEN_ENDPOINT_TIMEOUT`: no complete answer within `timeoutMs`.
 * - `TOKEN_ENDPOINT_UNREACHABLE`: connection refused, reset, DNS failure and the like.
 * - `TOKEN_RESPONSE_INVALID`: a 2xx whose body is not a usable Bearer token response.
 * - `CLIENT_SECRET_UNAVAILABLE`: the `clientSecret` function threw or returned nothing.
 * - `CLIENT_ASSERTION_UNAVAILABLE`: no client assertion could be had: the `clientAssertion`
 *   function or the `privateKey` function failed, or `clientAssertionFile` is unreadable or empty.
 */
export type TokenRequestErrorCode =
  | 'TOKEN_ENDPOINT_OAUTH_ERROR'
  | 'TOKEN_ENDPOINT_HTTP_ERROR'
  | 'TOKEN_ENDPOINT_REDIRECT'
  | 'TOKEN_ENDPOINT_TIMEOUT'
  | 'TOKEN_ENDPOINT_UNREACHABLE'
  | 'TOKEN_RESPONSE_INVALID'
  | 'CLIENT_SECRET_UNAVAILABLE'
  | 'CLIENT_ASSERTION_UNAVAILABLE';

/** The codes of failures found before anything was sent. */
const NOT_SENT_CODES: ReadonlySet<TokenRequestErrorCode> = new Set(['CLIENT_SECRET_UNAVAILABLE', 'CLIENT_ASSERTION_UNAVAILABLE']);

export interface TokenRequestErrorDetails {
  code: TokenRequestErrorCode;
  /** The token endpoint, without userinfo, query or fragment. */
  tokenEndpoint: string;
  status?: number;
  error?: string;
  errorDescription?: string;
  /** Delay the server asked for (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Getting an access token from the token endpoint failed. Carries the HTTP `status` and,
 * when the endpoint sent them, the RFC 6749 `error` and `error_description`.
 */
export class TokenRequestError extends KagentiAuthError {
  readonly code: TokenRequestErrorCode;
  readonly tokenEndpoint: string;
  readonly status?: number;
  /** RFC 6749 §5.2 `error`, e.g. `invalid_client`. */
  readonly error?: string;
  /** RFC 6749 §5.2 `error_description`, with anything secret redacted. */
  readonly errorDescription?: string;
  readonly retryAfterMs?: number;

  constructor(message: string, details: TokenRequestErrorDetails) {
    super(message, { cause: details.cause });
    this.code = details.code;
    this.tokenEndpoint = details.tokenEndpoint;
    if (details.status !== undefined) this.status = details.status;
    if (details.error !== undefined) this.error = details.error;
    if (details.errorDescription !== undefined) this.errorDescription = details.errorDescription;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }

  /**
   * Whether a request reached the wire. False when it was never sent because no credential
   * could be had (`CLIENT_SECRET_UNAVAILABLE`, `CLIENT_ASSERTION_UNAVAILABLE`): such a failure is
   * neither counted as a token request nor held by the failure cool-down.
   */
  get sent(): boolean {
    return !NOT_SENT_CODES.has(this.code);
  }

  /**
   * True for failures that may pass on their own (timeouts, refused connections, 5xx, 429);
   * false for ones that need a fix (wrong credentials, a disabled grant, a bad endpoint).
   */
  get transient(): boolean {
    switch (this.code) {
      case 'TOKEN_ENDPOINT_TIMEOUT':
      case 'TOKEN_ENDPOINT_UNREACHABLE':
        return true;
      case 'TOKEN_ENDPOINT_HTTP_ERROR':
      case 'TOKEN_ENDPOINT_OAUTH_ERROR':
        return this.status !== undefined && (this.status >= 500 || this.status === 429 || this.status === 408);
      default:
        return false;
    }
  }
}
