import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import { TokenRequestError, type TokenRequestErrorCode } from '../errors/TokenRequestError';
import type { PreparedClientAuthentication } from './clientAuthentication/ClientAuthenticator';
import { describeEndpoint } from './describeEndpoint';
import { Redactor } from './Redactor';
import type { Timers } from './Timers';

export interface ClientCredentialsRequest {
  tokenEndpoint: string;
  /** What this attempt's client authentication adds: headers, form fields, strings to redact. */
  authentication: PreparedClientAuthentication;
  scope?: string;
  httpClient: AxiosInstance;
  timeoutMs: number;
  timers: Timers;
  /** Clock in epoch ms, for HTTP-date `Retry-After` values. */
  now: () => number;
  /** Aborts the request (used by `close()`); the rejection is the signal's reason. */
  signal?: AbortSignal;
}

/** A validated token response. `expiresIn` is undefined when absent or unusable. */
export interface ClientCredentialsToken {
  accessToken: string;
  expiresIn?: number;
  /** Why `expiresIn` is undefined, for the caller's warning. */
  expiresInProblem?: 'missing' | 'invalid';
}

/** Token responses are a few KiB; anything far larger is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

// RFC 6750 b64token is stricter; any visible ASCII is accepted so that unusual but harmless
// token formats work, while CR, LF and other characters that could split a header are not.
const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;

const NETWORK_ERROR_CODES = new Set([
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

const OAUTH_ERROR_HINTS: Record<string, string> = {
  invalid_client:
    'Check the client id and secret (boost.kagenti.auth.clientId and clientSecret) and that the client has client authentication turned on.',
  unauthorized_client: 'Check that service accounts ("Service accounts roles") are enabled for the client in Keycloak.',
  unsupported_grant_type: 'Check that the client credentials grant (service accounts) is enabled for the client in Keycloak.',
  invalid_scope: 'Check the requested scope: it must be a client scope assigned to the client.',
  invalid_request: 'Check tokenEndpoint and the client settings in Keycloak.',
  invalid_grant: 'Check that the client is enabled in Keycloak.',
};

/**
 * Performs one OAuth2 client credentials token request and validates the answer.
 * Never rejects with an AxiosError (its `config` carries the secret): every failure is a
 * `TokenRequestError` built from safe parts only, or the abort reason of `signal`.
 */
export async function requestClientCredentialsToken(request: ClientCredentialsRequest): Promise<ClientCredentialsToken> {
  const endpoint = describeEndpoint(request.tokenEndpoint);
  const fail = (
    code: TokenRequestErrorCode,
    message: string,
    extra: Partial<ConstructorParameters<typeof TokenRequestError>[1]> = {},
  ) =>
    new TokenRequestError(`Token request to ${endpoint} failed: ${message}`, {
      code,
      tokenEndpoint: endpoint,
      ...extra,
    });

  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (request.scope) body.set('scope', request.scope);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  for (const [name, value] of Object.entries(request.authentication.form)) body.set(name, value);
  Object.assign(headers, request.authentication.headers);
  const redactor = new Redactor().add(...request.authentication.secrets);
  const encodedBody = body.toString();
  redactor.add(encodedBody);

  // Aborted by the time limit or by the caller's signal. Raced against the request, because a
  // mock or a broken adapter may ignore the abort; the race settles regardless.
  const controller = new AbortController();
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  stopped.catch(() => undefined);
  let timer: unknown;
  let didTimeOut = false;
  const onAbort = () => controller.abort(request.signal?.reason);
  request.signal?.addEventListener('abort', onAbort, { once: true });

  let response: AxiosResponse<unknown>;
  try {
    request.signal?.throwIfAborted();
    timer = request.timers.setTimeout(() => {
      // Flag first: aborting makes the adapter reject too, and that must still read as a timeout.
      didTimeOut = true;
      controller.abort();
    }, request.timeoutMs);
    const sent = request.httpClient.request<unknown>({
      method: 'POST',
      url: request.tokenEndpoint,
      data: encodedBody,
      headers,
      signal: controller.signal,
      maxRedirects: 0,
      maxContentLength: MAX_TOKEN_RESPONSE_BYTES,
      validateStatus: () => true,
      responseType: 'text',
      // The body is parsed here so that HTML and empty bodies can be told apart.
      transformResponse: [(data: unknown) => data],
      // Marks the call as the package's own, so its interceptors never touch it even when
      // the caller passed an instance that has them installed.
      kagentiAuth: { skip: true },
    });
    sent.catch(() => undefined);
    response = await Promise.race([sent, stopped]);
  } catch (error) {
    if (didTimeOut) {
      throw fail(
        'TOKEN_ENDPOINT_TIMEOUT',
        `no answer within ${request.timeoutMs} ms. Check that Keycloak is reachable from this host, or raise timeoutMs.`,
      );
    }
    if (request.signal?.aborted) throw request.signal.reason;
    throw networkFailure(error, fail, redactor, request.timeoutMs);
  } finally {
    if (timer !== undefined) request.timers.clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  }

  return parseTokenResponse(response, fail, redactor, request.now(), request.authentication.invalidClientHint);
}

