/**
 * A token as the package keeps it, in the process cache and in the shared store alike: the
 * value, and until when it is handed out.
 */
export interface UsableToken {
  accessToken: string;
  /** Until when (epoch ms, exclusive) the token is handed out; counted from when its request was sent. */
  usableUntil: number;
  /** `usableUntil` minus the time its request was sent, in ms. */
  usableLifetimeMs: number;
}

/** When the request that got `token` was sent (epoch ms): what "older" and "newer" compare. */
export function issuedAt(token: UsableToken): number {
  return token.usableUntil - token.usableLifetimeMs;
}

/**
 * What any access token the package hands out must be: visible ASCII only. RFC 6750's b64token
 * is stricter; unusual but harmless token formats pass, while CR, LF and anything else that could
 * split a header do not. Read by the token response check and by the token store.
 */
export const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;

/** Longest time any token is cached, whatever `expires_in` says: one day, in ms. */
export const MAX_TOKEN_LIFETIME_MS = 86_400_000;
