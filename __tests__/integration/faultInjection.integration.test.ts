// The failure policy, end to end: a real oidc-provider token server at Keycloak's path with
// injected faults, a fake Kagenti API that checks tokens by introspection, and the library in
// between (KagentiApiClient + KeycloakTokenManager). For every fault: what callers see, how many
// token requests went on the wire, that nothing is left pending, and that no log line or error
// (however it is serialised) holds the client secret or an access token.
import axios, { type AxiosResponse } from 'axios';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

import {
  KagentiApiClient,
  KeycloakTokenManager,
  TokenRequestError,
  type KeycloakTokenManagerOptions,
  type TokenRequestErrorCode,
} from '../../lib';
import { RecordingLogger } from '../helpers/RecordingLogger';
import { formEncode, secretForms, serializeEveryWay } from '../helpers/secretScan';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';
import { startKagentiServer, type KagentiServerHandle } from '../../test-servers/startKagentiServer';
import { startTokenServer, type TestClient, type TokenServerHandle } from '../../test-servers/startTokenServer';

let unhandled: ReturnType<typeof trackUnhandledRejections>;

// ---- fixtures ----------------------------------------------------------------------------------
let auth: TokenServerHandle;
let kagenti: KagentiServerHandle;

beforeAll(async () => {
  unhandled = trackUnhandledRejections();
  auth = await startTokenServer({ ttlSeconds: 300 });
  kagenti = await startKagentiServer({
    introspectionEndpoint: auth.introspectionEndpoint,
    introspectionClient: auth.clients.api,
  });
}, 30_000);

afterAll(async () => {
  unhandled?.dispose();
  for (const harness of harnesses) harness.manager.close();
  await kagenti?.close();
  await auth?.stop();
});

interface Harness {
  manager: KeycloakTokenManager;
  client: KagentiApiClient;
  logger: RecordingLogger;
  clientId: string;
  secret: string;
  /** Every rejection a caller saw. */
  errors: unknown[];
  /** Tokens the manager handed out. */
  tokens: Set<string>;
}

const harnesses: Harness[] = [];

beforeEach(async () => {
  await auth.reset();
  kagenti.clear();
  kagenti.setAlways401(false);
  kagenti.failNext401(0);
  kagenti.setChallenge(undefined);
});

afterEach(() => {
  for (const harness of harnesses.splice(0)) harness.manager.close();
  expect(unhandled.reasons).toEqual([]);
});

interface SetupOptions {
  client?: TestClient;
  /** Overrides the client's real secret (a wrong one). */
  secret?: string;
  manager?: Partial<KeycloakTokenManagerOptions>;
}

/** A KagentiApiClient on the fake Kagenti API with a manager on the token server; fast limits. */
function setup(options: SetupOptions = {}): Harness {
  const testClient = options.client ?? auth.clients.special;
  const secret = options.secret ?? testClient.secret;
  const logger = new RecordingLogger();
  const manager = new KeycloakTokenManager({
    tokenEndpoint: auth.tokenEndpoint,
    clientId: testClient.id,
    clientSecret: secret,
    timeoutMs: 500,
    retry: { maxAttempts: 3, baseDelayMs: 20 },
    // Full jitter draws from [0, ceiling); 0.5 makes the delays 10 ms, then 20 ms.
    random: () => 0.5,
    logger,
    // As the default instance, but a developer's HTTP(S)_PROXY must not swallow loopback traffic.
    httpClient: axios.create({ proxy: false }),
    ...options.manager,
  });
  const client = new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: manager, logger, timeoutMs: 10_000 });
  client.axios.defaults.proxy = false;
  const harness: Harness = { manager, client, logger, clientId: testClient.id, secret, errors: [], tokens: new Set() };
  harnesses.push(harness);
  return harness;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(harness: Harness, promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    harness.errors.push(error);
    return { ok: false, error };
  }
}

/** `count` concurrent `GET /api/v1/agents` through the client. */
function callApi(harness: Harness, count = 1, signal?: AbortSignal): Promise<Array<Outcome<AxiosResponse>>> {
  return Promise.all(
    Array.from({ length: count }, () =>
      settle(harness, harness.client.requestCore({ method: 'GET', path: '/api/v1/agents', ...(signal ? { signal } : {}) })),
    ),
  );
}

