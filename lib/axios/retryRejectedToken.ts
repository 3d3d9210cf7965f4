import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { LoggerLike } from '../logging/LoggerLike';
import { describeRequest } from './describeRequest';
import { isReplayable } from '../policy/isReplayable';
import type { KagentiAuthRequestOptions } from '../policy/KagentiAuthRequestOptions';
import type { OriginPolicy } from '../policy/OriginPolicy';
import { decideOnRejectedToken } from '../policy/rejectedTokenRetry';
import { isRetry, markRetry } from '../policy/retryMark';
import { redactAxiosError } from './redactAxiosError';
import { requestOrigin } from './requestOrigin';
import type { SentTokens } from './SentTokens';
import type { TokenSource } from '../policy/TokenSource';

/** The retry's own per-request options: the caller's, without `skip` (a skipped request carries no token of ours). */
function retryOptions(options: KagentiAuthRequestOptions | undefined): KagentiAuthRequestOptions {
  // A class instance, not a plain object: axios passes it through its config merge by reference,
  // so the mark (policy/retryMark) stays on the very object the next 401 is asked about.
  return markRetry(new RetriedRequestOptions(options));
}

class RetriedRequestOptions implements KagentiAuthRequestOptions {
  readonly minTokenLifetimeMs?: number;

  constructor(options: KagentiAuthRequestOptions | undefined) {
    if (options?.minTokenLifetimeMs !== undefined) this.minTokenLifetimeMs = options.minTokenLifetimeMs;
  }
}

/** What the 401 handler works with. */
export interface RejectedTokenRetryParts {
  instance: AxiosInstance;
  tokens: TokenSource;
  /** Whether a token may go where the request went: a header of ours elsewhere was not set by us. */
  policy: OriginPolicy;
  sentTokens: SentTokens;
  logger?: LoggerLike;
}

/** `WWW-Authenticate` of a response, joined when it came as several headers. */
function challengeOf(response: AxiosResponse | undefined): string | undefined {
  const wwwAuthenticate: unknown = response?.headers?.['www-authenticate'];
  const challenge: unknown = Array.isArray(wwwAuthenticate) ? wwwAuthenticate.join(', ') : wwwAuthenticate;
  return typeof challenge === 'string' ? challenge : undefined;
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
    const decision = decideOnRejectedToken({
      status: response?.status,
      wwwAuthenticate: challengeOf(response),
      retried: isRetry(config.kagentiAuth),
      replayable: isReplayable(config.data),
    });
    if (decision.invalidate) tokens.invalidate(token);
    if (!decision.retry) {
      redactAxiosError(axiosError);
      throw error;
    }

    // The unread 401 body of a streamed response would otherwise hold its socket.
    const body = response?.data as { destroy?: () => void } | undefined;
    if (body && typeof body.destroy === 'function') body.destroy();

    logger?.debug('Request got 401 with a rejected token; retrying once with a fresh token', {
      request: describeRequest(config),
    });
    try {
      const retriedResponse = await instance.request({ ...config, kagentiAuth: retryOptions(config.kagentiAuth) });
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
