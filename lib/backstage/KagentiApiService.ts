import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { AxiosResponse } from 'axios';
import type { KagentiRequest } from '../client/KagentiApiClient';

/** One call to the Kagenti API through the Backstage service. */
export interface KagentiServiceRequest extends KagentiRequest {
  /**
   * The caller's credentials (`httpAuth.credentials(req)`): a user principal's `userEntityRef`
   * is sent as `X-Backstage-User`; a service or no principal sends none. Not with `userRef`.
   */
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
}
