import { coreServices } from '@backstage/backend-plugin-api';
import { mockServices, ServiceFactoryTester } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import { KeycloakTokenManager, type TokenStore } from '../../lib';
import { kagentiApiClientServiceFactory, type KagentiApiClientServiceFactoryOptions } from '../../lib/backstage';
import { startFakeKagentiApi, startFakeKeycloak, type FakeKagentiApi, type FakeKeycloak } from '../../lib/testing';

let keycloak: FakeKeycloak;
let kagenti: FakeKagentiApi;

beforeAll(async () => {
  keycloak = await startFakeKeycloak();
  kagenti = await startFakeKagentiApi({ tokens: keycloak });
  kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } });
});

afterAll(async () => {
  await kagenti.close();
  await keycloak.close();
});

const config = (): JsonObject => ({
  boost: { kagenti: { auth: keycloak.authConfig() }, providers: { kagenti: { baseUrl: kagenti.url } } },
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
