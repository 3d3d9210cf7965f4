import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { AxiosResponse } from 'axios';
import type { KagentiFetchOptions, KagentiRequest } from '../client/KagentiApiClient';
import type { AuthorizedFetchInit } from '../fetch/AuthorizedFetch';

/** One call to the Kagenti API through the Backstage service. */
export interface KagentiServiceRequest extends KagentiRequest {
  /**
   * The caller's credentials (`httpAuth.credentials(req)`): a user principal's `userEntityRef`
   * is sent as `X-Backstage-User`; a service or no principal sends none. Not with `userRef`.
   */
  credentials?: BackstageCredentials;
}

/** Options of the service's `fetch` beyond fetch's own. */
export interface KagentiServiceFetchOptions extends KagentiFetchOptions {
  /** The caller's credentials, as for `requestCore`: a user principal is sent as `X-Backstage-User`. Not with `userRef`. */
  credentials?: BackstageCredentials;
}

/**
 * What `kagentiApiClientServiceRef` gives a plugin: the Kagenti API called as the backend's
 * Keycloak service account, one token manager per plugin.
 */
export interface KagentiApiService {
  /**
   * Sends one request and returns the axios response (`data` is a Node stream with
   * `stream: true`). Every failure is a Backstage error that the error handler renders with the
   * right status and a safe body (see `toBackstageError`).
   * @throws TypeError, before anything is sent, for a bad `path` or `userRef`, or for `userRef`
   *   and `credentials` given together.
   */
  requestCore<T = unknown>(request: KagentiServiceRequest): Promise<AxiosResponse<T>>;

  /**
   * The platform `fetch` to a path of the Kagenti API (see `KagentiApiClient.fetch`), for a plugin
   * that prefers fetch: answers of every status resolve as fetch's do; a failure to send (no
   * token, no answer, the service shut down) is a Backstage error as for `requestCore`.
   * @throws TypeError, before anything is sent, for a bad `path` or `userRef`, or for `userRef`
   *   and `credentials` given together.
   */
  fetch(path: string, init?: AuthorizedFetchInit, options?: KagentiServiceFetchOptions): Promise<Response>;
}
