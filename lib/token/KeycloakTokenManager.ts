import axios, { type AxiosInstance } from 'axios';
import { type ConfigLike, readKeycloakAuthConfig } from '../config/readKeycloakAuthConfig';
import { DEFAULT_TOKEN_EXPIRY_BUFFER_SECONDS } from '../config/kagentiAuthConfigSchema';
import { tokenEndpointProblem } from '../config/tokenEndpointProblem';
import { TokenRequestError } from '../errors/TokenRequestError';
import type { LoggerLike } from '../logging/LoggerLike';
import type { ClientAuthenticator } from './clientAuthentication/ClientAuthenticator';
import { type ClientAuthenticationOptions, createClientAuthenticator } from './clientAuthentication/createClientAuthenticator';
import { type ClientCredentialsToken, requestClientCredentialsToken } from './requestClientCredentialsToken';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './RetryPolicy';
import { realTimers, type Timers } from './Timers';
import { tokenStoreSecretFor } from './tokenStoreSecretFor';
import { createTokenTelemetry } from '../telemetry/createTokenTelemetry';
import { sentRequestErrorType } from '../telemetry/errorType';
import type { MeterLike } from '../telemetry/MeterLike';
import type { RetryOutcome, TokenFetchRecorder, TokenTelemetry } from '../telemetry/TokenTelemetry';
import type { TracerLike } from '../telemetry/TracerLike';
import { SharedTokenStore, type SharedTokens } from '../store/SharedTokenStore';
import type { StoredToken, TokenStore, TokenStoreSecret } from '../store/TokenStore';

/** Default time limit for one token request, in ms. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 10_000;
/** How long a token is used when the server sends no usable `expires_in`, in ms. */
export const UNKNOWN_EXPIRY_USABLE_MS = 30_000;
/** Longest time any token is cached, whatever `expires_in` says: one day, in ms. */
export const MAX_TOKEN_LIFETIME_MS = 86_400_000;
/** Share of its lifetime a token is used for when `expires_in` is not above the buffer. */
export const SHORT_LIFETIME_USABLE_FRACTION = 0.5;
/** Default share of a token's usable life, at its end, in which a background refresh starts. */
export const DEFAULT_REFRESH_AHEAD_FRACTION = 0.15;
/** Default time a permanent token-endpoint failure is remembered and re-thrown, in ms. */
export const DEFAULT_FAILURE_COOLDOWN_MS = 5_000;
/** Longest `Retry-After` pause honoured by re-throwing the failure, in ms. */
const MAX_RETRY_AFTER_HOLD_MS = 300_000;
/** Least time between two failed background refreshes, in ms. */
export const BACKGROUND_RETRY_INTERVAL_MS = 2_000;
/** With a token store, the share of the refresh-ahead window (from its start) in which each manager picks its random start. */
const STORE_REFRESH_SPREAD = 0.75;

/**
 * Options of {@link KeycloakTokenManager}. Client authentication (`clientSecret`, `privateKey`,
 * `clientAssertion`, …): see {@link ClientAuthenticationOptions}; exactly one credential.
 */
