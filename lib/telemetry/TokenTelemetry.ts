/**
 * Where a token came from, for `kagenti.auth.token.lookups`: `memory` (the in-process cache),
 * `store` (adopted from the shared token store), `joined` (waited on a fetch already in
 * flight), `fetched` (started one), `failed` (no token was handed out).
 */
export type TokenLookupSource = 'memory' | 'store' | 'joined' | 'fetched' | 'failed';

/** How a 401 retry ended: `success`, `rejected` (the retry got 401 too) or `error` (anything else). */
export type RetryOutcome = 'success' | 'rejected' | 'error';

/** How one HTTP request to the token endpoint ended. */
export type TokenRequestOutcome = 'success' | 'failure';

/** What one shared token fetch reports while its span is the active context. */
export interface TokenFetchRecorder {
  /**
   * One HTTP request to the token endpoint ended (each retry attempt counts).
   * @param durationSeconds - from sending to the answer, in seconds.
   * @param errorType - the `TokenRequestError` code on failure.
   */
  tokenRequest(outcome: TokenRequestOutcome, durationSeconds: number, errorType?: string): void;
}

/** What the token manager and the interceptor report. Every method is cheap and never throws. */
export interface TokenTelemetry {
  /**
   * Runs one shared token fetch inside its span (`kagenti.auth.token.fetch`), made the active
   * context so that HTTP instrumentation nests the attempts under it.
   */
  fetchSpan<T>(refreshAhead: boolean, run: (recorder: TokenFetchRecorder) => Promise<T>): Promise<T>;
  /** One token was asked for (by the interceptor or a direct call). */
  lookup(source: TokenLookupSource): void;
  /** One 401 retry ended; also an event on the caller's active span. */
  retry(outcome: RetryOutcome): void;
  /** Stops observing the remaining-lifetime gauge. Idempotent. */
  close(): void;
}

const NOOP_RECORDER: TokenFetchRecorder = { tokenRequest() {} };

/** Records nothing: used when `@opentelemetry/api` cannot be loaded and no meter or tracer is given. */
export const NOOP_TOKEN_TELEMETRY: TokenTelemetry = {
  fetchSpan: (_refreshAhead, run) => run(NOOP_RECORDER),
  lookup() {},
  retry() {},
  close() {},
};
