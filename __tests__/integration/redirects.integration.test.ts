// Does the bearer token follow an HTTP redirect? Real loopback servers on two ports (two
// origins), real sockets, axios's own Node http adapter (follow-redirects underneath).
//
// Layers that can strip `Authorization` on a redirect, in the order they run:
//   1. follow-redirects: drops it when the host (host:port) changes, except to a subdomain,
//      and on a downgrade to a non-https scheme.
//   2. axios's `dispatchBeforeRedirect` (this axios version): drops it on any origin change.
//   3. the library's `beforeRedirect` guard (installKeycloakAuth): drops it unless the target
//      origin is one of `allowedOrigins`.
// End-to-end tests show what arrives; the guard is also driven on its own, so that it is proven
// to work without the two layers below it (older axios releases in the peer range lack layer 2).
import axios, { type AxiosInstance, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import { randomBytes } from 'node:crypto';

import { installKeycloakAuth, KagentiApiClient, type TokenSource } from '../../lib';
import { startPlainServer, type PlainServerHandle } from '../../test-servers/startKagentiServer';

const TOKEN = `redirect-suite-${randomBytes(12).toString('hex')}`;

/** Always hands out TOKEN and counts its calls; the suite is about headers, not token fetching. */
class FixedTokenSource implements TokenSource {
  calls = 0;
  async getToken(): Promise<string> {
    this.calls += 1;
    return TOKEN;
  }
  async getTokenForStreaming(): Promise<string> {
    this.calls += 1;
    return TOKEN;
  }
  invalidate(): boolean {
    return false;
  }
}

let a: PlainServerHandle;
let b: PlainServerHandle;

beforeAll(async () => {
  [a, b] = await Promise.all([startPlainServer(), startPlainServer()]);
  expect(a.port).not.toBe(b.port);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

beforeEach(() => {
  a.requests.length = 0;
  b.requests.length = 0;
});

/** `GET /redirect?to=<target>` on `server`, as a path below its origin. */
function redirectPath(target: string): string {
  return `/redirect?to=${encodeURIComponent(target)}`;
}

function authorizationOf(server: PlainServerHandle, path: string): string | undefined {
  const seen = server.requests.filter(request => request.path === path);
  expect(seen).toHaveLength(1);
  return seen[0].headers.authorization;
}

/**
 * A KagentiApiClient on server A. `family: 4` pins name resolution to IPv4, so that
 * `localhost` reaches the 127.0.0.1-only servers whatever order the resolver returns.
 */
function kagentiClientOnA(tokens: TokenSource): KagentiApiClient {
  const client = new KagentiApiClient({ baseUrl: a.url, tokenManager: tokens, timeoutMs: 5_000 });
  client.axios.defaults.proxy = false;
  client.axios.defaults.family = 4;
  return client;
}

describe('through KagentiApiClient (installKeycloakAuth with the default allowed origin)', () => {
  it('a 302 to another port on the same host arrives without Authorization; other headers follow', async () => {
    const tokens = new FixedTokenSource();
    const client = kagentiClientOnA(tokens);
    const response = await client.requestCore({
      method: 'GET',
      path: redirectPath(`${b.url}/landing`),
      userRef: 'user:default/alice',
    });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ ok: true, path: '/landing' });
    expect(tokens.calls).toBe(1);

    expect(authorizationOf(a, '/redirect')).toBe(`Bearer ${TOKEN}`);
    const landed = b.requests.find(request => request.path === '/landing');
    expect(landed).toBeDefined();
    expect(landed!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(b.requests)).not.toContain(TOKEN);
    // Stripping is selective: the informational user header does follow.
    expect(landed!.headers['x-backstage-user']).toBe('user:default/alice');
  });

  it('a 302 from 127.0.0.1 to localhost (same server, same port) arrives without Authorization', async () => {
    const client = kagentiClientOnA(new FixedTokenSource());
    const target = `http://localhost:${a.port}/landing-localhost`;
    const response = await client.requestCore({ method: 'GET', path: redirectPath(target) });
    expect(response.status).toBe(200);
    expect(authorizationOf(a, '/redirect')).toBe(`Bearer ${TOKEN}`);
    const landed = a.requests.find(request => request.path === '/landing-localhost');
    expect(landed).toBeDefined();
    expect(landed!.headers.host).toBe(`localhost:${a.port}`);
    expect(landed!.headers.authorization).toBeUndefined();
  });

  it('a 302 to a subdomain of the API host arrives without Authorization', async () => {
    // Both names resolve to server A, so only the origin differs.
    const client = new KagentiApiClient({ baseUrl: `http://kagenti.test:${a.port}`, tokenManager: new FixedTokenSource() });
    client.axios.defaults.proxy = false;
    client.axios.defaults.lookup = async () => ({ address: '127.0.0.1', family: 4 });
    const response = await client.requestCore({
      method: 'GET',
      path: redirectPath(`http://evil.kagenti.test:${a.port}/landing-subdomain`),
    });
    expect(response.status).toBe(200);
    expect(authorizationOf(a, '/redirect')).toBe(`Bearer ${TOKEN}`);
    const landed = a.requests.find(request => request.path === '/landing-subdomain');
    expect(landed?.headers.host).toBe(`evil.kagenti.test:${a.port}`);
    expect(landed?.headers.authorization).toBeUndefined();
  });

  it('a same-origin 302 keeps Authorization', async () => {
    const client = kagentiClientOnA(new FixedTokenSource());
    const response = await client.requestCore({ method: 'GET', path: redirectPath(`${a.url}/same-origin`) });
    expect(response.status).toBe(200);
    expect(authorizationOf(a, '/redirect')).toBe(`Bearer ${TOKEN}`);
    expect(authorizationOf(a, '/same-origin')).toBe(`Bearer ${TOKEN}`);
  });

  it('a relative Location (same origin) keeps Authorization', async () => {
    const client = kagentiClientOnA(new FixedTokenSource());
    await client.requestCore({ method: 'GET', path: redirectPath('/relative-landing') });
    expect(authorizationOf(a, '/relative-landing')).toBe(`Bearer ${TOKEN}`);
  });

  it('a chain A → B → A does not get the token back on the final same-origin hop', async () => {
    const client = kagentiClientOnA(new FixedTokenSource());
    const backToA = `${b.url}${redirectPath(`${a.url}/back-home`)}`;
    const response = await client.requestCore({ method: 'GET', path: redirectPath(backToA) });
    expect(response.status).toBe(200);
    expect(authorizationOf(a, '/redirect')).toBe(`Bearer ${TOKEN}`);
    expect(authorizationOf(b, '/redirect')).toBeUndefined();
    expect(authorizationOf(a, '/back-home')).toBeUndefined();
  });
});

describe('installKeycloakAuth with allowedOrigins [A, B]', () => {
  function instanceWithBothAllowed(tokens: TokenSource): AxiosInstance {
    const instance = axios.create({ baseURL: a.url, proxy: false, timeout: 5_000 });
    installKeycloakAuth(instance, tokens, { allowedOrigins: [a.url, b.url] });
    return instance;
  }

  it('a direct request to B carries the token (B is allowed)', async () => {
    const instance = instanceWithBothAllowed(new FixedTokenSource());
    await instance.get(`${b.url}/direct`);
    expect(authorizationOf(b, '/direct')).toBe(`Bearer ${TOKEN}`);
  });

  it('a redirect A → B still arrives without Authorization: axios strips it on the origin change before the guard runs', async () => {
    const instance = instanceWithBothAllowed(new FixedTokenSource());
    const response = await instance.get(redirectPath(`${b.url}/allowed-landing`));
    expect(response.status).toBe(200);
    expect(authorizationOf(a, '/redirect')).toBe(`Bearer ${TOKEN}`);
    // The library's guard would keep it (B is allowed), but axios dropped it already; the
    // guard cannot and does not put it back.
    expect(authorizationOf(b, '/allowed-landing')).toBeUndefined();
  });
});

describe('axios alone (no installKeycloakAuth, Authorization set by hand)', () => {
  const manual = (): AxiosInstance =>
    axios.create({ baseURL: a.url, proxy: false, family: 4, timeout: 5_000, headers: { Authorization: `Bearer ${TOKEN}` } });

  it('strips Authorization on a redirect to another port', async () => {
    await manual().get(redirectPath(`${b.url}/manual-landing`));
    expect(authorizationOf(a, '/redirect')).toBe(`Bearer ${TOKEN}`);
    expect(authorizationOf(b, '/manual-landing')).toBeUndefined();
  });

  it('strips Authorization on a redirect from 127.0.0.1 to localhost', async () => {
    await manual().get(redirectPath(`http://localhost:${a.port}/manual-localhost`));
    expect(authorizationOf(a, '/manual-localhost')).toBeUndefined();
  });

  it('keeps Authorization on a same-origin redirect', async () => {
    await manual().get(redirectPath(`${a.url}/manual-same`));
    expect(authorizationOf(a, '/manual-same')).toBe(`Bearer ${TOKEN}`);
  });

  it('strips Authorization on a redirect to a subdomain (resolved to loopback by a custom lookup)', async () => {
    const instance = axios.create({
      baseURL: `http://kagenti.test:${a.port}`,
      proxy: false,
      timeout: 5_000,
      headers: { Authorization: `Bearer ${TOKEN}` },
      lookup: async () => ({ address: '127.0.0.1', family: 4 }),
    });
    await instance.get(redirectPath(`http://evil.kagenti.test:${a.port}/manual-subdomain`));
    expect(authorizationOf(a, '/redirect')).toBe(`Bearer ${TOKEN}`);
    const landed = a.requests.find(request => request.path === '/manual-subdomain');
    expect(landed?.headers.host).toBe(`evil.kagenti.test:${a.port}`);
    expect(landed?.headers.authorization).toBeUndefined();
  });
});

describe('follow-redirects alone (the redirect engine under axios’s Node adapter)', () => {
  interface FollowRequest {
    on(event: 'error', listener: (error: Error) => void): FollowRequest;
    end(): void;
  }
  interface FollowResponse {
    statusCode?: number;
    resume(): void;
    on(event: 'end', listener: () => void): FollowResponse;
  }
  // follow-redirects ships no types; only `http.request` is used.
  /* eslint-disable @typescript-eslint/no-require-imports -- no types to import */
  const followHttp = (
    require('follow-redirects') as {
      http: {
        request(options: Record<string, unknown>, callback: (response: FollowResponse) => void): FollowRequest;
      };
    }
  ).http;

  function follow(options: Record<string, unknown>): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      const request = followHttp.request(options, response => {
        response.on('end', () => resolve(response.statusCode));
        response.resume();
      });
      request.on('error', reject);
      request.end();
    });
  }

  it('keeps Authorization on a redirect to a subdomain: only an origin check (axios, the guard) stops that', async () => {
    await follow({
      protocol: 'http:',
      hostname: 'kagenti.test',
      port: a.port,
      path: redirectPath(`http://evil.kagenti.test:${a.port}/follow-subdomain`),
      headers: { Authorization: `Bearer ${TOKEN}` },
      lookup: (_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) =>
        options.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4),
    });
    expect(authorizationOf(a, '/follow-subdomain')).toBe(`Bearer ${TOKEN}`);
  });

  it('strips Authorization on a redirect to another port', async () => {
    await follow({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: a.port,
      path: redirectPath(`${b.url}/follow-port`),
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(authorizationOf(b, '/follow-port')).toBeUndefined();
  });
});