type Fail = (
  code: TokenRequestErrorCode,
  message: string,
  extra?: Partial<ConstructorParameters<typeof TokenRequestError>[1]>,
) => TokenRequestError;

function networkFailure(error: unknown, fail: Fail, redactor: Redactor, timeoutMs: number): TokenRequestError {
  const axiosError = error as Partial<AxiosError> | undefined;
  const code = typeof axiosError?.code === 'string' ? axiosError.code : undefined;
  const rawMessage = typeof axiosError?.message === 'string' ? axiosError.message : String(error);
  // A fresh Error with only the code and a redacted message: the original holds the config.
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
  if (code && NETWORK_ERROR_CODES.has(code)) {
    return fail(
      'TOKEN_ENDPOINT_UNREACHABLE',
      `could not connect (${code}). Check tokenEndpoint's host and port and that Keycloak is running and reachable.`,
      { cause },
    );
  }
  return fail(
    'TOKEN_ENDPOINT_UNREACHABLE',
    `the request could not be completed (${code ?? cause.message}). Check tokenEndpoint.`,
    { cause },
  );
}

function bodyText(data: unknown): string | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return undefined;
}

/** Parses the body as JSON: a string is parsed, an object (from a mock adapter) is taken as is. */
function parseJson(data: unknown): { kind: 'empty' } | { kind: 'not-json' } | { kind: 'json'; value: unknown } {
  const text = bodyText(data);
  if (text === undefined) {
    if (data === undefined || data === null) return { kind: 'empty' };
    return { kind: 'json', value: data };
  }
  if (text.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'not-json' };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Makes server-sent text safe and short enough for a message: no controls, no secrets. */
function clean(text: string, redactor: Redactor, max: number): string {
  const flat = redactor
    .redact(text)
    // Control characters from the server must not reach a log line as they are.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function header(response: AxiosResponse<unknown>, name: string): string | undefined {
  const headers = response.headers as Record<string, unknown> & { get?: (name: string) => unknown };
  const value = typeof headers?.get === 'function' ? headers.get(name) : headers?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The server's `Date` header in epoch ms, when it sent a valid one. */
function serverDate(response: AxiosResponse<unknown>): { serverDate?: number } {
  const value = header(response, 'date');
  const parsed = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(parsed) ? {} : { serverDate: parsed };
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function parseTokenResponse(
  response: AxiosResponse<unknown>,
  fail: Fail,
  redactor: Redactor,
  now: number,
  invalidClientHint: PreparedClientAuthentication['invalidClientHint'],
): ClientCredentialsToken {
  const status = response.status;
  const contentType = header(response, 'content-type');

  if (status >= 300 && status < 400) {
    const location = header(response, 'location');
    let target = '';
    if (location) {
      try {
        const url = new URL(location, response.config?.url);
        target = ` to ${clean(`${url.origin}${url.pathname}`, redactor, 200)}`;
      } catch {
        // An unreadable Location: the message names no target.
      }
    }
    return throwing(
      fail(
        'TOKEN_ENDPOINT_REDIRECT',
        `HTTP ${status} redirect${target}. Redirects are not followed for token requests; set tokenEndpoint to the final URL (check http vs https and the /realms/<realm>/protocol/openid-connect/token path).`,
        { status },
      ),
    );
  }

  const parsed = parseJson(response.data);
  // Whatever the status, a token in the body must never reach a message.
  if (parsed.kind === 'json' && isRecord(parsed.value) && typeof parsed.value.access_token === 'string') {
    redactor.add(parsed.value.access_token);
  }
  const describedType = contentType ? `content-type ${clean(contentType, redactor, 80)}` : 'no content-type';

  if (status < 200 || status >= 300) {
    const retryAfterMs = parseRetryAfter(header(response, 'retry-after'), now);
    const extra = { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (parsed.kind === 'json' && isRecord(parsed.value) && typeof parsed.value.error === 'string' && parsed.value.error) {
      const error = clean(parsed.value.error, redactor, 100);
      const description =
        typeof parsed.value.error_description === 'string' ? clean(parsed.value.error_description, redactor, 500) : undefined;
      const hint =
        error === 'invalid_client' && invalidClientHint
          ? invalidClientHint({ now, ...serverDate(response) })
          : (OAUTH_ERROR_HINTS[error] ?? httpHint(status));
      return throwing(
        fail('TOKEN_ENDPOINT_OAUTH_ERROR', `${error} (HTTP ${status})${description ? `: ${description}` : ''}. ${hint}`, {
          ...extra,
          error,
          ...(description ? { errorDescription: description } : {}),
        }),
      );
    }
    return throwing(fail('TOKEN_ENDPOINT_HTTP_ERROR', `HTTP ${status} (${describedType}). ${httpHint(status)}`, extra));
  }

  if (parsed.kind === 'empty') {
    return throwing(
      fail(
        'TOKEN_RESPONSE_INVALID',
        `HTTP ${status} with an empty body. Check that tokenEndpoint is Keycloak's token endpoint.`,
        { status },
      ),
    );
  }
  if (parsed.kind === 'not-json') {
    return throwing(
      fail(
        'TOKEN_RESPONSE_INVALID',
        `HTTP ${status} with a body that is not JSON (${describedType}). tokenEndpoint may point at a login page, a proxy or the wrong path.`,
        { status },
      ),
    );
  }
  const value = parsed.value;
  if (!isRecord(value)) {
    return throwing(
      fail('TOKEN_RESPONSE_INVALID', `HTTP ${status} with JSON that is not an object. Check tokenEndpoint.`, { status }),
    );
  }
  if (typeof value.access_token !== 'string' || value.access_token.length === 0) {
    if (typeof value.error === 'string' && value.error) {
      const error = clean(value.error, redactor, 100);
      return throwing(
        fail(
          'TOKEN_ENDPOINT_OAUTH_ERROR',
          `${error} (HTTP ${status}). ${OAUTH_ERROR_HINTS[error] ?? 'Check the client settings in Keycloak.'}`,
          {
            status,
            error,
          },
        ),
      );
    }
    return throwing(
      fail(
        'TOKEN_RESPONSE_INVALID',
        `HTTP ${status} without an access_token. Check that tokenEndpoint is Keycloak's token endpoint.`,
        {
          status,
        },
      ),
    );
  }
  if (!HEADER_SAFE_TOKEN.test(value.access_token)) {
    return throwing(
      fail(
        'TOKEN_RESPONSE_INVALID',
        `the access_token contains characters that cannot go in an HTTP header (spaces, control characters or non-ASCII); it was not used.`,
        { status },
      ),
    );
  }
  if (value.token_type !== undefined && (typeof value.token_type !== 'string' || value.token_type.toLowerCase() !== 'bearer')) {
    const shown =
      typeof value.token_type === 'string' ? `"${clean(value.token_type, redactor, 40)}"` : `of type ${typeof value.token_type}`;
    return throwing(
      fail('TOKEN_RESPONSE_INVALID', `token_type ${shown} is not Bearer; only Bearer tokens are supported.`, { status }),
    );
  }

  const expiresIn = parseExpiresIn(value.expires_in);
  return {
    accessToken: value.access_token,
    ...(typeof expiresIn === 'number' ? { expiresIn } : { expiresInProblem: expiresIn }),
  };
}

/** `expires_in` in seconds, or why it cannot be used. Numeric strings are accepted. */
function parseExpiresIn(raw: unknown): number | 'missing' | 'invalid' {
  if (raw === undefined || raw === null) return 'missing';
  const value = typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return 'invalid';
  return value;
}

function httpHint(status: number): string {
  if (status === 404 || status === 405) {
    return 'Check tokenEndpoint: the realm name and the /realms/<realm>/protocol/openid-connect/token path.';
  }
  if (status === 401 || status === 403) return 'Check the client id and secret and the client settings in Keycloak.';
  if (status === 429) return 'Keycloak is rate limiting this client; requests are retried later.';
  if (status >= 500) return 'Keycloak or a proxy in front of it failed; this may pass on its own.';
  return 'Check tokenEndpoint and the client settings in Keycloak.';
}

function throwing(error: TokenRequestError): never {
  throw error;
}
