import { type ConfigLike, readKeycloakAuthConfig } from '../config/readKeycloakAuthConfig';
import { ManagerClosedError } from '../errors/ManagerClosedError';
import { TokenRequestError } from '../errors/TokenRequestError';
import type { SharedTokenStore } from '../store/SharedTokenStore';
import type { RetryOutcome, TokenLookupSource, TokenTelemetry } from '../telemetry/TokenTelemetry';
import { raceAbort } from '../util/abortable';
import { checkNumber } from '../util/checks';
import { refreshAheadStart, streamingChoice } from './expiryPolicy';
import { createManagerParts } from './createManagerParts';
import type { FailureMemory } from './FailureMemory';
import {
  type GetTokenOptions,
  type KeycloakTokenManagerOptions,
  type ManagerSettings,
  readManagerOptions,
} from './managerOptions';
import type { SingleFlight } from './SingleFlight';
import type { CachedToken, TokenCache } from './TokenCache';
import type { TokenSupplier } from './TokenSupplier';
import type { TokenWarnings } from './TokenWarnings';

export { DEFAULT_TOKEN_TIMEOUT_MS } from './managerOptions';
export type { GetTokenOptions, KeycloakTokenManagerOptions } from './managerOptions';
export { DEFAULT_REFRESH_AHEAD_FRACTION, MAX_TOKEN_LIFETIME_MS, UNKNOWN_EXPIRY_USABLE_MS } from './expiryPolicy';
export { DEFAULT_FAILURE_COOLDOWN_MS } from './FailureMemory';