function expectAllOk(outcomes: Array<Outcome<AxiosResponse>>): void {
  const failures = outcomes.filter(outcome => !outcome.ok).map(outcome => String((outcome as { error: unknown }).error));
  expect(failures).toEqual([]);
  for (const outcome of outcomes) expect((outcome as { value: AxiosResponse }).value.status).toBe(200);
}

/** Every outcome failed with the same TokenRequestError (one shared fetch): returns it. */
function sharedTokenError(outcomes: Array<Outcome<unknown>>, code: TokenRequestErrorCode): TokenRequestError {
  expect(outcomes.map(outcome => outcome.ok)).toEqual(outcomes.map(() => false));
  const errors = new Set(outcomes.map(outcome => (outcome as { error: unknown }).error));
  expect(errors.size).toBe(1);
  const [error] = [...errors];
  expect(error).toBeInstanceOf(TokenRequestError);
  expect((error as TokenRequestError).code).toBe(code);
  return error as TokenRequestError;
}

async function tokenRequests(): Promise<number> {
  return (await auth.stats()).tokenRequests.total;
}

async function tokenRequestStatuses(): Promise<number[]> {
  return (await auth.stats()).tokenRequests.log.map(entry => entry.status);
}

function retryDelays(harness: Harness): number[] {
  return harness.logger.matching(/^Retrying Keycloak token request/).map(line => line.meta?.delayMs as number);
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

interface StubEndpoint {
  url: string;
  /** Requests received, with their Authorization header. */
  requests: Array<{ method: string; authorization?: string }>;
  close(): Promise<void>;
}

/** A proxy-like server in front of Keycloak that answers every request with `answer`. */
async function startStubEndpoint(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<StubEndpoint> {
  const requests: StubEndpoint['requests'] = [];
  const server = createHttpServer((req, res) => {
    requests.push({
      method: req.method ?? 'GET',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/realms/kagenti/protocol/openid-connect/token`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The end of every test: nothing in flight, the manager closes cleanly, no unhandled rejection,
 * and neither the log nor any error a caller saw holds the secret or an access token.
 */
async function finish(harness: Harness): Promise<void> {
  expect(harness.manager.isFetching).toBe(false);
  if (harness.manager.cachedTokenUsableUntil !== undefined) harness.tokens.add(await harness.manager.getToken());
  harness.manager.close();
  expect(harness.manager.isFetching).toBe(false);
  await expect(harness.manager.getToken()).rejects.toThrow(/closed/);

  const forbidden = [...secretForms(harness.clientId, harness.secret), ...kagenti.tokensSeen, ...harness.tokens];
  const sources: Array<[string, string]> = [
    ['log', harness.logger.text()],
    ...harness.errors.map((error, i): [string, string] => [`error ${i}`, serializeEveryWay(error)]),
  ];
  const leaks = sources.flatMap(([where, text]) =>
    forbidden.filter(value => value.length > 0 && text.includes(value)).map(value => `${where} contains ${value}`),
  );
  expect(leaks).toEqual([]);
  // Give a late rejection the chance to surface before it is checked.
  await sleep(0);
  expect(unhandled.reasons).toEqual([]);
}

// ---- Keycloak not answering ----------------------------------------------------------------------
describe('Keycloak unreachable', () => {
  it('refused (closed port): TOKEN_ENDPOINT_UNREACHABLE after maxAttempts, shared by all callers, not remembered', async () => {
    const port = await closedPort();
    const harness = setup({
      manager: { tokenEndpoint: `http://127.0.0.1:${port}/realms/kagenti/protocol/openid-connect/token` },
    });

    const error = sharedTokenError(await callApi(harness, 5), 'TOKEN_ENDPOINT_UNREACHABLE');
    expect(error.transient).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    // Three attempts (two retries) for five callers, with the jittered backoff.
    expect(retryDelays(harness)).toEqual([10, 20]);
    expect(kagenti.requests).toHaveLength(0);

    // Transient failures are not cooled down: the next caller tries (three times) again.
    const again = sharedTokenError(await callApi(harness), 'TOKEN_ENDPOINT_UNREACHABLE');
    expect(again).not.toBe(error);
    expect(retryDelays(harness)).toEqual([10, 20, 10, 20]);
    await finish(harness);
  });

  it('hang: each attempt times out after timeoutMs; five callers share each of the three attempts', async () => {
    await auth.setFault({ mode: 'hang' });
    const harness = setup({ manager: { timeoutMs: 300 } });
    const started = Date.now();
    const error = sharedTokenError(await callApi(harness, 5), 'TOKEN_ENDPOINT_TIMEOUT');
    const elapsed = Date.now() - started;
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/within 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(3 * 300);
    expect(elapsed).toBeLessThan(3 * 300 + 1_000);
    expect(await tokenRequestStatuses()).toEqual([0, 0, 0]);
    expect(kagenti.requests).toHaveLength(0);
    await finish(harness);
  });
});

// ---- Keycloak failing, then recovering ----------------------------------------------------------
describe('Keycloak answering 500, then recovering', () => {
  it.each([
    { times: 1, retryAfter: undefined, delays: [10] },
    { times: 2, retryAfter: undefined, delays: [10, 20] },
    { times: 1, retryAfter: 1, delays: [1_000] },
    { times: 2, retryAfter: 1, delays: [1_000, 1_000] },
  ])(
    '$times × 500 (Retry-After: $retryAfter): ten callers all succeed on one token, one request per attempt',
    async ({ times, retryAfter, delays }) => {
      await auth.setFault({ mode: 'fail-then-recover', times, ...(retryAfter !== undefined ? { retryAfter } : {}) });
      const harness = setup();
      const started = Date.now();
      const outcomes = await callApi(harness, 10);
      const elapsed = Date.now() - started;

      expectAllOk(outcomes);
      expect(await tokenRequestStatuses()).toEqual([...Array<number>(times).fill(500), 200]);
      expect(retryDelays(harness)).toEqual(delays);
      if (retryAfter !== undefined) expect(elapsed).toBeGreaterThanOrEqual(times * retryAfter * 1_000 - 20);
      expect(kagenti.tokensSeen).toHaveLength(10);
      expect(new Set(kagenti.tokensSeen).size).toBe(1);
      await finish(harness);
    },
  );

  it('more 500s than maxAttempts: the last one reaches every caller as a transient error, and is not remembered', async () => {
    await auth.setFault({ mode: 'fail-then-recover', times: 3 });
    const harness = setup();
    const error = sharedTokenError(await callApi(harness, 4), 'TOKEN_ENDPOINT_OAUTH_ERROR');
    expect(error).toMatchObject({ status: 500, error: 'server_error', transient: true });
    expect(await tokenRequests()).toBe(3);

    // The fault has healed; a transient failure has no cool-down, so the next call goes out.
    expectAllOk(await callApi(harness));
    expect(await tokenRequestStatuses()).toEqual([500, 500, 500, 200]);
    await finish(harness);
  });
});

describe('Keycloak rate limiting (429)', () => {
  it('429 with Retry-After: 1 is waited out, then every caller succeeds', async () => {
    await auth.setFault({ mode: 'status', status: 429, retryAfter: 1, times: 1 });
    const harness = setup();
    const started = Date.now();
    expectAllOk(await callApi(harness, 5));
    expect(Date.now() - started).toBeGreaterThanOrEqual(980);
    expect(await tokenRequestStatuses()).toEqual([429, 200]);
    expect(retryDelays(harness)).toEqual([1_000]);
    await finish(harness);
  });

  it('429 with a Retry-After above maxDelayMs: gives up at once, and callers get that 429 without a request until the pause ends', async () => {
    await auth.setFault({ mode: 'status', status: 429, retryAfter: 10, times: 1 });
    const harness = setup({ manager: { retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 5_000 } } });
    const started = Date.now();
    const error = sharedTokenError(await callApi(harness, 5), 'TOKEN_ENDPOINT_OAUTH_ERROR');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ status: 429, error: 'temporarily_unavailable', retryAfterMs: 10_000, transient: true });
    expect(await tokenRequests()).toBe(1);
    expect(retryDelays(harness)).toEqual([]);

    // The server asked for 10 s: a caller inside them gets the same error, with no request.
    const [again] = await callApi(harness);
    expect(again.ok).toBe(false);
    expect((again as { error: unknown }).error).toBe(error);
    expect(await tokenRequestStatuses()).toEqual([429]);
    await finish(harness);
  });
});

