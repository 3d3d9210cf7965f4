import type { TokenRequestError } from '../errors/TokenRequestError';

/** Default time a permanent token-endpoint failure is remembered and re-thrown, in ms. */
export const DEFAULT_FAILURE_COOLDOWN_MS = 5_000;
/** Longest `Retry-After` pause honoured by re-throwing the failure, in ms. */
export const MAX_RETRY_AFTER_HOLD_MS = 300_000;

/**
 * How long a failure is re-thrown without a new request, in ms: never when nothing was sent (a
 * credential source failed: the next call asks it again); permanent ones for the cool-down;
 * transient ones only when the server asked for a pause (`Retry-After`) the retries did not wait
 * out, for that long (at most {@link MAX_RETRY_AFTER_HOLD_MS}).
 */
export function failureHoldMs(error: TokenRequestError, cooldownMs: number): number {
  if (!error.sent) return 0;
  if (!error.transient) return cooldownMs;
  return Math.min(error.retryAfterMs ?? 0, MAX_RETRY_AFTER_HOLD_MS);
}

/** The last failure worth holding, and until when it is re-thrown instead of asking again. */
export class FailureMemory {
  #held?: { error: TokenRequestError; until: number };

  constructor(
    private readonly cooldownMs: number,
    private readonly now: () => number,
  ) {}

  /** Remembers `error` for as long as {@link failureHoldMs} says (not at all for 0). */
  remember(error: TokenRequestError): void {
    const holdMs = failureHoldMs(error, this.cooldownMs);
    if (holdMs > 0) this.#held = { error, until: this.now() + holdMs };
  }

  /** The failure to re-throw at `now`, if one is held. */
  current(now: number): TokenRequestError | undefined {
    const held = this.#held;
    return held && now < held.until ? held.error : undefined;
  }

  clear(): void {
    this.#held = undefined;
  }
}
