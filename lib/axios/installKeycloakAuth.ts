import type { AxiosInstance } from 'axios';
import type { LoggerLike } from '../logging/LoggerLike';
import { authorizeRequests } from './authorizeRequests';
import { OriginPolicy } from '../policy/OriginPolicy';
import { RedirectGuard } from './RedirectGuard';
import { retryRejectedToken } from './retryRejectedToken';
import { SentTokens } from './SentTokens';
import type { TokenSource } from '../policy/TokenSource';

export type { TokenSource } from '../policy/TokenSource';

/** Options of {@link installKeycloakAuth}. */
export interface InstallKeycloakAuthOptions {
  /**
   * Origins (`https://host:port`) whose requests get the token. Default: the origin of the
   * instance's `baseURL`. Any other origin is sent no token, so an absolute URL to a third
   * party can never leak it.
   */
  allowedOrigins?: readonly string[];
  /** Receives a debug line per 401 retry. */
  logger?: LoggerLike;
}

/** Handle returned by {@link installKeycloakAuth}. */
export interface KeycloakAuthInstallation {
  readonly requestInterceptorId: number;
  readonly responseInterceptorId: number;
  /** Removes both interceptors. Idempotent. */
  eject(): void;
}

const installedOn = new WeakSet<AxiosInstance>();

/**
 * Installs bearer-token auth on an axios instance, in one line:
 *
 * - a request interceptor sets `Authorization: Bearer <token>` on requests to an allowed
 *   origin (per-request options under `config.kagentiAuth`), and guards their redirects;
 * - a response interceptor, on a 401 that rejects the token (no challenge, or
 *   `error="invalid_token"`), drops exactly that token, gets a fresh one (or the one a
 *   concurrent request already fetched) and retries the request once. A second 401, and
 *   every other error, reaches the caller with the token redacted.
 */
export function installKeycloakAuth(
  instance: AxiosInstance,
  tokens: TokenSource,
  options: InstallKeycloakAuthOptions = {},
): KeycloakAuthInstallation {
  assertInstallable(instance, tokens);
  const policy = OriginPolicy.create(
    options.allowedOrigins,
    instance.defaults.baseURL,
    'installKeycloakAuth: the axios instance has no absolute baseURL; set one or pass allowedOrigins, so that the token only goes where it belongs',
  );
  const redirectGuard = new RedirectGuard(policy);
  const sentTokens = new SentTokens();

  // Synchronous: axios skips a promise step per request when every request interceptor is.
  const requestInterceptorId = instance.interceptors.request.use(
    authorizeRequests({ tokens, policy, redirectGuard, sentTokens }),
    null,
    { synchronous: true },
  );
  const responseInterceptorId = instance.interceptors.response.use(
    null,
    retryRejectedToken({ instance, tokens, policy, sentTokens, logger: options.logger }),
  );
  return trackInstallation(instance, requestInterceptorId, responseInterceptorId);
}

function assertInstallable(instance: AxiosInstance, tokens: TokenSource): void {
  if (!instance || typeof instance.interceptors?.request?.use !== 'function') {
    throw new TypeError('installKeycloakAuth needs an axios instance');
  }
  if (!tokens || typeof tokens.getToken !== 'function' || typeof tokens.invalidate !== 'function') {
    throw new TypeError('installKeycloakAuth needs a token manager');
  }
  if (installedOn.has(instance)) {
    throw new TypeError('installKeycloakAuth is already installed on this axios instance; eject() it first');
  }
}

/** One installation per instance at a time: a second one would attach and retry twice. */
function trackInstallation(
  instance: AxiosInstance,
  requestInterceptorId: number,
  responseInterceptorId: number,
): KeycloakAuthInstallation {
  installedOn.add(instance);
  let ejected = false;
  return {
    requestInterceptorId,
    responseInterceptorId,
    eject() {
      if (ejected) return;
      ejected = true;
      instance.interceptors.request.eject(requestInterceptorId);
      instance.interceptors.response.eject(responseInterceptorId);
      installedOn.delete(instance);
    },
  };
}
