import { Readable } from 'node:stream';
import axios, { AxiosError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { installKeycloakAuth } from '../../lib';
import type { TokenSource } from '../../lib/policy/TokenSource';
import { managerFixture, type ManagerFixture } from '../helpers/tokenEndpointMock';
import { rejection } from '../helpers/assertions';

// The 401 handler recognizes the requests it may retry by their own Authorization header (no
// per-request record): these pin down which ones count as carrying a token of ours.
const BASE_URL = 'https://kagenti.test';

interface Fixture extends ManagerFixture {
  api: ReturnType<typeof axios.create>;
  apiMock: MockAdapter;
  sentAuth(): Array<string | undefined>;
}

function fixture(): Fixture {
  const manager = managerFixture();
  const api = axios.create({ baseURL: BASE_URL });
  const apiMock = new MockAdapter(api, { onNoMatch: 'throwException' });
  installKeycloakAuth(api, manager.manager, { allowedOrigins: [BASE_URL, 'https://other.test'] });
  const sentAuth = () =>
    Object.values(apiMock.history)
      .flat()
      .map(request => request.headers?.Authorization as string | undefined);
  return { ...manager, api, apiMock, sentAuth };
}

async function status(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as AxiosError).response?.status;
  }
  throw new Error('expected a rejection');
}

describe('retryRejectedToken', () => {
  it('does not retry a skipped request that carries a copy of our token, nor drop the token', async () => {
    const { api, apiMock, endpoint, sentAuth } = fixture();
    apiMock.onGet('/ok').reply(200, {});
    apiMock.onGet('/x').reply(401, {});
    await api.get('/ok'); // token-1 is now cached and was sent by us
    expect(await status(api.get('/x', { kagentiAuth: { skip: true }, headers: { Authorization: 'Bearer token-1' } }))).toBe(401);
    await api.get('/ok');
    expect(sentAuth()).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    expect(endpoint.count).toBe(1);
  });

  it('does not retry a request to an origin it may not send tokens to, whatever its header holds', async () => {
    const { api, apiMock, endpoint, sentAuth } = fixture();
    apiMock.onGet('/ok').reply(200, {});
    apiMock.onGet('https://elsewhere.test/x').reply(401, {});
    await api.get('/ok');
    expect(await status(api.get('https://elsewhere.test/x', { headers: { Authorization: 'Bearer token-1' } }))).toBe(401);
    expect(sentAuth()).toEqual(['Bearer token-1', 'Bearer token-1']);
    expect(endpoint.count).toBe(1);
  });

  it('does not retry when an interceptor that ran after ours replaced the Authorization header', async () => {
    const { api, apiMock, endpoint, sentAuth } = fixture();
    // Registered first, so it runs after ours: axios runs request interceptors last-registered first.
    const other = axios.create({ baseURL: BASE_URL });
    const otherMock = new MockAdapter(other, { onNoMatch: 'throwException' });
    other.interceptors.request.use(config => {
      config.headers.set('Authorization', 'Bearer theirs');
      return config;
    });
    installKeycloakAuth(other, fixture().manager);
    otherMock.onGet('/x').reply(401, {});
    expect(await status(other.get('/x'))).toBe(401);
    expect(otherMock.history.get.map(request => request.headers?.Authorization)).toEqual(['Bearer theirs']);
    // The untouched instance still retries as usual.
    apiMock.onGet('/y').replyOnce(401, {}).onGet('/y').reply(200, {});
    await api.get('/y');
    expect(sentAuth()).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(endpoint.count).toBe(2);
  });

  it('recognizes a token it sent several rotations ago, and retries its late 401 once', async () => {
    const { api, apiMock, manager, endpoint } = fixture();
    let release: (() => void) | undefined;
    const held = new Promise<void>(resolve => (release = resolve));
    apiMock.onGet('/slow').replyOnce(async () => {
      await held;
      return [401, {}];
    });
    apiMock.onGet('/slow').reply(200, {});
    apiMock.onGet('/ok').reply(200, {});
    const slow = api.get('/slow'); // carries token-1
    await new Promise(resolve => setImmediate(resolve));
    for (let i = 0; i < 3; i++) {
      manager.invalidate();
      await api.get('/ok'); // token-2, token-3, token-4
    }
    release!();
    await expect(slow).resolves.toMatchObject({ status: 200 });
    expect(endpoint.count).toBe(4); // token-1 is not the cached one, so its 401 drops nothing and refetches nothing
  });
});

