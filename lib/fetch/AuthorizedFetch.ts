import type { KagentiAuthRequestOptions } from '../policy/KagentiAuthRequestOptions';

/** `fetch`'s own request init, whatever the consumer's `lib` settings call it. */
export type FetchInit = NonNullable<Parameters<typeof fetch>[1]>;
/** `fetch`'s own input: a URL string, a `URL` or a `Request`. */
export type FetchInput = Parameters<typeof fetch>[0];

/** A request init with the package's per-request options. */
export interface AuthorizedFetchInit extends FetchInit {
  /**
   * `skip`: send this request without a token (and never retry it); `minTokenLifetimeMs`: ask
   * for a token that stays usable at least this long, for a stream (`getTokenForStreaming`).
   */
  kagentiAuth?: KagentiAuthRequestOptions;
}

/** What {@link createAuthorizedFetch} returns: `fetch`'s signature, assignable to `typeof fetch`. */
export type AuthorizedFetch = (input: FetchInput, init?: AuthorizedFetchInit) => Promise<Response>;
