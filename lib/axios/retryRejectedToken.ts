import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { LoggerLike } from '../logging/LoggerLike';
import { describeRequest } from './describeRequest';
import { isReplayable } from './isReplayable';
import type { KagentiAuthRequestOptions } from './KagentiAuthRequestOptions';
import type { OriginPolicy } from './OriginPolicy';
import { isTokenRejection } from './parseWwwAuthenticate';
import { redactAxiosError } from './redactAxiosError';
import { requestOrigin } from './requestOrigin';
import type { SentTokens } from './SentTokens';
import type { TokenSource } from './TokenSource';

/**
 * Marks the one retry a request gets. It rides in `config.kagentiAuth`: axios passes a
 * value that is not a plain object through its config merge by reference, and only this
 * module can create one, so no caller can forge or clear the mark.
 */
class RetriedRequestOptions implements KagentiAuthRequestOptions {
  // No `skip`: a skipped request carries no token of ours, so it is never retried.
  readonly minTokenLifetimeMs?: number;

  constructor(options: KagentiAuthRequestOptions | undefined) {
    if (options?.minTokenLifetimeMs !== undefined) this.minTokenLifetimeMs = options.minTokenLifetimeMs;
  }
}
const retriedMarks = new WeakSet<object>();

/** What the 401 handler works with. */
export interface RejectedTokenRetryParts {
  instance: AxiosInstance;
  tokens: TokenSource;
  /** Whether a token may go where the request went: a header of ours elsewhere was not set by us. */
  policy: OriginPolicy;
  sentTokens: SentTokens;
  logger?: LoggerLike;
}

/** Whether the response says the token itself was refused (RFC 6750 §3.1), so a new one may help. */
function rejectsToken(response: AxiosResponse | undefined): boolean {
  if (response?.status !== 401) return false;
  const wwwAuthenticate: unknown = response.headers?.['www-authenticate'];
  const challenge: unknown = Array.isArray(wwwAuthenticate) ? wwwAuthenticate.join(', ') : wwwAuthenticate;
  return isTokenRejection(typeof challenge === 'string' ? challenge : undefined);
}

/**
 * The response interceptor's error side: on a 401 that rejects the token a request carried, drops
 * exactly that token, and retries the request once (the retry gets a fresh token, or the one a
 * concurrent request already fetched). A second 401, a stream body that cannot be replayed and
 * every other error reach the caller with the token redacted; errors of requests that carried no
 * token of ours pass through untouched.
 */
export function retryRejectedToken({
  instance,
  tokens,
  policy,
  sentTokens,
  logger,
}: RejectedTokenRetryParts): (error: unknown) => Promise<AxiosResponse> {
  // Only requests the request interceptor authorized: a copy of one of our tokens that the caller
  // put on a skipped or off-origin request is theirs, and left alone as before.
  const tokenCarried = (config: InternalAxiosRequestConfig): string | undefined =>
    config.kagentiAuth?.skip || !policy.allows(requestOrigin(config)) ? undefined : sentTokens.tokenOf(config);

  return async (error: unknown) => {
    const axiosError = error as AxiosError;
    const config = axiosError?.config;
    const token = config ? tokenCarried(config) : undefined;
    if (!config || token === undefined) throw error;

    const response = axiosError.response;
    // has() of a value that is not an object (no kagentiAuth) is false.
    const retried = retriedMarks.has(config.kagentiAuth as object);
    const tokenRejected = rejectsToken(response);
    // A rejected token that was not just refreshed is not reused. After a retry the token is
    // kept: refetching it again would double the token requests of an API that rejects every
    // token, and the next request's own retry still heals a revocation.
    if (tokenRejected && !retried) tokens.invalidate(token);
    if (!tokenRejected || retried || !isReplayable(config.data)) {
      redactAxiosError(axiosError);
      throw error;
    }

    // The unread 401 body of a streamed response would otherwise hold its socket.
    const body = response?.data as { destroy?: () => void } | undefined;
    if (body && typeof body.destroy === 'function') body.destroy();

    const mark = new RetriedRequestOptions(config.kagentiAuth);
    retriedMarks.add(mark);
    logger?.debug('Request got 401 with a rejected token; retrying once with a fresh token', {
      request: describeRequest(config),
    });
    try {
      const retriedResponse = await instance.request({ ...config, kagentiAuth: mark });
      tokens.recordRetry?.('success');
      return retriedResponse;
    } catch (retryError) {
      tokens.recordRetry?.((retryError as AxiosError)?.response?.status === 401 ? 'rejected' : 'error');
      // The retry's own pass through this interceptor redacted it, unless it never got a token.
      if ((retryError as AxiosError)?.isAxiosError) redactAxiosError(retryError as AxiosError);
      throw retryError;
    }
  };
}
