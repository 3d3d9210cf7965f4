import axios, { type AxiosInstance } from 'axios';
import { DEFAULT_TOKEN_EXPIRY_BUFFER_SECONDS } from '../config/kagentiAuthConfigSchema';
import type { LoggerLike } from '../logging/LoggerLike';
import type { ClientAuthenticator } from '../protocol/clientAuthentication/ClientAuthenticator';
import type { ClientAuthenticationOptions } from '../protocol/clientAuthentication/ClientAuthenticationOptions';
import { createClientAuthenticator } from '../protocol/clientAuthentication/createClientAuthenticator';
import { tokenEndpointProblem } from '../protocol/tokenEndpointProblem';
import type { MeterLike } from '../telemetry/MeterLike';
import type { TracerLike } from '../telemetry/TracerLike';
import type { TokenStore, TokenStoreSecret } from '../store/TokenStore';
import { checkNonEmptyString, checkNumber, checkObject } from '../util/checks';
import { realTimers, type Timers } from '../util/Timers';
import { DEFAULT_REFRESH_AHEAD_FRACTION } from './expiryPolicy';
import { DEFAULT_FAILURE_COOLDOWN_MS } from './FailureMemory';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './RetryPolicy';
import { tokenStoreSecretFor } from './tokenStoreSecretFor';

/** Default time limit for one token request, in ms. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 10_000;

/**
 * Options of {@link KeycloakTokenManager}. Client authentication (`clientSecret`, `privateKey`,
 * `clientAssertion`, …): see {@link ClientAuthenticationOptions}; exactly one credential.
 */
export interface KeycloakTokenManagerOptions extends ClientAuthenticationOptions {
  /** Keycloak's token endpoint: `https://<host>/realms/<realm>/protocol/openid-connect/token`. */
  tokenEndpoint: string;
  clientId: string;
  /** A token stops being used this many seconds before `expires_in` runs out. Default 60. */
  tokenExpiryBufferSeconds?: number;
  /** Space-separated scopes to request; none by default. */
  scope?: string;
  /** Time limit for one token request, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Retrying of transient failures; `false` means one attempt. Defaults: {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy> | false;
  /**
   * Share (0–1) of a token's usable life, at its end, in which a request that is served the
   * cached token also starts one background refresh. `false` turns refresh-ahead off. Default 0.15.
   */
  refreshAhead?: number | false;
  /** How long a permanent failure (e.g. `invalid_client`) is re-thrown without a new request, in ms. Default 5 000. */
  failureCooldownMs?: number;
  /** Backstage `LoggerService` or anything with the same methods. Nothing is logged without it. */
  logger?: LoggerLike;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Timer functions, for tests. Default: global timers, `unref`'d. */
  timers?: Timers;
  /** Source of randomness for retry jitter, for tests. Default `Math.random`. */
  random?: () => number;
  /** Axios instance for the token call only. Default: a new instance with no interceptors. */
  httpClient?: AxiosInstance;
  /**
   * Where the `kagenti.auth.*` metrics go: an OpenTelemetry `Meter` or a Backstage
   * `MetricsService`. Default: the global meter provider's meter `@boost/kagenti-auth`
   * (register the SDK before creating the manager); nothing without `@opentelemetry/api`.
   */
  meter?: MeterLike;
  /** Where the `kagenti.auth.token.fetch` spans go. Default: the global tracer `@boost/kagenti-auth`. */
  tracer?: TracerLike;
  /**
   * A store shared by replicas (a Backstage `CacheService` as is): a process with no usable token
   * adopts the one stored there before asking Keycloak, and stores what it fetches, sealed.
   * Store trouble is a miss, never an error. None by default.
   */
  tokenStore?: TokenStore;
  /** Bound on every token store call, in ms; past it the manager goes on without the store. Default 250. */
  tokenStoreTimeoutMs?: number;
  /**
   * Key material that seals stored tokens (HKDF-SHA256, AES-256-GCM). Default: the client secret,
   * or a fixed `privateKey`; required with a `privateKey` function or an external `clientAssertion`.
   */
  tokenStoreSecret?: TokenStoreSecret;
}

/** Options of `getToken` and `getTokenForStreaming`. */
export interface GetTokenOptions {
  /** Releases this caller when aborted; a fetch that others share goes on. */
  signal?: AbortSignal;
  /**
   * For `getTokenForStreaming`: the minimum is a preference (a default), not a need. When a
   * fresh token could not meet it either (Keycloak's tokens are shorter), the cached token serves
   * while usable, with no warning and no early fetch.
   */
  bestEffort?: boolean;
}

