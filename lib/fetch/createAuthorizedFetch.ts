import type { LoggerLike } from '../logging/LoggerLike';
import { OriginPolicy } from '../policy/OriginPolicy';
import { decideOnRejectedToken } from '../policy/rejectedTokenRetry';
import type { TokenSource } from '../policy/TokenSource';
import type { AuthorizedFetch } from './AuthorizedFetch';
import { MAX_REDIRECTS, redirectHop } from './followRedirect';
import { type RequestParts, requestParts } from './requestParts';

/** Options of {@link createAuthorizedFetch}. */
export interface AuthorizedFetchOptions {
  /**
   * Relative URLs are joined to it (`baseUrl` + "/" + path, as axios joins them), and its origin
   * gets the token. Either this or `allowedOrigins` is needed.
   */
  baseUrl?: string;
  /** Origins (`https://host:port`) whose requests get the token. Default: the origin of `baseUrl`. */
  allowedOrigins?: readonly string[];
  /** The `fetch` to send with. Default: the global `fetch`, looked up per request. */
  fetch?: typeof fetch;
  /** Receives a debug line per 401 retry. */
  logger?: LoggerLike;
}

interface Context {
  tokens: TokenSource;
  policy: OriginPolicy;
  send: (url: string, init: RequestInit) => Promise<Response>;
  logger?: LoggerLike | undefined;
}

/**
 * `fetch` with the guarantees of `installKeycloakAuth`, for code that prefers the platform's fetch:
 *
 * - a request to an allowed origin gets `Authorization: Bearer <token>` (the cached token costs one
 *   header set; concurrent callers share one token request); any other origin, a request with its
 *   own `Authorization`, and `kagentiAuth.skip` go out untouched;
 * - a 401 that rejects the token (the rules of RFC 6750 §3.1, as for axios) drops exactly that
 *   token and sends the request once more with a fresh one, when its body can be replayed
 *   (text, bytes, a Blob, form data; a `Request`'s body is read into memory first); a stream is
 *   sent once, and its 401 reaches the caller;
 * - with `redirect: 'follow'` (the default) redirects are followed here, so that each hop gets the
 *   token only when its origin is allowed, whatever the underlying fetch does (`response.url` is
 *   the last hop's; `response.redirected` stays false);
 * - the request's `signal` bounds the wait for a token (rejecting with its reason, an `AbortError`
 *   by default); a token failure rejects with the `TokenRequestError` itself.
 *
 * @throws TypeError when there is neither `baseUrl` nor `allowedOrigins`, or no token source.
 */
export function createAuthorizedFetch(tokens: TokenSource, options: AuthorizedFetchOptions = {}): AuthorizedFetch {
  if (!tokens || typeof tokens.getToken !== 'function' || typeof tokens.invalidate !== 'function') {
    throw new TypeError('createAuthorizedFetch needs a token manager');
  }
  const context: Context = {
    tokens,
    policy: OriginPolicy.create(
      options.allowedOrigins,
      options.baseUrl,
      'createAuthorizedFetch needs an absolute baseUrl or allowedOrigins, so that the token only goes where it belongs',
    ),
    send: options.fetch ?? ((url, init) => fetch(url, init)),
    logger: options.logger,
  };
  return async (input, init) => authorized(context, await requestParts(input, init, options.baseUrl), 0, false);
}

/** One hop of a request: sent with a token where one belongs, its redirect followed, its rejected token retried once. */
async function authorized(context: Context, parts: RequestParts, hops: number, retried: boolean): Promise<Response> {
  const { url, init } = parts;
  if (parts.options.skip || init.headers.has('authorization') || !context.policy.allowsUrl(url)) return context.send(url, init);

  const token = await tokenFor(context.tokens, parts);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  const follow = init.redirect === 'follow';
  const response = await context.send(url, { ...init, headers, redirect: follow ? 'manual' : init.redirect });

  const hop = follow ? redirectHop(response, url, init) : undefined;
  if (hop) {
    if (hops >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error(`more than ${MAX_REDIRECTS} redirects`) });
    await response.body?.cancel();
    return authorized(context, { ...parts, ...hop }, hops + 1, false);
  }

  const decision = decideOnRejectedToken({
    status: response.status,
    wwwAuthenticate: response.headers.get('www-authenticate') ?? undefined,
    retried,
    replayable: parts.replayable,
  });
  if (decision.invalidate) context.tokens.invalidate(token);
  if (!decision.retry) return response;
  // The unread 401 body would otherwise hold its connection.
  await response.body?.cancel();
  context.logger?.debug('Request got 401 with a rejected token; retrying once with a fresh token', {
    request: describeUrl(init.method, url),
  });
  return retryOnce(context, parts, hops);
}

async function retryOnce(context: Context, parts: RequestParts, hops: number): Promise<Response> {
  try {
    const response = await authorized(context, parts, hops, true);
    context.tokens.recordRetry?.(response.status === 401 ? 'rejected' : 'success');
    return response;
  } catch (error) {
    context.tokens.recordRetry?.('error');
    throw error;
  }
}

/** The cached token at once, else a fresh one (a stream's minimum asked for), waiting no longer than the request's signal allows. */
function tokenFor(tokens: TokenSource, { options, init }: RequestParts): string | Promise<string> {
  const min = options.minTokenLifetimeMs;
  if (min === undefined) {
    const cached = tokens.getCachedToken?.();
    if (cached !== undefined) return cached;
  }
  const wait = init.signal ? { signal: init.signal } : {};
  if (min === undefined) return tokens.getToken(wait);
  return tokens.getTokenForStreaming(min, options.bestEffort === true ? { ...wait, bestEffort: true } : wait);
}

/** `METHOD origin/path` for a log line: no userinfo, query or fragment, which may hold anything. */
function describeUrl(method: string, url: string): string {
  const { origin, pathname } = new URL(url);
  return `${method} ${origin}${pathname}`;
}
