import type { AxiosInstance } from 'axios';
import { TokenRequestError } from '../errors/TokenRequestError';
import type { LoggerLike } from '../logging/LoggerLike';
import type { ClientAuthenticator } from '../protocol/clientAuthentication/ClientAuthenticator';
import { requestClientCredentialsToken } from '../protocol/requestClientCredentialsToken';
import type { TokenResponse } from '../protocol/TokenHttpResponse';
import { sentRequestErrorType } from '../telemetry/errorType';
import type { TokenFetchRecorder } from '../telemetry/TokenTelemetry';
import type { Timers } from '../util/Timers';
import { type RetryPolicy, retryDelayMs } from './RetryPolicy';
import { type Flight, sleepInFlight } from './SingleFlight';

/** What the fetch loop works with: the request's settings and the manager's clock, timers and randomness. */
export interface TokenFetchParts {
  tokenEndpoint: string;
  clientId: string;
  scope?: string | undefined;
  authenticator: ClientAuthenticator;
  httpClient: AxiosInstance;
  timeoutMs: number;
  retry: RetryPolicy;
  timers: Timers;
  now: () => number;
  random: () => number;
  logger?: LoggerLike | undefined;
}

/** A token response, and when the request that got it was started (its lifetime counts from then). */
export interface FetchedToken {
  response: TokenResponse;
  sentAt: number;
}

/**
 * Asks Keycloak for a token until it gets one or must give up: per attempt, prepare the client
 * authentication, send and judge, record the request (unless nothing was sent), then either
 * return, give up, or wait the retry delay.
 */
export async function fetchWithRetry(
  parts: TokenFetchParts,
  flight: Flight<unknown>,
  recorder: TokenFetchRecorder,
  /** Set to the digest of the credential each attempt used: what a failure is remembered against. */
  used: { credential?: string | undefined } = {},
): Promise<FetchedToken> {
  for (let attempt = 1; ; attempt++) {
    const sentAt = parts.now();
    let startedAt = sentAt;
    used.credential = undefined;
    try {
      // Per attempt: a retry never reuses a jti, and a rotated credential is picked up.
      const authentication = await parts.authenticator.prepare({ now: sentAt });
      used.credential = authentication.credential;
      startedAt = parts.now();
      const response = await requestClientCredentialsToken({
        tokenEndpoint: parts.tokenEndpoint,
        authentication,
        scope: parts.scope,
        httpClient: parts.httpClient,
        timeoutMs: parts.timeoutMs,
        timers: parts.timers,
        now: parts.now,
        signal: flight.signal,
      });
      recorder.tokenRequest('success', (parts.now() - startedAt) / 1000);
      return { response, sentAt };
    } catch (error) {
      // A credential that could not be had sent nothing (TokenRequestError.sent): no request to count.
      const errorType = sentRequestErrorType(error);
      // Stryker disable next-line StringLiteral: the telemetry records any outcome but 'success' as a failure
      if (errorType !== undefined) recorder.tokenRequest('failure', (parts.now() - startedAt) / 1000, errorType);
      const delay = retryDelayAfter(error, attempt, parts, flight.signal);
      if (delay === undefined) throw error;
      parts.logger?.debug('Retrying Keycloak token request after a transient failure', {
        clientId: parts.clientId,
        code: (error as TokenRequestError).code,
        status: (error as TokenRequestError).status,
        attempt,
        delayMs: delay,
      });
      await sleepInFlight(flight, delay, parts.timers);
    }
  }
}

/** The wait before the next attempt, or `undefined` to give up: aborted, not transient, out of attempts, or a `Retry-After` too long. */
function retryDelayAfter(error: unknown, attempt: number, parts: TokenFetchParts, signal: AbortSignal): number | undefined {
  if (signal.aborted || !(error instanceof TokenRequestError) || !error.transient || attempt >= parts.retry.maxAttempts) {
    return undefined;
  }
  return retryDelayMs(parts.retry, attempt, error.retryAfterMs, parts.random);
}
