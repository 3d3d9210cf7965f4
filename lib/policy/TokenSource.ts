import type { RetryOutcome } from '../telemetry/TokenTelemetry';

/** What the interceptors need of a token source; `KeycloakTokenManager` has it. */
export interface TokenSource {
  getToken(options?: { signal?: AbortSignal }): Promise<string>;
  /** A usable cached token without waiting, or undefined; lets the interceptor skip a promise. */
  getCachedToken?(): string | undefined;
  getTokenForStreaming(minLifetimeMs: number, options?: { signal?: AbortSignal; bestEffort?: boolean }): Promise<string>;
  invalidate(token?: string): boolean;
  /** Told how each 401 retry ended, for metrics; `KeycloakTokenManager` records it. */
  recordRetry?(outcome: RetryOutcome): void;
}
