import axios, { type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import { installKeycloakAuth, type TokenSource } from '../axios/installKeycloakAuth';
import type { ConfigLike } from '../config/readKeycloakAuthConfig';
import type { LoggerLike } from '../logging/LoggerLike';
import { checkNumber } from '../util/checks';
import { KeycloakTokenManager, type KeycloakTokenManagerOptions } from '../token/KeycloakTokenManager';

/** Default time limit for one Kagenti API request, in ms. */
export const DEFAULT_KAGENTI_TIMEOUT_MS = 30_000;
/** Default minimum token lifetime for streaming requests: 5 minutes, in ms. */
export const DEFAULT_STREAM_MIN_LIFETIME_MS = 300_000;
/** Header carrying the Backstage user entity ref. Informational only; never authentication. */
export const BACKSTAGE_USER_HEADER = 'X-Backstage-User';
/** Longest `userRef` accepted, in characters. */
export const MAX_USER_REF_LENGTH = 1024;

/** Options of {@link KagentiApiClient}. */
export interface KagentiApiClientOptions {
  /** Kagenti API base URL, e.g. `https://kagenti.example.com`. */
  baseUrl: string;
  /** Without one, requests go out with no `Authorization` header. */
  tokenManager?: TokenSource;
  logger?: LoggerLike;
  /** Time limit per request, in ms (0: none), as axios applies it. Default 30 000. */
  timeoutMs?: number;
  /** Minimum remaining token lifetime for `stream: true` requests, in ms. Default 300 000. */
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

// Field value characters of RFC 9110 §5.5 that are safe everywhere: visible ASCII, inner spaces/tabs.
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/;

function assertHeaderSafeUserRef(userRef: unknown): asserts userRef is string {
  if (typeof userRef !== 'string') throw new TypeError(`userRef must be a string, got ${typeof userRef}`);
  if (userRef.length === 0) throw new TypeError('userRef must not be empty');
  if (userRef.length > MAX_USER_REF_LENGTH) {
    throw new TypeError(
      `userRef is ${userRef.length} characters long; at most ${MAX_USER_REF_LENGTH} are sent in ${BACKSTAGE_USER_HEADER}`,
    );
  }
  if (!HEADER_SAFE.test(userRef)) {
    const index = [...userRef].findIndex((char, i, all) => {
      const code = char.codePointAt(0) ?? 0;
      const edge = i === 0 || i === all.length - 1;
      return code > 0x7e || (code < 0x20 && code !== 0x09) || code === 0x7f || (edge && (code === 0x20 || code === 0x09));
    });
    const code = [...userRef][index]?.codePointAt(0) ?? 0;
    throw new TypeError(
      `userRef cannot be sent in the ${BACKSTAGE_USER_HEADER} header: character U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${index} is not allowed (only visible ASCII, with inner spaces). Nothing was sent.`,
    );
  }
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
      {
        min: 0,
      },
    );

    this.axios = axios.create({ baseURL: options.baseUrl.replace(/\/+$/, ''), timeout: timeoutMs });
    if (options.tokenManager) {
      installKeycloakAuth(this.axios, options.tokenManager, options.logger ? { logger: options.logger } : {});
    }
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
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
      throw new TypeError('path must be a path below baseUrl starting with a single "/", not an absolute URL');
    }
    const headers: Record<string, string> = { Accept: stream ? 'text/event-stream' : 'application/json' };
    if (userRef !== undefined) {
      assertHeaderSafeUserRef(userRef);
      headers[BACKSTAGE_USER_HEADER] = userRef;
    }
    return this.axios.request<T>({
      method,
      url: path,
      headers,
      allowAbsoluteUrls: false,
      ...(body !== undefined ? { data: body } : {}),
      ...(query !== undefined ? { params: query } : {}),
      ...(signal ? { signal } : {}),
      ...(stream ? { responseType: 'stream', kagentiAuth: { minTokenLifetimeMs: this.#streamMinLifetimeMs } } : {}),
    });
  }
}
