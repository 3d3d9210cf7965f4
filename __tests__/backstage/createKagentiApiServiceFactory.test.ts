import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockServices, ServiceFactoryTester } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import {
  kagentiApiClientServiceFactory,
  kagentiApiClientServiceRef,
  type KagentiApiClientServiceFactoryOptions,
  type KagentiApiService,
} from '../../lib/backstage';
import type { FakeKeycloak } from '../../lib/testing';
import { startLoopbackBackend } from './helpers/startLoopbackBackend';
import { useFakeKagenti } from './helpers/useFakeKagenti';

// The factory's own decisions: when it warns or informs, when it hands the plugin's cache to the
// token manager, and that the plugin's shutdown closes the service.
const fakes = useFakeKagenti();
let keycloak: FakeKeycloak;
let dir: string;
let assertionFile: string;
beforeAll(() => {
  keycloak = fakes.keycloak();
  dir = mkdtempSync(path.join(tmpdir(), 'kagenti-factory-'));
  assertionFile = path.join(dir, 'client-assertion.jwt');
  // The fake Keycloak refuses assertions: the token request fails, after the token store was asked (or not).
  writeFileSync(assertionFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib29zdCJ9.c2lnbmF0dXJl');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INFO_NOT_SHARED = 'The Kagenti token is not shared through the cache: set tokenManagerOptions.tokenStoreSecret to seal it';

/** The plugin's service over a cache whose calls are recorded. */
async function plugin(data: JsonObject, options: KagentiApiClientServiceFactoryOptions = {}) {
  const logger = mockServices.logger.mock();
  const cache = mockServices.cache.mock();
  const subject = ServiceFactoryTester.from(kagentiApiClientServiceFactory(options), {
    dependencies: [mockServices.rootConfig.factory({ data }), logger.factory, cache.factory],
  });
  const service = await subject.getSubject('kagenti-provider');
  return { service, logger, cache };
}

/** A request of a client the fake Keycloak refuses: what matters is whether the cache was asked first. */
const refused = (service: KagentiApiService) =>
  expect(service.requestCore({ method: 'GET', path: '/api/v1/agents' })).rejects.toThrow(/could not get a Keycloak token/);

const withAssertionFile = () => {
  const { tokenEndpoint, clientId } = keycloak.authConfig();
  return fakes.config({ tokenEndpoint, clientId, clientAssertionFile: assertionFile });
};

describe('the Kagenti service factory', () => {
  it('logs neither a warning nor a note when boost.kagenti.auth holds a client secret, and shares the token', async () => {
    const { service, logger, cache } = await plugin(fakes.config());
    await service.requestCore({ method: 'GET', path: '/api/v1/agents' });
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.info).not.toHaveBeenCalledWith(INFO_NOT_SHARED);
    expect(cache.set).toHaveBeenCalledTimes(1);
  });

  it('keeps the token of an assertion-file client out of the cache without a tokenStoreSecret, and says so', async () => {
    const { service, logger, cache } = await plugin(withAssertionFile());
    await refused(service);
    expect(logger.info).toHaveBeenCalledWith(INFO_NOT_SHARED);
    expect(cache.get).not.toHaveBeenCalled();
  });

  it('shares the token of an assertion-file client sealed with the tokenStoreSecret given, quietly', async () => {
    const { service, logger, cache } = await plugin(withAssertionFile(), {
      tokenManagerOptions: { tokenStoreSecret: 'a-secret-for-sealing-only' },
    });
    await refused(service);
    expect(logger.info).not.toHaveBeenCalledWith(INFO_NOT_SHARED);
    expect(cache.get).toHaveBeenCalledTimes(1);
  });

  it('says nothing about sharing when sharing is turned off', async () => {
    const { service, logger, cache } = await plugin(withAssertionFile(), { shareTokenThroughCache: false });
    await refused(service);
    expect(logger.info).not.toHaveBeenCalledWith(INFO_NOT_SHARED);
    expect(cache.get).not.toHaveBeenCalled();
  });

  it('closes the service when the plugin shuts down', async () => {
    let captured: KagentiApiService | undefined;
    const capturing = createBackendPlugin({
      pluginId: 'capturing',
      register(env) {
        env.registerInit({
          deps: { kagenti: kagentiApiClientServiceRef },
          async init({ kagenti }) {
            captured = kagenti;
          },
        });
      },
    });
    const { backend } = await startLoopbackBackend({ features: [capturing], config: fakes.config() });
    await expect(captured!.requestCore({ method: 'GET', path: '/api/v1/agents' })).resolves.toMatchObject({ status: 200 });
    await backend.stop();
    await expect(captured!.requestCore({ method: 'GET', path: '/api/v1/agents' })).rejects.toThrow(
      'Kagenti API request GET /api/v1/agents not sent: the Kagenti service is shut down (the backend is stopping)',
    );
  });
});
