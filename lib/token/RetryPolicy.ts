/** How transient token-endpoint failures (timeouts, refused connections, 5xx, 429) are retried. */
export interface RetryPolicy {
  /** Attempts per token fetch, the first included. 1 turns retrying off. Default 3. */
  maxAttempts: number;
  /** Backoff ceiling before jitter for the first retry, in ms; doubles per retry. Default 200. */
  baseDelayMs: number;
  /** Cap on any single delay, in ms. A `Retry-After` longer than this is not waited out. Default 5 000. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
});

/**
 * Delay before retry number `retry` (1 for the first retry): "full jitter", a uniform draw
 * from [0, min(maxDelayMs, baseDelayMs · 2^(retry−1))), raised to `Retry-After` when the
 * server sent one. Undefined when the server asks for more than `maxDelayMs`: give up now.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number | undefined {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  if (retryAfterMs > policy.maxDelayMs) return undefined;
  return Math.max(jittered, retryAfterMs);
}
