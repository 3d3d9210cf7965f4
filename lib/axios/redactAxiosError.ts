import type { AxiosError } from 'axios';
import { isReplayable } from '../policy/isReplayable';

const REDACTED_AUTHORIZATION = 'Bearer [REDACTED]';

/**
 * Keeps the access token out of an error the caller will log: the request's headers are
 * redacted, and the raw `request` objects (whose buffered header text holds the token) and the
 * request `config` (headers, body) are made non-enumerable, so `JSON.stringify`, `util.inspect`
 * and loggers skip them. Each stays readable (`error.config.url`).
 */
export function redactAxiosError(error: AxiosError): void {
  error.config?.headers?.set('Authorization', REDACTED_AUTHORIZATION);
  for (const holder of [error, error.response]) {
    if (holder && Object.prototype.hasOwnProperty.call(holder, 'request')) {
      Object.defineProperty(holder, 'request', { enumerable: false });
    }
  }
  hideConfig(error);
  // A streamed body links back to its request (and its headers); still readable, never dumped.
  const response = error.response;
  if (response && !isReplayable(response.data) && Object.prototype.hasOwnProperty.call(response, 'data')) {
    Object.defineProperty(response, 'data', { enumerable: false });
  }
}

/**
 * Makes the request `config` of an error (and of its response) non-enumerable: it holds the
 * request's headers and body, which no log line may carry. Still readable as `error.config`.
 */
export function hideConfig<E extends AxiosError>(error: E): E {
  for (const holder of [error, error.response]) {
    if (holder && Object.prototype.hasOwnProperty.call(holder, 'config')) {
      Object.defineProperty(holder, 'config', { enumerable: false });
    }
  }
  // AxiosError's own toJSON copies the config into JSON.stringify's output: the same, without it.
  const toJSON = (error as { toJSON?: () => object }).toJSON;
  if (typeof toJSON === 'function') {
    Object.defineProperty(error, 'toJSON', {
      value: function withoutConfig(this: E) {
        const { config: _config, ...rest } = toJSON.call(this) as { config?: unknown };
        return rest;
      },
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
  return error;
}