// ---- slow and broken answers ---------------------------------------------------------------------
describe('Keycloak answering slowly', () => {
  it('a 2 s answer within timeoutMs 3000 succeeds with one request', async () => {
    await auth.setFault({ mode: 'slow', delayMs: 2_000 });
    const harness = setup({ manager: { timeoutMs: 3_000 } });
    const started = Date.now();
    expectAllOk(await callApi(harness, 3));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_980);
    expect(await tokenRequests()).toBe(1);
    await finish(harness);
  });

  it('a 2 s answer with timeoutMs 500 times out on every attempt', async () => {
    await auth.setFault({ mode: 'slow', delayMs: 2_000 });
    const harness = setup({ manager: { retry: { maxAttempts: 2, baseDelayMs: 20 } } });
    const started = Date.now();
    const error = sharedTokenError(await callApi(harness, 3), 'TOKEN_ENDPOINT_TIMEOUT');
    const elapsed = Date.now() - started;
    expect(error.transient).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(2 * 500);
    expect(elapsed).toBeLessThan(2 * 500 + 1_000);
    expect(await tokenRequests()).toBe(2);
    await finish(harness);
  });
});

describe('Keycloak sending broken answers', () => {
  it('closing the connection mid-body: TOKEN_ENDPOINT_UNREACHABLE, retried like any transient failure', async () => {
    await auth.setFault({ mode: 'close-mid-body' });
    const harness = setup();
    const error = sharedTokenError(await callApi(harness, 3), 'TOKEN_ENDPOINT_UNREACHABLE');
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/connection closed before a complete answer/);
    expect(await tokenRequests()).toBe(3);
    await finish(harness);
  });

  it('closing the connection mid-body once: the retry succeeds', async () => {
    await auth.setFault({ mode: 'close-mid-body', times: 1 });
    const harness = setup();
    expectAllOk(await callApi(harness, 3));
    expect(await tokenRequestStatuses()).toEqual([200, 200]);
    expect((await auth.stats()).tokenRequests.log[0]?.fault).toBe('close-mid-body');
    await finish(harness);
  });
});

