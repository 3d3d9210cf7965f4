import { Readable } from 'node:stream';
import { createBackendPlugin, type BackendFeature } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { kagentiProviderPlugin } from '../../examples/backstage/kagentiProviderPlugin';
import { kagentiApiClientServiceRef, type KagentiApiService } from '../../lib/backstage';
import { kagentiApiClientServiceMock, mockKagentiResponse } from '../../lib/backstageTesting';
import { startTestBackendOnLoopback } from './helpers/startTestBackendOnLoopback';

const AGENTS = [{ name: 'weather' }, { name: 'travel' }];

/** A plugin that keeps the Kagenti service it was given, to compare what plugins get. */
function capturingPlugin(pluginId: string, seen: Map<string, KagentiApiService>): BackendFeature {
  return createBackendPlugin({
    pluginId,
    register(env) {
      env.registerInit({
        deps: { kagenti: kagentiApiClientServiceRef },
        async init({ kagenti }) {
          seen.set(pluginId, kagenti);
        },
      });
    },
  });
}

describe('kagentiApiClientServiceMock in startTestBackend, with no Keycloak and no Kagenti config', () => {
  it('needs the mock: the real service refuses to start the example plugin without config', async () => {
    await expect(startTestBackendOnLoopback([kagentiProviderPlugin])).rejects.toThrow(
      /boost\.providers\.kagenti\.baseUrl is not set/,
    );
  });

  describe('.mock(implementation)', () => {
    it('runs the plugin against the implementation given, and records what the plugin asked', async () => {
      const kagenti = kagentiApiClientServiceMock.mock({
        requestCore: async () => mockKagentiResponse({ items: AGENTS }),
      });
      const { server } = await startTestBackendOnLoopback([kagentiProviderPlugin, kagenti.factory]);

      const response = await request(server)
        .get('/api/kagenti-provider/agents?namespace=team1')
        .set('Authorization', mockCredentials.user.header('user:default/jane'));

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ agents: AGENTS });
      expect(kagenti.requestCore).toHaveBeenCalledTimes(1);
      expect(kagenti.requestCore).toHaveBeenCalledWith(
        expect.objectContaining({
          method: 'GET',
          path: '/api/v1/agents',
          query: { namespace: 'team1' },
          credentials: expect.objectContaining({ principal: { type: 'user', userEntityRef: 'user:default/jane' } }),
        }),
      );
      expect(kagenti.fetch).not.toHaveBeenCalled();
    });

    it('lets a test change an answer later with jest’s own methods, and a Backstage error keeps its status', async () => {
      const kagenti = kagentiApiClientServiceMock.mock();
      const { server } = await startTestBackendOnLoopback([kagentiProviderPlugin, kagenti.factory]);
      const { NotAllowedError } = await import('@backstage/errors');
      kagenti.requestCore.mockRejectedValueOnce(new NotAllowedError('Kagenti answered 403'));

      const response = await request(server)
        .get('/api/kagenti-provider/agents')
        .set('Authorization', mockCredentials.user.header());

      expect(response.status).toBe(403);
      expect((response.body as { error: { name: string } }).error.name).toBe('NotAllowedError');
    });

    it('returns undefined from a method not given, as a bare jest.fn() does', async () => {
      const kagenti = kagentiApiClientServiceMock.mock({ fetch: async () => new Response('{}') });

      expect(kagenti.requestCore({ method: 'GET', path: '/api/v1/agents' })).toBeUndefined();
      await expect((await kagenti.fetch('/api/v1/agents')).text()).resolves.toBe('{}');
      expect(jest.isMockFunction(kagenti.requestCore) && jest.isMockFunction(kagenti.fetch)).toBe(true);
    });

    it('gives every plugin the very mock object through its factory', async () => {
      const kagenti = kagentiApiClientServiceMock.mock();
      const seen = new Map<string, KagentiApiService>();

      await startTestBackendOnLoopback([capturingPlugin('one', seen), capturingPlugin('two', seen), kagenti.factory]);

      expect(seen.get('one')).toBe(kagenti);
      expect(seen.get('two')).toBe(kagenti);
    });
  });

  describe('.factory(implementation)', () => {
    it('answers a method not given with NotImplementedError (501) naming it', async () => {
      const { server } = await startTestBackendOnLoopback([kagentiProviderPlugin, kagentiApiClientServiceMock.factory()]);

      const response = await request(server)
        .get('/api/kagenti-provider/agents')
        .set('Authorization', mockCredentials.user.header());

      expect(response.status).toBe(501);
      const error = (response.body as { error: { name: string; message: string } }).error;
      expect(error.name).toBe('NotImplementedError');
      expect(error.message).toMatch(/kagentiApiClientServiceMock: requestCore was not given/);
    });

    it('runs the implementation given, a relayed event stream included', async () => {
      const events = 'event: message\ndata: {"delta":"Hi"}\n\nevent: done\ndata: {}\n\n';
      const requestCore = jest.fn(async () => mockKagentiResponse(Readable.from([Buffer.from(events)])));
      const { server } = await startTestBackendOnLoopback([
        kagentiProviderPlugin,
        kagentiApiClientServiceMock.factory({ requestCore }),
      ]);

      const response = await request(server)
        .post('/api/kagenti-provider/chat')
        .set('Authorization', mockCredentials.user.header())
        .send({ agent: 'weather', message: 'Hi' });

      expect(response.status).toBe(200);
      expect(response.text).toBe(events);
      expect(requestCore).toHaveBeenCalledWith(
        expect.objectContaining({ method: 'POST', path: '/api/v1/agents/weather/chat/stream', stream: true }),
      );
    });

    it('gives each plugin a service of its own, as the real factory does', async () => {
      const seen = new Map<string, KagentiApiService>();

      await startTestBackendOnLoopback([
        capturingPlugin('one', seen),
        capturingPlugin('two', seen),
        kagentiApiClientServiceMock.factory(),
      ]);

      expect(seen.get('one')).toBeDefined();
      expect(seen.get('two')).toBeDefined();
      expect(seen.get('one')).not.toBe(seen.get('two'));
    });
  });
});

