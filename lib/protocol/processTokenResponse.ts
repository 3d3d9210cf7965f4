import { TokenRequestError } from '../errors/TokenRequestError';
import { isRecord } from '../util/isRecord';
import type { Redactor } from '../util/Redactor';
import { serverText } from '../util/serverText';
import { HEADER_SAFE_TOKEN } from '../util/UsableToken';
import { type OAuthError, parseOAuthError } from './parseOAuthError';
import { parseRetryAfter } from './parseRetryAfter';
import { type JsonBody, readJsonBody } from './readJsonBody';
import type { TokenHttpResponse, TokenResponse } from './TokenHttpResponse';
import { httpStatusHint, oauthErrorHint } from './tokenRequestHints';
import type { TokenRequestFailure } from './tokenRequestFailure';

/** What judging an answer needs besides the answer. */
export interface TokenResponseContext {
  fail: TokenRequestFailure;
  /** Holds every secret of the request; the access token in the body is added to it. */
  redactor: Redactor;
  /** When the answer arrived, epoch ms (for `Retry-After` dates and clock hints). */
  now: number;
  /** The client authentication method's advice for `invalid_client`, when it has more to say. */
  invalidClientHint?: ((clock: { now: number; serverDate?: number }) => string) | undefined;
}

/**
 * Judges a token endpoint's answer (RFC 6749 §5.1, §5.2): the token it grants, or the
 * `TokenRequestError` that says what failed and what to check. Pure: sends nothing, waits for
 * nothing; no message ever holds a secret or the access token.
 * @throws TokenRequestError for a redirect, an error status, or a body that is no usable Bearer token.
 */
export function processTokenResponse(response: TokenHttpResponse, context: TokenResponseContext): TokenResponse {
  const { status } = response;
  if (status >= 300 && status < 400) throw redirectFailure(response, context);
  const body = readJsonBody(response.body);
  // Whatever the status, a token in the body must never reach a message.
  if (body.kind === 'json' && isRecord(body.value) && typeof body.value.access_token === 'string') {
    context.redactor.add(body.value.access_token);
  }
  const judged =
    status >= 200 && status < 300 ? judgeTokenBody(body, response, context) : errorStatusFailure(body, response, context);
  if (judged instanceof TokenRequestError) throw judged;
  return judged;
}

function redirectFailure(response: TokenHttpResponse, { fail, redactor }: TokenResponseContext): TokenRequestError {
  let target = '';
  const location = response.header('location');
  if (location) {
    try {
      const url = new URL(location, response.url);
      target = ` to ${serverText(`${url.origin}${url.pathname}`, redactor, 200)}`;
    } catch {
      // An unreadable Location: the message names no target.
    }
  }
  return fail(
    'TOKEN_ENDPOINT_REDIRECT',
    `HTTP ${response.status} redirect${target}. Redirects are not followed for token requests; set tokenEndpoint to the final URL (check http vs https and the /realms/<realm>/protocol/openid-connect/token path).`,
    { status: response.status },
  );
}

function errorStatusFailure(body: JsonBody, response: TokenHttpResponse, context: TokenResponseContext): TokenRequestError {
  const { status } = response;
  const retryAfterMs = parseRetryAfter(response.header('retry-after'), context.now);
  // Stryker disable next-line ConditionalExpression: TokenRequestError leaves out a retryAfterMs of undefined
  const extra = { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  // Stryker disable next-line ConditionalExpression: an empty or non-JSON body has no value, and parseOAuthError finds no error in none
  const oauthError = body.kind === 'json' ? parseOAuthError(body.value, context.redactor) : undefined;
  if (oauthError) return oauthFailure(oauthError, response, context, extra);
  return context.fail(
    'TOKEN_ENDPOINT_HTTP_ERROR',
    `HTTP ${status} (${describeType(response, context)}). ${httpStatusHint(status)}`,
    extra,
  );
}

function oauthFailure(
  { error, description }: OAuthError,
  response: TokenHttpResponse,
  context: TokenResponseContext,
  extra: { status: number; retryAfterMs?: number },
): TokenRequestError {
  const hint = oauthErrorHint(
    error,
    response.status,
    context.invalidClientHint && (() => context.invalidClientHint!(clockOf(response, context.now))),
  );
  return context.fail(
    'TOKEN_ENDPOINT_OAUTH_ERROR',
    `${error} (HTTP ${response.status})${description ? `: ${description}` : ''}. ${hint}`,
    {
      ...extra,
      error,
      ...(description ? { errorDescription: description } : {}),
    },
  );
}

/** A 2xx answer: the token it holds, or why it holds none that can be used. */
function judgeTokenBody(
  body: JsonBody,
  response: TokenHttpResponse,
  context: TokenResponseContext,
): TokenResponse | TokenRequestError {
  const { status } = response;
  const invalid = (message: string) => context.fail('TOKEN_RESPONSE_INVALID', message, { status });
  if (body.kind === 'empty')
    return invalid(`HTTP ${status} with an empty body. Check that tokenEndpoint is Keycloak's token endpoint.`);
  if (body.kind === 'not-json') {
    return invalid(
      `HTTP ${status} with a body that is not JSON (${describeType(response, context)}). tokenEndpoint may point at a login page, a proxy or the wrong path.`,
    );
  }
  const value = body.value;
  if (!isRecord(value)) return invalid(`HTTP ${status} with JSON that is not an object. Check tokenEndpoint.`);
  if (typeof value.access_token !== 'string' || value.access_token.length === 0) {
    const oauthError = parseOAuthError(value, context.redactor);
    if (oauthError) return oauthFailure(oauthError, response, context, { status });
    return invalid(`HTTP ${status} without an access_token. Check that tokenEndpoint is Keycloak's token endpoint.`);
  }
  if (!HEADER_SAFE_TOKEN.test(value.access_token)) {
    return invalid(
      'the access_token contains characters that cannot go in an HTTP header (spaces, control characters or non-ASCII); it was not used.',
    );
  }
  const tokenType = value.token_type;
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    const shown =
      typeof tokenType === 'string' ? `"${serverText(tokenType, context.redactor, 40)}"` : `of type ${typeof tokenType}`;
    return invalid(`token_type ${shown} is not Bearer; only Bearer tokens are supported.`);
  }
  const expiresIn = parseExpiresIn(value.expires_in);
  return {
    accessToken: value.access_token,
    ...(typeof expiresIn === 'number' ? { expiresIn } : { expiresInProblem: expiresIn }),
  };
}

/** `expires_in` in seconds, or why it cannot be used. Numeric strings are accepted. */
export function parseExpiresIn(raw: unknown): number | 'missing' | 'invalid' {
  if (raw === undefined || raw === null) return 'missing';
  const value = typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return 'invalid';
  return value;
}

function describeType(response: TokenHttpResponse, { redactor }: TokenResponseContext): string {
  const contentType = response.header('content-type');
  return contentType ? `content-type ${serverText(contentType, redactor, 80)}` : 'no content-type';
}

/** Local time, and the server's `Date` when it sent a valid one. */
function clockOf(response: TokenHttpResponse, now: number): { now: number; serverDate?: number } {
  const value = response.header('date');
  // Stryker disable next-line ConditionalExpression: Date.parse(undefined) is NaN too
  const serverDate = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(serverDate) ? { now } : { now, serverDate };
}
