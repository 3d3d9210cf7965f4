import MockAdapter from 'axios-mock-adapter';
import { ConfigReader } from '@backstage/config';
import { ConfigurationError, KagentiApiClient } from '../../lib';
import { RecordingLogger } from '../helpers/RecordingLogger';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT, TokenEndpointMock, managerFixture } from '../helpers/tokenEndpointMock';

const BASE_URL = 'https://kagenti.test';

function clientFixture(options: { withAuth?: boolean; streamMinLifetimeMs?: number } = {}) {
  const fixture = managerFixture();
  const client = new KagentiApiClient({
    baseUrl: BASE_URL,
    ...(options.withAuth === false ? {} : { tokenManager: fixture.manager }),
    ...(options.streamMinLifetimeMs !== undefined ? { streamMinLifetimeMs: options.streamMinLifetimeMs } : {}),
  });
  const apiMock = new MockAdapter(client.axios, { onNoMatch: 'throwException' });
  return { ...fixture, client, apiMock };
}

describe('KagentiApiClient', () => {
  describe('requestCore', () => {
    it('sends the request with a bearer token and returns the axios response', async () => {
      const { client, apiMock } = clientFixture();
      apiMock.onGet('/api/v1/agents', { params: { namespace: 'team1' } }).reply(200, { items: ['a'] });
      const response = await client.requestCore<{ items: string[] }>({
        method: 'GET',
        path: '/api/v1/agents',
        query: { namespace: 'team1' },
      });
      expect(response.data.items).toEqual(['a']);
      expect(apiMock.history.get[0].headers?.Authorization).toBe('Bearer token-1');
      expect(apiMock.history.get[0].headers?.Accept).toBe('application/json');
    });

    it('logs the retry after a 401 that rejected the token to the logger given', async () => {
      const fixture = managerFixture();
      const logger = new RecordingLogger();
      const client = new KagentiApiClient({ baseUrl: BASE_URL, tokenManager: fixture.manager, logger });
      const apiMock = new MockAdapter(client.axios, { onNoMatch: 'throwException' });
      apiMock.onGet('/x').reply(config => (config.headers?.Authorization === 'Bearer token-1' ? [401, {}] : [200, {}]));

      expect((await client.requestCore({ method: 'GET', path: '/x' })).status).toBe(200);
      expect(logger.matching(/retrying once with a fresh token/)).toHaveLength(1);
    });

    it('sends userRef as X-Backstage-User', async () => {
      const { client, apiMock } = clientFixture();
      apiMock.onPost('/api/v1/chat').reply(200, {});
      await client.requestCore({ method: 'POST', path: '/api/v1/chat', body: { message: 'hi' }, userRef: 'user:default/jsmith' });
      const sent = apiMock.history.post[0];
      expect(sent.headers?.['X-Backstage-User']).toBe('user:default/jsmith');
      expect(sent.data).toBe('{"message":"hi"}');
    });

    it.each([
      ['CR LF', 'user:default/jsmith\r\nAuthorization: Bearer stolen'],
      ['a lone LF', 'user:default/j\nsmith'],
      ['NUL', 'user:default/j\u0000smith'],
      ['non-ASCII', 'user:default/jösmith'],
      ['DEL', 'user:default/j\u007fsmith'],
      ['a leading space', ' user:default/jsmith'],
      ['an empty string', ''],
      ['a very long value', `user:default/${'x'.repeat(2000)}`],
    ])('rejects a userRef with %s before anything is sent', async (_label, userRef) => {
      const { client, apiMock, endpoint } = clientFixture();
      apiMock.onAny().reply(200, {});
      await expect(client.requestCore({ method: 'GET', path: '/api/v1/agents', userRef })).rejects.toThrow(TypeError);
      expect(Object.values(apiMock.history).flat()).toHaveLength(0);
      expect(endpoint.count).toBe(0);
    });

    it('names the offending character and its position without echoing the value', async () => {
      const { client } = clientFixture();
      const error = await client
        .requestCore({ method: 'GET', path: '/x', userRef: 'user:a\r\nX-Evil: 1' })
        .catch((e: Error) => e);
      expect((error as Error).message).toContain('U+000D at position 6');
      expect((error as Error).message).not.toContain('X-Evil');
    });

    it.each(['https://elsewhere.test/x', '//elsewhere.test/x', 'api/v1/agents'])(
      'rejects the path %s: only paths below baseUrl',
      async path => {
        const { client, apiMock } = clientFixture();
        apiMock.onAny().reply(200, {});
        await expect(client.requestCore({ method: 'GET', path })).rejects.toThrow(TypeError);
        expect(Object.values(apiMock.history).flat()).toHaveLength(0);
      },
    );

    it('sends no Authorization header without a token manager', async () => {
      const { client, apiMock } = clientFixture({ withAuth: false });
      apiMock.onGet('/api/v1/tools').reply(200, {});
      await client.requestCore({ method: 'GET', path: '/api/v1/tools' });
      expect(apiMock.history.get[0].headers?.Authorization).toBeUndefined();
    });

    it('with stream: true, asks for a stream and a token that lives 5 minutes by default', async () => {
      const { client, apiMock, manager } = clientFixture();
      const spy = jest.spyOn(manager, 'getTokenForStreaming');
      apiMock.onGet('/api/v1/chat/stream').reply(200, 'data: hi\n\n');
      await client.requestCore({ method: 'GET', path: '/api/v1/chat/stream', stream: true });
      const sent = apiMock.history.get[0];
      expect(sent.responseType).toBe('stream');
      expect(sent.headers?.Accept).toBe('text/event-stream');
      expect(spy).toHaveBeenCalledWith(300_000, { signal: expect.any(AbortSignal), bestEffort: true });
    });

    it("with every default and Keycloak's default 300 s tokens, streams neither warn nor fetch early", async () => {
      const { client, apiMock, clock, endpoint, logger } = clientFixture();
      apiMock.onGet('/api/v1/chat/stream').reply(200, 'data: hi\n\n');
      const start = clock.now();
      // A token fetched at `start` is usable for 240 s: streams at 0, 100, 150 and 200 s all use it.
      for (const at of [0, 100_000, 150_000, 200_000]) {
        clock.set(start + at);
        await client.requestCore({ method: 'GET', path: '/api/v1/chat/stream', stream: true });
      }
      expect(apiMock.history.get.map(request => request.headers?.Authorization)).toEqual(Array(4).fill('Bearer token-1'));
      expect(endpoint.count).toBe(1);
      expect(logger.at('warn')).toEqual([]);
    });

    it('warns when the caller asked for more life than a fresh token has', async () => {
      const { client, apiMock, logger } = clientFixture({ streamMinLifetimeMs: 300_000 });
      apiMock.onGet('/s').reply(200, '');
      await client.requestCore({ method: 'GET', path: '/s', stream: true });
      expect(logger.at('warn').map(line => line.message)).toEqual([expect.stringMatching(/asked for a stream/)]);
    });

    it('uses streamMinLifetimeMs for streams when given', async () => {
      const { client, apiMock, manager } = clientFixture({ streamMinLifetimeMs: 45_000 });
      const spy = jest.spyOn(manager, 'getTokenForStreaming');
      apiMock.onGet('/s').reply(200, '');
      await client.requestCore({ method: 'GET', path: '/s', stream: true });
      expect(spy).toHaveBeenCalledWith(45_000, { signal: expect.any(AbortSignal) });
      expect(spy.mock.calls[0][1]).not.toHaveProperty('bestEffort');
    });

    it("passes the caller's abort signal to the request", async () => {
      const { client, apiMock } = clientFixture();
      apiMock.onGet('/x').reply(200, {});
      const controller = new AbortController();
      controller.abort();
      await expect(client.requestCore({ method: 'GET', path: '/x', signal: controller.signal })).rejects.toMatchObject({
        code: 'ERR_CANCELED',
      });
      expect(apiMock.history.get).toHaveLength(0);
    });
  });

  describe('construction', () => {
    it.each(['not a url', '/relative', 'ftp://kagenti.test'])('rejects the baseUrl %s', baseUrl => {
      expect(() => new KagentiApiClient({ baseUrl })).toThrow(TypeError);
    });
  });

  describe('fromConfig', () => {
    const auth = { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

    it('authenticates requests when boost.kagenti.auth is set', async () => {
      const endpoint = new TokenEndpointMock();
      const client = KagentiApiClient.fromConfig(new ConfigReader({ boost: { kagenti: { auth } } }), {
        baseUrl: BASE_URL,
        tokenManagerOptions: { httpClient: endpoint.http },
      });
      const apiMock = new MockAdapter(client.axios, { onNoMatch: 'throwException' });
      apiMock.onGet('/x').reply(200, {});
      await client.requestCore({ method: 'GET', path: '/x' });
      expect(apiMock.history.get[0].headers?.Authorization).toBe('Bearer token-1');
      expect(endpoint.count).toBe(1);
    });

    it('gives the logger to the token manager it creates', async () => {
      const endpoint = new TokenEndpointMock();
      const logger = new RecordingLogger();
      const client = KagentiApiClient.fromConfig(new ConfigReader({ boost: { kagenti: { auth } } }), {
        baseUrl: BASE_URL,
        logger,
        streamMinLifetimeMs: 600_000,
        tokenManagerOptions: { httpClient: endpoint.http },
      });
      new MockAdapter(client.axios, { onNoMatch: 'throwException' }).onGet('/s').reply(200, '');
      await client.requestCore({ method: 'GET', path: '/s', stream: true });

      // The token manager's warning: a fresh token lives less than the 10 minutes asked for.
      expect(logger.at('warn').map(line => line.message)).toEqual([expect.stringMatching(/asked for a stream/)]);
      client.close();
    });

    it('sends no token when auth is not configured', async () => {
      const client = KagentiApiClient.fromConfig({}, { baseUrl: BASE_URL });
      const apiMock = new MockAdapter(client.axios, { onNoMatch: 'throwException' });
      apiMock.onGet('/x').reply(200, {});
      await client.requestCore({ method: 'GET', path: '/x' });
      expect(apiMock.history.get[0].headers?.Authorization).toBeUndefined();
    });

    it('close() closes the token manager it created', async () => {
      const endpoint = new TokenEndpointMock();
      const client = KagentiApiClient.fromConfig(
        { boost: { kagenti: { auth } } },
        {
          baseUrl: BASE_URL,
          tokenManagerOptions: { httpClient: endpoint.http },
        },
      );
      const apiMock = new MockAdapter(client.axios, { onNoMatch: 'throwException' });
      apiMock.onGet('/x').reply(200, {});
      client.close();
      await expect(client.requestCore({ method: 'GET', path: '/x' })).rejects.toThrow(/closed/);
      expect(endpoint.count).toBe(0);
    });

    it('close() leaves a token manager passed in alone', async () => {
      const { client, manager } = clientFixture();
      client.close();
      await expect(manager.getToken()).resolves.toBe('token-1');
    });

    it('throws a ConfigurationError for partial auth config', () => {
      expect(() =>
        KagentiApiClient.fromConfig({ boost: { kagenti: { auth: { clientId: CLIENT_ID } } } }, { baseUrl: BASE_URL }),
      ).toThrow(ConfigurationError);
    });
  });
});
