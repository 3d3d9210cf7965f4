// The package's only entry point: every public name is listed here.
import './axios/axiosConfigAugmentation';

export { readKeycloakAuthConfig, KAGENTI_AUTH_CONFIG_PATH } from './config/readKeycloakAuthConfig';
export type { ConfigLike, KeycloakAuthConfig } from './config/readKeycloakAuthConfig';
export { kagentiAuthConfigSchema, DEFAULT_TOKEN_EXPIRY_BUFFER_SECONDS } from './config/kagentiAuthConfigSchema';
export type { KagentiAuthConfigInput, KagentiAuthConfigOutput } from './config/kagentiAuthConfigSchema';

export {
  KeycloakTokenManager,
  DEFAULT_TOKEN_TIMEOUT_MS,
  DEFAULT_REFRESH_AHEAD_FRACTION,
  DEFAULT_FAILURE_COOLDOWN_MS,
  UNKNOWN_EXPIRY_USABLE_MS,
  MAX_TOKEN_LIFETIME_MS,
} from './token/KeycloakTokenManager';
export type { KeycloakTokenManagerOptions, GetTokenOptions } from './token/KeycloakTokenManager';
export type { ClientAuthentication } from './protocol/clientAuthentication/ClientAuthenticator';
export type { ClientAuthenticationOptions } from './protocol/clientAuthentication/ClientAuthenticationOptions';
export type { PrivateKeySource } from './protocol/clientAuthentication/privateKeyJwt';
export type { PrivateKeyInput } from './protocol/clientAuthentication/importPrivateKey';
export { SIGNING_ALGORITHMS } from './protocol/clientAuthentication/signJwt';
export type { SigningAlgorithm } from './protocol/clientAuthentication/signJwt';
export {
  DEFAULT_ASSERTION_LIFETIME_SECONDS,
  MAX_ASSERTION_LIFETIME_SECONDS,
} from './protocol/clientAuthentication/assertionClaims';
export { DEFAULT_RETRY_POLICY } from './token/RetryPolicy';
export type { RetryPolicy } from './token/RetryPolicy';
export type { Timers } from './util/Timers';

export { installKeycloakAuth } from './axios/installKeycloakAuth';
export type { InstallKeycloakAuthOptions, KeycloakAuthInstallation, TokenSource } from './axios/installKeycloakAuth';
export type { KagentiAuthRequestOptions } from './policy/KagentiAuthRequestOptions';
export { parseWwwAuthenticate } from './policy/parseWwwAuthenticate';
export type { AuthChallenge } from './policy/parseWwwAuthenticate';

export { readSseEvents } from './sse/readSseEvents';
export type { SseEvent, SseSource } from './sse/readSseEvents';

export { createAuthorizedFetch } from './fetch/createAuthorizedFetch';
export type { AuthorizedFetchOptions } from './fetch/createAuthorizedFetch';
export type { AuthorizedFetch, AuthorizedFetchInit, FetchInit, FetchInput } from './fetch/AuthorizedFetch';

export {
  KagentiApiClient,
  BACKSTAGE_USER_HEADER,
  DEFAULT_KAGENTI_TIMEOUT_MS,
  DEFAULT_STREAM_MIN_LIFETIME_MS,
} from './client/KagentiApiClient';
export type { KagentiApiClientOptions, KagentiFetchOptions, KagentiRequest } from './client/KagentiApiClient';

export { KagentiAuthError } from './errors/KagentiAuthError';
export { ConfigurationError } from './errors/ConfigurationError';
export { TokenRequestError } from './errors/TokenRequestError';
export { ManagerClosedError } from './errors/ManagerClosedError';
export type { TokenRequestErrorCode } from './errors/TokenRequestError';
export type { TokenRequestErrorDetails } from './errors/TokenRequestError';

export type { LoggerLike, LogMeta } from './logging/LoggerLike';

export { TELEMETRY_NAMES } from './telemetry/OpenTelemetryTokenTelemetry';
export type {
  MeterLike,
  CounterLike,
  HistogramLike,
  ObservableGaugeLike,
  ObservableResultLike,
  InstrumentOptionsLike,
  MetricAttributesLike,
} from './telemetry/MeterLike';
export type { TracerLike, SpanLike, SpanAttributesLike } from './telemetry/TracerLike';
export type { TokenLookupSource, RetryOutcome } from './telemetry/TokenTelemetry';

export { DEFAULT_TOKEN_STORE_TIMEOUT_MS } from './store/SharedTokenStore';
export type { TokenStore, TokenStoreJson, TokenStoreSecret } from './store/TokenStore';
