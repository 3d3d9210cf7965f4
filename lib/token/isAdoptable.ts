import { issuedAt, type UsableToken } from '../util/UsableToken';

/** What a stored token is weighed against. */
export interface AdoptionContext {
  now: number;
  /** The token this process holds, if any, usable or not. */
  cached?: UsableToken | undefined;
  /** The last token this process saw rejected or invalidated. */
  rejected?: string | undefined;
  /** A token issued at or before this time (epoch ms) is never adopted (see `TokenCache.floor`). */
  floor: number;
  /** Usable life the token must still have, in ms (a stream's minimum). */
  minRemainingMs: number;
}

/**
 * Whether a token read from the shared store may be adopted instead of asking Keycloak. Adoption
 * only ever moves forward, whatever the store holds (it may replay entries it held before): the
 * token is not the one last rejected here, it was issued after the adoption floor, it has more
 * than `minRemainingMs` of usable life left, and it is newer than the cached one and outlives it
 * (another replica fetched it later).
 */
export function isAdoptable(stored: UsableToken | undefined, context: AdoptionContext): stored is UsableToken {
  if (!stored || stored.accessToken === context.rejected || issuedAt(stored) <= context.floor) return false;
  if (stored.usableUntil - context.now <= context.minRemainingMs) return false;
  const { cached } = context;
  return !cached || (issuedAt(stored) > issuedAt(cached) && stored.usableUntil > cached.usableUntil);
}
