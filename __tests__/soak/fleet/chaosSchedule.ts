// What the fleet soak does to the fleet's surroundings, and when: offsets from the start of the
// traffic, scaled to the run's length and the tokens' lifetime so that a short run keeps the same
// shape. Keycloak outages are windows, since the failures they may excuse are judged against them.

/** What a step acts on; the soak binds each to the real servers. */
export interface ChaosControls {
  /** Epoch ms when the newest token issued so far enters its refresh-ahead window (or now, if that is past). */
  refreshWindowOfNewestToken(): Promise<number>;
  killRedis(): Promise<void>;
  restartRedis(): Promise<void>;
  keycloakHang(): Promise<void>;
  keycloakUnavailable(retryAfterSeconds: number): Promise<void>;
  keycloakHeal(): Promise<void>;
  revokeEveryToken(): Promise<string>;
  /** Keycloak adds an audience to the tokens it issues from now on. */
  keycloakIssuesAudience(audience: string): Promise<void>;
  /** Kagenti requires the audience from now on. */
  kagentiRequiresAudience(audience: string): Promise<void>;
  /** Keycloak accepts the new secret at once and the old one for `graceSeconds`. */
  keycloakRotatesSecret(graceSeconds: number): Promise<void>;
  /** The replicas' secret file gets the new secret. */
  secretFileRotated(): Promise<void>;
}

/** A step: one action, or a Keycloak outage (started, held for `lengthMs`, healed). */
export type ChaosStep =
  | { atMs: number; name: string; run(controls: ChaosControls): Promise<string | void> }
  | {
      atMs: number;
      name: string;
      outage: { lengthMs: number; start(controls: ChaosControls): Promise<void> };
      /** Start no sooner than the newest token's refresh-ahead window, so that the outage meets a refresh. */
      inRefreshWindow?: true;
    };

/** A Keycloak outage as it happened: token requests hang or fail from `startMs` to `endMs` (offsets). */
export interface OutageWindow {
  name: string;
  startMs: number;
  endMs: number;
}

const NEW_AUDIENCE = 'kagenti-tools';
const RETRY_AFTER_SECONDS = 2;

/**
 * The schedule for a run of `durationMs` with tokens of `ttlMs`: Keycloak hanging, then answering
 * 503 with Retry-After, each briefly and inside a refresh-ahead window; every token revoked; the
 * audience Kagenti requires grown (Keycloak first, Kagenti after); the secret rotated with a grace
 * period (Keycloak first, the file after, the old secret refused once the grace ends); Redis killed
 * and restarted; and a Keycloak hang longer than a token lives. The last stretch is calm.
 *
 * Redis goes down late: Backstage's Redis client does not come back after a restart (see the
 * soak's record in TESTING.md), so everything before it runs with the store shared.
 */
export function chaosPlan(durationMs: number, ttlMs: number): ChaosStep[] {
  const at = (fraction: number) => Math.round(durationMs * fraction);
  const redisDown = at(0.68);
  const audience = at(0.5);
  const rotation = at(0.58);
  const graceSeconds = Math.round((0.75 * ttlMs) / 1000);
  const steps: ChaosStep[] = [
    { atMs: redisDown, name: 'kill Redis', run: c => c.killRedis() },
    {
      atMs: redisDown + Math.max(5_000, Math.round(0.3 * ttlMs)),
      name: 'restart Redis (same port, empty)',
      run: c => c.restartRedis(),
    },
    {
      atMs: at(0.2),
      name: 'Keycloak hangs (short, in a refresh-ahead window)',
      inRefreshWindow: true,
      outage: { lengthMs: Math.round(0.15 * ttlMs), start: c => c.keycloakHang() },
    },
    {
      atMs: at(0.33),
      name: `Keycloak answers 503 with Retry-After ${RETRY_AFTER_SECONDS} (short, in a refresh-ahead window)`,
      inRefreshWindow: true,
      outage: { lengthMs: Math.round(0.1 * ttlMs), start: c => c.keycloakUnavailable(RETRY_AFTER_SECONDS) },
    },
    { atMs: at(0.45), name: 'revoke every token', run: c => c.revokeEveryToken() },
    { atMs: audience, name: `Keycloak adds audience ${NEW_AUDIENCE}`, run: c => c.keycloakIssuesAudience(NEW_AUDIENCE) },
    {
      atMs: audience + Math.round(0.15 * ttlMs),
      name: `Kagenti requires audience ${NEW_AUDIENCE}`,
      run: c => c.kagentiRequiresAudience(NEW_AUDIENCE),
    },
    {
      atMs: rotation,
      name: `Keycloak rotates the secret (the old one refused ${graceSeconds} s later)`,
      run: c => c.keycloakRotatesSecret(graceSeconds),
    },
    { atMs: rotation + Math.round(0.2 * ttlMs), name: 'the secret file gets the new secret', run: c => c.secretFileRotated() },
    {
      atMs: at(0.75),
      name: 'Keycloak hangs (longer than a token lives)',
      outage: { lengthMs: Math.round(1.25 * ttlMs), start: c => c.keycloakHang() },
    },
  ];
  return steps.sort((a, b) => a.atMs - b.atMs);
}
