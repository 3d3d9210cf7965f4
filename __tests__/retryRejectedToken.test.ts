import axios, { type AxiosError } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { installKeycloakAuth } from '../lib';
import { managerFixture, type ManagerFixture } from './helpers/tokenEndpointMock';

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