export interface KeycloakTokenManagerOptions extends ClientAuthenticationOptions {
  /** Keycloak's token endpoint: `https://<host>/realms/<realm>/protocol/openid-connect/token`. */
  tokenEndpoint: string;
  clientId: string;
  /** A token stops being used this many seconds before `expires_in` runs out. Default 60. */
  tokenExpiryBufferSeconds?: number;
  /** Space-separated scopes to request; none by default. */
  scope?: string;
  /** Time limit for one token request, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Retrying of transient failures; `false` means one attempt. Defaults: {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy> | false;
  /**
   * Share (0–1) of a token's usable life, at its end, in which a request that is served the
   * cached token also starts one background refresh. `false` turns refresh-ahead off. Default 0.15.
   */
  refreshAhead?: number | false;
  /** How long a permanent failure (e.g. `invalid_client`) is re-thrown without a new request, in ms. Default 5 000. */
  failureCooldownMs?: number;
  /** Backstage `LoggerService` or anything with the same methods. Nothing is logged without it. */
  logger?: LoggerLike;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Timer functions, for tests. Default: global timers, `unref`'d. */
  timers?: Timers;
  /** Source of randomness for retry jitter, for tests. Default `Math.random`. */
  random?: () => number;
  /** Axios instance for the token call only. Default: a new instance with no interceptors. */
  httpClient?: AxiosInstance;
  /**
   * Where the `kagenti.auth.*` metrics go: an OpenTelemetry `Meter` or a Backstage
   * `MetricsService`. Default: the global meter provider's meter `@boost/kagenti-auth`
   * (register the SDK before creating the manager); nothing without `@opentelemetry/api`.
   */
  meter?: MeterLike;
  /** Where the `kagenti.auth.token.fetch` spans go. Default: the global tracer `@boost/kagenti-auth`. */
  tracer?: TracerLike;
  /**
   * A store shared by replicas (a Backstage `CacheService` as is): a process with no usable token
   * adopts the one stored there before asking Keycloak, and stores what it fetches, sealed.
   * Store trouble is a miss, never an error. None by default.
   */
  tokenStore?: TokenStore;
  /** Bound on every token store call, in ms; past it the manager goes on without the store. Default 250. */
  tokenStoreTimeoutMs?: number;
  /**
   * Key material that seals stored tokens (HKDF-SHA256, AES-256-GCM). Default: the client secret,
   * or a fixed `privateKey`; required with a `privateKey` function or an external `clientAssertion`.
   */
  tokenStoreSecret?: TokenStoreSecret;
}

/** Options of `getToken` and `getTokenForStreaming`. */
export interface GetTokenOptions {
  /** Releases this caller when aborted; a fetch that others share goes on. */
  signal?: AbortSignal;
}

interface CachedToken extends StoredToken {
  /** Adopted from the token store rather than fetched by this manager. */
  fromStore?: boolean;
  /** With a token store: this manager's random start of refresh-ahead for this token. */
  refreshAt?: number;
}

interface Flight {
  generation: number;
  promise: Promise<CachedToken>;
  controller: AbortController;
  /**
   * Nobody awaits it (refresh-ahead): its retry waits must not keep the process alive. Cleared
   * when a caller joins, so that a script awaiting a token does not exit mid-backoff.
   */
  background: boolean;
  /** A stored token is adopted only with more usable life left than this, in ms. */
  minRemainingMs: number;
  /** The retry wait in progress, to `ref()` it when a caller joins. */
  sleepHandle?: unknown;
}

const keepAlive = (handle: unknown) => (handle as { ref?: () => void } | undefined)?.ref?.();

class ManagerClosedError extends Error {
  constructor() {
    super('KeycloakTokenManager is closed');
    this.name = 'Error';
  }
}

/**
 * Gets access tokens from Keycloak with the OAuth2 client credentials grant, caches them
 * until `expires_in − buffer`, and makes every concurrent caller share one token request.
 */
export class KeycloakTokenManager {
  /**
   * Builds a manager from `boost.kagenti.auth` in app config (a Backstage `Config` or the
   * plain config root), or returns `undefined` when auth is not configured.
   * @throws ConfigurationError when the config is partial or malformed.
   */
  static fromConfig(
    config: ConfigLike | object | undefined,
    options: Omit<KeycloakTokenManagerOptions, 'tokenEndpoint' | 'clientId' | 'clientSecret' | 'tokenExpiryBufferSeconds'> = {},
  ): KeycloakTokenManager | undefined {
    const auth = readKeycloakAuthConfig(config);
    return auth ? new KeycloakTokenManager({ ...options, ...auth }) : undefined;
  }

  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly #bufferMs: number;
  readonly #scope?: string;
  readonly #authenticator: ClientAuthenticator;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #refreshAhead: number | false;
  readonly #failureCooldownMs: number;
  readonly #logger?: LoggerLike;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #httpClient: AxiosInstance;
  readonly #telemetry: TokenTelemetry;
  readonly #store?: SharedTokens;