describe("the library's beforeRedirect guard on its own", () => {
  /**
   * Sends one request through an instance with installKeycloakAuth and a capturing adapter
   * (nothing goes on the wire), and returns the beforeRedirect the interceptor left on it.
   */
  async function guardFor(
    installOptions: { allowedOrigins?: readonly string[] },
    requestConfig: AxiosRequestConfig = {},
  ): Promise<NonNullable<InternalAxiosRequestConfig['beforeRedirect']>> {
    let captured: InternalAxiosRequestConfig | undefined;
    const instance = axios.create({
      baseURL: 'https://kagenti.example.com',
      adapter: async config => {
        captured = config;
        return { data: {}, status: 200, statusText: 'OK', headers: {}, config };
      },
    });
    installKeycloakAuth(instance, new FixedTokenSource(), installOptions);
    await instance.get('/api/v1/agents', requestConfig);
    expect(captured?.headers.get('Authorization')).toBe(`Bearer ${TOKEN}`);
    expect(typeof captured?.beforeRedirect).toBe('function');
    return captured!.beforeRedirect!;
  }

  /** Runs the guard on follow-redirects-shaped options, as axios would, and returns what is left. */
  function redirect(
    guard: NonNullable<InternalAxiosRequestConfig['beforeRedirect']>,
    href: string,
  ): Record<string, string | undefined> {
    const url = new URL(href);
    const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}`, Accept: 'application/json' };
    guard(
      { href, protocol: url.protocol, host: url.host, hostname: url.hostname, port: url.port, path: url.pathname, headers },
      { headers: { location: href }, statusCode: 302 },
      { headers: { ...headers }, url: 'https://kagenti.example.com/api/v1/agents', method: 'GET' },
    );
    return headers;
  }

  it.each([
    ['another port on the same host', 'https://kagenti.example.com:8443/x'],
    ['a subdomain', 'https://evil.kagenti.example.com/x'],
    ['a parent domain', 'https://example.com/x'],
    ['http on the same host', 'http://kagenti.example.com/x'],
    ['an unrelated host', 'https://attacker.example.net/x'],
  ])('strips Authorization on a redirect to %s', async (_name, href) => {
    const guard = await guardFor({});
    const left = redirect(guard, href);
    expect(left.authorization).toBeUndefined();
    expect(left.Authorization).toBeUndefined();
    expect(left.Accept).toBe('application/json');
  });

  it('keeps Authorization on a redirect within the allowed origin (default port written out)', async () => {
    const guard = await guardFor({});
    expect(redirect(guard, 'https://kagenti.example.com/api/v2/agents').Authorization).toBe(`Bearer ${TOKEN}`);
    expect(redirect(guard, 'https://kagenti.example.com:443/x').Authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('keeps Authorization on a redirect to another allowed origin, strips it elsewhere', async () => {
    const guard = await guardFor({ allowedOrigins: ['https://kagenti.example.com', 'https://kagenti-eu.example.com'] });
    expect(redirect(guard, 'https://kagenti-eu.example.com/x').Authorization).toBe(`Bearer ${TOKEN}`);
    expect(redirect(guard, 'https://kagenti-us.example.com/x').Authorization).toBeUndefined();
  });

  it('strips a lower-case authorization header too', async () => {
    const guard = await guardFor({});
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
    guard(
      { href: 'https://evil.example.net/', headers },
      { headers: {}, statusCode: 302 },
      { headers: {}, url: 'https://kagenti.example.com/', method: 'GET' },
    );
    expect(headers.authorization).toBeUndefined();
  });

  it("strips when the target cannot be told (no href), after the caller's own beforeRedirect, which cannot put the token back", async () => {
    const calls: Array<Record<string, unknown>> = [];
    const guard = await guardFor(
      {},
      {
        beforeRedirect: options => {
          calls.push({ ...(options.headers as Record<string, unknown>) });
          (options.headers as Record<string, unknown>).authorization = `Bearer ${TOKEN}`;
        },
      },
    );
    const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` };
    guard({ headers }, { headers: {}, statusCode: 302 }, { headers: {}, url: 'https://kagenti.example.com/', method: 'GET' });
    // The caller's hook ran first and saw the header; the guard then removed it, and the copy the hook re-added.
    expect(calls).toEqual([{ Authorization: `Bearer ${TOKEN}` }]);
    expect(headers).toEqual({});
  });
});