// ---- permanent failures and the cool-down --------------------------------------------------------
describe('permanent failures: one request, then the cool-down', () => {
  const COOLDOWN_MS = 400;

  interface PermanentCase {
    name: string;
    arrange: () => Promise<SetupOptions>;
    code: TokenRequestErrorCode;
    status: number;
    error?: string;
  }

  const cases: PermanentCase[] = [
    {
      name: '400 invalid_scope (a scope the client does not have)',
      arrange: async () => ({ manager: { scope: 'kagenti no-such-scope' } }),
      code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
      status: 400,
      error: 'invalid_scope',
    },
    {
      name: '401 invalid_client (a wrong secret)',
      arrange: async () => ({ secret: 'Wr0ng:s3cr%t+ /=?&y' }),
      code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
      status: 401,
      error: 'invalid_client',
    },
    {
      name: '400 unauthorized_client (service account disabled)',
      arrange: async () => ({ client: auth.clients.unauthorized }),
      code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
      status: 400,
      error: 'unauthorized_client',
    },
    {
      name: '200 with an HTML login page',
      arrange: async () => {
        await auth.setFault({ mode: 'html' });
        return {};
      },
      code: 'TOKEN_RESPONSE_INVALID',
      status: 200,
    },
  ];

  it.each(cases)('$name', async ({ arrange, code, status, error: oauthError }) => {
    const options = await arrange();
    const harness = setup({ ...options, manager: { ...options.manager, failureCooldownMs: COOLDOWN_MS } });

    // The failure is remembered from some moment between these two.
    const sentAt = Date.now();
    const first = sharedTokenError(await callApi(harness, 5), code);
    const failedBy = Date.now();
    expect(first.status).toBe(status);
    expect(first.error).toBe(oauthError);
    expect(first.transient).toBe(false);
    expect(await tokenRequests()).toBe(1);
    expect(retryDelays(harness)).toEqual([]);

    // Inside the window: the same error, at once, for API callers and direct callers alike.
    // eslint-disable-next-line @typescript-eslint/await-thenable -- settled outcomes and one pending call, together
    const during = await Promise.all([...(await callApi(harness, 5)), settle(harness, harness.manager.getToken())]);
    expect(Date.now() - sentAt).toBeLessThan(COOLDOWN_MS);
    for (const outcome of during) expect(outcome).toEqual({ ok: false, error: first });
    expect(await tokenRequests()).toBe(1);
    expect(kagenti.requests).toHaveLength(0);

    // After the window: one new request, a new error.
    await sleep(failedBy + COOLDOWN_MS + 20 - Date.now());
    const after = sharedTokenError(await callApi(harness, 3), code);
    expect(after).not.toBe(first);
    expect(await tokenRequests()).toBe(2);
    await finish(harness);
  });
});

