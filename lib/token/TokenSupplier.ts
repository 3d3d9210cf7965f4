import { TokenRequestError } from '../errors/TokenRequestError';
import type { LoggerLike } from '../logging/LoggerLike';
import type { SharedTokenStore } from '../store/SharedTokenStore';
import type { TokenFetchRecorder } from '../telemetry/TokenTelemetry';
import { usableLifetime } from './expiryPolicy';
import type { FailureMemory } from './FailureMemory';
import { type FetchedToken, fetchWithRetry, type TokenFetchParts } from './fetchWithRetry';
import { isAdoptable } from './isAdoptable';
import type { Flight } from './SingleFlight';
import type { CachedToken, TokenCache } from './TokenCache';
import type { TokenWarnings } from './TokenWarnings';

/** What a supplier needs besides the fetch loop's parts. */
export interface TokenSupplierParts {
  fetch: TokenFetchParts;
  /** The expiry buffer, in ms. */
  bufferMs: number;
  cache: TokenCache;
  failures: FailureMemory;
  store?: Pick<SharedTokenStore, 'read' | 'write'> | undefined;
  /** Whether a flight may still write shared state (the single flight's generation guard). */
  mayWrite: (flight: Flight<CachedToken>) => boolean;
  warnings: TokenWarnings;
  logger?: LoggerLike | undefined;
}

/**
 * Where a new token comes from, for one flight: the shared store when it holds a better one than
 * this process has (another replica fetched it), otherwise Keycloak, whose token is then stored;
 * and what the flight's outcome writes to the cache and the failure memory.
 */
export class TokenSupplier {
  constructor(private readonly parts: TokenSupplierParts) {}

  /**
   * The token for `flight`, and what its outcome writes while the flight may still write (no
   * invalidation or close since it started): a token fills the cache and ends a held failure; a
   * failure worth holding is remembered (see `failureHoldMs`).
   */
  async supply(flight: Flight<CachedToken>, recorder: TokenFetchRecorder): Promise<CachedToken> {
    let token: CachedToken;
    const used: { credential?: string | undefined } = {};
    try {
      token = await this.#next(flight, recorder, used);
    } catch (error) {
      if (error instanceof TokenRequestError) {
        // Safe by construction: the message and fields hold no secret and no token.
        this.parts.logger?.debug('Keycloak token request failed', {
          clientId: this.parts.fetch.clientId,
          code: error.code,
          status: error.status,
          error: error.message,
        });
        if (this.parts.mayWrite(flight)) this.parts.failures.remember(error, used.credential);
      }
      throw error;
    }
    if (this.parts.mayWrite(flight)) {
      this.parts.cache.fill(token);
      this.parts.failures.clear();
    }
    return token;
  }

  async #next(
    flight: Flight<CachedToken>,
    recorder: TokenFetchRecorder,
    used: { credential?: string | undefined },
  ): Promise<CachedToken> {
    // Without a store, no await: the request leaves in the same turn as the caller that needed it.
    const adopted = this.parts.store && (await this.#adopt(this.parts.store, flight));
    if (adopted) return adopted;
    const token = this.#toCached(await fetchWithRetry(this.parts.fetch, flight, recorder, used));
    if (this.parts.mayWrite(flight)) void this.parts.store?.write(token);
    return token;
  }

  async #adopt(store: Pick<SharedTokenStore, 'read' | 'write'>, flight: Flight<CachedToken>): Promise<CachedToken | undefined> {
    const { cache, fetch } = this.parts;
    const stored = await store.read();
    if (flight.signal.aborted) return undefined;
    const now = fetch.now();
    const context = {
      now,
      cached: cache.token,
      rejected: cache.rejected,
      floor: cache.floor,
      minRemainingMs: flight.minRemainingMs,
    };
    if (!isAdoptable(stored, context)) {
      return undefined;
    }
    this.parts.logger?.debug('Adopted the Keycloak token from the token store', {
      clientId: fetch.clientId,
      usableForMs: stored.usableUntil - now,
    });
    return { ...stored, fromStore: true, takenAt: now };
  }

  #toCached({ response, sentAt }: FetchedToken): CachedToken {
    const { usableLifetimeMs, note } = usableLifetime(response, this.parts.bufferMs);
    if (note) this.parts.warnings.lifetime(note, response.expiresIn, this.parts.bufferMs);
    this.parts.logger?.debug('Fetched Keycloak access token', {
      clientId: this.parts.fetch.clientId,
      expiresIn: response.expiresIn,
      usableForMs: usableLifetimeMs,
    });
    const takenAt = this.parts.fetch.now();
    return { accessToken: response.accessToken, usableUntil: sentAt + usableLifetimeMs, usableLifetimeMs, takenAt };
  }
}
