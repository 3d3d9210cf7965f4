import axios, { type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import { installKeycloakAuth, type TokenSource } from '../axios/installKeycloakAuth';
import type { ConfigLike } from '../config/readKeycloakAuthConfig';
import type { LoggerLike } from '../logging/LoggerLike';
import { checkNumber } from '../util/checks';
import type { AuthorizedFetchInit } from '../fetch/AuthorizedFetch';
import { createAuthorizedFetch } from '../fetch/createAuthorizedFetch';
import { joinUrl } from '../fetch/requestParts';
import type { KagentiAuthRequestOptions } from '../policy/KagentiAuthRequestOptions';
import { assertHeaderSafeUserRef, assertRelativePath } from './checkUserRef';
import { BACKSTAGE_USER_HEADER } from './kagentiHeaders';
import { KeycloakTokenManager, type KeycloakTokenManagerOptions } from '../token/KeycloakTokenManager';

/** Default time limit for one Kagenti API request, in ms. */
export const DEFAULT_KAGENTI_TIMEOUT_MS = 30_000;
/** Default minimum token lifetime for streaming requests: 5 minutes, in ms. */
export const DEFAULT_STREAM_MIN_LIFETIME_MS = 300_000;
export { BACKSTAGE_USER_HEADER, MAX_USER_REF_LENGTH } from './kagentiHeaders';

/** Options of {@link KagentiApiClient}. */
export interface KagentiApiClientOptions {
  /** Kagenti API base URL, e.g. `https://kagenti.example.com`. */
  baseUrl: string;
  /** Without one, requests go out with no `Authorization` header. */
  tokenManager?: TokenSource;
  logger?: LoggerLike;
  /** Time limit per request, in ms (0: none), as axios applies it. Default 30 000. */
  timeoutMs?: number;
  /**
   * Minimum remaining token lifetime for `stream: true` requests, in ms. Default 300 000, as a
   * preference: with Keycloak tokens shorter than that, the cached token serves without a warning
   * or an early fetch. A value given here is a need (see `getTokenForStreaming`).
   */
  streamMinLifetimeMs?: number;
}

/** One call to the Kagenti API. */
export interface KagentiRequest {
  method: Method;
  /** Path below `baseUrl`, starting with "/"; may carry a query string. */
  path: string;
  /** Request body; objects are sent as JSON. */
  body?: unknown;
  /** Query parameters, encoded by axios. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Backstage user entity ref (e.g. `user:default/jsmith`), sent as `X-Backstage-User`. */
  userRef?: string;
  signal?: AbortSignal;
  /** Ask for a streamed response (`responseType: 'stream'`), e.g. for SSE. */
  stream?: boolean;
}

/**
 * Client for the Kagenti API. Owns an axios instance; with a token manager, every request
 * carries a Keycloak service-account token and a 401 is healed by one retry.
 */
export class KagentiApiClient {
  /**
   * Builds a client from app config: with `boost.kagenti.auth` set, requests are
   * authenticated; without it, they go out with no token.
   * @throws ConfigurationError when the auth config is partial or malformed.
   */
  static fromConfig(
    config: ConfigLike | object | undefined,
    options: Omit<KagentiApiClientOptions, 'tokenManager'> & {
      tokenManagerOptions?: Omit<
        KeycloakTokenManagerOptions,
        'tokenEndpoint' | 'clientId' | 'clientSecret' | 'tokenExpiryBufferSeconds'
      >;
    },
  ): KagentiApiClient {
    const { tokenManagerOptions, ...clientOptions } = options;
    const tokenManager = KeycloakTokenManager.fromConfig(config, {
      ...(options.logger ? { logger: options.logger } : {}),
      ...tokenManagerOptions,
    });
    const client = new KagentiApiClient({ ...clientOptions, ...(tokenManager ? { tokenManager } : {}) });
    client.#ownedTokenManager = tokenManager;
    return client;
  }

  /** The instance requests go through, for calls this class has no method for. */
  readonly axios: AxiosInstance;
  readonly #streamMinLifetimeMs: number;
  readonly #streamAuth: KagentiAuthRequestOptions;
  readonly #timeoutMs: number;
  /** Sends to a path below the base URL (what `fetch` has checked). */
  readonly #fetch: (path: string, init: AuthorizedFetchInit) => Promise<Response>;
  /** Created by `fromConfig`, so closed by `close()`; a manager passed in belongs to the caller. */
  #ownedTokenManager?: KeycloakTokenManager;

  constructor(options: KagentiApiClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new TypeError('baseUrl must be an absolute http(s) URL');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('baseUrl must be an absolute http(s) URL');
    const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? DEFAULT_KAGENTI_TIMEOUT_MS, { min: 0 });
    this.#streamMinLifetimeMs = checkNumber(
      'streamMinLifetimeMs',
      options.streamMinLifetimeMs ?? DEFAULT_STREAM_MIN_LIFETIME_MS,
      { min: 0 },
    );
    // The default is a preference: Keycloak's tokens may be shorter (300 s less the buffer), and
    // that is no reason to warn or to fetch early. A minimum the caller chose is a need.
    this.#streamAuth = {
      minTokenLifetimeMs: this.#streamMinLifetimeMs,
      ...(options.streamMinLifetimeMs === undefined ? { bestEffort: true } : {}),
    };

    this.#timeoutMs = timeoutMs;
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.axios = axios.create({ baseURL: baseUrl, timeout: timeoutMs });
    const logger = options.logger ? { logger: options.logger } : {};
    if (options.tokenManager) installKeycloakAuth(this.axios, options.tokenManager, logger);
    this.#fetch = options.tokenManager
      ? createAuthorizedFetch(options.tokenManager, { baseUrl, ...logger })
      : (path, init) => fetch(joinUrl(baseUrl, path), init);
  }

  /**
   * Stops the background work of the token manager this client created in `fromConfig`
   * (refresh-ahead, retry waits). A manager passed to the constructor is left to its owner.
   */
  close(): void {
    this.#ownedTokenManager?.close();
  }

  /**
   * Sends one request and returns the axios response. Rejects with an `AxiosError` for
   * non-2xx answers (its token redacted), or a `TokenRequestError` when no token could be had.
   * @throws TypeError, before anything is sent, for a `path` that is not relative or a
   *   `userRef` that cannot be a header value.
   */
  async requestCore<T = unknown>(request: KagentiRequest): Promise<AxiosResponse<T>> {
    const { method, path, body, query, userRef, signal, stream } = request;
    assertRelativePath(path);
    const headers: Record<string, string> = { Accept: stream ? 'text/event-stream' : 'application/json' };
    if (userRef !== undefined) {
      assertHeaderSafeUserRef(userRef);
      headers[BACKSTAGE_USER_HEADER] = userRef;
    }
    return this.axios.request<T>({
      method,
      url: path,
      headers,
      // Stryker disable next-line BooleanLiteral: assertRelativePath has refused every URL axios calls absolute; this is defence in depth
      allowAbsoluteUrls: false,
      data: body,
      params: query,
      ...(signal ? { signal } : {}),
      ...(stream ? { responseType: 'stream', kagentiAuth: this.#streamAuth } : {}),
    });
  }

  /**
   * The platform `fetch` to a path of the Kagenti API, with the guarantees of `requestCore`: the
   * token (and one retry on a 401 that rejects it, see `createAuthorizedFetch`), `X-Backstage-User`
   * from `userRef`, and `timeoutMs` bounding the wait for the response headers (not the reading of
   * its body). With `stream: true`, the token is asked to last `streamMinLifetimeMs` and `Accept`
   * defaults to `text/event-stream`. Answers of every status resolve, as fetch's do.
   * @throws TypeError, before anything is sent, for a `path` that is not relative or a `userRef`
   *   that cannot be a header value.
   */
  async fetch(path: string, init: AuthorizedFetchInit = {}, options: KagentiFetchOptions = {}): Promise<Response> {
    assertRelativePath(path);
    const headers = new Headers(init.headers);
    if (options.userRef !== undefined) {
      assertHeaderSafeUserRef(options.userRef);
      headers.set(BACKSTAGE_USER_HEADER, options.userRef);
    }
    if (!headers.has('accept')) headers.set('accept', options.stream ? 'text/event-stream' : 'application/json');
    const kagentiAuth = options.stream ? { ...init.kagentiAuth, ...this.#streamAuth } : init.kagentiAuth;
    const { signal, done } = boundedSignal(init.signal ?? undefined, this.#timeoutMs);
    try {
      return await this.#fetch(path, { ...init, headers, signal, ...(kagentiAuth ? { kagentiAuth } : {}) });
    } finally {
      done();
    }
  }
}

/** Options of `KagentiApiClient.fetch` beyond fetch's own. */
export interface KagentiFetchOptions {
  /** Backstage user entity ref (e.g. `user:default/jsmith`), sent as `X-Backstage-User`. */
  userRef?: string;
  /** A streamed answer (e.g. SSE): a token that lasts `streamMinLifetimeMs`, `Accept: text/event-stream`. */
  stream?: boolean;
}

/**
 * A signal that aborts with the caller's, and with a `TimeoutError` after `timeoutMs` (0: never)
 * until `done()` is called, once the response headers are in; the caller's abort still reaches
 * the body after that.
 */
function boundedSignal(
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
): { signal: AbortSignal | undefined; done: () => void } {
  if (timeoutMs <= 0) return { signal: callerSignal, done: () => undefined };
  const controller = new AbortController();
  if (callerSignal) {
    const forward = () => controller.abort(callerSignal.reason);
    if (callerSignal.aborted) forward();
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: a signal fires 'abort' once; `once` only lets go of the listener then
    callerSignal.addEventListener('abort', forward, { once: true });
  }
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timeout of ${timeoutMs}ms exceeded waiting for the Kagenti API`, 'TimeoutError')),
    timeoutMs,
  );
  // Stryker disable next-line OptionalChaining: Node's timers always have unref() (the `?.` is for runtimes whose setTimeout returns a number)
  timer.unref?.();
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}