// ---- a proxy in front of Keycloak (own stub server) ----------------------------------------------
describe('a proxy in front of Keycloak', () => {
  it.each([302, 307, 308])('%i to the real endpoint: TOKEN_ENDPOINT_REDIRECT, not followed, permanent', async status => {
    const secret = auth.clients.special.secret;
    const stub = await startStubEndpoint((_req, res) => {
      res.writeHead(status, {
        location: `${auth.tokenEndpoint}?from=proxy&echo=${encodeURIComponent(secret)}`,
        'content-length': '0',
      });
      res.end();
    });
    try {
      const harness = setup({ manager: { tokenEndpoint: stub.url, failureCooldownMs: 5_000 } });
      const error = sharedTokenError(await callApi(harness, 3), 'TOKEN_ENDPOINT_REDIRECT');
      expect(error).toMatchObject({ status, transient: false });
      expect(error.message).toContain(`redirect to ${auth.tokenEndpoint}.`);
      expect(error.message).not.toContain('from=proxy');
      // Not followed: the credentials never went on to the redirect target.
      expect(await tokenRequests()).toBe(0);
      expect(stub.requests).toHaveLength(1);

      const again = await callApi(harness, 2);
      for (const outcome of again) expect(outcome).toEqual({ ok: false, error });
      expect(stub.requests).toHaveLength(1);
      await finish(harness);
    } finally {
      await stub.close();
    }
  });

  it('502 with an HTML body: TOKEN_ENDPOINT_HTTP_ERROR, transient, retried', async () => {
    const stub = await startStubEndpoint((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    });
    try {
      const harness = setup({ manager: { tokenEndpoint: stub.url } });
      const error = sharedTokenError(await callApi(harness, 3), 'TOKEN_ENDPOINT_HTTP_ERROR');
      expect(error).toMatchObject({ status: 502, transient: true });
      expect(error.error).toBeUndefined();
      expect(error.message).toMatch(/content-type text\/html/);
      expect(stub.requests).toHaveLength(3);
      expect(retryDelays(harness)).toEqual([10, 20]);
      await finish(harness);
    } finally {
      await stub.close();
    }
  });

  it('404 with an HTML body (wrong path): TOKEN_ENDPOINT_HTTP_ERROR, permanent, one request', async () => {
    const stub = await startStubEndpoint((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>Not Found</body></html>');
    });
    try {
      const harness = setup({ manager: { tokenEndpoint: stub.url } });
      const error = sharedTokenError(await callApi(harness, 3), 'TOKEN_ENDPOINT_HTTP_ERROR');
      expect(error).toMatchObject({ status: 404, transient: false });
      expect(error.message).toMatch(/realms\/<realm>\/protocol\/openid-connect\/token/);
      expect(await callApi(harness)).toEqual([{ ok: false, error }]);
      expect(stub.requests).toHaveLength(1);
      await finish(harness);
    } finally {
      await stub.close();
    }
  });
});

