import { AxiosError, CanceledError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { LoggerLike } from '../logging/LoggerLike';
import type { RetryOutcome } from '../telemetry/TokenTelemetry';
import type { KagentiAuthRequestOptions } from './KagentiAuthRequestOptions';
import { isTokenRejection } from './parseWwwAuthenticate';

/** What the interceptors need of a token source; `KeycloakTokenManager` has it. */
export interface TokenSource {
  getToken(options?: { signal?: AbortSignal }): Promise<string>;
  /** A usable cached token without waiting, or undefined; lets the interceptor skip a promise. */
  getCachedToken?(): string | undefined;
  getTokenForStreaming(minLifetimeMs: number, options?: { signal?: AbortSignal }): Promise<string>;
  invalidate(token?: string): boolean;
  /** Told how each 401 retry ended, for metrics; `KeycloakTokenManager` records it. */
  recordRetry?(outcome: RetryOutcome): void;
}

/** Options of {@link installKeycloakAuth}. */
export interface InstallKeycloakAuthOptions {
  /**
   * Origins (`https://host:port`) whose requests get the token. Default: the origin of the
   * instance's `baseURL`. Any other origin is sent no token, so an absolute URL to a third
   * party can never leak it.
   */
  allowedOrigins?: readonly string[];
  /** Receives a debug line per 401 retry. */
  logger?: LoggerLike;
}

/** Handle returned by {@link installKeycloakAuth}. */
export interface KeycloakAuthInstallation {
  readonly requestInterceptorId: number;
  readonly responseInterceptorId: number;
  /** Removes both interceptors. Idempotent. */
  eject(): void;
}

/**
 * Marks the one retry a request gets. It rides in `config.kagentiAuth`: axios passes a
 * value that is not a plain object through its config merge by reference, and only this
 * module can create one, so no caller can forge or clear the mark.
 */
class RetriedRequestOptions implements KagentiAuthRequestOptions {
  readonly skip?: boolean;
  readonly minTokenLifetimeMs?: number;

  constructor(options: KagentiAuthRequestOptions | undefined) {
    if (options?.skip !== undefined) this.skip = options.skip;
    if (options?.minTokenLifetimeMs !== undefined) this.minTokenLifetimeMs = options.minTokenLifetimeMs;
  }
}
const retriedMarks = new WeakSet<object>();
const installedOn = new WeakSet<AxiosInstance>();

const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;
const REDACTED_AUTHORIZATION = 'Bearer [REDACTED]';

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

// Nearly every request has the same baseURL; parsing it once saves a URL parse per request.
let lastBaseURL: string | undefined;
let lastBaseOrigin: string | undefined;

/** The origin the request will go to, resolved the way axios resolves it; undefined if unknown. */
function requestOrigin(config: InternalAxiosRequestConfig): string | undefined {
  const url = config.url ?? '';
  if (ABSOLUTE_URL.test(url) && config.allowAbsoluteUrls !== false) return originOf(url);
  const base = config.baseURL;
  if (base !== lastBaseURL) {
    lastBaseOrigin = originOf(base);
    lastBaseURL = base;
  }
  return lastBaseOrigin;
}

function isReplayable(data: unknown): boolean {
  if (data === null || typeof data !== 'object') return true;
  const candidate = data as { pipe?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  return (
    typeof candidate.pipe !== 'function' &&
    typeof candidate.getReader !== 'function' &&
    typeof candidate[Symbol.asyncIterator] !== 'function'
  );
}

/**
 * Keeps the access token out of an error the caller will log: the request's headers are
 * redacted and the raw `request` objects (whose buffered header text holds the token) are
 * made non-enumerable, so `JSON.stringify` and `util.inspect` skip them.
 */
function scrub(error: AxiosError): void {
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

function describeRequest(config: InternalAxiosRequestConfig): string {
  const method = (config.method ?? 'get').toUpperCase();
  const origin = requestOrigin(config);
  const path = (config.url ?? '').split('?')[0];
  return `${method} ${ABSOLUTE_URL.test(config.url ?? '') ? path : `${origin ?? ''}${path}`}`;
}

/**
 * Installs bearer-token auth on an axios instance, in one line:
 *
 * - a request interceptor sets `Authorization: Bearer <token>` on requests to an allowed
 *   origin (per-request options under `config.kagentiAuth`);
 * - a response interceptor, on a 401 that rejects the token (no challenge, or
 *   `error="invalid_token"`), drops exactly that token, gets a fresh one (or the one a
 *   concurrent request already fetched) and retries the request once. A second 401, and
 *   every other error, reaches the caller with the token redacted.
 */
export function installKeycloakAuth(
  instance: AxiosInstance,
  tokens: TokenSource,
  options: InstallKeycloakAuthOptions = {},
): KeycloakAuthInstallation {
  if (!instance || typeof instance.interceptors?.request?.use !== 'function') {
    throw new TypeError('installKeycloakAuth needs an axios instance');
  }
  if (!tokens || typeof tokens.getToken !== 'function' || typeof tokens.invalidate !== 'function') {
    throw new TypeError('installKeycloakAuth needs a token manager');
  }
  if (installedOn.has(instance)) {
    throw new TypeError('installKeycloakAuth is already installed on this axios instance; eject() it first');
  }

  let allowed: Set<string>;
  if (options.allowedOrigins) {
    allowed = new Set(
      options.allowedOrigins.map(entry => {
        const origin = originOf(entry);
        if (!origin) throw new TypeError(`allowedOrigins: "${entry}" is not an absolute URL with an origin`);
        return origin;
      }),
    );
  } else {
    const origin = originOf(instance.defaults.baseURL);
    if (!origin) {
      throw new TypeError(
        'installKeycloakAuth: the axios instance has no absolute baseURL; set one or pass allowedOrigins, so that the token only goes where it belongs',
      );
    }
    allowed = new Set([origin]);
  }

  // The token each request carried, to invalidate exactly that one on a 401.
  const sentTokens = new WeakMap<InternalAxiosRequestConfig, string>();

  // The request's own `timeout` also bounds its wait for a token: axios only starts its timer
  // once the interceptors are done, and a token fetch with retries can take far longer.
  const fetchToken = async (config: InternalAxiosRequestConfig): Promise<string> => {
    const callerSignal = config.signal as AbortSignal | undefined;
    const timeoutMs = typeof config.timeout === 'number' && config.timeout > 0 ? config.timeout : 0;
    let signal = callerSignal;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    let onCallerAbort: (() => void) | undefined;
    if (timeoutMs > 0) {
      const controller = new AbortController();
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      timer.unref?.();
      if (callerSignal?.aborted) controller.abort();
      onCallerAbort = () => controller.abort();
      callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
      signal = controller.signal;
    }
    const min = config.kagentiAuth?.minTokenLifetimeMs;
    try {
      return min !== undefined
        ? await tokens.getTokenForStreaming(min, signal ? { signal } : {})
        : await tokens.getToken(signal ? { signal } : {});
    } catch (error) {
      if (timedOut) {
        throw new AxiosError(
          `timeout of ${timeoutMs}ms exceeded while waiting for a Keycloak token`,
          AxiosError.ECONNABORTED,
          config,
        );
      }
      if (callerSignal?.aborted) throw new CanceledError(undefined, undefined, config);
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (onCallerAbort) callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  };

  // Node's http adapter follows redirects; the token must not follow one off the allowed origins.
  const stripOffOrigin = (redirectOptions: Record<string, unknown>): void => {
    const target =
      originOf(typeof redirectOptions.href === 'string' ? redirectOptions.href : undefined) ??
      (typeof redirectOptions.protocol === 'string' && typeof redirectOptions.host === 'string'
        ? originOf(`${redirectOptions.protocol}//${redirectOptions.host}`)
        : undefined);
    if (target === undefined || !allowed.has(target)) {
      const headers = redirectOptions.headers as Record<string, unknown> | undefined;
      if (headers) for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    }
  };
  type BeforeRedirect = NonNullable<InternalAxiosRequestConfig['beforeRedirect']>;
  const guards = new WeakSet<BeforeRedirect>();
  const sharedGuard: BeforeRedirect = redirectOptions => stripOffOrigin(redirectOptions);
  guards.add(sharedGuard);

  const attach = (config: InternalAxiosRequestConfig, token: string): InternalAxiosRequestConfig => {
    config.headers.set('Authorization', `Bearer ${token}`);
    sentTokens.set(config, token);
    const userBeforeRedirect = config.beforeRedirect;
    if (userBeforeRedirect === undefined) {
      config.beforeRedirect = sharedGuard;
    } else if (!guards.has(userBeforeRedirect)) {
      const guard: BeforeRedirect = (redirectOptions, responseDetails, requestDetails) => {
        // The caller's hook runs first, so that it cannot put the token back for another origin.
        userBeforeRedirect(redirectOptions, responseDetails, requestDetails);
        stripOffOrigin(redirectOptions);
      };
      guards.add(guard);
      config.beforeRedirect = guard;
    }
    return config;
  };

  const requestInterceptorId = instance.interceptors.request.use(config => {
    if (config.kagentiAuth?.skip) return config;
    const origin = requestOrigin(config);
    if (origin === undefined || !allowed.has(origin)) return config;
    // The common case needs no promise: a usable cached token is attached at once.
    if (config.kagentiAuth?.minTokenLifetimeMs === undefined && tokens.getCachedToken) {
      const cached = tokens.getCachedToken();
      if (cached !== undefined) return attach(config, cached);
    }
    return fetchToken(config).then(token => attach(config, token));
  });

  const responseInterceptorId = instance.interceptors.response.use(
    (response: AxiosResponse) => {
      // Deleted at once rather than left to the WeakMap: its table only shrinks at a full GC.
      sentTokens.delete(response.config);
      return response;
    },
    async (error: unknown) => {
      const axiosError = error as AxiosError;
      const config = axiosError?.config;
      const token = config ? sentTokens.get(config) : undefined;
      if (!config || token === undefined) throw error;
      sentTokens.delete(config);

      const response = axiosError.response;
      const retried = config.kagentiAuth !== undefined && retriedMarks.has(config.kagentiAuth);
      const wwwAuthenticate: unknown = response?.headers?.['www-authenticate'];
      const challenge: unknown = Array.isArray(wwwAuthenticate) ? wwwAuthenticate.join(', ') : wwwAuthenticate;
      const tokenRejected = response?.status === 401 && isTokenRejection(typeof challenge === 'string' ? challenge : undefined);
      // A rejected token that was not just refreshed is not reused. After a retry the token is
      // kept: refetching it again would double the token requests of an API that rejects every
      // token, and the next request's own retry still heals a revocation.
      if (tokenRejected && !retried) tokens.invalidate(token);
      if (!tokenRejected || retried || !isReplayable(config.data)) {
        scrub(axiosError);
        throw error;
      }

      // The unread 401 body of a streamed response would otherwise hold its socket.
      const body = response.data as { destroy?: () => void } | undefined;
      if (body && typeof body.destroy === 'function') body.destroy();

      const mark = new RetriedRequestOptions(config.kagentiAuth);
      retriedMarks.add(mark);
      options.logger?.debug('Request got 401 with a rejected token; retrying once with a fresh token', {
        request: describeRequest(config),
      });
      try {
        const retriedResponse = await instance.request({ ...config, kagentiAuth: mark });
        tokens.recordRetry?.('success');
        return retriedResponse;
      } catch (retryError) {
        tokens.recordRetry?.((retryError as AxiosError)?.response?.status === 401 ? 'rejected' : 'error');
        // The retry's own pass through this interceptor scrubbed it, unless it never got a token.
        if ((retryError as AxiosError)?.isAxiosError) scrub(retryError as AxiosError);
        throw retryError;
      }
    },
  );

  installedOn.add(instance);
  let ejected = false;
  return {
    requestInterceptorId,
    responseInterceptorId,
    eject() {
      if (ejected) return;
      ejected = true;
      instance.interceptors.request.eject(requestInterceptorId);
      instance.interceptors.response.eject(responseInterceptorId);
      installedOn.delete(instance);
    },
  };
}