/** What one request gets from a {@link scriptedApi} adapter. */
type Step = (config: InternalAxiosRequestConfig) => Promise<AxiosResponse>;

/** A response with `status`; 4xx/5xx reject as axios' own status error does. */
function answer(status: number, response: Partial<AxiosResponse> = {}): Step {
  return config => {
    const full = { data: {}, status, statusText: '', headers: {}, config, ...response } as AxiosResponse;
    if (status < 400) return Promise.resolve(full);
    return Promise.reject(new AxiosError(`Request failed with status code ${status}`, 'ERR_BAD_REQUEST', config, {}, full));
  };
}

/** An instance whose adapter answers the successive requests with `steps` (the last one repeats). */
function scriptedApi(tokens: TokenSource, steps: Step[], options: Parameters<typeof installKeycloakAuth>[2] = {}) {
  const sent: Array<string | undefined> = [];
  const adapter: AxiosAdapter = config => {
    sent.push(config.headers.get('Authorization') as string | undefined);
    return steps[Math.min(sent.length, steps.length) - 1](config);
  };
  const api = axios.create({ baseURL: BASE_URL, adapter });
  installKeycloakAuth(api, tokens, options);
  return { api, sent };
}

/** A step (or handler) that rejects with something other than an Error, as a misbehaving adapter or interceptor may. */
const rejectWithNonError = (reason: unknown) => (): Promise<never> => Promise.reject(reason);

/** The manager without `recordRetry`, as a token source of one's own may be. */
const withoutRecordRetry = (tokens: TokenSource): TokenSource => ({
  getToken: options => tokens.getToken(options),
  getTokenForStreaming: (min, options) => tokens.getTokenForStreaming(min, options),
  invalidate: token => tokens.invalidate(token),
});