/** The options once checked, with defaults applied and the client authentication built. */
export interface ManagerSettings {
  tokenEndpoint: string;
  clientId: string;
  scope?: string | undefined;
  bufferMs: number;
  timeoutMs: number;
  retry: RetryPolicy;
  refreshAhead: number | false;
  failureCooldownMs: number;
  authenticator: ClientAuthenticator;
  httpClient: AxiosInstance;
  now: () => number;
  timers: Timers;
  random: () => number;
  logger?: LoggerLike | undefined;
  /** The store and the secret that seals it, when a store is given. */
  store?: { store: TokenStore; secret: TokenStoreSecret; timeoutMs?: number | undefined } | undefined;
}

/**
 * Checks a manager's options and applies their defaults. Keys are parsed here, so a bad one
 * fails at startup, not at the first request.
 * @throws TypeError naming the first option that is missing or malformed.
 */
export function readManagerOptions(options: KeycloakTokenManagerOptions): ManagerSettings {
  checkObject('KeycloakTokenManager options', options);
  const { tokenEndpoint, clientId } = options;
  const endpointProblem =
    typeof tokenEndpoint === 'string' ? tokenEndpointProblem(tokenEndpoint) : 'tokenEndpoint must be a string';
  if (endpointProblem) throw new TypeError(endpointProblem);
  checkNonEmptyString('clientId', clientId);
  const bufferSeconds = checkNumber(
    'tokenExpiryBufferSeconds',
    options.tokenExpiryBufferSeconds ?? DEFAULT_TOKEN_EXPIRY_BUFFER_SECONDS,
    { min: 0 },
  );
  const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS, { min: 1 });
  const authenticator = createClientAuthenticator(tokenEndpoint, clientId, options);
  const store = options.tokenStore === undefined ? undefined : storeSettings(options, authenticator);
  return {
    tokenEndpoint,
    clientId,
    scope: options.scope,
    bufferMs: bufferSeconds * 1000,
    timeoutMs,
    retry: readRetryPolicy(options.retry),
    refreshAhead: readRefreshAhead(options.refreshAhead),
    failureCooldownMs: checkNumber('failureCooldownMs', options.failureCooldownMs ?? DEFAULT_FAILURE_COOLDOWN_MS, { min: 0 }),
    authenticator,
    // A bare instance: the token call must never pass through the Kagenti instance's interceptors.
    httpClient: options.httpClient ?? axios.create(),
    now: options.now ?? Date.now,
    timers: options.timers ?? realTimers,
    random: options.random ?? Math.random,
    logger: options.logger,
    store,
  };
}

function readRetryPolicy(retry: KeycloakTokenManagerOptions['retry']): RetryPolicy {
  const policy: RetryPolicy =
    retry === false ? { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 } : { ...DEFAULT_RETRY_POLICY, ...retry };
  checkNumber('retry.maxAttempts', policy.maxAttempts, { min: 1 });
  checkNumber('retry.baseDelayMs', policy.baseDelayMs, { min: 0 });
  checkNumber('retry.maxDelayMs', policy.maxDelayMs, { min: 0 });
  return policy;
}

function readRefreshAhead(value: number | false | undefined): number | false {
  const refreshAhead = value ?? DEFAULT_REFRESH_AHEAD_FRACTION;
  if (refreshAhead !== false && !(typeof refreshAhead === 'number' && refreshAhead >= 0 && refreshAhead < 1)) {
    throw new TypeError('refreshAhead must be a number from 0 (inclusive) to 1 (exclusive), or false');
  }
  return refreshAhead;
}

function storeSettings(options: KeycloakTokenManagerOptions, authenticator: ClientAuthenticator): ManagerSettings['store'] {
  const method = authenticator.method;
  const secret = options.tokenStoreSecret ?? tokenStoreSecretFor(method, options, options.tokenEndpoint);
  if (secret === undefined) {
    throw new TypeError(
      `tokenStore with ${method} needs tokenStoreSecret: a ${method === 'client_assertion' ? 'rotating client assertion' : 'private key function'} is no stable secret to seal stored tokens with`,
    );
  }
  return { store: options.tokenStore!, secret, timeoutMs: options.tokenStoreTimeoutMs };
}