describe('kagentiApiClientServiceMock(implementation)', () => {
  it('is a service answering with the methods given', async () => {
    const fetch = async (path: string) => new Response(path);
    const service = kagentiApiClientServiceMock({ fetch });

    await expect((await service.fetch('/api/v1/agents')).text()).resolves.toBe('/api/v1/agents');
    expect(service.fetch).toBe(fetch);
  });

  it.each(['requestCore', 'fetch'] as const)('rejects %s when not given, naming it', async method => {
    const service = kagentiApiClientServiceMock();

    const call = method === 'fetch' ? service.fetch('/x') : service.requestCore({ method: 'GET', path: '/x' });

    await expect(call).rejects.toMatchObject({
      name: 'NotImplementedError',
      message: expect.stringContaining(`${method} was not given`),
    });
  });
});

describe('mockKagentiResponse', () => {
  it('is a 200 OK axios response holding the data as given', () => {
    const data = { items: AGENTS };

    const response = mockKagentiResponse(data);

    expect(response.data).toBe(data);
    expect(response).toMatchObject({ status: 200, statusText: 'OK' });
    expect({ ...response.headers }).toEqual({});
    expect(response.config.headers).toBeDefined();
  });

  it('takes a status and headers', () => {
    const response = mockKagentiResponse(null, { status: 202, headers: { 'x-request-id': 'r1' } });

    expect(response).toMatchObject({ status: 202, statusText: 'Accepted' });
    expect(response.headers['x-request-id']).toBe('r1');
  });

  it('has no status text for a status Node does not know', () => {
    expect(mockKagentiResponse(null, { status: 299 }).statusText).toBe('');
  });
});
