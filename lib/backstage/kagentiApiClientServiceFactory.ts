import type { ServiceFactory } from '@backstage/backend-plugin-api';
import { createKagentiApiServiceFactory, type KagentiApiClientServiceFactoryOptions } from './createKagentiApiServiceFactory';
import type { KagentiApiService } from './KagentiApiService';
import { kagentiApiClientServiceRef } from './kagentiApiClientServiceRef';

/**
 * A factory for `kagentiApiClientServiceRef` with options, for `backend.add(...)`:
 * `backend.add(kagentiApiClientServiceFactory({ tokenManagerOptions: { timeoutMs: 5_000 } }))`.
 * Without options it is the same as the default factory.
 */
export function kagentiApiClientServiceFactory(
  options: KagentiApiClientServiceFactoryOptions = {},
): ServiceFactory<KagentiApiService, 'plugin', 'singleton'> {
  return createKagentiApiServiceFactory(kagentiApiClientServiceRef, options);
}
