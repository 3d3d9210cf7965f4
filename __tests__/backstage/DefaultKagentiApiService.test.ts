import type { Readable } from 'node:stream';
import { mockCredentials } from '@backstage/backend-test-utils';
import { isAxiosError } from 'axios';
import { KagentiApiClient, KeycloakTokenManager, TokenRequestError } from '../../lib';
import { DefaultKagentiApiService } from '../../lib/backstage';
import type { FakeKagentiApi, FakeKeycloak } from '../../lib/testing';
import { useFakeKagenti } from './helpers/useFakeKagenti';
import { findLeak, secretForms, serializeEveryWay } from '../helpers/secretScan';
import { rejection } from '../helpers/assertions';

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
  kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } });
  manager = new KeycloakTokenManager({ ...keycloak.authConfig(), retry: false });
  service = new DefaultKagentiApiService(new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: manager }));
});

afterEach(() => {
  service.close();
  manager.close();
});

const last = () => kagenti.requests[kagenti.requests.length - 1];

describe('DefaultKagentiApiService credentials', () => {
  it("sends a user principal's entity ref as X-Backstage-User", async () => {
    await service.requestCore({ method: 'GET', path: '/api/v1/agents', credentials: mockCredentials.user('user:default/jane') });
    expect(last().backstageUser).toBe('user:default/jane');
  });

  it('sends no X-Backstage-User for a service principal or no principal', async () => {
    await service.requestCore({ method: 'GET', path: '/api/v1/agents', credentials: mockCredentials.service('plugin:catalog') });
    expect(last().headers['x-backstage-user']).toBeUndefined();
    await service.requestCore({ method: 'GET', path: '/api/v1/agents', credentials: mockCredentials.none() });
    expect(last().headers['x-backstage-user']).toBeUndefined();
  });

  it('still sends a plain userRef', async () => {
    await service.requestCore({ method: 'GET', path: '/api/v1/agents', userRef: 'user:default/sam' });
    expect(last().backstageUser).toBe('user:default/sam');
  });

  it('refuses userRef and credentials together with a TypeError, sending nothing', async () => {
    const before = kagenti.requests.length;
    const error = await rejection(
      service.requestCore({
        method: 'GET',
        path: '/api/v1/agents',
        userRef: 'user:default/sam',
        credentials: mockCredentials.user(),
      }),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/either userRef or credentials/);
    expect(kagenti.requests.length).toBe(before);
  });
});

describe('DefaultKagentiApiService errors', () => {
  it('keeps the original error as a non-enumerable cause', async () => {
    kagenti.respond('GET', '/api/v1/agents', { status: 404 });
    const error = await rejection(service.requestCore({ method: 'GET', path: '/api/v1/agents?namespace=team1' }));

    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe('Kagenti API request GET /api/v1/agents failed: Kagenti answered 404');
    expect(isAxiosError(error.cause) && error.cause.response?.status).toBe(404);
    expect(Object.keys(error)).not.toContain('cause');
    expect(JSON.stringify(error)).not.toContain(kagenti.url);
  });

  it('keeps the TokenRequestError as the cause of a token failure, its endpoint out of the message', async () => {
    keycloak.setFault({ mode: 'status', status: 401, error: 'invalid_client' });
    const error = await rejection(service.requestCore({ method: 'POST', path: '/api/v1/chat', body: { message: 'hi' } }));

    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toMatch(/^Kagenti API request POST \/api\/v1\/chat not sent: .*TOKEN_ENDPOINT_OAUTH_ERROR/);
    expect(error.cause).toBeInstanceOf(TokenRequestError);
    expect(error.message).not.toContain(new URL(keycloak.tokenEndpoint).host);
  });

  it.each([
    [405, 'Error'],
    [429, 'ServiceUnavailableError'],
    [503, 'ServiceUnavailableError'],
  ])('maps Kagenti %i to %s', async (status, name) => {
    kagenti.respond('GET', '/api/v1/agents', { status });
    const error = await rejection(service.requestCore({ method: 'GET', path: '/api/v1/agents' }));
    expect(error.name).toBe(name);
    expect(error.message).toContain(`Kagenti answered ${status}`);
  });

  it('passes a caller mistake through as the TypeError it is', async () => {
    const error = await rejection(service.requestCore({ method: 'GET', path: 'https://elsewhere.example/x' }));
    expect(error).toBeInstanceOf(TypeError);
  });

  it('maps a request the caller cancelled to 503 saying the caller cancelled it', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(service.requestCore({ method: 'GET', path: '/api/v1/agents', signal: controller.signal }));
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toBe('Kagenti API request GET /api/v1/agents cancelled: by the caller');
  });

  it('holds no token or secret however the mapped error is logged', async () => {
    await service.requestCore({ method: 'GET', path: '/api/v1/agents' });
    const token = last().token ?? '';
    kagenti.rejectNext(2);
    const error = await rejection(service.requestCore({ method: 'GET', path: '/api/v1/agents' }));

    expect(error.name).toBe('ServiceUnavailableError');
    const tokens = kagenti.requests.flatMap(r => (r.token ? [r.token] : []));
    expect(tokens).toContain(token);
    expect(
      findLeak(serializeEveryWay(error), [...tokens, ...secretForms(keycloak.clientId, keycloak.clientSecret)]),
    ).toBeUndefined();
  });
});

describe('DefaultKagentiApiService.close', () => {
  it('destroys open response streams and refuses later calls', async () => {
    kagenti.respond('GET', '/api/v1/chat/stream', { sse: [{ data: { delta: 'a' } }], hold: true });
    const response = await service.requestCore<Readable>({ method: 'GET', path: '/api/v1/chat/stream', stream: true });
    const closed = new Promise<void>(resolve => response.data.once('close', () => resolve()));
    response.data.on('error', () => undefined);

    service.close();
    await closed;

    expect(response.data.destroyed).toBe(true);
    const error = await rejection(service.requestCore({ method: 'GET', path: '/api/v1/agents' }));
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toMatch(/shut down/);
  });

  it('aborts a request waiting for a hung Keycloak', async () => {
    keycloak.setFault({ mode: 'hang' });
    const pending = rejection(service.requestCore({ method: 'GET', path: '/api/v1/agents' }));
    const before = keycloak.requests.length;
    while (keycloak.requests.length === before) await new Promise(resolve => setImmediate(resolve));

    service.close();

    expect((await pending).name).toBe('ServiceUnavailableError');
  });
});