// ---- the Kagenti API answering 401 ---------------------------------------------------------------
describe('Kagenti answering 401', () => {
  it('a storm: 30 concurrent requests whose token was revoked cost exactly one extra token request, and all succeed', async () => {
    const harness = setup();
    expectAllOk(await callApi(harness));
    const [revoked] = kagenti.tokensSeen;
    kagenti.revoke(revoked);
    kagenti.clear();

    const outcomes = await callApi(harness, 30);
    expectAllOk(outcomes);
    expect(await tokenRequests()).toBe(2);
    expect(kagenti.requests).toHaveLength(60);
    expect(kagenti.requests.filter(request => request.authError === 'revoked locally')).toHaveLength(30);
    expect(kagenti.tokensSeen.filter(token => token === revoked)).toHaveLength(30);
    const fresh = kagenti.tokensSeen.filter(token => token !== revoked);
    expect(fresh).toHaveLength(30);
    expect(new Set(fresh).size).toBe(1);
    expect(harness.logger.matching(/retrying once with a fresh token/)).toHaveLength(30);
    harness.tokens.add(revoked);
    await finish(harness);
  });

  it('failNext401(30) with 30 concurrent requests: every 401 is retried exactly once; a retry can draw a forced 401 too', async () => {
    // failNext401 counts requests as they finish authentication (after an introspection round
    // trip), not as they arrive, so a fast retry can take a forced 401 meant for a slow first
    // attempt. Whatever the interleaving: k first attempts get a 401 and are retried, the other
    // 30 - k forced 401s hit retries and reach their callers; every other caller succeeds.
    const harness = setup();
    kagenti.failNext401(30);
    const outcomes = await callApi(harness, 30);
    const forced = kagenti.requests.filter(request => request.authError === 'forced 401').length;
    const retried = kagenti.requests.length - 30;
    const failed = outcomes.filter(outcome => !outcome.ok);
    expect(forced).toBe(30);
    expect(retried).toBeGreaterThan(0);
    expect(harness.logger.matching(/retrying once with a fresh token/)).toHaveLength(retried);
    expect(failed).toHaveLength(30 - retried);
    for (const outcome of failed) {
      expect((outcome as { error: { response?: { status?: number } } }).error.response?.status).toBe(401);
    }
    expect(outcomes.filter(outcome => outcome.ok)).toHaveLength(retried);
    await finish(harness);
  });

  it('always 401: each request is retried once with a fresh token, then the 401 reaches the caller, token redacted', async () => {
    const harness = setup();
    kagenti.setAlways401(true);
    for (let call = 1; call <= 3; call += 1) {
      const [outcome] = await callApi(harness);
      expect(outcome.ok).toBe(false);
      const error = (outcome as { error: unknown }).error;
      expect(axios.isAxiosError(error)).toBe(true);
      if (!axios.isAxiosError(error)) return;
      expect(error.response?.status).toBe(401);
      expect(error.config?.headers.Authorization).toBe('Bearer [REDACTED]');
      expect(kagenti.requests).toHaveLength(2 * call);
      // The first call fetches two tokens; each later call reuses the retry's token, sees it
      // refused, and fetches one more for its own retry.
      expect(await tokenRequests()).toBe(call + 1);
    }
    expect(new Set(kagenti.tokensSeen).size).toBe(4);
    expect(harness.manager.cachedTokenUsableUntil).toBeDefined();
    await finish(harness);
  });

  it('always 401 with ten concurrent requests: each is tried exactly twice, all get the 401', async () => {
    const harness = setup();
    kagenti.setAlways401(true);
    const outcomes = await callApi(harness, 10);
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(false);
      expect(axios.isAxiosError((outcome as { error: unknown }).error)).toBe(true);
      expect((outcome as { error: { response?: { status?: number } } }).error.response?.status).toBe(401);
    }
    expect(kagenti.requests).toHaveLength(20);
    const requests = await tokenRequests();
    expect(requests).toBeGreaterThanOrEqual(2);
    expect(requests).toBeLessThanOrEqual(11);
    await finish(harness);
  });

  it('a 401 whose challenge is not invalid_token (insufficient_scope) is not retried, and the token is kept', async () => {
    const harness = setup();
    kagenti.setChallenge('Bearer realm="kagenti", error="insufficient_scope", scope="kagenti-admin"');
    kagenti.failNext401(1);
    const [rejected] = await callApi(harness);
    expect(rejected.ok).toBe(false);
    expect((rejected as { error: { response?: { status?: number } } }).error.response?.status).toBe(401);
    expect(kagenti.requests).toHaveLength(1);

    expectAllOk(await callApi(harness));
    expect(await tokenRequests()).toBe(1);
    expect(new Set(kagenti.tokensSeen).size).toBe(1);
    await finish(harness);
  });
});