/** Least time between two failed background refreshes, in ms. */
export const BACKGROUND_RETRY_INTERVAL_MS = 2_000;

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
  readonly #settings: ManagerSettings;
  readonly #cache: TokenCache;
  readonly #flights: SingleFlight<CachedToken>;
  readonly #failures: FailureMemory;
  readonly #supplier: TokenSupplier;
  readonly #warnings: TokenWarnings;
  readonly #telemetry: TokenTelemetry;
  readonly #store?: SharedTokenStore | undefined;
  #nextBackgroundRefreshAt = 0;
  #closed = false;

  constructor(options: KeycloakTokenManagerOptions) {
    this.#settings = readManagerOptions(options);
    this.tokenEndpoint = this.#settings.tokenEndpoint;
    this.clientId = this.#settings.clientId;
    ({
      cache: this.#cache,
      flights: this.#flights,
      failures: this.#failures,
      supplier: this.#supplier,
      warnings: this.#warnings,
      telemetry: this.#telemetry,
      store: this.#store,
    } = createManagerParts(this.#settings, { meter: options.meter, tracer: options.tracer }));
  }

  /**
   * An access token that is usable now: the cached one while `now < expiry − buffer`,
   * otherwise a fresh one. Concurrent callers share one token request; a failure is
   * given to every waiter and not cached (but see `failureCooldownMs`).
   * @throws TokenRequestError when the token endpoint fails.
   */
  async getToken(options: GetTokenOptions = {}): Promise<string> {
    this.#assertCallable(options.signal);
    const cached = this.getCachedToken();
    if (cached !== undefined) return cached;
    return (await this.#lookUp(options.signal, 0)).accessToken;
  }

  /**
   * The cached token if it is usable now, without waiting (starting a refresh-ahead when one
   * is due), or `undefined` when a call to `getToken` would have to fetch.
   */
  getCachedToken(): string | undefined {
    // close() empties the cache and no older flight may fill it, so a closed manager has none.
    const now = this.#settings.now();
    const cached = this.#cache.usable(now);
    if (!cached) return undefined;
    this.#served('memory', cached, now);
    return cached.accessToken;
  }

  /**
   * A token that stays usable for at least `minLifetimeMs` (for streams that outlive a
   * request). Fetches a fresh one when the cached one falls short, unless a fresh one would
   * fall short too: then the cached one is returned while it has at least half of a fresh
   * token's usable life left, and a warning is logged once. Never loops. With `bestEffort` (the
   * Kagenti client's default minimum), a minimum no fresh token can meet is no reason to fetch or
   * warn: the cached token serves while usable.
   */
  async getTokenForStreaming(minLifetimeMs: number, options: GetTokenOptions = {}): Promise<string> {
    checkNumber('minLifetimeMs', minLifetimeMs, { min: 0 });
    this.#assertCallable(options.signal);
    const now = this.#settings.now();
    const cached = this.#cache.usable(now);
    if (cached) {
      const choice = streamingChoice(cached, now, minLifetimeMs);
      if (choice.freshFallsShort && options.bestEffort) {
        // Keycloak's tokens are shorter than the preference: the token in hand is as good as it gets.
        this.#served('memory', cached, now);
        return cached.accessToken;
      }
      if (choice.freshFallsShort) this.#warnings.shortForStreaming(cached.usableLifetimeMs, minLifetimeMs);
      if (choice.action === 'use') {
        // A token too short for a stream is not refreshed ahead: a fresh one would be as short.
        this.#served('memory', choice.freshFallsShort ? undefined : cached, now);
        return cached.accessToken;
      }
    }
    let token: CachedToken;
    try {
      token = await this.#lookUp(options.signal, minLifetimeMs, /* recordFailure */ false);
    } catch (error) {
      return this.#streamingFallback(error, options.signal);
    }
    if (token.usableLifetimeMs < minLifetimeMs && !options.bestEffort) {
      this.#warnings.shortForStreaming(token.usableLifetimeMs, minLifetimeMs);
    }
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
      if (this.#cache.rejected !== token) void this.#store?.deleteIf(token);
      return this.#cache.reject(token, this.#settings.now());
    }
    this.#cache.dropAll(this.#settings.now());
    void this.#store?.clear();
    this.#failures.clear();
    this.#flights.detach();
    return true;
  }

  /**
   * Stops all background work: aborts the token request in flight and any retry wait, and
   * drops the cache. Later calls reject. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.empty();
    this.#flights.abortAll(new ManagerClosedError());
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
    return this.#cache.token?.usableUntil;
  }

  /**
   * Whether a fetch that will fill the cache is in flight (a background refresh included; a
   * fetch detached by `invalidate()` is not).
   */
  get isFetching(): boolean {
    return this.#flights.inProgress;
  }

  #assertCallable(signal: AbortSignal | undefined): void {
    signal?.throwIfAborted();
    if (this.#closed) throw new ManagerClosedError();
  }

  /** Records one lookup served, and starts a refresh-ahead of `refreshable` when one is due. */
  #served(source: TokenLookupSource, refreshable: CachedToken | undefined, now: number): void {
    this.#telemetry.lookup(source);
    if (refreshable) this.#maybeRefreshAhead(refreshable, now);
  }

  /** A token that needs waiting for (joined or fetched), counted as a lookup once it arrives. */
  async #lookUp(signal: AbortSignal | undefined, minRemainingMs: number, recordFailure = true): Promise<CachedToken> {
    let joined = this.#flights.join();
    const now = this.#settings.now();
    let held: TokenRequestError | undefined;
    // Awaited only while a failure is held: otherwise the request leaves in this turn.
    if (!joined && this.#failures.current(now)) {
      held = await this.#heldFailure(now);
      this.#assertCallable(signal);
      // The credential changed: join a flight another caller started meanwhile, or start one.
      joined = held ? undefined : this.#flights.join();
    }
    try {
      if (held) throw held;
      const token = await raceAbort(joined ?? this.#startFlight(false, minRemainingMs), signal);
      this.#served(joined ? 'joined' : token.fromStore ? 'store' : 'fetched', undefined, now);
      return token;
    } catch (error) {
      if (recordFailure) this.#served('failed', undefined, now);
      throw error;
    }
  }

  /** The held failure, unless the credential changed since it (then a flight may start, or have started meanwhile). */
  async #heldFailure(now: number): Promise<TokenRequestError | undefined> {
    const authenticator = this.#settings.authenticator;
    return this.#failures.currentFor(now, authenticator.currentCredential?.bind(authenticator));
  }

  #startFlight(background: boolean, minRemainingMs: number): Promise<CachedToken> {
    return this.#flights.start({ background, minRemainingMs }, flight =>
      this.#telemetry.fetchSpan(background, recorder => this.#supplier.supply(flight, recorder)),
    ).promise;
  }

  #maybeRefreshAhead(cached: CachedToken, now: number): void {
    const fraction = this.#settings.refreshAhead;
    // Stryker disable next-line BooleanLiteral: with false as the fraction the start is the token's end, which a usable token has not reached
    if (fraction === false || this.#flights.inProgress) return;
    // A fleet sharing a store spreads its starts, so that one replica refreshes and the rest adopt.
    const start = this.#store
      ? (cached.refreshAt ??= refreshAheadStart(cached, fraction, this.#settings.random()))
      : refreshAheadStart(cached, fraction);
    if (now < start || now < this.#nextBackgroundRefreshAt || this.#failures.current(now)) return;
    this.#startFlight(true, 0).catch((error: unknown) => {
      this.#nextBackgroundRefreshAt = this.#settings.now() + BACKGROUND_RETRY_INTERVAL_MS;
      // close() aborts the flight with a ManagerClosedError: nothing to warn about.
      if (this.#closed) return;
      this.#settings.logger?.warn(
        'Background refresh of the Keycloak token failed; the current token stays in use while it lasts',
        {
          clientId: this.clientId,
          code: error instanceof TokenRequestError ? error.code : undefined,
          error: error instanceof Error ? error.message : String(error),
        },
      );
    });
  }

  /** A stream is better served by the usable token it has than by no stream at all. */
  #streamingFallback(error: unknown, signal: AbortSignal | undefined): string {
    const now = this.#settings.now();
    const fallback = this.#cache.usable(now);
    this.#served(fallback && !signal?.aborted ? 'memory' : 'failed', undefined, now);
    if (!fallback || signal?.aborted) throw error;
    this.#settings.logger?.warn('Could not get a longer-lived Keycloak token for a stream; using the current one', {
      clientId: this.clientId,
      code: error instanceof TokenRequestError ? error.code : undefined,
      remainingMs: fallback.usableUntil - now,
    });
    return fallback.accessToken;
  }
}
