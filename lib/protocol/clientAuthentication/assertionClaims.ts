import { randomUUID } from 'node:crypto';
import { checkNumber } from '../../util/checks';
import type { ClientAuthenticationOptions } from './ClientAuthenticationOptions';

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

/** The `aud` and lifetime of a method's signed assertions, from the options, checked. */
export function assertionSettings(
  tokenEndpoint: string,
  options: Pick<ClientAuthenticationOptions, 'assertionAudience' | 'assertionLifetimeSeconds'>,
): { audience: string; lifetimeSeconds: number } {
  const lifetimeSeconds = checkNumber(
    'assertionLifetimeSeconds',
    options.assertionLifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS,
    {
      min: 1,
      max: MAX_ASSERTION_LIFETIME_SECONDS,
      whole: true,
    },
  );
  const audience = options.assertionAudience ?? defaultAssertionAudience(tokenEndpoint);
  if (typeof audience !== 'string' || audience.trim().length === 0)
    throw new TypeError('assertionAudience must be a non-empty string');
  return { audience, lifetimeSeconds };
}
