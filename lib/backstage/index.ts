// The `@boost/kagenti-auth/backstage` entry: every public name is listed here. Needs the
// optional peers @backstage/backend-plugin-api and @backstage/errors; the core entry does not.
export { kagentiApiClientServiceRef } from './kagentiApiClientServiceRef';
export { kagentiApiClientServiceFactory } from './kagentiApiClientServiceFactory';
export type { KagentiApiClientServiceFactoryOptions, KagentiServiceTokenManagerOptions } from './createKagentiApiServiceFactory';
export type { KagentiApiService, KagentiServiceFetchOptions, KagentiServiceRequest } from './KagentiApiService';
export { DefaultKagentiApiService } from './DefaultKagentiApiService';
export { toBackstageError } from './toBackstageError';
export type { FailedKagentiRequest } from './toBackstageError';
export { userRefFromCredentials } from './userRefFromCredentials';
export { relayEventStream } from './relayEventStream';
export type { RelayOutcome } from './relayEventStream';
export { readKagentiBaseUrl, KAGENTI_BASE_URL_CONFIG_PATH } from './readKagentiBaseUrl';