describe('retryRejectedToken: the retry', () => {
  it('asks again for a token with the minimum lifetime of a streaming request', async () => {
    const { manager } = managerFixture();
    const streaming = jest.spyOn(manager, 'getTokenForStreaming');
    const { api, sent } = scriptedApi(manager, [answer(401), answer(200)]);
    await api.get('/events', { kagentiAuth: { minTokenLifetimeMs: 60_000 } });
    expect(sent).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(streaming.mock.calls.map(([min]) => min)).toEqual([60_000, 60_000]);
  });

  it.each([
    ['a list of challenges with a Bearer invalid_token', ['Negotiate', 'Bearer error="invalid_token"'], 2],
    ['a list of challenges with a Bearer insufficient_scope', ['Negotiate', 'Bearer error="insufficient_scope"'], 1],
  ])('reads a www-authenticate that is %s as one header', async (_label, challenges, requests) => {
    const { manager } = managerFixture();
    const { api, sent } = scriptedApi(manager, [answer(401, { headers: { 'www-authenticate': challenges } }), answer(200)]);
    await api.get('/x').catch(() => undefined);
    expect(sent).toHaveLength(requests);
  });

  it('treats a 401 with a www-authenticate that is not text as having no challenge, and retries it', async () => {
    const { manager } = managerFixture();
    const { api, sent } = scriptedApi(manager, [answer(401, { headers: { 'www-authenticate': null } }), answer(200)]);
    await expect(api.get('/x')).resolves.toMatchObject({ status: 200 });
    expect(sent).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('retries a 401 that an earlier response interceptor rebuilt with its status only (no headers)', async () => {
    const { manager } = managerFixture();
    const sent: Array<string | undefined> = [];
    const adapter: AxiosAdapter = config => {
      sent.push(config.headers.get('Authorization') as string | undefined);
      return (sent.length === 1 ? answer(401) : answer(200))(config);
    };
    const api = axios.create({ baseURL: BASE_URL, adapter });
    // Registered before ours, so it sees the error first and hands ours its own shape.
    api.interceptors.response.use(null, (error: AxiosError) =>
      rejectWithNonError({ config: error.config, response: { status: error.response?.status } })(),
    );
    installKeycloakAuth(api, manager);
    await expect(api.get('/x')).resolves.toMatchObject({ status: 200 });
    expect(sent).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('passes a network error (no response) of a request with our token to the caller, redacted, without a retry', async () => {
    const { manager, endpoint } = managerFixture();
    const reset: Step = config => Promise.reject(new AxiosError('socket hang up', 'ECONNRESET', config));
    const { api, sent } = scriptedApi(manager, [reset]);
    const error = await rejection<AxiosError>(api.get('/x'));
    expect(error.code).toBe('ECONNRESET');
    expect(error.config?.headers.get('Authorization')).toBe('Bearer [REDACTED]');
    expect(sent).toHaveLength(1);
    expect(endpoint.count).toBe(1);
  });

  it('passes a rejection that is no error object at all to the caller as it is', async () => {
    const { manager } = managerFixture();
    const { api } = scriptedApi(manager, [rejectWithNonError(undefined)]);
    await expect(rejection<unknown>(api.get('/x'))).resolves.toBeUndefined();
  });

  it('destroys the unread body of a streamed 401 response before retrying', async () => {
    const { manager } = managerFixture();
    const body = Readable.from(['{"detail":"expired"}']);
    const { api } = scriptedApi(manager, [answer(401, { data: body }), answer(200)]);
    await api.get('/x', { responseType: 'stream' });
    expect(body.destroyed).toBe(true);
  });

  it('logs one debug line per retry, naming the request without its query', async () => {
    const { manager, logger } = managerFixture();
    const { api } = scriptedApi(manager, [answer(401), answer(200)], { logger });
    await api.get('/api/v1/agents?secret=1');
    expect(logger.at('debug').filter(line => /retrying/.test(line.message))).toEqual([
      {
        level: 'debug',
        message: 'Request got 401 with a rejected token; retrying once with a fresh token',
        meta: { request: 'GET https://kagenti.test/api/v1/agents' },
      },
    ]);
  });

  it.each([
    ['success', [answer(401), answer(200)]],
    ['rejected', [answer(401)]],
    ['error', [answer(401), answer(503)]],
    [
      'error',
      [
        answer(401),
        (config: InternalAxiosRequestConfig) => Promise.reject(new AxiosError('socket hang up', 'ECONNRESET', config)),
      ],
    ],
    ['error', [answer(401), rejectWithNonError(undefined)]],
  ])('tells the token source the retry ended with %s', async (outcome, steps) => {
    const { manager } = managerFixture();
    const recordRetry = jest.spyOn(manager, 'recordRetry');
    const { api, sent } = scriptedApi(manager, steps);
    await api.get('/x').catch(() => undefined);
    expect(sent).toHaveLength(2);
    expect(recordRetry.mock.calls).toEqual([[outcome]]);
  });

  it("passes the retry's own failure to the caller: its error, its network error, or its bare rejection", async () => {
    const { manager } = managerFixture();
    const reset = new AxiosError('socket hang up', 'ECONNRESET');
    const retry503 = scriptedApi(manager, [answer(401), answer(503)]);
    expect((await rejection<AxiosError>(retry503.api.get('/x'))).response?.status).toBe(503);
    const retryReset = scriptedApi(manager, [answer(401), () => Promise.reject(reset)]);
    expect(await rejection<unknown>(retryReset.api.get('/x'))).toBe(reset);
    const retryBare = scriptedApi(manager, [answer(401), rejectWithNonError(undefined)]);
    await expect(rejection<unknown>(retryBare.api.get('/x'))).resolves.toBeUndefined();
  });

  it('works with a token source that does not record retries, whether the retry succeeds or not', async () => {
    const { manager } = managerFixture();
    const ok = scriptedApi(withoutRecordRetry(manager), [answer(401), answer(200)]);
    await expect(ok.api.get('/x')).resolves.toMatchObject({ status: 200 });
    const refused = scriptedApi(withoutRecordRetry(manager), [answer(401)]);
    expect((await rejection<AxiosError>(refused.api.get('/x'))).response?.status).toBe(401);
    expect(refused.sent).toHaveLength(2);
  });

  it('redacts the token from an error that a later response interceptor raises on the retry', async () => {
    const { manager } = managerFixture();
    const { api, sent } = scriptedApi(manager, [answer(401), answer(200, { data: { bad: true } })]);
    // Registered after ours, so on the retry it runs after ours has passed the response on.
    api.interceptors.response.use(response => {
      if ((response.data as { bad?: boolean }).bad) {
        throw new AxiosError('unexpected body', 'ERR_BAD_RESPONSE', response.config, undefined, response);
      }
      return response;
    });
    const error = await rejection<AxiosError>(api.get('/x'));
    expect(error.message).toBe('unexpected body');
    expect(sent).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(error.config?.headers.get('Authorization')).toBe('Bearer [REDACTED]');
  });
});
