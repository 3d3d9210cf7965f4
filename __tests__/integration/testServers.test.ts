// Self-test of the fixtures in test-servers/: if these lie, every integration test built on them
// lies too. Talks to the servers with plain axios, never through the library.
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';

import { basicAuthHeader, startTokenServer, type TestClient, type TokenServerHandle } from '../../test-servers/startTokenServer';
import {
  startKagentiServer,
  startPlainServer,
  type KagentiServerHandle,
  type PlainServerHandle,
} from '../../test-servers/startKagentiServer';

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

// proxy: false because a developer's HTTP(S)_PROXY must not swallow loopback traffic.
const http: AxiosInstance = axios.create({ validateStatus: () => true, proxy: false });

const TTL = 2;

let auth: TokenServerHandle;
let jwtAuth: TokenServerHandle;
let kagenti: KagentiServerHandle;
let jwtKagenti: KagentiServerHandle;
let plain: PlainServerHandle;

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function requestToken(
  server: TokenServerHandle,
  client: TestClient,
  extra: Record<string, string> = {},
  config: { timeout?: number } = {},
): Promise<AxiosResponse> {
  return http.post(server.tokenEndpoint, form({ grant_type: 'client_credentials', ...extra }), {
    ...config,
    headers: { authorization: basicAuthHeader(client), 'content-type': 'application/x-www-form-urlencoded' },
  });
}

async function tokenFor(server: TokenServerHandle, client: TestClient): Promise<string> {
  const response = await requestToken(server, client);
  expect(response.status).toBe(200);
  return (response.data as TokenResponse).access_token;
}

