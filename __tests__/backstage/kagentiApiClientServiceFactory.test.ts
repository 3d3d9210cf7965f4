import { mockCredentials, mockServices, ServiceFactoryTester } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import request from 'supertest';
import { kagentiProviderPlugin } from '../../examples/backstage/kagentiProviderPlugin';
import { KAGENTI_BASE_URL_CONFIG_PATH, kagentiApiClientServiceFactory, kagentiApiClientServiceRef } from '../../lib/backstage';
import type { FakeKagentiApi, FakeKeycloak } from '../../lib/testing';
import { useFakeKagenti } from './helpers/useFakeKagenti';
import { startLoopbackBackend } from './helpers/startLoopbackBackend';

const fakes = useFakeKagenti();
const config = fakes.config;
let keycloak: FakeKeycloak;
let kagenti: FakeKagentiApi;
beforeAll(() => {
  keycloak = fakes.keycloak();
  kagenti = fakes.kagenti();
});

function tester(data: JsonObject, options: Parameters<typeof kagentiApiClientServiceFactory>[0] = {}) {
  const logger = mockServices.logger.mock();
  const subject = ServiceFactoryTester.from(kagentiApiClientServiceFactory(options), {
    dependencies: [mockServices.rootConfig.factory({ data }), logger.factory],
  });
  return { subject, logger };
}

describe('kagentiApiClientServiceRef', () => {
  it('is the plugin-scoped service boost.kagenti.client', () => {
    expect(kagentiApiClientServiceRef).toMatchObject({ id: 'boost.kagenti.client', scope: 'plugin' });
  });
});

describe('kagentiApiClientServiceFactory', () => {
  it('gives each plugin one service, with one token manager: one token request per plugin', async () => {
    const { subject } = tester(config());
    const a = await subject.getSubject('plugin-a');
    const b = await subject.getSubject('plugin-b');
    expect(await subject.getSubject('plugin-a')).toBe(a);
    expect(b).not.toBe(a);

    const before = keycloak.requests.length;
    await Promise.all([a, a, b, b].map(service => service.requestCore({ method: 'GET', path: '/api/v1/agents' })));
    await a.requestCore({ method: 'GET', path: '/api/v1/agents' });

    expect(keycloak.requests.length - before).toBe(2);
  });

  it('passes tokenManagerOptions to the token manager', async () => {
    const { subject } = tester(config(), {
      tokenManagerOptions: { scope: 'kagenti:read', clientAuthentication: 'client_secret_post' },
    });
    const before = keycloak.requests.length;

    await (await subject.getSubject()).requestCore({ method: 'GET', path: '/api/v1/agents' });

    expect(keycloak.requests.slice(before)).toEqual([
      expect.objectContaining({ scope: 'kagenti:read', authMethod: 'client_secret_post' }),
    ]);
  });

  it('logs one warning and sends no token when boost.kagenti.auth is not configured', async () => {
    const { subject, logger } = tester({ boost: { providers: { kagenti: { baseUrl: kagenti.url } } } });
    const service = await subject.getSubject();

    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/boost\.kagenti\.auth is not configured/));
    await expect(service.requestCore({ method: 'GET', path: '/api/v1/agents' })).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
    });
    expect(kagenti.requests[kagenti.requests.length - 1].headers.authorization).toBeUndefined();
  });

  it('fails naming the key when the base URL is missing', async () => {
    const { subject } = tester({ boost: { kagenti: { auth: keycloak.authConfig() } } });
    // Backstage rethrows a factory's error as its own, quoting the original's name and message.
    await expect(subject.getSubject()).rejects.toThrow(`ConfigurationError: ${KAGENTI_BASE_URL_CONFIG_PATH} is not set`);
  });

  it('replaces the default factory when added to a backend', async () => {
    const { backend, server } = await startLoopbackBackend({
      features: [kagentiProviderPlugin],
      config: config(),
      services: [kagentiApiClientServiceFactory({ tokenManagerOptions: { scope: 'from-the-override' } })],
    });
    try {
      const before = keycloak.requests.length;
      const response = await request(server)
        .get('/api/kagenti-provider/agents')
        .set('Authorization', mockCredentials.user.header());
      expect(response.status).toBe(200);
      expect(keycloak.requests.slice(before).map(r => r.scope)).toEqual(['from-the-override']);
    } finally {
      await backend.stop();
    }
  });
});
