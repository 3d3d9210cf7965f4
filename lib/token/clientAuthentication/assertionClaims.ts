import { randomUUID } from 'node:crypto';

/** Default lifetime of a signed client assertion, in seconds. */
export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 30;
/** Keycloak's default `token.endpoint.auth.signing.max.exp`: `exp − iat` may not exceed it. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 60;

const KEYCLOAK_TOKEN_SUFFIX = '/protocol/openid-connect/token';

/** RFC 7523 §3 claims of a client assertion. */
export interface AssertionClaims {
  iss: string;
  sub: string;
  aud: string;
  jti: string;
  iat: number;
  exp: number;
}

/**
 * The audience Keycloak prefers: the realm issuer (the token endpoint without
 * `/protocol/openid-connect/token`), or the token endpoint itself when it has another shape.
 */
export function defaultAssertionAudience(tokenEndpoint: string): string {
  const url = new URL(tokenEndpoint.trim());
  const path = url.pathname.replace(/\/+$/, '');
  return path.endsWith(KEYCLOAK_TOKEN_SUFFIX)
    ? `${url.origin}${path.slice(0, -KEYCLOAK_TOKEN_SUFFIX.length)}`
    : `${url.origin}${url.pathname}`;
}

/** Fresh claims for one attempt: a new `jti`, `iat` from the injected clock (whole seconds). */
export function assertionClaims(clientId: string, audience: string, nowMs: number, lifetimeSeconds: number): AssertionClaims {
  const iat = Math.floor(nowMs / 1000);
  return { iss: clientId, sub: clientId, aud: audience, jti: randomUUID(), iat, exp: iat + lifetimeSeconds };
}
