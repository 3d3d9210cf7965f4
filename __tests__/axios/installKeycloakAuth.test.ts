import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import axios, { type AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { installKeycloakAuth, TokenRequestError } from '../../lib';
import type { TokenSource } from '../../lib/policy/TokenSource';
import { flushPromises } from '../helpers/FakeClock';
import { deferred, managerFixture, tokenBody, TOKEN_ENDPOINT, type ManagerFixture } from '../helpers/tokenEndpointMock';
import { rejection } from '../helpers/assertions';

const BASE_URL = 'https://kagenti.test';

interface ApiFixture extends ManagerFixture {
  api: ReturnType<typeof axios.create>;
  apiMock: MockAdapter;
  /** The Authorization header of every API request, in order. */
  sentAuth(): Array<string | undefined>;
}

function apiFixture(options: Parameters<typeof installKeycloakAuth>[2] = {}): ApiFixture {
  const fixture = managerFixture();
  const api = axios.create({ baseURL: BASE_URL });
  const apiMock = new MockAdapter(api, { onNoMatch: 'throwException' });
  installKeycloakAuth(api, fixture.manager, { logger: fixture.logger, ...options });
  const sentAuth = () =>
    Object.values(apiMock.history)
      .flat()
      .map(request => request.headers?.Authorization as string | undefined);
  return { ...fixture, api, apiMock, sentAuth };
}

/** A Kagenti endpoint that accepts only the tokens in `valid`, answering 401 to the rest. */
function acceptOnly(valid: Set<string>) {
  return (config: AxiosRequestConfig): [number, unknown] => {
    const token = String(config.headers?.Authorization ?? '').replace(/^Bearer /, '');
    return valid.has(token) ? [200, { ok: true, token }] : [401, { detail: 'invalid token' }];
  };
}

describe('installKeycloakAuth', () => {
  describe('request interceptor', () => {
    it('sets Authorization: Bearer <token> on requests to the baseURL origin', async () => {
      const { api, apiMock, sentAuth } = apiFixture();
      apiMock.onGet('/api/v1/agents').reply(200, []);
      await api.get('/api/v1/agents');
      expect(sentAuth()).toEqual(['Bearer token-1']);
    });

    it.each([
      ['an absolute URL to another host', 'https://elsewhere.test/collect'],
      ['the same host on another port', 'https://kagenti.test:8443/api'],
      ['the same host over http', 'http://kagenti.test/api'],
      ['a protocol-relative URL', '//elsewhere.test/collect'],
    ])('never sends the token to %s', async (_label, url) => {
      const { api, apiMock, endpoint, sentAuth } = apiFixture();
      apiMock.onAny().reply(200, {});
      await api.get(url).catch(() => undefined);
      expect(sentAuth().filter(Boolean)).toEqual([]);
      expect(endpoint.count).toBe(0);
    });

    it('sends the token to origins listed in allowedOrigins, and only those', async () => {
      const { api, apiMock, sentAuth } = apiFixture({
        allowedOrigins: ['https://kagenti.test', 'https://kagenti-streams.test:9443/ignored/path'],
      });
      apiMock.onAny().reply(200, {});
      await api.get('https://kagenti-streams.test:9443/sse');
      await api.get('https://other.test/x');
      expect(sentAuth()).toEqual(['Bearer token-1', undefined]);
    });

    it('leaves a request alone when kagentiAuth.skip is set', async () => {
      const { api, apiMock, endpoint, sentAuth } = apiFixture();
      apiMock.onGet('/health').reply(200, {});
      await api.get('/health', { kagentiAuth: { skip: true } });
      expect(sentAuth()).toEqual([undefined]);
      expect(endpoint.count).toBe(0);
    });

    it('asks for a long-lived token when kagentiAuth.minTokenLifetimeMs is set', async () => {
      const { api, apiMock, manager } = apiFixture();
      const spy = jest.spyOn(manager, 'getTokenForStreaming');
      apiMock.onGet('/stream').reply(200, 'data: x\n\n');
      await api.get('/stream', { kagentiAuth: { minTokenLifetimeMs: 120_000 } });
      expect(spy).toHaveBeenCalledWith(120_000, {});
      await api.get('/stream', { kagentiAuth: { minTokenLifetimeMs: 120_000, bestEffort: true } });
      expect(spy).toHaveBeenLastCalledWith(120_000, { bestEffort: true });
    });

    it('rejects with the TokenRequestError, sending nothing, when no token can be had', async () => {
      const { api, apiMock, endpoint } = apiFixture();
      endpoint.reply([401, { error: 'invalid_client' }]);
      apiMock.onGet('/api/v1/agents').reply(200, []);
      const error = await rejection<AxiosError>(api.get('/api/v1/agents'));
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(apiMock.history.get).toHaveLength(0);
    });

    it('releases a request aborted while it waits for a token, as an axios cancel, without cancelling the shared fetch', async () => {
      const { api, apiMock, endpoint } = apiFixture();
      apiMock.onGet('/a').reply(200, {});
      const held = endpoint.hold();
      const controller = new AbortController();
      const aborted = api.get('/a', { signal: controller.signal });
      const other = api.get('/a');
      await flushPromises();
      controller.abort();
      const error = await rejection<AxiosError>(aborted);
      expect(axios.isCancel(error)).toBe(true);
      held.resolve([200, tokenBody('shared')]);
      await expect(other).resolves.toMatchObject({ status: 200 });
      expect(endpoint.count).toBe(1);
      expect(apiMock.history.get).toHaveLength(1);
    });

    describe('when the request has a timeout', () => {
      beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
      afterEach(() => jest.useRealTimers());

      it("gives up waiting for a token once the timeout passes, with axios's timeout error, while the fetch goes on", async () => {
        const { api, apiMock, endpoint, manager } = apiFixture();
        apiMock.onGet('/a').reply(200, {});
        const held = endpoint.hold();
        const waiting = rejection<AxiosError>(api.get('/a', { timeout: 5_000 }));
        await flushPromises();
        await jest.advanceTimersByTimeAsync(4_999);
        expect(manager.isFetching).toBe(true);
        await jest.advanceTimersByTimeAsync(1);
        const error = await waiting;
        expect(error.code).toBe('ECONNABORTED');
        expect(error.message).toContain('waiting for a Keycloak token');
        expect(apiMock.history.get).toHaveLength(0);
        held.resolve([200, tokenBody('late')]);
        await flushPromises();
        await expect(manager.getToken()).resolves.toBe('late');
        expect(endpoint.count).toBe(1);
      });
    });

    it('refuses to install twice on one instance', () => {
      const { api, manager } = apiFixture();
      expect(() => installKeycloakAuth(api, manager)).toThrow(/already installed/);
    });

    it('leaves the token call alone when installed on the very instance the manager fetches tokens with', async () => {
      const { endpoint, manager } = managerFixture();
      installKeycloakAuth(endpoint.http, manager, { allowedOrigins: [new URL(TOKEN_ENDPOINT).origin] });
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.requests[0].headers?.Authorization).toMatch(/^Basic /);
    });

    it('refuses an instance without an absolute baseURL unless allowedOrigins is given', () => {
      const { manager } = managerFixture();
      expect(() => installKeycloakAuth(axios.create(), manager)).toThrow(TypeError);
      expect(() => installKeycloakAuth(axios.create(), manager, { allowedOrigins: ['https://kagenti.test'] })).not.toThrow();
    });

    it.each([
      ['nothing', undefined],
      ['a plain object', {}],
      ['an object whose interceptors have no request manager', { interceptors: {}, defaults: { baseURL: BASE_URL } }],
      ['an object whose request interceptors cannot be used', { interceptors: { request: {} }, defaults: { baseURL: BASE_URL } }],
    ])('refuses %s in place of the axios instance, saying so', (_label, instance) => {
      const { manager } = managerFixture();
      expect(() => installKeycloakAuth(instance as unknown as AxiosInstance, manager)).toThrow(
        new TypeError('installKeycloakAuth needs an axios instance'),
      );
    });

    it.each([
      ['nothing', undefined],
      ['an object without getToken', { invalidate: () => true, getTokenForStreaming: () => Promise.resolve('t') }],
      [
        'an object without invalidate',
        { getToken: () => Promise.resolve('t'), getTokenForStreaming: () => Promise.resolve('t') },
      ],
    ])('refuses %s in place of the token manager, saying so, and installs nothing', (_label, tokens) => {
      const api = axios.create({ baseURL: BASE_URL });
      expect(() => installKeycloakAuth(api, tokens as unknown as TokenSource)).toThrow(
        new TypeError('installKeycloakAuth needs a token manager'),
      );
      expect(() => installKeycloakAuth(api, managerFixture().manager)).not.toThrow();
    });

    it('eject() a second time leaves a later installation on the instance in place', async () => {
      const { manager } = managerFixture();
      const api = axios.create({ baseURL: BASE_URL });
      const apiMock = new MockAdapter(api, { onNoMatch: 'throwException' });
      apiMock.onGet('/x').reply(200, {});
      const first = installKeycloakAuth(api, manager);
      first.eject();
      installKeycloakAuth(api, manager);
      first.eject();
      expect(() => installKeycloakAuth(api, manager)).toThrow(/already installed/);
      await api.get('/x');
      expect(apiMock.history.get.map(r => r.headers?.Authorization)).toEqual(['Bearer token-1']);
    });

    it('eject() removes both interceptors', async () => {
      const { manager } = managerFixture();
      const api = axios.create({ baseURL: BASE_URL });
      const apiMock = new MockAdapter(api, { onNoMatch: 'throwException' });
      apiMock.onGet('/x').reply(401, {});
      const installation = installKeycloakAuth(api, manager);
      installation.eject();
      installation.eject();
      const error = await rejection<AxiosError>(api.get('/x'));
      expect(error.response?.status).toBe(401);
      expect(apiMock.history.get.map(r => r.headers?.Authorization)).toEqual([undefined]);
      expect(() => installKeycloakAuth(api, manager)).not.toThrow();
    });
  });

  describe('on 401', () => {
    it('invalidates that token, fetches a fresh one and retries once', async () => {
      const { api, apiMock, endpoint, sentAuth } = apiFixture();
      apiMock.onGet('/api/v1/agents').reply(acceptOnly(new Set(['token-2'])));
      const response = await api.get('/api/v1/agents');
      expect(response.data).toEqual({ ok: true, token: 'token-2' });
      expect(sentAuth()).toEqual(['Bearer token-1', 'Bearer token-2']);
      expect(endpoint.count).toBe(2);
    });

    it('replays the body of a retried POST', async () => {
      const { api, apiMock } = apiFixture();
      const bodies: unknown[] = [];
      apiMock.onPost('/api/v1/chat').reply(config => {
        bodies.push(config.data);
        return acceptOnly(new Set(['token-2']))(config);
      });
      await api.post('/api/v1/chat', { message: 'hi' });
      expect(bodies).toEqual(['{"message":"hi"}', '{"message":"hi"}']);
    });

    it('lets a second 401 reach the caller, with the token redacted from the error', async () => {
      const { api, apiMock, endpoint } = apiFixture();
      // Recorded on arrival: the error's config (the same object as in history) is redacted afterwards.
      const arrived: unknown[] = [];
      apiMock.onGet('/x').reply(config => {
        arrived.push(config.headers?.Authorization);
        return [401, { detail: 'no' }];
      });
      const error = await rejection<AxiosError>(api.get('/x'));
      expect(error.response?.status).toBe(401);
      expect(arrived).toEqual(['Bearer token-1', 'Bearer token-2']);
      expect(endpoint.count).toBe(2);
      const dump = `${inspect(error, { depth: 8 })}${JSON.stringify(error)}`;
      expect(dump).not.toContain('token-1');
      expect(dump).not.toContain('token-2');
    });

    it('keeps the refreshed token after a second 401, so an API that rejects every token costs one token request per call, not two', async () => {
      const { api, apiMock, endpoint } = apiFixture();
      apiMock.onGet('/x').reply(401, {});
      await rejection<AxiosError>(api.get('/x'));
      expect(endpoint.count).toBe(2);
      await rejection<AxiosError>(api.get('/x'));
      await rejection<AxiosError>(api.get('/x'));
      expect(endpoint.count).toBe(4);
    });

    it('cannot be talked into a second retry by request options', async () => {
      const { api, apiMock } = apiFixture();
      apiMock.onGet('/x').reply(401, {});
      const forged = { retried: false, retryCount: 0, __isRetry: false } as unknown as AxiosRequestConfig['kagentiAuth'];
      await rejection<AxiosError>(api.get('/x', { kagentiAuth: forged }));
      expect(apiMock.history.get).toHaveLength(2);
    });

    it('makes one token request for a storm of 50 concurrent 401s on the same stale token, and retries all 50', async () => {
      const { api, apiMock, endpoint, manager } = apiFixture();
      await manager.getToken(); // token-1, about to be refused
      apiMock.onGet('/x').reply(acceptOnly(new Set(['token-2'])));
      const results = await Promise.all(Array.from({ length: 50 }, () => api.get('/x')));
      expect(results.every(r => r.status === 200)).toBe(true);
      expect(endpoint.count).toBe(2);
      expect(apiMock.history.get).toHaveLength(100);
    });

    it('makes no token request for late 401s that arrive after the refresh finished', async () => {
      const { api, apiMock, endpoint, manager } = apiFixture();
      await manager.getToken();
      const late = deferred<[number, unknown]>();
      let calls = 0;
      apiMock.onGet('/slow').reply(config => {
        calls++;
        return calls === 1 ? late.promise : acceptOnly(new Set(['token-2']))(config);
      });
      apiMock.onGet('/fast').reply(acceptOnly(new Set(['token-2'])));
      const slow = api.get('/slow'); // goes out with token-1, answered later
      await flushPromises();
      await api.get('/fast'); // 401 on token-1, refresh to token-2, retry ok
      expect(endpoint.count).toBe(2);
      late.resolve([401, {}]);
      await expect(slow).resolves.toMatchObject({ data: { token: 'token-2' } });
      expect(endpoint.count).toBe(2);
    });

    it('passes non-401 errors through untouched, without a token request', async () => {
      const { api, apiMock, endpoint } = apiFixture();
      apiMock.onGet('/boom').reply(500, { detail: 'kaput' });
      apiMock.onGet('/forbidden').reply(403, {});
      const boom = await rejection<AxiosError>(api.get('/boom'));
      const forbidden = await rejection<AxiosError>(api.get('/forbidden'));
      expect([boom.response?.status, forbidden.response?.status]).toEqual([500, 403]);
      expect(boom.response?.data).toEqual({ detail: 'kaput' });
      expect(apiMock.history.get).toHaveLength(2);
      expect(endpoint.count).toBe(1);
    });

    it('redacts the token from errors that pass through', async () => {
      const { api, apiMock } = apiFixture();
      apiMock.onGet('/boom').reply(500, {});
      const error = await rejection<AxiosError>(api.get('/boom'));
      expect(error.config?.headers?.Authorization).toBe('Bearer [REDACTED]');
      expect(inspect(error, { depth: 8 })).not.toContain('token-1');
    });

    it.each([
      ['insufficient_scope', 'Bearer error="insufficient_scope", scope="kagenti:admin"'],
      ['invalid_request', 'Bearer error="invalid_request"'],
      ['a non-Bearer challenge only', 'Basic realm="kagenti"'],
    ])('does not refetch or retry for %s', async (_label, challenge) => {
      const { api, apiMock, endpoint } = apiFixture();
      apiMock.onGet('/x').reply(401, {}, { 'www-authenticate': challenge });
      const error = await rejection<AxiosError>(api.get('/x'));
      expect(error.response?.status).toBe(401);
      expect(apiMock.history.get).toHaveLength(1);
      expect(endpoint.count).toBe(1);
    });

    it.each([
      ['error="invalid_token"', 'Bearer realm="kagenti", error="invalid_token", error_description="expired"'],
      ['a Bearer challenge without error', 'Bearer realm="kagenti"'],
      ['a Bearer challenge among others', 'Negotiate, Bearer error="invalid_token"'],
    ])('refetches and retries for %s', async (_label, challenge) => {
      const { api, apiMock, endpoint } = apiFixture();
      let calls = 0;
      apiMock.onGet('/x').reply(() => (++calls === 1 ? [401, {}, { 'www-authenticate': challenge }] : [200, {}]));
      await expect(api.get('/x')).resolves.toMatchObject({ status: 200 });
      expect(endpoint.count).toBe(2);
    });

    it('does not retry a request whose body is a stream, which cannot be replayed', async () => {
      const { api, apiMock } = apiFixture();
      apiMock.onPost('/upload').reply(401, {});
      const error = await rejection<AxiosError>(api.post('/upload', Readable.from(['chunk'])));
      expect(error.response?.status).toBe(401);
      expect(apiMock.history.post).toHaveLength(1);
    });

    it('does not retry requests that carried no token of ours', async () => {
      const { api, apiMock, endpoint } = apiFixture();
      apiMock.onAny().reply(401, {});
      await rejection<AxiosError>(api.get('https://elsewhere.test/x'));
      await rejection<AxiosError>(api.get('/health', { kagentiAuth: { skip: true } }));
      expect(Object.values(apiMock.history).flat()).toHaveLength(2);
      expect(endpoint.count).toBe(0);
    });
  });
});
