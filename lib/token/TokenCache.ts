import { issuedAt, type UsableToken } from '../util/UsableToken';
import { isUsable } from './expiryPolicy';

/**
 * How long before this process saw a token rejected another replica may have fetched a token
 * that is still adoptable: one that saw the same rejection a moment earlier and fetched at once.
 * Any older stored token was issued before the rejection, may carry the same fault (a revocation,
 * an audience the API now requires), and is not adopted: a retry that adopted it would fail again.
 */
export const PEER_REPAIR_WINDOW_MS = 1_000;

/** A token in this process' cache. */
export interface CachedToken extends UsableToken {
  /** Adopted from the token store rather than fetched by this manager. */
  fromStore?: boolean;
  /** With a token store: this manager's random start of refresh-ahead for this token. */
  refreshAt?: number;
  /** When this process took the token in (fetched or adopted it), epoch ms. */
  takenAt?: number;
}

/**
 * The one token this process hands out, and what it learnt from rejections: the last token
 * rejected, and the adoption floor. Dropping is compare-and-invalidate: a late 401 for an old
 * token cannot throw away a newer one.
 */
export class TokenCache {
  #token?: CachedToken | undefined;
  #rejected?: string;
  #floor = -Infinity;

  /** The cached token, usable or not. */
  get token(): CachedToken | undefined {
    return this.#token;
  }

  /** The last token rejected or invalidated: never adopted from the store, whatever it holds. */
  get rejected(): string | undefined {
    return this.#rejected;
  }

  /**
   * The adoption floor (epoch ms): a stored token whose request was sent at or before it is never
   * adopted. It is the later of when this process took in the last token it dropped as rejected
   * or invalidated (any token issued before then is at least as old as that one, and is what a
   * store replaying captured entries would offer), and `PEER_REPAIR_WINDOW_MS` before it dropped
   * it (a token issued before the rejection may be as stale as the rejected one, though another
   * replica fetched it later: replicas that each fetched their own token hold different ones).
   */
  get floor(): number {
    return this.#floor;
  }

  /** The cached token if it may be handed out at `now`. */
  usable(now: number): CachedToken | undefined {
    const token = this.#token;
    return isUsable(token, now) ? token : undefined;
  }

  fill(token: CachedToken): void {
    this.#token = token;
  }

  /**
   * Marks `accessToken` rejected at `now`, and drops it if it is the cached one.
   * @returns whether the cached token was dropped.
   */
  reject(accessToken: string, now: number): boolean {
    this.#rejected = accessToken;
    if (this.#token?.accessToken !== accessToken) return false;
    this.#drop(this.#token, now);
    return true;
  }

  /** Drops whatever is cached at `now`, remembering it as rejected. */
  dropAll(now: number): void {
    if (this.#token) {
      this.#rejected = this.#token.accessToken;
      this.#drop(this.#token, now);
    }
  }

  #drop(token: CachedToken, now: number): void {
    this.#floor = Math.max(this.#floor, token.takenAt ?? issuedAt(token), now - PEER_REPAIR_WINDOW_MS);
    this.#token = undefined;
  }

  /** Empties the cache (at close), without judging the token. */
  empty(): void {
    this.#token = undefined;
  }
}
