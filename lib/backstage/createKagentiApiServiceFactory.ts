import { coreServices, createServiceFactory, type ServiceFactory, type ServiceRef } from '@backstage/backend-plugin-api';
import { KagentiApiClient } from '../client/KagentiApiClient';
import { KAGENTI_AUTH_CONFIG_PATH, readKeycloakAuthConfig } from '../config/readKeycloakAuthConfig';
import type { KeycloakTokenManagerOptions } from '../token/KeycloakTokenManager';
import { DefaultKagentiApiService } from './DefaultKagentiApiService';
import type { KagentiApiService } from './KagentiApiService';
import { optionalMetricsServiceRef } from './optionalMetricsServiceRef';
import { readKagentiBaseUrl } from './readKagentiBaseUrl';

/** Token manager options a Backstage factory may set; the credentials always come from `boost.kagenti.auth`. */
export type KagentiServiceTokenManagerOptions = Omit<
  KeycloakTokenManagerOptions,
  'tokenEndpoint' | 'clientId' | 'clientSecret' | 'tokenExpiryBufferSeconds' | 'logger'
>;

/** Options of `kagentiApiClientServiceFactory`. */
export interface KagentiApiClientServiceFactoryOptions {
  /** Passed to the plugin's `KeycloakTokenManager` (timeouts, retry, refresh-ahead, ...). Default: none. */
  tokenManagerOptions?: KagentiServiceTokenManagerOptions;
  /** Time limit per Kagenti request, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Minimum remaining token lifetime for `stream: true` requests, in ms. Default 300 000. */
  streamMinLifetimeMs?: number;
  /**
   * Share the plugin's token through its Backstage cache (`coreServices.cache`), sealed: with
   * `backend.cache.store: redis` (or valkey, memcache) every replica uses one token. Default `true`.
   * A client authenticated by an external assertion needs `tokenManagerOptions.tokenStoreSecret`
   * for this; without one its tokens are not shared.
   */
  shareTokenThroughCache?: boolean;
}

/**
 * The one factory behind both the service ref's default and `kagentiApiClientServiceFactory`:
 * per plugin, it reads the config, builds one client (so one token manager), and closes it
 * on the plugin's shutdown.
 */
export function createKagentiApiServiceFactory(
  service: ServiceRef<KagentiApiService, 'plugin', 'singleton'>,
  options: KagentiApiClientServiceFactoryOptions,
): ServiceFactory<KagentiApiService, 'plugin', 'singleton'> {
  return createServiceFactory({
    service,
    deps: {
      config: coreServices.rootConfig,
      logger: coreServices.logger,
      lifecycle: coreServices.lifecycle,
      metrics: optionalMetricsServiceRef,
      cache: coreServices.cache,
    },
    factory({ config, logger, lifecycle, metrics, cache }) {
      const baseUrl = readKagentiBaseUrl(config);
      const auth = readKeycloakAuthConfig(config);
      if (auth === undefined) {
        logger.warn(`${KAGENTI_AUTH_CONFIG_PATH} is not configured: Kagenti API requests go out without a token`);
      }
      // Without auth there is no token manager, so no token to share either.
      const shareToken = options.shareTokenThroughCache !== false;
      // A rotating external assertion is no secret to seal with: share only with an explicit one.
      const canSeal = auth?.clientAssertionFile === undefined || options.tokenManagerOptions?.tokenStoreSecret !== undefined;
      if (shareToken && !canSeal) {
        logger.info('The Kagenti token is not shared through the cache: set tokenManagerOptions.tokenStoreSecret to seal it');
      }
      const client = KagentiApiClient.fromConfig(config, {
        baseUrl,
        logger,
        // The client takes undefined as not given (its defaults).
        timeoutMs: options.timeoutMs,
        streamMinLifetimeMs: options.streamMinLifetimeMs,
        tokenManagerOptions: {
          logger,
          // The plugin's MetricsService when the backend has one; otherwise the global OpenTelemetry meter.
          ...(metrics ? { meter: metrics } : {}),
          ...(shareToken && canSeal ? { tokenStore: cache } : {}),
          ...options.tokenManagerOptions,
        },
      });
      const kagenti = new DefaultKagentiApiService(client);
      lifecycle.addShutdownHook(() => kagenti.close());
      return kagenti;
    },
  });
}
