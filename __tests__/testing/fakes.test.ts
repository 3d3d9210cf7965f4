import type { Readable } from 'node:stream';
import { KagentiApiClient, KeycloakTokenManager, TokenRequestError } from '../../lib';
import { startFakeKagentiApi, startFakeKeycloak, type FakeKagentiApi, type FakeKeycloak } from '../../lib/testing';
import { rejection } from '../helpers/assertions';

describe('startFakeKeycloak', () => {
  let keycloak: FakeKeycloak;
  const managers: KeycloakTokenManager[] = [];
  const manager = (options: Partial<ConstructorParameters<typeof KeycloakTokenManager>[0]> = {}) => {
    const created = new KeycloakTokenManager({ ...keycloak.authConfig(), retry: false, failureCooldownMs: 0, ...options });
    managers.push(created);
    return created;
  };

  beforeEach(async () => {
    keycloak = await startFakeKeycloak({ clientId: 'svc', clientSecret: 'p@ss:wörd+1', expiresInSeconds: 120, realm: 'r1' });
  });

  afterEach(async () => {
    for (const created of managers.splice(0)) created.close();
    await keycloak.close();
  });

  it('listens on 127.0.0.1 at the Keycloak token path', () => {
    expect(keycloak.tokenEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/r1\/protocol\/openid-connect\/token$/);
  });

  it.each(['client_secret_basic', 'client_secret_post'] as const)(
    'issues active tokens to %s with the right secret',
    async method => {
      const token = await manager({ clientAuthentication: method, scope: 'a b' }).getToken();

      expect(keycloak.isActive(token)).toBe(true);
      expect(keycloak.requests).toEqual([
        { clientId: 'svc', authMethod: method, grantType: 'client_credentials', scope: 'a b', status: 200 },
      ]);
      expect(JSON.stringify(keycloak.requests)).not.toContain('p@ss');
    },
  );

  it('answers invalid_client to a wrong secret', async () => {
    const error = await rejection<unknown>(manager({ clientSecret: 'wrong' }).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it('knows no token it did not issue, nor one revoked', async () => {
    const token = await manager().getToken();
    expect(keycloak.isActive('made-up')).toBe(false);
    keycloak.revoke(token);
    expect(keycloak.isActive(token)).toBe(false);
  });

  it('answers a set status and error until the fault is cleared', async () => {
    keycloak.setFault({ mode: 'status', status: 503 });
    expect(await rejection<unknown>(manager().getToken())).toMatchObject({ status: 503, code: 'TOKEN_ENDPOINT_HTTP_ERROR' });
    keycloak.setFault({ mode: 'status', status: 400, error: 'invalid_scope' });
    expect(await rejection<unknown>(manager().getToken())).toMatchObject({ error: 'invalid_scope' });
    keycloak.setFault({ mode: 'none' });
    await expect(manager().getToken()).resolves.toEqual(expect.any(String));
  });

  it('leaves a request hanging in hang mode, and close() ends it', async () => {
    keycloak.setFault({ mode: 'hang' });
    const pending = rejection<unknown>(manager().getToken());
    while (keycloak.requests.length === 0) await new Promise(resolve => setImmediate(resolve));
    expect(keycloak.requests[0].status).toBe(0);

    await keycloak.close();

    expect(await pending).toMatchObject({ code: 'TOKEN_ENDPOINT_UNREACHABLE' });
  });
});

describe('startFakeKagentiApi', () => {
  let keycloak: FakeKeycloak;
  let kagenti: FakeKagentiApi;
  let tokens: KeycloakTokenManager;
  let client: KagentiApiClient;

  beforeEach(async () => {
    keycloak = await startFakeKeycloak();
    kagenti = await startFakeKagentiApi({ tokens: keycloak });
    tokens = new KeycloakTokenManager({ ...keycloak.authConfig(), retry: false });
    client = new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: tokens });
  });

  afterEach(async () => {
    tokens.close();
    await kagenti.close();
    await keycloak.close();
  });

  it('records what it was sent and answers what the test set', async () => {
    kagenti.respond('post', '/api/v1/chat', received => ({
      status: 201,
      json: { echo: JSON.parse(received.body) as unknown, q: received.query },
    }));

    const response = await client.requestCore({
      method: 'POST',
      path: '/api/v1/chat',
      body: { m: 1 },
      query: { ns: 'team1' },
      userRef: 'user:default/jo',
    });

    expect(response.status).toBe(201);
    expect(response.data).toEqual({ echo: { m: 1 }, q: { ns: 'team1' } });
    expect(kagenti.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/api/v1/chat',
        query: { ns: 'team1' },
        backstageUser: 'user:default/jo',
        status: 201,
      }),
    ]);
    expect(keycloak.isActive(kagenti.requests[0].token ?? '')).toBe(true);
  });

  it('answers 404 to a route it was not given', async () => {
    expect(await rejection<unknown>(client.requestCore({ method: 'GET', path: '/api/v1/nothing' }))).toMatchObject({
      response: { status: 404 },
    });
  });

  it('refuses a request without an active token with 401 invalid_token', async () => {
    kagenti.respond('GET', '/api/v1/agents', { json: {} });
    const anonymous = new KagentiApiClient({ baseUrl: kagenti.url });
    const error = await rejection<unknown>(anonymous.requestCore({ method: 'GET', path: '/api/v1/agents' }));
    expect(error).toMatchObject({
      response: { status: 401, headers: { 'www-authenticate': expect.stringContaining('invalid_token') } },
    });
  });

  it('rejects the next requests on demand, which the client heals with one retry', async () => {
    kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } });
    kagenti.rejectNext(1);

    await expect(client.requestCore({ method: 'GET', path: '/api/v1/agents' })).resolves.toMatchObject({ status: 200 });
    expect(kagenti.requests.map(r => r.status)).toEqual([401, 200]);
    expect(keycloak.requests).toHaveLength(2);
  });

  it('streams server-sent events to their end', async () => {
    kagenti.respond('GET', '/api/v1/chat/stream', { sse: [{ event: 'message', data: { a: 1 } }, { data: 'plain' }] });

    const response = await client.requestCore<Readable>({ method: 'GET', path: '/api/v1/chat/stream', stream: true });
    let text = '';
    for await (const chunk of response.data) text += String(chunk);

    expect(response.headers['content-type']).toBe('text/event-stream');
    expect(text).toBe('event: message\ndata: {"a":1}\n\ndata: plain\n\n');
  });

  it('holds a stream open when asked, until close()', async () => {
    kagenti.respond('GET', '/api/v1/chat/stream', { sse: [{ data: 'first' }], hold: true });
    const response = await client.requestCore<Readable>({ method: 'GET', path: '/api/v1/chat/stream', stream: true });
    const ended = new Promise<void>(resolve => response.data.once('close', () => resolve()));
    response.data.on('error', () => undefined);
    response.data.resume();

    await kagenti.close();
    await ended;

    expect(response.data.destroyed).toBe(true);
  });
});
