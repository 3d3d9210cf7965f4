import { createAuthorizedFetch, type FetchInit, TokenRequestError, type TokenSource } from '../../lib';
import { managerFixture } from '../helpers/tokenEndpointMock';
import { type ScriptedAnswer, type ScriptedServer, type SeenRequest, startScriptedServer } from '../helpers/scriptedServer';

const OK: ScriptedAnswer = { status: 200, body: '{"ok":true}' };
const bearer = (request: SeenRequest) => request.headers.authorization;

let api: ScriptedServer;
let other: ScriptedServer;
/** What the API answers next, per request; OK once the list is empty. */
let script: Array<(request: SeenRequest) => ScriptedAnswer | Promise<ScriptedAnswer>>;

beforeAll(async () => {
  api = await startScriptedServer(request => (script.shift() ?? (() => OK))(request));
  other = await startScriptedServer(() => OK);
});
afterAll(async () => {
  await Promise.all([api.close(), other.close()]);
});
beforeEach(() => {
  script = [];
  api.seen.length = 0;
  other.seen.length = 0;
});

const rejectOnce = (headers: Record<string, string> = {}) =>
  script.push(() => ({ status: 401, headers, body: '{"detail":"no"}' }));

function fixture(options: Parameters<typeof managerFixture>[0] = {}) {
  const managed = managerFixture(options);
  const retries: string[] = [];
  const recordRetry = managed.manager.recordRetry.bind(managed.manager);
  managed.manager.recordRetry = outcome => {
    retries.push(outcome);
    recordRetry(outcome);
  };
  return { ...managed, retries, fetch: createAuthorizedFetch(managed.manager, { baseUrl: `${api.url}/api` }) };
}

