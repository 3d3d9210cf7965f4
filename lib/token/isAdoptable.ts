import type { UsableToken } from '../util/UsableToken';

/** What a stored token is weighed against. */
export interface AdoptionContext {
  now: number;
  /** The token this process holds, if any. */
  cached?: UsableToken | undefined;
  /** The last token this process saw rejected or invalidated. */
  rejected?: string | undefined;
  /** Usable life the token must still have, in ms (a stream's minimum). */
  minRemainingMs: number;
}

/**
 * Whether a token read from the shared store may be adopted instead of asking Keycloak: it is
 * not the token last rejected here, it has more than `minRemainingMs` of usable life left, and
 * it outlives the cached one (another replica fetched it later).
 */
export function isAdoptable(stored: UsableToken | undefined, context: AdoptionContext): stored is UsableToken {
  if (!stored || stored.accessToken === context.rejected) return false;
  if (stored.usableUntil - context.now <= context.minRemainingMs) return false;
  return !context.cached || stored.usableUntil > context.cached.usableUntil;
}