function callAgents(token?: string): Promise<AxiosResponse> {
  return http.get(`${kagenti.url}/api/v1/agents`, {
    params: { namespace: 'team1' },
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  [auth, jwtAuth, plain] = await Promise.all([
    startTokenServer({ ttlSeconds: TTL }),
    startTokenServer({ format: 'jwt', realm: 'jwt-realm' }),
    startPlainServer(),
  ]);
  [kagenti, jwtKagenti] = await Promise.all([
    startKagentiServer({
      introspectionEndpoint: auth.introspectionEndpoint,
      introspectionClient: auth.clients.api,
    }),
    startKagentiServer({
      introspectionEndpoint: jwtAuth.introspectionEndpoint,
      introspectionClient: jwtAuth.clients.api,
      jwksUri: jwtAuth.jwksUri,
      issuer: jwtAuth.issuer,
    }),
  ]);
}, 20_000);

afterAll(async () => {
  await Promise.all([auth?.stop(), jwtAuth?.stop(), kagenti?.close(), jwtKagenti?.close(), plain?.close()]);
});

beforeEach(async () => {
  await auth.reset();
});

describe('token server', () => {
  it('publishes Keycloak-shaped endpoints for the realm', async () => {
    const origin = `http://127.0.0.1:${auth.port}`;
    expect(auth.issuer).toBe(`${origin}/realms/kagenti`);
    expect(auth.tokenEndpoint).toBe(`${origin}/realms/kagenti/protocol/openid-connect/token`);
    expect(auth.introspectionEndpoint).toBe(`${origin}/realms/kagenti/protocol/openid-connect/token/introspect`);
    expect(auth.revocationEndpoint).toBe(`${origin}/realms/kagenti/protocol/openid-connect/revoke`);
    expect(auth.jwksUri).toBe(`${origin}/realms/kagenti/protocol/openid-connect/certs`);
    expect(jwtAuth.issuer).toBe(`http://127.0.0.1:${jwtAuth.port}/realms/jwt-realm`);

    const discovery = await http.get(auth.discoveryUrl);
    expect(discovery.status).toBe(200);
    expect(discovery.data).toMatchObject({
      issuer: auth.issuer,
      token_endpoint: auth.tokenEndpoint,
      introspection_endpoint: auth.introspectionEndpoint,
      revocation_endpoint: auth.revocationEndpoint,
      jwks_uri: auth.jwksUri,
    });
  });

  it('issues tokens to a client_secret_basic client with expires_in equal to the TTL', async () => {
    const response = await requestToken(auth, auth.clients.basic, { scope: 'kagenti' });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.data as TokenResponse;
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(TTL);
    expect(body.scope).toBe('kagenti');
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('issues tokens to a client_secret_post client', async () => {
    const { id, secret } = auth.clients.post;
    const response = await http.post(
      auth.tokenEndpoint,
      form({ grant_type: 'client_credentials', client_id: id, client_secret: secret }),
    );
    expect(response.status).toBe(200);
    expect((response.data as TokenResponse).access_token.length).toBeGreaterThan(20);
  });

  it('needs RFC 6749 §2.3.1 form-urlencoding of Basic credentials', async () => {
    const { special } = auth.clients;
    for (const ch of [':', '%', '+', '/', '=', '?', '&', ' ']) expect(special.secret).toContain(ch);
    const decoded = Buffer.from(basicAuthHeader(special).slice('Basic '.length), 'base64').toString();
    expect(decoded).toBe('kagenti-special:s3%3Acr%25t%2B+%2F%3D%3F%26x');

    expect((await requestToken(auth, special)).status).toBe(200);

    const raw = await http.post(auth.tokenEndpoint, form({ grant_type: 'client_credentials' }), {
      headers: { authorization: `Basic ${Buffer.from(`${special.id}:${special.secret}`).toString('base64')}` },
    });
    expect(raw.status).toBe(400);
    expect(raw.data).toMatchObject({ error: 'invalid_request' });

    // oidc-provider is lenient here: %20 (encodeURIComponent) decodes to a space as well as '+'.
    const percent = await http.post(auth.tokenEndpoint, form({ grant_type: 'client_credentials' }), {
      headers: {
        authorization: `Basic ${Buffer.from(`${special.id}:${encodeURIComponent(special.secret)}`).toString('base64')}`,
      },
    });
    expect(percent.status).toBe(200);
  });

  it('answers RFC 6749 errors', async () => {
    const wrong = await requestToken(auth, { id: auth.clients.basic.id, secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.data).toMatchObject({ error: 'invalid_client' });
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic realm=".*", error="invalid_client"/);

    const unknownClient = await requestToken(auth, { id: 'nobody', secret: 'x' });
    expect(unknownClient.status).toBe(401);
    expect(unknownClient.data).toMatchObject({ error: 'invalid_client' });

    const unknownScope = await requestToken(auth, auth.clients.basic, { scope: 'kagenti nonsense' });
    expect(unknownScope.status).toBe(400);
    expect(unknownScope.data).toMatchObject({ error: 'invalid_scope', scope: 'nonsense' });

    const notGranted = await requestToken(auth, auth.clients.basic, { scope: 'kagenti-admin' });
    expect(notGranted.status).toBe(400);
    expect(notGranted.data).toMatchObject({ error: 'invalid_scope' });

    const refused = await requestToken(auth, auth.clients.unauthorized);
    expect(refused.status).toBe(400);
    expect(refused.data).toMatchObject({ error: 'unauthorized_client' });

    const badGrant = await http.post(auth.tokenEndpoint, form({ grant_type: 'password' }), {
      headers: { authorization: basicAuthHeader(auth.clients.basic) },
    });
    expect(badGrant.status).toBe(400);
    expect(badGrant.data).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('introspects its tokens as active for the api client', async () => {
    const token = await tokenFor(auth, auth.clients.basic);
    const result = await auth.introspect(token);
    expect(result).toMatchObject({
      active: true,
      client_id: auth.clients.basic.id,
      iss: auth.issuer,
      aud: auth.audience,
      token_type: 'Bearer',
    });
    expect(result.exp! - result.iat!).toBe(TTL);
    expect(await auth.introspect('not-a-token')).toEqual({ active: false });
  });

  it('counts every token request per client, failed ones included', async () => {
    await requestToken(auth, auth.clients.basic);
    await requestToken(auth, auth.clients.basic);
    await requestToken(auth, { id: auth.clients.basic.id, secret: 'wrong' });
    const { id, secret } = auth.clients.post;
    await http.post(auth.tokenEndpoint, form({ grant_type: 'client_credentials', client_id: id, client_secret: secret }));

    const stats = await auth.stats();
    expect(stats.tokenRequests.total).toBe(4);
    expect(stats.tokenRequests.byClient).toEqual({ 'kagenti-basic': 3, 'kagenti-post': 1 });
    expect(stats.issued).toBe(3);
    expect(stats.tokenRequests.log.map(entry => [entry.authMethod, entry.status])).toEqual([
      ['client_secret_basic', 200],
      ['client_secret_basic', 200],
      ['client_secret_basic', 401],
      ['client_secret_post', 200],
    ]);

    await auth.reset();
    expect((await auth.stats()).tokenRequests.total).toBe(0);
  });

  it('reset({ tokens: true }) forgets issued tokens', async () => {
    const token = await tokenFor(auth, auth.clients.basic);
    await auth.reset({ tokens: true });
    expect((await auth.introspect(token)).active).toBe(false);
  });

  it('revokeAll() makes every issued token inactive and counts them', async () => {
    const tokens = [await tokenFor(auth, auth.clients.basic), await tokenFor(auth, auth.clients.post)];
    expect(await auth.revokeAll()).toBeGreaterThanOrEqual(2);
    for (const token of tokens) expect((await auth.introspect(token)).active).toBe(false);
    expect((await auth.introspect(await tokenFor(auth, auth.clients.basic))).active).toBe(true);
  });

  it('setAudiences() gives tokens issued afterwards every audience, introspected as an array', async () => {
    const before = await tokenFor(auth, auth.clients.basic);
    await auth.setAudiences([auth.audience, 'kagenti-tools']);
    const after = await tokenFor(auth, auth.clients.basic);
    expect((await auth.introspect(before)).aud).toBe(auth.audience);
    const introspected = await auth.introspect(after);
    expect(introspected.aud).toEqual([auth.audience, 'kagenti-tools']);
    expect(Object.keys(introspected).filter(key => key.startsWith('x_'))).toEqual([]);
    await expect(auth.setAudiences(['other'])).rejects.toThrow(/control audiences failed: 400/);
    await auth.reset();
    expect((await auth.introspect(await tokenFor(auth, auth.clients.basic))).aud).toBe(auth.audience);
  });

  it('rotateSecret(): the new secret at once, the old one until its grace period ends, then invalid_client', async () => {
    const basic = auth.clients.basic;
    const { id, secret } = auth.clients.post;
    const postToken = (clientSecret: string) =>
      http.post(auth.tokenEndpoint, form({ grant_type: 'client_credentials', client_id: id, client_secret: clientSecret }));
    await auth.rotateSecret(basic, 'basic-rotated-1', 1);
    await auth.rotateSecret(auth.clients.post, 'post-rotated-1', 1);
    expect((await requestToken(auth, { id: basic.id, secret: 'basic-rotated-1' })).status).toBe(200);
    expect((await requestToken(auth, basic)).status).toBe(200);
    expect((await postToken('post-rotated-1')).status).toBe(200);
    expect((await postToken(secret)).status).toBe(200);
    expect((await requestToken(auth, { id: basic.id, secret: 'wrong' })).status).toBe(401);
    await new Promise(resolve => setTimeout(resolve, 1_100));
    const refused = await requestToken(auth, basic);
    expect(refused.status).toBe(401);
    expect(refused.data).toMatchObject({ error: 'invalid_client' });
    expect((await postToken(secret)).status).toBe(401);
    expect((await requestToken(auth, { id: basic.id, secret: 'basic-rotated-1' })).status).toBe(200);
    const { log } = (await auth.stats()).tokenRequests;
    expect(log.filter(entry => entry.secretRefused).map(entry => entry.clientId)).toEqual([basic.id, basic.id, id]);
    await expect(auth.rotateSecret(auth.clients.secretJwt, 'x')).rejects.toThrow(/control rotate-secret failed: 400/);
  });
});

describe('token endpoint faults', () => {
  it('hang: accepts and never answers, then heals after `times`', async () => {
    await auth.setFault({ mode: 'hang', times: 1 });
    const hung = requestToken(auth, auth.clients.basic, {}, { timeout: 300 });
    await expect(hung).rejects.toMatchObject({ code: 'ECONNABORTED' });
    expect((await requestToken(auth, auth.clients.basic)).status).toBe(200);
    const { tokenRequests } = await auth.stats();
    expect(tokenRequests.total).toBe(2);
    expect(tokenRequests.log[0]).toMatchObject({ fault: 'hang', status: 0, clientId: 'kagenti-basic' });
  });

  it('status: answers the given status with an RFC 6749 error body', async () => {
    await auth.setFault({ mode: 'status', status: 503, retryAfter: 7 });
    const unavailable = await requestToken(auth, auth.clients.basic);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers['retry-after']).toBe('7');
    expect(unavailable.data).toMatchObject({ error: 'temporarily_unavailable' });

    await auth.setFault({ mode: 'status', status: 400, error: 'invalid_grant' });
    const invalid = await requestToken(auth, auth.clients.basic);
    expect(invalid.status).toBe(400);
    expect(invalid.data).toMatchObject({ error: 'invalid_grant' });

    await auth.setFault({ mode: 'none' });
    expect((await requestToken(auth, auth.clients.basic)).status).toBe(200);
  });

  it('html: answers 200 with an HTML page', async () => {
    await auth.setFault({ mode: 'html' });
    const response = await requestToken(auth, auth.clients.basic);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(String(response.data)).toMatch(/^<!DOCTYPE html>/);
  });

  it('slow: delays the real answer', async () => {
    await auth.setFault({ mode: 'slow', delayMs: 300 });
    const started = Date.now();
    const response = await requestToken(auth, auth.clients.basic);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(response.status).toBe(200);
    expect((response.data as TokenResponse).access_token).toBeTruthy();
  });

  it('close-mid-body: sends headers and half a body, then drops the connection', async () => {
    await auth.setFault({ mode: 'close-mid-body' });
    const failure: unknown = await requestToken(auth, auth.clients.basic).then(
      () => 'resolved',
      (err: unknown) => err,
    );
    expect(axios.isAxiosError(failure)).toBe(true);
    expect((await auth.stats()).tokenRequests.log[0]).toMatchObject({ fault: 'close-mid-body' });
  });

  it('fail-then-recover: 500 `times` times with Retry-After, then the real answer', async () => {
    await auth.setFault({ mode: 'fail-then-recover', times: 2, retryAfter: 1 });
    const first = await requestToken(auth, auth.clients.basic);
    const second = await requestToken(auth, auth.clients.basic);
    const third = await requestToken(auth, auth.clients.basic);
    expect([first.status, second.status, third.status]).toEqual([500, 500, 200]);
    expect(first.headers['retry-after']).toBe('1');
    expect(first.data).toMatchObject({ error: 'server_error' });
    const stats = await auth.stats();
    expect(stats.tokenRequests.total).toBe(3);
    expect(stats.issued).toBe(1);
  });

  it('rejects a malformed fault', async () => {
    await expect(auth.setFault({ mode: 'explode' } as never)).rejects.toThrow(/control fault failed: 400/);
  });
});

describe('kagenti server', () => {
  beforeEach(() => {
    kagenti.clear();
    kagenti.setAlways401(false);
    kagenti.setChallenge(undefined);
  });

  it('accepts a live token and records the request', async () => {
    const token = await tokenFor(auth, auth.clients.basic);
    const response = await http.get(`${kagenti.url}/api/v1/agents`, {
      params: { namespace: 'ns-a' },
      headers: { authorization: `Bearer ${token}`, 'x-backstage-user': 'user:default/alice' },
    });
    expect(response.status).toBe(200);
    const items = (response.data as { items: Array<{ namespace: string }> }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every(item => item.namespace === 'ns-a')).toBe(true);
    expect(kagenti.tokensSeen).toEqual([token]);
    expect(kagenti.requests[0]).toMatchObject({
      method: 'GET',
      path: '/api/v1/agents',
      query: { namespace: 'ns-a' },
      token,
      backstageUser: 'user:default/alice',
      status: 200,
    });
    expect(kagenti.requests[0].headers['x-backstage-user']).toBe('user:default/alice');

    const tools = await http.get(`${kagenti.url}/api/v1/tools`, { headers: { authorization: `Bearer ${token}` } });
    expect(tools.status).toBe(200);
    expect((tools.data as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });

  it('echoes chat bodies and headers', async () => {
    const token = await tokenFor(auth, auth.clients.basic);
    const headers = { authorization: `Bearer ${token}` };
    const chat = await http.post(`${kagenti.url}/api/v1/chat`, { message: 'hi', agent: 'weather' }, { headers });
    expect(chat.status).toBe(200);
    expect(chat.data).toEqual({ reply: 'echo: hi', received: { message: 'hi', agent: 'weather' } });

    const echo = await http.get(`${kagenti.url}/api/v1/echo-headers`, { headers: { ...headers, 'x-trace': 'abc' } });
    expect((echo.data as { headers: Record<string, string> }).headers).toMatchObject({
      authorization: `Bearer ${token}`,
      'x-trace': 'abc',
    });
  });

  it('answers a missing token with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const response = await callAgents();
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="kagenti"');
    expect(kagenti.requests[0]).toMatchObject({ status: 401, authError: 'missing token' });
  });

  it('rejects unknown, revoked and locally revoked tokens with invalid_token', async () => {
    const unknown = await callAgents('made-up-token');
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toMatch(/^Bearer realm="kagenti", error="invalid_token"/);

    const revokedAtServer = await tokenFor(auth, auth.clients.post);
    expect((await callAgents(revokedAtServer)).status).toBe(200);
    await auth.revoke(revokedAtServer);
    expect(await auth.introspect(revokedAtServer)).toEqual({ active: false });
    const afterRevoke = await callAgents(revokedAtServer);
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(afterRevoke.data).toMatchObject({ error: 'invalid_token' });

    const revokedLocally = await tokenFor(auth, auth.clients.basic);
    kagenti.revoke(revokedLocally);
    const before = (await auth.stats()).introspectionRequests;
    const local = await callAgents(revokedLocally);
    expect(local.status).toBe(401);
    expect(local.headers['www-authenticate']).toMatch(/error="invalid_token", error_description="token revoked"/);
    expect((await auth.stats()).introspectionRequests).toBe(before);
  });

  it('stops accepting a token once its TTL has passed', async () => {
    const token = await tokenFor(auth, auth.clients.basic);
    const { exp } = await auth.introspect(token);
    expect((await callAgents(token)).status).toBe(200);
    await new Promise(resolve => setTimeout(resolve, exp! * 1000 - Date.now() + 50));
    const expired = await callAgents(token);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('with rejection "authbridge" and required audiences, refuses as AuthBridge does: no challenge', async () => {
    const bridge = await startKagentiServer({
      introspectionEndpoint: auth.introspectionEndpoint,
      introspectionClient: auth.clients.api,
      rejection: 'authbridge',
      requiredAudiences: [auth.audience],
    });
    try {
      const call = (token?: string) =>
        http.get(`${bridge.url}/api/v1/agents`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
      const narrow = await tokenFor(auth, auth.clients.basic);
      expect((await call(narrow)).status).toBe(200);
      bridge.requireAudiences([auth.audience, 'kagenti-tools']);
      for (const refused of [await call(narrow), await call('made-up-token'), await call()]) {
        expect(refused.status).toBe(401);
        expect(refused.data).toEqual({ error: 'unauthorized', message: 'token validation failed' });
        expect(refused.headers['www-authenticate']).toBeUndefined();
      }
      expect(bridge.requests.map(request => request.authError)).toEqual([
        undefined,
        'audience kagenti-tools missing',
        'inactive',
        'missing token',
      ]);
      await auth.setAudiences([auth.audience, 'kagenti-tools']);
      expect((await call(await tokenFor(auth, auth.clients.basic))).status).toBe(200);
    } finally {
      await bridge.close();
    }
  });

  it('refuses a token lacking a required audience with invalid_token by default', async () => {
    kagenti.requireAudiences(['kagenti-tools']);
    try {
      const refused = await callAgents(await tokenFor(auth, auth.clients.basic));
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    } finally {
      kagenti.requireAudiences([]);
    }
  });

  it('forces 401s with a configurable challenge', async () => {
    const token = await tokenFor(auth, auth.clients.basic);
    kagenti.setAlways401(true);
    kagenti.setChallenge('Bearer realm="kagenti", error="invalid_token", error_description="custom"');
    const forced = await callAgents(token);
    expect(forced.status).toBe(401);
    expect(forced.headers['www-authenticate']).toBe('Bearer realm="kagenti", error="invalid_token", error_description="custom"');
    kagenti.setChallenge('');
    expect((await callAgents(token)).headers['www-authenticate']).toBeUndefined();

    kagenti.setAlways401(false);
    kagenti.failNext401(1);
    expect((await callAgents(token)).status).toBe(401);
    expect((await callAgents(token)).status).toBe(200);
  });

  it('streams server-sent events then a done event', async () => {
    const token = await tokenFor(auth, auth.clients.basic);
    const response = await http.get(`${kagenti.url}/api/v1/chat/stream`, {
      params: { events: 3, intervalMs: 40 },
      headers: { authorization: `Bearer ${token}` },
      responseType: 'stream',
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const arrivals: number[] = [];
    let text = '';
    for await (const chunk of response.data as AsyncIterable<Buffer>) {
      arrivals.push(Date.now());
      text += chunk.toString('utf8');
    }
    const events = text
      .trim()
      .split('\n\n')
      .map(block => /^event: (.*)$/m.exec(block)?.[1]);
    expect(events).toEqual(['message', 'message', 'message', 'done']);
    expect(text).toContain('data: {"index":2,"delta":"chunk 2"}');
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThanOrEqual(70);
  });
});

describe('jwt format', () => {
  it('issues signed at+jwt tokens without a resource parameter', async () => {
    const response = await requestToken(jwtAuth, jwtAuth.clients.basic, { scope: 'kagenti' });
    expect(response.status).toBe(200);
    const { access_token: token, expires_in: expiresIn } = response.data as TokenResponse;
    expect(expiresIn).toBe(300);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map(part => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: jwtAuth.issuer,
      aud: jwtAuth.audience,
      client_id: 'kagenti-basic',
      sub: 'kagenti-basic',
      scope: 'kagenti',
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);

    // JWT access tokens are not stored, so introspection cannot vouch for them...
    expect((await jwtAuth.introspect(token)).active).toBe(false);
    // ...but a resource server checking the signature accepts them.
    const accepted = await http.get(`${jwtKagenti.url}/api/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
    expect(accepted.status).toBe(200);
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${p}.${s.slice(0, -4)}AAAA`;
    const rejected = await http.get(`${jwtKagenti.url}/api/v1/agents`, { headers: { authorization: `Bearer ${tampered}` } });
    expect(rejected.status).toBe(401);
  });
});

describe('plain server', () => {
  it('records headers and redirects on request', async () => {
    const target = `${plain.url}/landing?x=1`;
    const redirect = await http.get(`${plain.url}/redirect`, { params: { to: target }, maxRedirects: 0 });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe(target);

    const followed = await http.get(`${plain.url}/redirect`, {
      params: { to: target },
      headers: { 'x-probe': 'yes' },
    });
    expect(followed.status).toBe(200);
    expect(followed.data).toEqual({ ok: true, path: '/landing' });
    expect(plain.requests.map(request => request.path)).toEqual(['/redirect', '/redirect', '/landing']);
    expect(plain.requests[2].headers['x-probe']).toBe('yes');

    expect((await http.get(`${plain.url}/anything`, { params: { status: 401 } })).status).toBe(401);
  });
});

describe('lifecycle', () => {
  it('reports stderr when the server cannot start', async () => {
    await expect(startTokenServer({ ttlSeconds: 0 })).rejects.toThrow(/--ttl must be a positive integer/);
  });

  it('stop() ends the child process and is idempotent', async () => {
    const { pid } = jwtAuth;
    expect(isAlive(pid)).toBe(true);
    await Promise.all([jwtAuth.stop(), jwtAuth.stop()]);
    expect(() => process.kill(pid, 0)).toThrow();
    await jwtAuth.stop();
  });
});
