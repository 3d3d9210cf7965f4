import axios, { type AxiosAdapter, type AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { installKeycloakAuth } from '../../lib';
import type { TokenSource } from '../../lib/policy/TokenSource';
import { managerFixture, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';
import { rejection } from '../helpers/assertions';

const BASE_URL = 'https://kagenti.test';

/** An adapter that records the config of every request it sends, and answers 200. */
function recordingAdapter() {
  const sent: InternalAxiosRequestConfig[] = [];
  const adapter: AxiosAdapter = config => {
    sent.push(config);
    return Promise.resolve({ data: { ok: true }, status: 200, statusText: 'OK', headers: {}, config } as AxiosResponse);
  };
  const authorization = () => sent.map(config => config.headers.get('Authorization') as string | undefined);
  return { adapter, sent, authorization };
}

describe('the request interceptor (synchronous, with the wait for a token in the adapter)', () => {
  it('sends a request with a cached token without a promise step: the adapter runs inside the call', async () => {
    const { manager } = managerFixture();
    const { adapter, sent, authorization } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, manager);
    await manager.getToken();

    const response = api.get('/items');
    // With a promise step between interceptor and adapter, nothing would have been sent yet.
    expect(sent).toHaveLength(1);
    await response;
    expect(authorization()).toEqual(['Bearer token-1']);
  });

  it('waits for a token that is not cached inside the adapter, and sends once it arrives', async () => {
    const { manager, endpoint } = managerFixture();
    const held = endpoint.hold();
    const { adapter, sent, authorization } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, manager);

    const response = api.get('/items');
    await new Promise(resolve => setImmediate(resolve));
    expect(endpoint.count).toBe(1);
    expect(sent).toHaveLength(0);
    held.resolve([200, { access_token: 'late-token', token_type: 'Bearer', expires_in: 300 }]);
    const { config } = await response;
    expect(authorization()).toEqual(['Bearer late-token']);
    // The caller's adapter is back on the config, for error.config, a retry or a re-send.
    expect(config.adapter).toBe(adapter);
  });

  it('still works when another request interceptor is asynchronous (axios then uses its promise chain)', async () => {
    const { manager } = managerFixture();
    const { adapter, authorization } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    api.interceptors.request.use(async config => {
      await Promise.resolve();
      config.headers.set('X-Other', 'yes');
      return config;
    });
    installKeycloakAuth(api, manager);
    await api.get('/cold');
    await api.get('/cached');
    expect(authorization()).toEqual(['Bearer token-1', 'Bearer token-1']);
  });

  it('rejects a request unsent when its token cannot be had, with the token error', async () => {
    const { manager, endpoint } = managerFixture();
    endpoint.reply([400, { error: 'invalid_client' }]);
    const { adapter, sent } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, manager);
    const error = await rejection<Error>(api.get('/items'));
    expect(error.name).toBe('TokenRequestError');
    expect(sent).toHaveLength(0);
  });

  it('gets a streaming request its long-lived token even when a token is cached', async () => {
    const tokens: TokenSource = {
      getToken: () => Promise.resolve('short-lived'),
      getCachedToken: () => 'short-lived',
      getTokenForStreaming: min => Promise.resolve(`lives-${min}`),
      invalidate: () => false,
    };
    const { adapter, authorization } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, tokens);
    await api.get('/items');
    await api.get('/events', { kagentiAuth: { minTokenLifetimeMs: 60_000 } });
    expect(authorization()).toEqual(['Bearer short-lived', 'Bearer lives-60000']);
  });

  it('works with a token source that has no cache to peek at: every request waits for getToken', async () => {
    const tokens: TokenSource = {
      getToken: () => Promise.resolve('fetched'),
      getTokenForStreaming: () => Promise.resolve('streaming'),
      invalidate: () => false,
    };
    const { adapter, authorization } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, tokens);
    await api.get('/items');
    expect(authorization()).toEqual(['Bearer fetched']);
  });

  it('rejects a request unsent when the token source throws, instead of throwing from the interceptor', async () => {
    const failure = new Error('token source broke');
    const tokens: TokenSource = {
      getToken: () => Promise.resolve('never-used'),
      getCachedToken: () => {
        throw failure;
      },
      getTokenForStreaming: () => Promise.resolve('never-used'),
      invalidate: () => false,
    };
    const { adapter, sent } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, tokens);
    expect(await rejection<unknown>(api.get('/items'))).toBe(failure);
    expect(sent).toHaveLength(0);
  });

  it('decides the origin when a waiting request leaves: a config re-pointed meanwhile gets no token', async () => {
    const { manager } = managerFixture();
    const { adapter, authorization } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    // Registered first, so it runs after ours; it points the request at another host.
    api.interceptors.request.use(
      config => {
        if (config.url === '/moved') config.url = 'https://elsewhere.test/collect';
        return config;
      },
      null,
      { synchronous: true },
    );
    installKeycloakAuth(api, manager);
    await api.get('/moved');
    expect(authorization()).toEqual([undefined]);
  });

  it('keeps an Authorization header that an interceptor after ours set, and fetches no token for it', async () => {
    const { manager, endpoint } = managerFixture();
    const { adapter, sent, authorization } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    api.interceptors.request.use(
      config => {
        config.headers.set('Authorization', 'Bearer theirs');
        return config;
      },
      null,
      { synchronous: true },
    );
    installKeycloakAuth(api, manager);
    await api.get('/items');
    expect(authorization()).toEqual(['Bearer theirs']);
    expect(endpoint.count).toBe(0);
    // Their request still gets the redirect guard, as a request with our token would.
    expect(typeof sent[0].beforeRedirect).toBe('function');
  });

  it('replaces an Authorization header the caller set before ours ran, as on the cached path', async () => {
    const { manager } = managerFixture();
    const { adapter, authorization } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, manager);
    await api.get('/cold', { headers: { Authorization: 'Basic c29tZW9uZQ==' } });
    await api.get('/cached', { headers: { Authorization: 'Basic c29tZW9uZQ==' } });
    expect(authorization()).toEqual(['Bearer token-1', 'Bearer token-1']);
  });

  it('a 401 on a request that waited for its token is retried once with a fresh one', async () => {
    const { manager, endpoint } = managerFixture();
    const sent: string[] = [];
    const adapter: AxiosAdapter = config => {
      const authorization = String(config.headers.get('Authorization'));
      sent.push(authorization);
      const status = authorization === 'Bearer token-1' ? 401 : 200;
      const response = { data: {}, status, statusText: '', headers: {}, config } as AxiosResponse;
      if (status === 200) return Promise.resolve(response);
      return Promise.reject(new axios.AxiosError('401', 'ERR_BAD_REQUEST', config, undefined, response));
    };
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, manager);
    const response = await api.get('/items');
    expect(response.status).toBe(200);
    expect(sent).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(endpoint.requests.map(request => request.url)).toEqual([TOKEN_ENDPOINT, TOKEN_ENDPOINT]);
  });

  it('an aborted request that waits for its token rejects as a cancel and is never sent', async () => {
    const { manager, endpoint } = managerFixture();
    endpoint.hold();
    const { adapter, sent } = recordingAdapter();
    const api = axios.create({ baseURL: BASE_URL, adapter });
    installKeycloakAuth(api, manager);
    const controller = new AbortController();
    const response = api.get('/items', { signal: controller.signal });
    await new Promise(resolve => setImmediate(resolve));
    controller.abort();
    const error = await rejection<AxiosError>(response);
    expect(axios.isCancel(error)).toBe(true);
    expect(sent).toHaveLength(0);
  });
});
