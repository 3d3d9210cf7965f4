import { ConflictError, InputError, NotAllowedError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { isAxiosError, isCancel } from 'axios';
import { ManagerClosedError } from '../errors/ManagerClosedError';
import { TokenRequestError } from '../errors/TokenRequestError';

/** What failed, as the message names it: the method and the path below the base URL (no query). */
export interface FailedKagentiRequest {
  method: string;
  path: string;
  /** Who cancelled the request, when it was cancelled: the backend shutting down, or the caller's signal. */
  cancelledBy?: 'shutdown' | 'caller';
}

type ErrorClass = new (message: string) => Error;

/** Kagenti statuses that say something about the user's request; everything else is the backend's problem. */
const CLASS_BY_STATUS: ReadonlyMap<number, ErrorClass> = new Map<number, ErrorClass>([
  [400, InputError],
  [403, NotAllowedError],
  [404, NotFoundError],
  [409, ConflictError],
  [422, InputError],
]);

// Keeps the original for server-side logs without letting Backstage's serializer (which walks
// enumerable properties) put its axios config, headers or token endpoint into a response body.
function withHiddenCause<E extends Error>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
  return error;
}

function describe(request: FailedKagentiRequest): string {
  return `Kagenti API request ${request.method.toUpperCase()} ${request.path.split('?')[0]}`;
}

/**
 * Turns a failure of a Kagenti API call into an error that Backstage's error handler renders
 * with the right status and a safe body:
 *
 * | failure | error (HTTP status) |
 * | --- | --- |
 * | token endpoint (any `TokenRequestError`) | `ServiceUnavailableError` (503), never Keycloak's status |
 * | Kagenti 401 after the one retry | `ServiceUnavailableError` (503): the service account was refused, not the user |
 * | Kagenti 403 / 404 / 409 | `NotAllowedError` / `NotFoundError` / `ConflictError` |
 * | Kagenti 400, 422 | `InputError` (400) |
 * | Kagenti 5xx, 429, 408, no answer (timeout, refused, reset), cancelled, anything else | `ServiceUnavailableError` (503) |
 * | other Kagenti 4xx | `Error` (500): the backend sent a request Kagenti cannot take |
 * | `TypeError` (a caller mistake, e.g. a bad path) | returned as it is (500) |
 *
 * The message says what failed (method, path, Kagenti's status or the token error's code) and
 * holds no URL origin, header, token or secret; the original error is the non-enumerable `cause`.
 */
export function toBackstageError(error: unknown, request: FailedKagentiRequest): Error {
  if (error instanceof TypeError) return error;
  const what = describe(request);

  if (request.cancelledBy && isCancellation(error)) {
    const why =
      request.cancelledBy === 'shutdown' ? 'the Kagenti service is shutting down (the backend is stopping)' : 'by the caller';
    return withHiddenCause(new ServiceUnavailableError(`${what} cancelled: ${why}`), error);
  }

  if (error instanceof TokenRequestError) {
    return withHiddenCause(
      new ServiceUnavailableError(
        `${what} not sent: the backend could not get a Keycloak token for its service account (${error.code}). Check boost.kagenti.auth and Keycloak.`,
      ),
      error,
    );
  }

  if (isAxiosError(error) && error.response) {
    const status = error.response.status;
    if (status === 401) {
      return withHiddenCause(
        new ServiceUnavailableError(
          `${what} failed: Kagenti answered 401 to the backend's service account (after one retry with a fresh token when auth is configured). Check boost.kagenti.auth and that Kagenti trusts the Keycloak client.`,
        ),
        error,
      );
    }
    const ErrorClass = CLASS_BY_STATUS.get(status);
    if (ErrorClass) return withHiddenCause(new ErrorClass(`${what} failed: Kagenti answered ${status}`), error);
    // Stryker disable next-line EqualityOperator: 400 is in CLASS_BY_STATUS, so >= 400 and > 400 agree here (the 500 bound is tested)
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return withHiddenCause(new Error(`${what} failed: Kagenti answered ${status}`), error);
    }
    return withHiddenCause(new ServiceUnavailableError(`${what} failed: Kagenti answered ${status}`), error);
  }

  if (isAxiosError(error)) {
    // No answer: the code (ECONNREFUSED, ECONNABORTED, ERR_CANCELED, ...) says why without quoting a URL.
    const reason = error.code ? ` (${error.code})` : '';
    return withHiddenCause(new ServiceUnavailableError(`${what} failed: no answer from Kagenti${reason}`), error);
  }

  const name = error instanceof Error ? error.name : typeof error;
  return withHiddenCause(new ServiceUnavailableError(`${what} failed (${name})`), error);
}

/** Whether `error` is a cancellation (axios', an AbortSignal's, or a closed token manager's), not a failure of Kagenti's. */
function isCancellation(error: unknown): boolean {
  // By name: an AbortSignal's DOMException may come from another realm than this module's Error.
  return isCancel(error) || error instanceof ManagerClosedError || (error as { name?: unknown } | null)?.name === 'AbortError';
}
