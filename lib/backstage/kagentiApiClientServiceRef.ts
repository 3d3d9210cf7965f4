import { createServiceRef } from '@backstage/backend-plugin-api';
import { createKagentiApiServiceFactory } from './createKagentiApiServiceFactory';
import type { KagentiApiService } from './KagentiApiService';

/**
 * The Kagenti API client as a plugin-scoped Backstage service (id `boost.kagenti.client`).
 * A plugin writes `deps: { kagenti: kagentiApiClientServiceRef }`; the default factory reads
 * `boost.providers.kagenti.baseUrl` and `boost.kagenti.auth`, shares one token manager per
 * plugin and closes it on shutdown. Override with `kagentiApiClientServiceFactory(options)`.
 */
export const kagentiApiClientServiceRef = createServiceRef<KagentiApiService>({
  id: 'boost.kagenti.client',
  scope: 'plugin',
  defaultFactory: service => Promise.resolve(createKagentiApiServiceFactory(service, {})),
});
