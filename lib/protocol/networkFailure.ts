import type { TokenRequestError } from '../errors/TokenRequestError';
import type { Redactor } from '../util/Redactor';
import type { TokenRequestFailure } from './tokenRequestFailure';

/** Token responses are a few KiB; anything far larger is not one. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/** Error codes that mean "could not connect". */
const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * The `TokenRequestError` of a request that got no complete answer (timeout, reset, refused, a
 * body over the size limit). Its cause is a fresh `NetworkError` holding only the code and the
 * redacted message: the transport's own error holds the request config, and with it the secret.
 */
export function networkFailure(
  error: unknown,
  fail: TokenRequestFailure,
  redactor: Redactor,
  timeoutMs: number,
): TokenRequestError {
  const raw = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof raw?.code === 'string' ? raw.code : undefined;
  const rawMessage = typeof raw?.message === 'string' ? raw.message : String(error);
  const cause = Object.assign(new Error(redactor.redact(rawMessage)), { name: 'NetworkError', code });

  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return fail(
      'TOKEN_ENDPOINT_TIMEOUT',
      `no answer within the time limit (${code}). Check that Keycloak is reachable from this host, or raise timeoutMs (now ${timeoutMs} ms).`,
      { cause },
    );
  }
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/i.test(rawMessage)) {
    return fail(
      'TOKEN_RESPONSE_INVALID',
      `the answer is larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes, so it is not a token response. Check tokenEndpoint.`,
      { cause },
    );
  }
  if (code === 'ECONNRESET' || /socket hang up|aborted/i.test(rawMessage)) {
    return fail(
      'TOKEN_ENDPOINT_UNREACHABLE',
      `the connection closed before a complete answer (${code ?? 'reset'}). Check Keycloak and any proxy in front of it.`,
      { cause },
    );
  }
  if (code && CONNECT_ERROR_CODES.has(code)) {
    return fail(
      'TOKEN_ENDPOINT_UNREACHABLE',
      `could not connect (${code}). Check tokenEndpoint's host and port and that Keycloak is running and reachable.`,
      { cause },
    );
  }
  return fail(
    'TOKEN_ENDPOINT_UNREACHABLE',
    `the request could not be completed (${code ?? cause.message}). Check tokenEndpoint.`,
    {
      cause,
    },
  );
}

/** The failure of a request that got no answer within `timeoutMs`. */
export function timeoutFailure(fail: TokenRequestFailure, timeoutMs: number): TokenRequestError {
  return fail(
    'TOKEN_ENDPOINT_TIMEOUT',
    `no answer within ${timeoutMs} ms. Check that Keycloak is reachable from this host, or raise timeoutMs.`,
  );
}