// ---- callers leaving, and close() ----------------------------------------------------------------
describe('callers leaving and close()', () => {
  it('an aborted caller is released at once; the shared fetch goes on for the others', async () => {
    await auth.setFault({ mode: 'slow', delayMs: 400, times: 1 });
    const harness = setup({ manager: { timeoutMs: 3_000 } });
    const leaving = new AbortController();
    const leavingApi = new AbortController();
    // Whether the shared fetch was still running when each leaving caller was released.
    const direct = settle(harness, harness.manager.getToken({ signal: leaving.signal }));
    const directReleasedWhileFetching = direct.then(() => harness.manager.isFetching);
    const apiLeaving = callApi(harness, 1, leavingApi.signal);
    const apiReleasedWhileFetching = apiLeaving.then(() => harness.manager.isFetching);
    const staying = callApi(harness, 3);
    await sleep(50);
    leaving.abort(new Error('caller gave up'));
    leavingApi.abort();

    const directOutcome = await direct;
    expect(directOutcome).toEqual({ ok: false, error: new Error('caller gave up') });
    const [apiOutcome] = await apiLeaving;
    expect(apiOutcome.ok).toBe(false);
    expect(axios.isCancel((apiOutcome as { error: unknown }).error)).toBe(true);
    expect(await directReleasedWhileFetching).toBe(true);
    expect(await apiReleasedWhileFetching).toBe(true);

    expectAllOk(await staying);
    expect(await tokenRequests()).toBe(1);
    expect(kagenti.tokensSeen).toHaveLength(3);
    await finish(harness);
  });

  it('a fetch that fails after every caller has left settles quietly (no unhandled rejection)', async () => {
    await auth.setFault({ mode: 'hang' });
    const harness = setup({ manager: { timeoutMs: 500, retry: false } });
    const leaving = new AbortController();
    const pending = callApi(harness, 2, leaving.signal);
    await sleep(20);
    leaving.abort();
    for (const outcome of await pending) expect(axios.isCancel((outcome as { error: unknown }).error)).toBe(true);
    expect(harness.manager.isFetching).toBe(true);
    // The abandoned fetch now times out with nobody waiting for it.
    await waitFor(async () => !harness.manager.isFetching);
    await sleep(20);
    expect(unhandled.reasons).toEqual([]);
    // Nothing was remembered from it: a new caller starts a new fetch.
    await auth.setFault({ mode: 'none' });
    expectAllOk(await callApi(harness));
    expect(await tokenRequests()).toBe(2);
    await finish(harness);
  });

  it('close() during a hanging request rejects every waiter at once', async () => {
    await auth.setFault({ mode: 'hang' });
    const harness = setup({ manager: { timeoutMs: 5_000 } });
    const pending = callApi(harness, 3);
    await waitFor(async () => (await tokenRequests()) === 1);
    expect(harness.manager.isFetching).toBe(true);
    const closedAt = Date.now();
    harness.manager.close();
    const outcomes = await pending;
    expect(Date.now() - closedAt).toBeLessThan(200);
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(false);
      expect(String((outcome as { error: unknown }).error)).toMatch(/closed/);
    }
    expect(await tokenRequests()).toBe(1);
    await finish(harness);
  });

  it('close() during a Retry-After wait ends it at once, with no further request', async () => {
    await auth.setFault({ mode: 'status', status: 503, retryAfter: 2 });
    const harness = setup();
    const pending = callApi(harness, 2);
    await waitFor(async () => harness.logger.matching(/^Retrying/).length === 1);
    expect(retryDelays(harness)).toEqual([2_000]);
    const closedAt = Date.now();
    harness.manager.close();
    const outcomes = await pending;
    expect(Date.now() - closedAt).toBeLessThan(200);
    for (const outcome of outcomes) expect(String((outcome as { error: unknown }).error)).toMatch(/closed/);
    await sleep(50);
    expect(await tokenRequests()).toBe(1);
    await finish(harness);
  });
});

