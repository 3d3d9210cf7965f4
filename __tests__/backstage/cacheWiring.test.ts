import { coreServices } from '@backstage/backend-plugin-api';
import { mockServices, ServiceFactoryTester } from '@backstage/backend-test-utils';
import { KeycloakTokenManager, type TokenStore } from '../../lib';
import { kagentiApiClientServiceFactory, type KagentiApiClientServiceFactoryOptions } from '../../lib/backstage';
import type { FakeKagentiApi, FakeKeycloak } from '../../lib/testing';
import { useFakeKagenti } from './helpers/useFakeKagenti';

const fakes = useFakeKagenti();
const config = fakes.config;
let keycloak: FakeKeycloak;
let kagenti: FakeKagentiApi;
beforeAll(() => {
  keycloak = fakes.keycloak();
  kagenti = fakes.kagenti();
});

/** The plugin's Kagenti service on Backstage's real cache service (its default memory store). */
async function plugin(options: KagentiApiClientServiceFactoryOptions = {}) {
  const tester = ServiceFactoryTester.from(kagentiApiClientServiceFactory(options), {
    dependencies: [mockServices.rootConfig.factory({ data: config() }), mockServices.cache.factory()],
  });
  const service = await tester.getSubject('kagenti-provider');
  const cache = await tester.getService(coreServices.cache, 'kagenti-provider');
  return { service, cache };
}

/** Another replica's manager: same credentials, the same Backstage cache as its token store. */
const replicaOn = (tokenStore: TokenStore) =>
  new KeycloakTokenManager({ ...keycloak.authConfig(), tokenStore, refreshAhead: false });

describe("the Backstage service and the plugin's cache", () => {
  it('shares the token through coreServices.cache by default: a replica on the same cache adopts it', async () => {
    const { service, cache } = await plugin();
    await service.requestCore({ method: 'GET', path: '/api/v1/agents' });
    const before = keycloak.requests.length;

    const replica = replicaOn(cache);
    const token = await replica.getToken();
    replica.close();

    expect(keycloak.requests.length).toBe(before);
    expect(kagenti.requests[kagenti.requests.length - 1].token).toBe(token);
  });

  it('keeps the token out of the cache when shareTokenThroughCache is false', async () => {
    const { service, cache } = await plugin({ shareTokenThroughCache: false });
    await service.requestCore({ method: 'GET', path: '/api/v1/agents' });
    const before = keycloak.requests.length;

    const replica = replicaOn(cache);
    await replica.getToken();
    replica.close();

    expect(keycloak.requests.length).toBe(before + 1);
  });
});
