import type { AxiosInstance, AxiosResponse } from 'axios';
import type { Redactor } from '../util/Redactor';
import type { Timers } from '../util/Timers';
import { MAX_TOKEN_RESPONSE_BYTES, networkFailure, timeoutFailure } from './networkFailure';
import type { TokenHttpResponse } from './TokenHttpResponse';
import type { TokenRequestFailure } from './tokenRequestFailure';

/** One form POST to the token endpoint, ready to go. */
export interface TokenHttpRequest {
  tokenEndpoint: string;
  headers: Record<string, string>;
  /** The `application/x-www-form-urlencoded` body. */
  body: string;
  httpClient: AxiosInstance;
  timeoutMs: number;
  timers: Timers;
  /** Aborts the request (used by `close()`); the rejection is the signal's reason. */
  signal?: AbortSignal | undefined;
  fail: TokenRequestFailure;
  /** Holds every secret of the request, to keep them out of a network error's message. */
  redactor: Redactor;
}

/**
 * Sends one token request and returns its answer, whatever its status. Never rejects with the
 * transport's error (an AxiosError's `config` carries the secret): a request with no complete
 * answer is a `TokenRequestError` (timeout, unreachable, too large), an aborted one rejects with
 * the signal's reason.
 */
export async function sendTokenRequest(request: TokenHttpRequest): Promise<TokenHttpResponse> {
  request.signal?.throwIfAborted();
  // Aborted by the time limit or by the caller's signal. Raced against the request, because a
  // mock or a broken adapter may ignore the abort; the race settles regardless.
  const controller = new AbortController();
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  stopped.catch(() => undefined);
  let didTimeOut = false;
  // Stryker disable next-line OptionalChaining: onAbort is only added as a listener of request.signal, so it is set
  const onAbort = () => controller.abort(request.signal?.reason);
  request.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = request.timers.setTimeout(() => {
    // Flag first: aborting makes the adapter reject too, and that must still read as a timeout.
    didTimeOut = true;
    controller.abort();
  }, request.timeoutMs);

  try {
    const sent = post(request, controller.signal);
    sent.catch(() => undefined);
    return toTokenHttpResponse(await Promise.race([sent, stopped]), request.tokenEndpoint);
  } catch (error) {
    if (didTimeOut) throw timeoutFailure(request.fail, request.timeoutMs);
    if (request.signal?.aborted) throw request.signal.reason;
    throw networkFailure(error, request.fail, request.redactor, request.timeoutMs);
  } finally {
    request.timers.clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  }
}

function post(request: TokenHttpRequest, signal: AbortSignal): Promise<AxiosResponse<unknown>> {
  return request.httpClient.request<unknown>({
    method: 'POST',
    url: request.tokenEndpoint,
    data: request.body,
    headers: request.headers,
    signal,
    maxRedirects: 0,
    maxContentLength: MAX_TOKEN_RESPONSE_BYTES,
    validateStatus: () => true,
    responseType: 'text',
    // The body is judged later, so that HTML and empty bodies can be told apart.
    transformResponse: [(data: unknown) => data],
    // Marks the call as the package's own, so its interceptors never touch it even when
    // the caller passed an instance that has them installed.
    kagentiAuth: { skip: true },
  });
}

function toTokenHttpResponse(response: AxiosResponse<unknown>, tokenEndpoint: string): TokenHttpResponse {
  const headers = response.headers as Record<string, unknown> & { get?: (name: string) => unknown };
  return {
    status: response.status,
    header(name) {
      const value = typeof headers?.get === 'function' ? headers.get(name) : headers?.[name];
      return typeof value === 'string' ? value : undefined;
    },
    body: response.data,
    url: response.config?.url ?? tokenEndpoint,
  };
}