// ---- secrets in echoes and with client_secret_post -----------------------------------------------
describe('secrets stay out of errors and logs', () => {
  // What a misbehaving proxy could echo: only what was on the wire (no Basic header with post).
  const echo = (client: TestClient, method: 'client_secret_basic' | 'client_secret_post'): string => {
    const [raw, form, uri, basic] = secretForms(client.id, client.secret);
    return method === 'client_secret_basic'
      ? `proxy echo: secret=${raw} form=${form} uri=${uri} header=Basic ${basic}`
      : `proxy echo: secret=${raw} form=${form} uri=${uri} body=grant_type=client_credentials&client_id=${formEncode(client.id)}&client_secret=${form}`;
  };

  it.each([
    ['client_secret_basic', 'special'],
    ['client_secret_post', 'post'],
  ] as const)('%s: a token endpoint echoing the credentials in error_description is redacted', async (method, clientName) => {
    const client = auth.clients[clientName];
    await auth.setFault({ mode: 'status', status: 400, error: 'invalid_request', errorDescription: echo(client, method) });
    const harness = setup({ client, manager: { clientAuthentication: method } });
    const error = sharedTokenError(await callApi(harness), 'TOKEN_ENDPOINT_OAUTH_ERROR');
    expect(error.errorDescription).toMatch(/\[REDACTED\]/);
    expect(error.errorDescription).toMatch(/^proxy echo: secret=/);
    await finish(harness);
  });

  it.each([
    ['html', { mode: 'html' as const }, 'TOKEN_RESPONSE_INVALID'],
    ['close-mid-body', { mode: 'close-mid-body' as const }, 'TOKEN_ENDPOINT_UNREACHABLE'],
    ['hang', { mode: 'hang' as const }, 'TOKEN_ENDPOINT_TIMEOUT'],
    ['500', { mode: 'status' as const, status: 500 }, 'TOKEN_ENDPOINT_OAUTH_ERROR'],
  ] as const)('client_secret_post, %s: nothing secret in the error or the log', async (_name, fault, code) => {
    await auth.setFault(fault);
    const harness = setup({
      client: auth.clients.post,
      manager: { clientAuthentication: 'client_secret_post', retry: false, timeoutMs: 300 },
    });
    sharedTokenError(await callApi(harness), code);
    expect(await tokenRequests()).toBe(1);
    expect((await auth.stats()).tokenRequests.log[0]?.authMethod).toBe('client_secret_post');
    await finish(harness);
  });

  it('client_secret_post with a wrong secret: invalid_client, nothing secret in the error or the log', async () => {
    const harness = setup({
      client: auth.clients.post,
      secret: 'Wr0ng post secret&=+%',
      manager: { clientAuthentication: 'client_secret_post' },
    });
    const error = sharedTokenError(await callApi(harness), 'TOKEN_ENDPOINT_OAUTH_ERROR');
    expect(error).toMatchObject({ status: 401, error: 'invalid_client', transient: false });
    await finish(harness);
  });

  it('a healthy run: tokens are used, and neither they nor the secret are logged', async () => {
    const harness = setup();
    expectAllOk(await callApi(harness, 3));
    expect(kagenti.tokensSeen).toHaveLength(3);
    expect(harness.logger.matching(/^Fetched Keycloak access token/)).toHaveLength(1);
    await finish(harness);
    expect(harness.tokens.size).toBe(1);
    expect([...harness.tokens]).toEqual([kagenti.tokensSeen[0]]);
  });
});
