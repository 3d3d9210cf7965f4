import type { ClientAuthentication } from './ClientAuthenticator';

const SETTINGS: Partial<Record<ClientAuthentication, string>> = {
  private_key_jwt:
    'that the client\'s Credentials tab in Keycloak has Client Authenticator "Signed JWT" and holds this key\'s public key or certificate (or a JWKS URL that serves it, with the same kid)',
  client_secret_jwt:
    'that the client\'s Credentials tab in Keycloak has Client Authenticator "Signed JWT with Client Secret" and the same secret',
  client_assertion:
    "that the client in Keycloak is set up for federated client authentication (an identity provider that trusts the assertion's issuer, and a subject matching its sub), and that the assertion has not expired",
};

/**
 * What to check when Keycloak answers `invalid_client` to an assertion: the registered key or
 * secret, the client authenticator setting, the audience, and the clock (local time, and the
 * skew against the server's `Date` when it sent one).
 */
export function invalidClientAssertionHint(
  method: ClientAuthentication,
  audience: string | undefined,
  clock: { now: number; serverDate?: number },
): string {
  const checks = [SETTINGS[method] ?? 'the client authentication settings in Keycloak'];
  if (audience !== undefined)
    checks.push(`that aud ${audience} is the realm issuer or the token endpoint (set assertionAudience otherwise)`);
  let time = `the clock: local time is ${new Date(clock.now).toISOString()}`;
  if (clock.serverDate !== undefined) {
    const skewSeconds = Math.round((clock.serverDate - clock.now) / 1000);
    time +=
      skewSeconds === 0
        ? ", the same second as the server's Date"
        : // Stryker disable next-line EqualityOperator: a skew of 0 took the branch above, so > 0 and >= 0 agree here
          `, the server's Date is ${new Date(clock.serverDate).toISOString()} (this host is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'behind' : 'ahead'})`;
  }
  checks.push(`${time}; Keycloak refuses an iat more than 15 s ahead or an expired exp`);
  return `Check ${checks.join('; ')}.`;
}
