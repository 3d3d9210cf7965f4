import { getEventListeners } from 'node:events';
import MockAdapter from 'axios-mock-adapter';
import { KagentiApiClient, KeycloakTokenManager } from '../../lib';
import { DefaultKagentiApiService } from '../../lib/backstage';
import type { FakeKagentiApi, FakeKeycloak } from '../../lib/testing';
import { useFakeKagenti } from './helpers/useFakeKagenti';

// What the service does with the caller's AbortSignal and with the bodies it hands out: a
// long-lived signal (one per user session, say) must not collect a listener per request, and an
// open body must end when the caller aborts or the service closes.
let keycloak: FakeKeycloak;
let kagenti: FakeKagentiApi;
let manager: KeycloakTokenManager;
let service: DefaultKagentiApiService;

const fakes = useFakeKagenti();
beforeAll(() => {
  keycloak = fakes.keycloak();
  kagenti = fakes.kagenti();
  kagenti.respond('GET', '/api/v1/events', { sse: [{ event: 'hello', data: 'world' }], hold: true });
  kagenti.respond('GET', '/api/v1/missing', { status: 404 });
  kagenti.respond('DELETE', '/api/v1/agents/weather', { status: 204 });
});

beforeEach(() => {
  manager = new KeycloakTokenManager({ ...keycloak.authConfig(), retry: false });
  service = new DefaultKagentiApiService(
    new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: manager, streamMinLifetimeMs: 0 }),
  );
});

afterEach(() => {
  service.close();
  manager.close();
});

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

/** An open event stream from Kagenti, its first event read. */
async function openStream(signal?: AbortSignal) {
  const response = await service.fetch('/api/v1/events', signal ? { signal } : {}, { stream: true });
  const reader = response.body!.getReader();
  await reader.read();
  return reader;
}

describe('DefaultKagentiApiService and the caller’s signal', () => {
  it('requestCore leaves no listener on the signal once it has settled, answered or failed', async () => {
    const { signal } = new AbortController();
    await service.requestCore({ method: 'GET', path: '/api/v1/agents', signal });
    expect(listeners(signal)).toBe(0);
    await expect(service.requestCore({ method: 'GET', path: '/api/v1/missing', signal })).rejects.toThrow(/answered 404/);
    expect(listeners(signal)).toBe(0);
  });

  it('fetch lets go of the signal when the answer has no body, or the request failed', async () => {
    const { signal } = new AbortController();
    const response = await service.fetch('/api/v1/agents/weather', { method: 'DELETE', signal });
    expect(response.status).toBe(204);
    expect(listeners(signal)).toBe(0);
    await expect(service.fetch('https://elsewhere.example/api', { signal })).rejects.toThrow(TypeError);
    expect(listeners(signal)).toBe(0);
  });

  it('fetch keeps listening while the body is open, so that the caller’s abort ends it, and then lets go', async () => {
    const controller = new AbortController();
    const reader = await openStream(controller.signal);
    expect(listeners(controller.signal)).toBe(1);
    controller.abort(new Error('the user left'));
    await expect(reader.read()).rejects.toThrow('the user left');
    expect(listeners(controller.signal)).toBe(0);
  });
});

describe('DefaultKagentiApiService.close()', () => {
  it('ends every open body, not only the last, saying the service is shut down', async () => {
    const readers = [await openStream(), await openStream(new AbortController().signal), await openStream()];
    service.close();
    for (const reader of readers) await expect(reader.read()).rejects.toThrow('the Kagenti service is shut down');
  });
});

describe('DefaultKagentiApiService.requestCore answers', () => {
  it('resolves a JSON null or a text answer as it is (only a stream is tracked for close())', async () => {
    const client = new KagentiApiClient({ baseUrl: 'https://kagenti.test' });
    const http = new MockAdapter(client.axios, { onNoMatch: 'throwException' });
    http.onGet('/api/v1/null').reply(200, null).onGet('/api/v1/text').reply(200, 'ok');
    const plain = new DefaultKagentiApiService(client);
    try {
      await expect(plain.requestCore({ method: 'GET', path: '/api/v1/null' })).resolves.toMatchObject({ data: null });
      await expect(plain.requestCore({ method: 'GET', path: '/api/v1/text' })).resolves.toMatchObject({ data: 'ok' });
    } finally {
      plain.close();
    }
  });
});