describe('createAuthorizedFetch', () => {
  describe('where the token goes', () => {
    it('resolves a relative path against baseUrl and sends the token there', async () => {
      const { fetch } = fixture();
      const response = await fetch('/agents?x=1');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
      expect(api.seen.map(r => [r.path, bearer(r)])).toEqual([['/api/agents?x=1', 'Bearer token-1']]);
    });

    it('sends an absolute URL to another origin untouched, asking for no token', async () => {
      const { fetch, endpoint } = fixture();
      await fetch(`${other.url}/elsewhere`);
      expect(bearer(other.seen[0])).toBeUndefined();
      expect(endpoint.count).toBe(0);
    });

    it('keeps an Authorization the caller set, and asks for no token', async () => {
      const { fetch, endpoint } = fixture();
      await fetch('/agents', { headers: { Authorization: 'Bearer mine' } });
      expect(bearer(api.seen[0])).toBe('Bearer mine');
      expect(endpoint.count).toBe(0);
    });

    it('sends a skipped request without a token', async () => {
      const { fetch, endpoint } = fixture();
      await fetch('/health', { kagentiAuth: { skip: true } });
      expect(bearer(api.seen[0])).toBeUndefined();
      expect(endpoint.count).toBe(0);
    });

    it('allows the listed origins only, and needs a baseUrl for a relative URL', async () => {
      const { manager } = fixture();
      const fetch = createAuthorizedFetch(manager, { allowedOrigins: [other.url] });
      await fetch(`${other.url}/a`);
      await fetch(`${api.url}/b`);
      expect(bearer(other.seen[0])).toBe('Bearer token-1');
      expect(bearer(api.seen[0])).toBeUndefined();
      await expect(fetch('/relative')).rejects.toThrow(
        new TypeError('createAuthorizedFetch: "/relative" is relative, and there is no baseUrl to resolve it against'),
      );
    });

    it('refuses to be built without a baseUrl or allowedOrigins, or without a token source', () => {
      const { manager } = fixture();
      expect(() => createAuthorizedFetch(manager)).toThrow(
        new TypeError(
          'createAuthorizedFetch needs an absolute baseUrl or allowedOrigins, so that the token only goes where it belongs',
        ),
      );
      expect(() => createAuthorizedFetch({} as TokenSource, { baseUrl: api.url })).toThrow(
        'createAuthorizedFetch needs a token manager',
      );
    });
  });

  describe('getting the token', () => {
    it('shares one token request among a cold burst of callers', async () => {
      const { fetch, endpoint } = fixture();
      const responses = await Promise.all(Array.from({ length: 20 }, () => fetch('/agents')));
      expect(responses.map(r => r.status)).toEqual(Array(20).fill(200));
      expect(endpoint.count).toBe(1);
      expect(new Set(api.seen.map(bearer))).toEqual(new Set(['Bearer token-1']));
    });

    it("rejects with the token endpoint's TokenRequestError, sending nothing", async () => {
      const { fetch, endpoint } = fixture();
      endpoint.reply([401, { error: 'invalid_client' }]);
      const error: unknown = await fetch('/agents').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenRequestError);
      expect((error as TokenRequestError).code).toBe('TOKEN_ENDPOINT_OAUTH_ERROR');
      expect(api.seen).toHaveLength(0);
    });

    it("stops waiting for the token when the request's signal aborts, with an AbortError", async () => {
      const { fetch, endpoint } = fixture();
      const held = endpoint.hold();
      const controller = new AbortController();
      const pending = fetch('/agents', { signal: controller.signal });
      controller.abort();
      const error = (await pending.catch((e: unknown) => e)) as Error;
      expect(error.name).toBe('AbortError');
      held.resolve([200, { access_token: 'late', expires_in: 300 }]);
      expect(api.seen).toHaveLength(0);
    });

    it('asks for a token that lasts the stream minimum with kagentiAuth.minTokenLifetimeMs', async () => {
      const { fetch, manager } = fixture();
      const asked: number[] = [];
      const original = manager.getTokenForStreaming.bind(manager);
      manager.getTokenForStreaming = (min, options) => {
        asked.push(min);
        return original(min, options);
      };
      await fetch('/stream', { kagentiAuth: { minTokenLifetimeMs: 120_000 } });
      expect(asked).toEqual([120_000]);
      expect(bearer(api.seen[0])).toBe('Bearer token-1');
    });

    it('passes bestEffort with the minimum, and only when set', async () => {
      const { fetch, manager } = fixture();
      const spy = jest.spyOn(manager, 'getTokenForStreaming');
      await fetch('/stream', { kagentiAuth: { minTokenLifetimeMs: 120_000, bestEffort: true } });
      await fetch('/stream', { kagentiAuth: { minTokenLifetimeMs: 120_000, bestEffort: false } });
      expect(spy.mock.calls).toEqual([
        [120_000, { bestEffort: true }],
        [120_000, {}],
      ]);
    });
  });

  describe('on 401', () => {
    it('drops the rejected token, gets a fresh one and sends the request once more', async () => {
      const { fetch, endpoint, retries } = fixture();
      await fetch('/warm');
      rejectOnce();
      const response = await fetch('/agents');
      expect(response.status).toBe(200);
      expect(api.seen.slice(1).map(bearer)).toEqual(['Bearer token-1', 'Bearer token-2']);
      expect(endpoint.count).toBe(2);
      expect(retries).toEqual(['success']);
    });

    it('retries at most once: a second 401 reaches the caller', async () => {
      const { fetch, retries } = fixture();
      rejectOnce();
      rejectOnce();
      const response = await fetch('/agents');
      expect(response.status).toBe(401);
      expect(api.seen).toHaveLength(2);
      expect(retries).toEqual(['rejected']);
    });

    it.each([
      ['insufficient_scope', 'Bearer error="insufficient_scope"'],
      ['invalid_request', 'Bearer error="invalid_request"'],
      ['another scheme only', 'Basic realm="kagenti"'],
    ])('does not retry a challenge of %s, and keeps the token', async (_name, challenge) => {
      const { fetch, endpoint } = fixture();
      rejectOnce({ 'www-authenticate': challenge });
      expect((await fetch('/agents')).status).toBe(401);
      await fetch('/again');
      expect(api.seen.map(bearer)).toEqual(['Bearer token-1', 'Bearer token-1']);
      expect(endpoint.count).toBe(1);
    });

    it('retries a Bearer invalid_token challenge', async () => {
      const { fetch } = fixture();
      rejectOnce({ 'www-authenticate': 'Bearer error="invalid_token", error_description="expired"' });
      expect((await fetch('/agents')).status).toBe(200);
      expect(api.seen.map(bearer)).toEqual(['Bearer token-1', 'Bearer token-2']);
    });

    it('heals a late 401 for an old token with the token already fetched, not a new request', async () => {
      const { fetch, endpoint } = fixture();
      await fetch('/warm');
      let answerLate: (answer: ScriptedAnswer) => void = () => undefined;
      script.push(() => new Promise<ScriptedAnswer>(resolve => (answerLate = resolve)));
      const late = fetch('/late');
      while (api.seen.length < 2) await new Promise(resolve => setImmediate(resolve));
      // Meanwhile another request has token-1 rejected and heals with token-2.
      rejectOnce();
      expect((await fetch('/rotate')).status).toBe(200);
      expect(endpoint.count).toBe(2);
      // The late 401 names token-1: token-2 stays, and the late request's retry uses it.
      answerLate({ status: 401 });
      expect((await late).status).toBe(200);
      expect(endpoint.count).toBe(2);
      expect(api.seen.map(r => [r.path, bearer(r)])).toEqual([
        ['/api/warm', 'Bearer token-1'],
        ['/api/late', 'Bearer token-1'],
        ['/api/rotate', 'Bearer token-1'],
        ['/api/rotate', 'Bearer token-2'],
        ['/api/late', 'Bearer token-2'],
      ]);
    });

    it.each<[string, () => NonNullable<FetchInit['body']>]>([
      ['text', () => 'plain text body'],
      ['an ArrayBuffer', () => new TextEncoder().encode('array buffer body').buffer],
      ['a typed array', () => new TextEncoder().encode('typed array body')],
      ['URLSearchParams', () => new URLSearchParams({ a: '1', b: 'two words' })],
      ['a Blob', () => new Blob(['blob body'], { type: 'application/octet-stream' })],
      [
        'FormData',
        () => {
          const form = new FormData();
          form.set('field', 'value');
          return form;
        },
      ],
    ])('sends %s again byte for byte', async (_name, body) => {
      const { fetch } = fixture();
      rejectOnce();
      expect((await fetch('/upload', { method: 'POST', body: body() })).status).toBe(200);
      expect(api.seen).toHaveLength(2);
      const [first, second] = api.seen;
      expect(first.body.length).toBeGreaterThan(0);
      // FormData boundaries are random per encoding; every other body must be the same bytes.
      if (!String(first.headers['content-type']).startsWith('multipart/form-data'))
        expect(second.body.equals(first.body)).toBe(true);
      else expect(second.body.toString().replace(/-{2,}\S+/g, '')).toBe(first.body.toString().replace(/-{2,}\S+/g, ''));
      const type = (request: SeenRequest) => String(request.headers['content-type']).replace(/boundary=\S+/, 'boundary=…');
      expect(type(second)).toBe(type(first));
    });

    it('does not retry a stream body: its 401 reaches the caller, and the token is dropped', async () => {
      const { fetch, endpoint } = fixture();
      rejectOnce();
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('streamed'));
          controller.close();
        },
      });
      const response = await fetch('/upload', { method: 'POST', body: stream, duplex: 'half' });
      expect(response.status).toBe(401);
      expect(api.seen).toHaveLength(1);
      await fetch('/next');
      expect(bearer(api.seen[1])).toBe('Bearer token-2');
      expect(endpoint.count).toBe(2);
    });

    it('sends a Request with a body again, and refuses one whose body was read', async () => {
      const { fetch } = fixture();
      rejectOnce();
      const request = new Request(`${api.url}/api/upload`, { method: 'PUT', body: 'request body' });
      expect((await fetch(request)).status).toBe(200);
      expect(api.seen.map(r => [r.method, r.body.toString()])).toEqual([
        ['PUT', 'request body'],
        ['PUT', 'request body'],
      ]);
      const read = new Request(`${api.url}/api/upload`, { method: 'PUT', body: 'x' });
      await read.text();
      await expect(fetch(read)).rejects.toThrow(
        new TypeError('createAuthorizedFetch: the Request body was already read; it cannot be sent'),
      );
    });
  });

  describe('redirects', () => {
    it('follows a redirect to an origin that is not allowed without the token', async () => {
      const { fetch } = fixture();
      script.push(() => ({ status: 302, headers: { location: `${other.url}/landing` } }));
      const response = await fetch('/moved');
      expect(response.status).toBe(200);
      expect(response.url).toBe(`${other.url}/landing`);
      expect(bearer(api.seen[0])).toBe('Bearer token-1');
      expect(other.seen.map(r => [r.path, bearer(r)])).toEqual([['/landing', undefined]]);
    });

    it('keeps the token on a redirect within an allowed origin', async () => {
      const { fetch } = fixture();
      script.push(() => ({ status: 307, headers: { location: '/api/new-home' } }));
      await fetch('/old-home', { method: 'POST', body: 'kept' });
      expect(api.seen.map(r => [r.method, r.path, bearer(r), r.body.toString()])).toEqual([
        ['POST', '/api/old-home', 'Bearer token-1', 'kept'],
        ['POST', '/api/new-home', 'Bearer token-1', 'kept'],
      ]);
    });

    it('turns a POST into a body-less GET on 303, as fetch does', async () => {
      const { fetch } = fixture();
      script.push(() => ({ status: 303, headers: { location: '/api/result' } }));
      await fetch('/submit', { method: 'POST', body: 'form', headers: { 'content-type': 'text/plain' } });
      expect(api.seen.map(r => [r.method, r.path, r.body.length, r.headers['content-type']])).toEqual([
        ['POST', '/api/submit', 4, 'text/plain'],
        ['GET', '/api/result', 0, undefined],
      ]);
    });

    it("hands back the redirect itself with redirect: 'manual', contacting no other origin", async () => {
      const { fetch } = fixture();
      script.push(() => ({ status: 302, headers: { location: `${other.url}/landing` } }));
      const response = await fetch('/moved', { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(other.seen).toHaveLength(0);
    });

    it('gives up after 20 redirects, as fetch does', async () => {
      const { fetch } = fixture();
      for (let i = 0; i < 21; i++) script.push(() => ({ status: 302, headers: { location: '/api/loop' } }));
      const error = (await fetch('/loop').catch((e: unknown) => e)) as TypeError;
      expect(error).toBeInstanceOf(TypeError);
      expect((error.cause as Error).message).toBe('more than 20 redirects');
      expect(api.seen).toHaveLength(21);
    });
  });

  it('is assignable to typeof fetch', () => {
    const { manager } = fixture();
    const typed: typeof fetch = createAuthorizedFetch(manager, { baseUrl: api.url });
    expect(typeof typed).toBe('function');
  });

  describe('with a token source of its own', () => {
    /** A token source that records what was asked of it. */
    function source(overrides: Partial<TokenSource> = {}) {
      const asked: string[] = [];
      const tokens: TokenSource = {
        getToken: async () => (asked.push('getToken'), 'fresh'),
        getTokenForStreaming: async min => (asked.push(`stream ${min}`), 'long'),
        invalidate: token => (asked.push(`invalidate ${token}`), true),
        ...overrides,
      };
      return { asked, tokens };
    }

    it.each<[string, unknown]>([
      ['null', null],
      ['no invalidate', { getToken: () => 't' }],
      ['no getToken', { invalidate: () => true }],
    ])('refuses a token source with %s', (_name, tokens) => {
      expect(() => createAuthorizedFetch(tokens as TokenSource, { baseUrl: api.url })).toThrow(
        new TypeError('createAuthorizedFetch needs a token manager'),
      );
    });

    it('uses a cached token without asking for one, but not for a stream', async () => {
      const { asked, tokens } = source({ getCachedToken: () => 'cached' });
      const fetch = createAuthorizedFetch(tokens, { baseUrl: api.url });
      await fetch('/a');
      await fetch('/b', { kagentiAuth: { minTokenLifetimeMs: 5 } });
      expect(api.seen.map(bearer)).toEqual(['Bearer cached', 'Bearer long']);
      expect(asked).toEqual(['stream 5']);
    });

    it('asks for a token when the source has no cached one', async () => {
      const { asked, tokens } = source({ getCachedToken: () => undefined });
      await createAuthorizedFetch(tokens, { baseUrl: api.url })('/a');
      expect(asked).toEqual(['getToken']);
    });

    it('retries without recordRetry, logs the retry without the query, and records an error when the retry throws', async () => {
      let calls = 0;
      const outcomes: string[] = [];
      const lines: unknown[] = [];
      const { tokens } = source({
        getToken: async () => {
          calls++;
          if (calls === 2) throw new Error('no second token');
          return `t${calls}`;
        },
        recordRetry: outcome => outcomes.push(outcome),
      });
      const logger = { debug: (...args: unknown[]) => lines.push(args), info() {}, warn() {}, error() {} };
      rejectOnce();
      const fetch = createAuthorizedFetch(tokens, { baseUrl: api.url, logger });
      await expect(fetch('/x?secret=1')).rejects.toThrow('no second token');
      expect(outcomes).toEqual(['error']);
      expect(lines).toEqual([
        ['Request got 401 with a rejected token; retrying once with a fresh token', { request: `GET ${api.url}/x` }],
      ]);

      const { tokens: plain } = source();
      rejectOnce();
      expect((await createAuthorizedFetch(plain, { baseUrl: api.url })('/y')).status).toBe(200);
    });

    it('copes with body-less redirect and 401 answers from the underlying fetch, and retries a 401 after a redirect', async () => {
      const { tokens } = source();
      const answers = [
        new Response(null, { status: 302, headers: { location: '/moved' } }),
        new Response(null, { status: 401 }),
        new Response('ok', { status: 200 }),
      ];
      const sent: string[] = [];
      const fetch = createAuthorizedFetch(tokens, {
        baseUrl: 'https://kagenti.test',
        fetch: async (url, init) => {
          sent.push(`${url as string} ${new Headers(init?.headers).get('authorization')}`);
          return answers.shift()!;
        },
      });
      expect((await fetch('/start')).status).toBe(200);
      expect(sent).toEqual([
        'https://kagenti.test/start Bearer fresh',
        'https://kagenti.test/moved Bearer fresh',
        'https://kagenti.test/moved Bearer fresh',
      ]);
    });

    it('logs a retried request without userinfo, query or fragment', async () => {
      const lines: unknown[] = [];
      const logger = { debug: (...args: unknown[]) => lines.push(args), info() {}, warn() {}, error() {} };
      const answers = [new Response(null, { status: 401 }), new Response('ok', { status: 200 })];
      const fetch = createAuthorizedFetch(source().tokens, {
        allowedOrigins: ['https://kagenti.test'],
        logger,
        fetch: async () => answers.shift()!,
      });
      await fetch('https://user:pw@kagenti.test/x?q=1#frag');
      expect(lines).toEqual([
        ['Request got 401 with a rejected token; retrying once with a fresh token', { request: 'GET https://kagenti.test/x' }],
      ]);
    });

    it("fails like fetch after too many redirects: TypeError('fetch failed')", async () => {
      const { tokens } = source();
      const fetch = createAuthorizedFetch(tokens, {
        baseUrl: 'https://kagenti.test',
        fetch: async () => new Response(null, { status: 307, headers: { location: '/again' } }),
      });
      const error = (await fetch('/loop').catch((e: unknown) => e)) as TypeError;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe('fetch failed');
    });
  });
});
