import type { TokenResponse } from '../protocol/TokenHttpResponse';
import { MAX_TOKEN_LIFETIME_MS, type UsableToken } from '../util/UsableToken';

/** How long a token is used when the server sends no usable `expires_in`, in ms. */
export const UNKNOWN_EXPIRY_USABLE_MS = 30_000;
/** Share of its lifetime a token is used for when `expires_in` is not above the buffer. */
export const SHORT_LIFETIME_USABLE_FRACTION = 0.5;
/** Default share of a token's usable life, at its end, in which a background refresh starts. */
export const DEFAULT_REFRESH_AHEAD_FRACTION = 0.15;
/** With a token store, the share of the refresh-ahead window (from its start) in which each manager picks its random start. */
export const STORE_REFRESH_SPREAD = 0.75;
/** A stream is served a token that falls short of its minimum while it keeps this share of a fresh one's life. */
export const STREAM_FALLBACK_FRACTION = 0.5;

export { MAX_TOKEN_LIFETIME_MS };

/** Why a fresh token is used for less than `expires_in − buffer`. */
export type LifetimeNote = 'missing-expiry' | 'invalid-expiry' | 'short-lifetime';

/**
 * How long a fresh token is handed out, in ms: `expires_in − buffer`, `expires_in` capped at one
 * day; half its lifetime when that is not above the buffer; {@link UNKNOWN_EXPIRY_USABLE_MS}
 * without a usable `expires_in`. The note says which rule fell short, for a warning.
 */
export function usableLifetime(response: TokenResponse, bufferMs: number): { usableLifetimeMs: number; note?: LifetimeNote } {
  if (response.expiresIn === undefined) {
    return {
      usableLifetimeMs: UNKNOWN_EXPIRY_USABLE_MS,
      note: response.expiresInProblem === 'missing' ? 'missing-expiry' : 'invalid-expiry',
    };
  }
  const lifetimeMs = Math.min(response.expiresIn * 1000, MAX_TOKEN_LIFETIME_MS);
  if (lifetimeMs > bufferMs) return { usableLifetimeMs: lifetimeMs - bufferMs };
  return { usableLifetimeMs: lifetimeMs * SHORT_LIFETIME_USABLE_FRACTION, note: 'short-lifetime' };
}

/** Whether a token may still be handed out at `now`. */
export function isUsable(token: UsableToken | undefined, now: number): token is UsableToken {
  return token !== undefined && now < token.usableUntil;
}

/**
 * When a background refresh of `token` may start (epoch ms): `fraction` of its usable life before
 * its end. `spread`, a draw from [0, 1) given by managers sharing a store, moves the start later
 * into that window (at most {@link STORE_REFRESH_SPREAD} of it), so that one replica refreshes and
 * the rest adopt its token.
 */
export function refreshAheadStart(token: UsableToken, fraction: number, spread = 0): number {
  const window = token.usableLifetimeMs * fraction;
  return token.usableUntil - window * (1 - STORE_REFRESH_SPREAD * spread);
}

/** What a stream that needs `minLifetimeMs` is served. */
export interface StreamingChoice {
  /** `use` the cached token, or `fetch` a fresh one. */
  action: 'use' | 'fetch';
  /** A fresh token would fall short of the minimum too (worth a warning). */
  freshFallsShort: boolean;
}

/**
 * The streaming rule: the cached token while it has `minLifetimeMs` left; otherwise a fresh one,
 * unless a fresh one would fall short too (the cached token is the last one fetched or adopted,
 * so a fresh one lives as long): then the cached one while it keeps at least half a fresh one's life.
 */
export function streamingChoice(token: UsableToken, now: number, minLifetimeMs: number): StreamingChoice {
  const remaining = token.usableUntil - now;
  if (remaining >= minLifetimeMs) return { action: 'use', freshFallsShort: false };
  const fresh = token.usableLifetimeMs;
  if (fresh >= minLifetimeMs) return { action: 'fetch', freshFallsShort: false };
  return { action: remaining >= fresh * STREAM_FALLBACK_FRACTION ? 'use' : 'fetch', freshFallsShort: true };
}
