// Type test, checked by `tsc --noEmit` in `npm test` (not run by jest): Backstage's real
// LoggerService must be accepted wherever this package takes a logger, with no cast.
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import axios from 'axios';
import { KagentiApiClient, KeycloakTokenManager, installKeycloakAuth, type LoggerLike } from '../../lib';

declare const logger: LoggerService;
declare const config: Config;

export const asLoggerLike: LoggerLike = logger;

export const fromConfigClient: KagentiApiClient = KagentiApiClient.fromConfig(config, {
  baseUrl: 'https://kagenti.example.com',
  logger,
  tokenManagerOptions: { logger },
});

export const constructedClient = new KagentiApiClient({ baseUrl: 'https://kagenti.example.com', logger });

export const fromConfigManager: KeycloakTokenManager | undefined = KeycloakTokenManager.fromConfig(config, { logger });

export const constructedManager = new KeycloakTokenManager({
  tokenEndpoint: 'https://keycloak.example.com/realms/r/protocol/openid-connect/token',
  clientId: 'c',
  clientSecret: 's',
  logger,
});

export const installation = installKeycloakAuth(axios.create({ baseURL: 'https://kagenti.example.com' }), constructedManager, {
  logger,
});

// The type still means something: an object missing a level is refused.
// @ts-expect-error debug is missing
export const incomplete: LoggerLike = { error() {}, warn() {}, info() {} };
