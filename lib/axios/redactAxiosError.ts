import type { AxiosError } from 'axios';
import { isReplayable } from '../policy/isReplayable';

const REDACTED_AUTHORIZATION = 'Bearer [REDACTED]';

/**
 * Keeps the access token out of an error the caller will log: the request's headers are
 * redacted and the raw `request` objects (whose buffered header text holds the token) are
 * made non-enumerable, so `JSON.stringify` and `util.inspect` skip them.
 */
export function redactAxiosError(error: AxiosError): void {
  error.config?.headers?.set('Authorization', REDACTED_AUTHORIZATION);
  for (const holder of [error, error.response]) {
    if (holder && Object.prototype.hasOwnProperty.call(holder, 'request')) {
      Object.defineProperty(holder, 'request', { enumerable: false });
    }
  }
  // A streamed body links back to its request (and its headers); still readable, never dumped.
  const response = error.response;
  if (response && !isReplayable(response.data) && Object.prototype.hasOwnProperty.call(response, 'data')) {
    Object.defineProperty(response, 'data', { enumerable: false });
  }
}
