import { mockCredentials } from '@backstage/backend-test-utils';
import { KagentiApiClient, KeycloakTokenManager } from '../../lib';
import { DefaultKagentiApiService } from '../../lib/backstage';
import type { FakeKagentiApi, FakeKeycloak } from '../../lib/testing';
import { useFakeKagenti } from './helpers/useFakeKagenti';

let keycloak: FakeKeycloak;
let kagenti: FakeKagentiApi;
let manager: KeycloakTokenManager;
let service: DefaultKagentiApiService;

const fakes = useFakeKagenti();
beforeAll(() => {
  keycloak = fakes.keycloak();
  kagenti = fakes.kagenti();
});

beforeEach(() => {
  keycloak.setFault({ mode: 'none' });
  kagenti.respond('GET', '/api/v1/agents', { json: { items: ['a'] } });
  manager = new KeycloakTokenManager({ ...keycloak.authConfig(), retry: false });
  service = new DefaultKagentiApiService(
    new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: manager, streamMinLifetimeMs: 0 }),
  );
});

afterEach(() => {
  service.close();
  manager.close();
});

const last = () => kagenti.requests[kagenti.requests.length - 1];

describe('DefaultKagentiApiService.fetch', () => {
  it("sends the service account's token and a user principal's entity ref, and resolves with the answer", async () => {
    const response = await service.fetch('/api/v1/agents', {}, { credentials: mockCredentials.user('user:default/jane') });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: ['a'] });
    expect(last().backstageUser).toBe('user:default/jane');
    expect(last().token).toBeDefined();
    expect(last().headers.accept).toBe('application/json');
  });

  it('sends no X-Backstage-User for a service principal', async () => {
    await service.fetch('/api/v1/agents', {}, { credentials: mockCredentials.service('plugin:catalog') });
    expect(last().backstageUser).toBeUndefined();
  });

  it('resolves an error status as fetch does, rather than throwing', async () => {
    kagenti.respond('GET', '/api/v1/missing', { status: 404, json: { detail: 'no such agent' } });
    const response = await service.fetch('/api/v1/missing');
    expect(response.status).toBe(404);
  });

  it('refuses userRef and credentials together, and a path that is not relative, sending nothing', async () => {
    const before = kagenti.requests.length;
    await expect(
      service.fetch('/api/v1/agents', {}, { userRef: 'user:default/a', credentials: mockCredentials.user('user:default/b') }),
    ).rejects.toThrow(new TypeError('Give either userRef or credentials, not both: credentials already name the user'));
    await expect(service.fetch('https://elsewhere.example/api')).rejects.toThrow(TypeError);
    expect(kagenti.requests.length).toBe(before);
  });

  it('turns a token failure into a 503 ServiceUnavailableError that names the token error', async () => {
    keycloak.setFault({ mode: 'status', status: 401, error: 'invalid_client' });
    const error = (await service.fetch('/api/v1/agents').catch((e: unknown) => e)) as Error & { statusCode?: number };
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toBe(
      'Kagenti API request GET /api/v1/agents not sent: the backend could not get a Keycloak token for its service account (TOKEN_ENDPOINT_OAUTH_ERROR). Check boost.kagenti.auth and Keycloak.',
    );
  });

  it('asks for an event stream with stream: true, and close() ends a body still open', async () => {
    kagenti.respond('GET', '/api/v1/events', { sse: [{ event: 'hello', data: 'world' }], hold: true });
    const response = await service.fetch('/api/v1/events', {}, { stream: true });
    expect(last().headers.accept).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value as Uint8Array)).toContain('data: world');
    service.close();
    await expect(reader.read()).rejects.toThrow();
  });

  it('refuses every call after close() with a ServiceUnavailableError, sending nothing', async () => {
    service.close();
    const before = kagenti.requests.length;
    const error = (await service.fetch('/api/v1/agents?q=1').catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toBe(
      'Kagenti API request GET /api/v1/agents not sent: the Kagenti service is shut down (the backend is stopping)',
    );
    expect(kagenti.requests.length).toBe(before);
  });
});

describe('KagentiApiClient.fetch', () => {
  it('refuses a userRef that cannot be a header value, before anything is sent', async () => {
    const client = new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: manager });
    const before = kagenti.requests.length;
    await expect(client.fetch('/api/v1/agents', {}, { userRef: 'user:default/a\r\nx: y' })).rejects.toThrow(TypeError);
    expect(kagenti.requests.length).toBe(before);
  });

  it('without a token manager, sends no token and keeps the caller headers', async () => {
    const client = new KagentiApiClient({ baseUrl: `${kagenti.url}/` });
    const response = await client.fetch(
      '/api/v1/agents',
      { headers: { accept: 'application/x-custom' } },
      { userRef: 'user:default/z' },
    );
    expect(response.status).toBe(401);
    expect(last().token).toBeUndefined();
    expect(last().headers.accept).toBe('application/x-custom');
    expect(last().backstageUser).toBe('user:default/z');
  });
});