  #cached?: CachedToken;
  /** The last token rejected or invalidated: never adopted from the store, whatever it holds. */
  #rejectedToken?: string;
  #inflight?: Flight;
  /** Bumped by unconditional invalidation and close: older flights may not write the cache. */
  #generation = 0;
  #failure?: { error: TokenRequestError; until: number };
  #nextBackgroundRefreshAt = 0;
  #closed = false;
  readonly #warned = new Set<string>();
  /**
   * Every flight still running, detached ones included, so that close() reaches them all;
   * aborting a flight also ends its retry wait.
   */
  readonly #controllers = new Set<AbortController>();

  constructor(options: KeycloakTokenManagerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('KeycloakTokenManager needs an options object');
    const { tokenEndpoint, clientId } = options;
    const endpointProblem =
      typeof tokenEndpoint === 'string' ? tokenEndpointProblem(tokenEndpoint) : 'tokenEndpoint must be a string';
    if (endpointProblem) throw new TypeError(endpointProblem);
    if (typeof clientId !== 'string' || clientId.length === 0) throw new TypeError('clientId must be a non-empty string');
    const bufferSeconds = options.tokenExpiryBufferSeconds ?? DEFAULT_TOKEN_EXPIRY_BUFFER_SECONDS;
    assertNumber('tokenExpiryBufferSeconds', bufferSeconds, 0);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
    assertNumber('timeoutMs', timeoutMs, 1);
    // Keys are parsed here, so a bad one fails at startup, not at the first request.
    const authenticator = createClientAuthenticator(tokenEndpoint, clientId, options);
    const retry: RetryPolicy =
      options.retry === false ? { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 } : { ...DEFAULT_RETRY_POLICY, ...options.retry };
    assertNumber('retry.maxAttempts', retry.maxAttempts, 1);
    assertNumber('retry.baseDelayMs', retry.baseDelayMs, 0);
    assertNumber('retry.maxDelayMs', retry.maxDelayMs, 0);
    const refreshAhead = options.refreshAhead ?? DEFAULT_REFRESH_AHEAD_FRACTION;
    if (refreshAhead !== false && !(typeof refreshAhead === 'number' && refreshAhead >= 0 && refreshAhead < 1)) {
      throw new TypeError('refreshAhead must be a number from 0 (inclusive) to 1 (exclusive), or false');
    }
    const failureCooldownMs = options.failureCooldownMs ?? DEFAULT_FAILURE_COOLDOWN_MS;
    assertNumber('failureCooldownMs', failureCooldownMs, 0);

    this.tokenEndpoint = tokenEndpoint;
    this.clientId = clientId;
    this.#bufferMs = bufferSeconds * 1000;
    if (options.scope !== undefined) this.#scope = options.scope;
    this.#authenticator = authenticator;
    this.#timeoutMs = timeoutMs;
    this.#retry = retry;
    this.#refreshAhead = refreshAhead;
    this.#failureCooldownMs = failureCooldownMs;
    if (options.logger) this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
    // A bare instance: the token call must never pass through the Kagenti instance's interceptors.
    this.#httpClient = options.httpClient ?? axios.create();
    this.#telemetry = createTokenTelemetry({
      meter: options.meter,
      tracer: options.tracer,
      clientId,
      remainingSeconds: () => Math.max(0, ((this.#cached?.usableUntil ?? 0) - this.#now()) / 1000),
    });
    if (options.tokenStore !== undefined) {
      const secret = options.tokenStoreSecret ?? tokenStoreSecretFor(authenticator.method, options);
      if (secret === undefined) {
        throw new TypeError(
          `tokenStore with ${authenticator.method} needs tokenStoreSecret: a ${authenticator.method === 'client_assertion' ? 'rotating client assertion' : 'private key function'} is no stable secret to seal stored tokens with`,
        );
      }
      this.#store = new SharedTokenStore({
        store: options.tokenStore,
        secret,
        // An absent scope and an undefined one seal alike; an undefined timeout takes the default.
        binding: { tokenEndpoint, clientId, scope: options.scope },
        timeoutMs: options.tokenStoreTimeoutMs,
        timers: this.#timers,
        now: this.#now,
        ...(options.logger ? { logger: options.logger } : {}),
      });
    }
  }

  /**
   * An access token that is usable now: the cached one while `now < expiry − buffer`,
   * otherwise a fresh one. Concurrent callers share one token request; a failure is
   * given to every waiter and not cached (but see `failureCooldownMs`).
   * @throws TokenRequestError when the token endpoint fails.
   */
  async getToken(options: GetTokenOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    this.#assertOpen();
    const now = this.#now();
    const cached = this.#usable(now);
    if (cached) {
      this.#telemetry.lookup('memory');
      this.#maybeRefreshAhead(cached, now);
      return cached.accessToken;
    }
    const token = await this.#lookUp(now, options.signal).catch((error: unknown) => {
      this.#telemetry.lookup('failed');
      throw error;
    });
    return token.accessToken;
  }

  /**
   * The cached token if it is usable now, without waiting (starting a refresh-ahead when one
   * is due), or `undefined` when a call to `getToken` would have to fetch.
   */
  getCachedToken(): string | undefined {
    // close() empties the cache and no older flight may fill it, so a closed manager has none.
    const now = this.#now();
    const cached = this.#usable(now);
    if (!cached) return undefined;
    this.#telemetry.lookup('memory');
    this.#maybeRefreshAhead(cached, now);
    return cached.accessToken;
  }

  /**
   * A token that stays usable for at least `minLifetimeMs` (for streams that outlive a
   * request). Fetches a fresh one when the cached one falls short, unless a fresh one would
   * fall short too: then the cached one is returned while it has at least half of a fresh
   * token's usable life left, and a warning is logged once. Never loops.
   */
  async getTokenForStreaming(minLifetimeMs: number, options: GetTokenOptions = {}): Promise<string> {
    assertNumber('minLifetimeMs', minLifetimeMs, 0);
    options.signal?.throwIfAborted();
    this.#assertOpen();
    const now = this.#now();
    const cached = this.#usable(now);
    if (cached) {
      const remaining = cached.usableUntil - now;
      if (remaining >= minLifetimeMs) {
        this.#telemetry.lookup('memory');
        this.#maybeRefreshAhead(cached, now);
        return cached.accessToken;
      }
      // The cached token is always the last one fetched or adopted: a fresh one would live as long.
      const freshLifetime = cached.usableLifetimeMs;
      if (freshLifetime < minLifetimeMs) {
        this.#warnShortForStreaming(freshLifetime, minLifetimeMs);
        // A fresh token would miss the target too; only fetch when it is clearly better.
        if (remaining >= freshLifetime * 0.5) {
          this.#telemetry.lookup('memory');
          return cached.accessToken;
        }
      }
    }
    let token: CachedToken;
    try {
      token = await this.#lookUp(now, options.signal, minLifetimeMs);
    } catch (error) {
      // A stream is better served by the usable token it has than by no stream at all.
      const fallback = this.#usable(this.#now());
      this.#telemetry.lookup(fallback && !options.signal?.aborted ? 'memory' : 'failed');
      if (!fallback || options.signal?.aborted) throw error;
      this.#logger?.warn('Could not get a longer-lived Keycloak token for a stream; using the current one', {
        clientId: this.clientId,
        code: error instanceof TokenRequestError ? error.code : undefined,
        remainingMs: fallback.usableUntil - this.#now(),
      });
      return fallback.accessToken;
    }
    if (token.usableLifetimeMs < minLifetimeMs) this.#warnShortForStreaming(token.usableLifetimeMs, minLifetimeMs);
    return token.accessToken;
  }

  /**
   * Drops the cached token. With `token`, only if it is still the cached one
   * (compare-and-invalidate), so a late 401 for an old token cannot throw away a newer one;
   * a fetch in flight goes on and its result is used. Without `token`, unconditionally: the
   * cache, any remembered failure, and the right of a fetch now in flight to fill the cache
   * (its own waiters still get its result).
   * @returns whether anything was dropped.
   */
  invalidate(token?: string): boolean {
    if (token !== undefined) {
      if (this.#store && this.#rejectedToken !== token) void this.#store.deleteIf(token);
      this.#rejectedToken = token;
      if (this.#cached?.accessToken !== token) return false;
      this.#cached = undefined;
      return true;
    }
    if (this.#cached) this.#rejectedToken = this.#cached.accessToken;
    void this.#store?.clear();
    this.#cached = undefined;
    this.#failure = undefined;
    this.#inflight = undefined;
    this.#generation++;
    return true;
  }

  /**
   * Stops all background work: aborts the token request in flight and any retry wait, and
   * drops the cache. Later calls reject. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#generation++;
    this.#cached = undefined;
    this.#inflight = undefined;
    for (const controller of [...this.#controllers]) controller.abort(new ManagerClosedError());
    this.#telemetry.close();
  }

  /**
   * Reports how a 401 retry of the interceptor ended (`kagenti.auth.retries`, and an event on
   * the caller's active span). Called by `installKeycloakAuth`; not needed otherwise.
   */
  recordRetry(outcome: RetryOutcome): void {
    this.#telemetry.retry(outcome);
  }

  /** When the cached token stops being used (epoch ms), or undefined when none is cached. */
  get cachedTokenUsableUntil(): number | undefined {
    return this.#cached?.usableUntil;
  }

  /**
   * Whether a fetch that will fill the cache is in flight (a background refresh included; a
   * fetch detached by `invalidate()` is not).
   */
  get isFetching(): boolean {
    return this.#inflight !== undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ManagerClosedError();
  }

  #usable(now: number): CachedToken | undefined {
    const cached = this.#cached;
    return cached && now < cached.usableUntil ? cached : undefined;
  }

  /** A token that needs waiting for; counted as a lookup once it arrives. */
  async #lookUp(now: number, signal: AbortSignal | undefined, minRemainingMs = 0): Promise<CachedToken> {
    const source = this.#inflight ? 'joined' : 'fetched';
    const token = await this.#wait(this.#sharedFlight(now, minRemainingMs), signal);
    this.#telemetry.lookup(source === 'fetched' && token.fromStore ? 'store' : source);
    return token;
  }

  #sharedFlight(now: number, minRemainingMs = 0): Promise<CachedToken> {
    const inflight = this.#inflight;
    if (inflight) {
      if (inflight.background) {
        inflight.background = false;
        keepAlive(inflight.sleepHandle);
      }
      return inflight.promise;
    }
    if (this.#failure && now < this.#failure.until) return Promise.reject(this.#failure.error);
    return this.#startFlight(false, minRemainingMs).promise;
  }

  #startFlight(background: boolean, minRemainingMs = 0): Flight {
    const generation = this.#generation;
    const controller = new AbortController();
    const flight: Flight = {
      generation,
      controller,
      background,
      minRemainingMs,
      promise: undefined as unknown as Promise<CachedToken>,
    };
    flight.promise = this.#telemetry
      .fetchSpan(background, recorder => this.#fetchWithRetry(flight, recorder))
      .then(
        token => {
          if (this.#generation === generation) {
            this.#cached = token;
            this.#failure = undefined;
          }
          return token;
        },
        (error: unknown) => {
          if (error instanceof TokenRequestError) {
            // Safe by construction: the message and fields hold no secret and no token.
            this.#logger?.debug('Keycloak token request failed', {
              clientId: this.clientId,
              code: error.code,
              status: error.status,
              error: error.message,
            });
          }
          if (this.#generation === generation && error instanceof TokenRequestError) {
            const holdMs = this.#holdFailureMs(error);
            if (holdMs > 0) this.#failure = { error, until: this.#now() + holdMs };
          }
          throw error;
        },
      )
      .finally(() => {
        this.#controllers.delete(controller);
        // Only its own slot: a newer flight started after an invalidation must stay.
        if (this.#inflight === flight) this.#inflight = undefined;
      });
    // Waiters may all have left (aborted); the outcome must not become an unhandled rejection.
    flight.promise.catch(() => undefined);
    this.#controllers.add(controller);
    this.#inflight = flight;
    return flight;
  }

  /**
   * How long a failure is re-thrown without a new request: permanent ones for the cool-down;
   * transient ones only when the server asked for a pause (`Retry-After`) that the retries
   * did not wait out, for that long (at most 5 minutes).
   */
  #holdFailureMs(error: TokenRequestError): number {
    if (error.code === 'CLIENT_SECRET_UNAVAILABLE' || error.code === 'CLIENT_ASSERTION_UNAVAILABLE') return 0;
    if (!error.transient) return this.#failureCooldownMs;
    return Math.min(error.retryAfterMs ?? 0, MAX_RETRY_AFTER_HOLD_MS);
  }

  async #fetchWithRetry(flight: Flight, recorder: TokenFetchRecorder): Promise<CachedToken> {
    const signal = flight.controller.signal;
    const adopted = this.#store && (await this.#adoptStored(this.#store, flight));
    if (adopted) return adopted;
    for (let attempt = 1; ; attempt++) {
      const sentAt = this.#now();
      try {
        const response = await requestClientCredentialsToken({
          tokenEndpoint: this.tokenEndpoint,
          // Per attempt: a retry never reuses a jti, and a rotated credential is picked up.
          authentication: await this.#authenticator.prepare({ now: sentAt }),
          ...(this.#scope !== undefined ? { scope: this.#scope } : {}),
          httpClient: this.#httpClient,
          timeoutMs: this.#timeoutMs,
          timers: this.#timers,
          now: this.#now,
          signal,
        });
        recorder.tokenRequest('success', (this.#now() - sentAt) / 1000);
        const token = this.#toCached(response, sentAt);
        if (this.#generation === flight.generation) void this.#store?.write(token);
        return token;
      } catch (error) {
        const errorType = sentRequestErrorType(error);
        if (errorType !== undefined) recorder.tokenRequest('failure', (this.#now() - sentAt) / 1000, errorType);
        if (signal.aborted || !(error instanceof TokenRequestError) || !error.transient || attempt >= this.#retry.maxAttempts) {
          throw error;
        }
        const delay = retryDelayMs(this.#retry, attempt, error.retryAfterMs, this.#random);
        if (delay === undefined) throw error;
        this.#logger?.debug('Retrying Keycloak token request after a transient failure', {
          clientId: this.clientId,
          code: error.code,
          status: error.status,
          attempt,
          delayMs: delay,
        });
        await this.#sleep(delay, flight);
      }
    }
  }

  #sleep(ms: number, flight: Flight): Promise<void> {
    const signal = flight.controller.signal;
    return new Promise<void>((resolve, reject) => {
      const cancel = () => {
        this.#timers.clearTimeout(handle);
        reject(signal.reason);
      };
      const handle = this.#timers.setTimeout(() => {
        signal.removeEventListener('abort', cancel);
        resolve();
      }, ms);
      flight.sleepHandle = handle;
      // The default timers are unref'd; a wait someone awaits must hold the process open.
      if (!flight.background) keepAlive(handle);
      signal.addEventListener('abort', cancel, { once: true });
    });
  }

  /** A stored token better than the cached one (another replica fetched it), or undefined. */
  async #adoptStored(store: SharedTokens, flight: Flight): Promise<CachedToken | undefined> {
    const stored = await store.read();
    if (!stored || flight.controller.signal.aborted || stored.accessToken === this.#rejectedToken) return undefined;
    if (stored.usableUntil - this.#now() <= flight.minRemainingMs) return undefined;
    if (this.#cached && stored.usableUntil <= this.#cached.usableUntil) return undefined;
    this.#logger?.debug('Adopted the Keycloak token from the token store', {
      clientId: this.clientId,
      usableForMs: stored.usableUntil - this.#now(),
    });
    return { ...stored, fromStore: true };
  }

  #toCached(response: ClientCredentialsToken, sentAt: number): CachedToken {
    let usableLifetimeMs: number;
    if (response.expiresIn === undefined) {
      usableLifetimeMs = UNKNOWN_EXPIRY_USABLE_MS;
      this.#warnOnce(
        'expires-in',
        `Keycloak token response has ${response.expiresInProblem === 'missing' ? 'no' : 'an invalid'} expires_in; using each token for ${UNKNOWN_EXPIRY_USABLE_MS / 1000} s. Check the token endpoint.`,
      );
    } else {
      const lifetimeMs = Math.min(response.expiresIn * 1000, MAX_TOKEN_LIFETIME_MS);
      if (lifetimeMs > this.#bufferMs) {
        usableLifetimeMs = lifetimeMs - this.#bufferMs;
      } else {
        usableLifetimeMs = lifetimeMs * SHORT_LIFETIME_USABLE_FRACTION;
        this.#warnOnce(
          'short-lifetime',
          `Keycloak tokens live ${response.expiresIn} s, not more than the ${this.#bufferMs / 1000} s expiry buffer; each is used for half its lifetime. Lower tokenExpiryBufferSeconds or raise the access token lifespan in Keycloak.`,
        );
      }
    }
    this.#logger?.debug('Fetched Keycloak access token', {
      clientId: this.clientId,
      expiresIn: response.expiresIn,
      usableForMs: usableLifetimeMs,
    });
    return { accessToken: response.accessToken, usableUntil: sentAt + usableLifetimeMs, usableLifetimeMs };
  }

  #maybeRefreshAhead(cached: CachedToken, now: number): void {
    if (this.#refreshAhead === false || this.#inflight) return;
    const window = cached.usableLifetimeMs * this.#refreshAhead;
    // A fleet sharing a store spreads its starts, so that one replica refreshes and the rest adopt.
    if (this.#store) cached.refreshAt ??= cached.usableUntil - window * (1 - STORE_REFRESH_SPREAD * this.#random());
    const windowStart = cached.refreshAt ?? cached.usableUntil - window;
    if (now < windowStart || now < this.#nextBackgroundRefreshAt) return;
    if (this.#failure && now < this.#failure.until) return;
    const flight = this.#startFlight(true);
    flight.promise.catch((error: unknown) => {
      this.#nextBackgroundRefreshAt = this.#now() + BACKGROUND_RETRY_INTERVAL_MS;
      // close() aborts the flight with a ManagerClosedError: nothing to warn about.
      if (this.#closed) return;
      this.#logger?.warn('Background refresh of the Keycloak token failed; the current token stays in use while it lasts', {
        clientId: this.clientId,
        code: error instanceof TokenRequestError ? error.code : undefined,
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }

  #wait<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        value => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  #warnShortForStreaming(usableMs: number, wantedMs: number): void {
    this.#warnOnce(
      'streaming',
      `Keycloak tokens are usable for ${Math.round(usableMs / 1000)} s, less than the ${Math.round(wantedMs / 1000)} s asked for a stream; streams may outlive their token. Raise the access token lifespan in Keycloak, or lower the stream's minimum lifetime or tokenExpiryBufferSeconds.`,
    );
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#logger?.warn(message, { clientId: this.clientId });
  }
}

function assertNumber(name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`${name} must be a finite number of at least ${min}`);
  }
}
