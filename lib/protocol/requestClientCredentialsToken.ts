import type { AxiosInstance } from 'axios';
import { Redactor } from '../util/Redactor';
import type { Timers } from '../util/Timers';
import type { PreparedClientAuthentication } from './clientAuthentication/ClientAuthenticator';
import { processTokenResponse } from './processTokenResponse';
import { sendTokenRequest } from './sendTokenRequest';
import type { TokenResponse } from './TokenHttpResponse';
import { tokenRequestFailure } from './tokenRequestFailure';

export type { TokenResponse } from './TokenHttpResponse';
export { parseRetryAfter } from './parseRetryAfter';

/** One client credentials token request. */
export interface ClientCredentialsRequest {
  tokenEndpoint: string;
  /** What this attempt's client authentication adds: headers, form fields, strings to redact. */
  authentication: PreparedClientAuthentication;
  scope?: string | undefined;
  httpClient: AxiosInstance;
  timeoutMs: number;
  timers: Timers;
  /** Clock in epoch ms, for HTTP-date `Retry-After` values and clock hints. */
  now: () => number;
  /** Aborts the request (used by `close()`); the rejection is the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * Performs one OAuth2 client credentials token request (RFC 6749 §4.4): builds the form, sends
 * it ({@link sendTokenRequest}) and judges the answer ({@link processTokenResponse}). Every
 * failure is a `TokenRequestError` built from safe parts only, or the abort reason of `signal`.
 */
export async function requestClientCredentialsToken(request: ClientCredentialsRequest): Promise<TokenResponse> {
  const { authentication } = request;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (request.scope) form.set('scope', request.scope);
  for (const [name, value] of Object.entries(authentication.form)) form.set(name, value);
  const body = form.toString();
  const redactor = new Redactor().add(...authentication.secrets, body);
  const fail = tokenRequestFailure(request.tokenEndpoint);
  const response = await sendTokenRequest({
    tokenEndpoint: request.tokenEndpoint,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...authentication.headers },
    body,
    httpClient: request.httpClient,
    timeoutMs: request.timeoutMs,
    timers: request.timers,
    signal: request.signal,
    fail,
    redactor,
  });
  return processTokenResponse(response, {
    fail,
    redactor,
    now: request.now(),
    invalidClientHint: authentication.invalidClientHint,
  });
}
