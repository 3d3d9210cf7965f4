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

interface HeldFailure {
  error: TokenRequestError;
  until: number;
  /** Digest of the credential the failed attempt used, when it can change. */
  credential?: string | undefined;
  /** The check of the credential in place now, shared by the callers that ask meanwhile. */
  checking?: Promise<boolean> | undefined;
}

/**
 * The last failure worth holding, until when it is re-thrown instead of asking again, and the
 * credential it is bound to: a failure does not stand for a credential that changed since.
 */
export class FailureMemory {
  #held?: HeldFailure | undefined;

  constructor(
    private readonly cooldownMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Remembers `error` for as long as {@link failureHoldMs} says (not at all for 0), bound to
   * `credential`, the digest of the credential the failed attempt used.
   */
  remember(error: TokenRequestError, credential?: string): void {
    const holdMs = failureHoldMs(error, this.cooldownMs);
    if (holdMs > 0) this.#held = { error, until: this.now() + holdMs, credential };
  }

  /** The failure to re-throw at `now`, if one is held, whatever the credential in place. */
  current(now: number): TokenRequestError | undefined {
    const held = this.#held;
    return held && now < held.until ? held.error : undefined;
  }

  /**
   * The failure to re-throw at `now`, unless the credential changed since it: then it is
   * forgotten and the next request tries at once. `currentCredential` gives the digest of the
   * credential in place (absent when it cannot change); one check at a time is shared by every
   * caller, and a credential that cannot be had counts as unchanged.
   */
  async currentFor(now: number, currentCredential: (() => Promise<string>) | undefined): Promise<TokenRequestError | undefined> {
    const held = this.#held;
    if (!held || now >= held.until) return undefined;
    if (held.credential === undefined || !currentCredential) return held.error;
    held.checking ??= currentCredential().then(
      credential => credential !== held.credential,
      () => false,
    );
    const changed = await held.checking;
    held.checking = undefined;
    if (!changed) return held.error;
    if (this.#held === held) this.#held = undefined;
    return undefined;
  }

  clear(): void {
    this.#held = undefined;
  }
}
