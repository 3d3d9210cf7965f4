import { startFakeKagentiApi, type FakeKagentiApi, type FakeKagentiApiOptions } from '../../lib/testing';
import { rejection } from '../helpers/assertions';
import { jsonOf, loopbackRequest, openRequest } from './helpers/loopbackRequest';

const INVALID_TOKEN = 'Bearer realm="kagenti", error="invalid_token"';

describe('startFakeKagentiApi', () => {
  let kagenti: FakeKagentiApi | undefined;
  const start = async (options?: FakeKagentiApiOptions): Promise<FakeKagentiApi> => {
    kagenti = await startFakeKagentiApi(options);
    return kagenti;
  };

  afterEach(async () => {
    await kagenti?.close();
    kagenti = undefined;
  });

  describe('what it records', () => {
    it('records method, path, query, lowercased headers and body of each request', async () => {
      const api = await start();
      api.respond('PUT', '/api/v1/things', { json: {} });

      await loopbackRequest(`${api.url}/api/v1/things?ns=team1&x=2`, {
        method: 'PUT',
        headers: { 'X-Trace': 't1', 'Content-Type': 'text/plain' },
        body: 'hello',
      });

      expect(api.requests).toStrictEqual([
        {
          method: 'PUT',
          path: '/api/v1/things',
          query: { ns: 'team1', x: '2' },
          headers: expect.objectContaining({ 'x-trace': 't1', 'content-type': 'text/plain' }),
          body: 'hello',
          status: 200,
        },
      ]);
    });

    it('records the bearer token and the X-Backstage-User it was sent', async () => {
      const api = await start();

      await loopbackRequest(`${api.url}/api/v1/x`, {
        headers: { authorization: 'Bearer tok-1', 'x-backstage-user': 'user:default/jo' },
      });

      expect(api.requests[0]).toMatchObject({ token: 'tok-1', backstageUser: 'user:default/jo', status: 404 });
    });

    it.each([
      ['"bearer" in any case, after several spaces', 'bEARER   tok-1', 'tok-1'],
      ['a one-character token', 'Bearer t', 't'],
      ['text before "Bearer"', 'XBearer tok-1', undefined],
      ['a second word after the token', 'Bearer tok-1 more', undefined],
      ['another scheme', 'Basic dG9rLTE=', undefined],
      ['no token', 'Bearer ', undefined],
    ])('reads the token of an Authorization header with %s', async (_, authorization, token) => {
      const api = await start();

      await loopbackRequest(`${api.url}/x`, { headers: { authorization } });

      expect(api.requests[0].token).toBe(token);
      expect('token' in api.requests[0]).toBe(token !== undefined);
    });
  });

  describe('what it answers', () => {
    it('answers JSON with status 200 and {} when the route sets neither', async () => {
      const api = await start();
      api.respond('GET', '/api/v1/empty', {});

      const answer = await loopbackRequest(`${api.url}/api/v1/empty`);

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(jsonOf(answer)).toStrictEqual({});
    });

    it('answers the status, headers and JSON the route set', async () => {
      const api = await start();
      api.respond('DELETE', '/api/v1/agents/a1', { status: 202, json: { gone: 'a1' }, headers: { 'x-request-id': 'r1' } });

      const answer = await loopbackRequest(`${api.url}/api/v1/agents/a1`, { method: 'DELETE' });

      expect(answer.status).toBe(202);
      expect(answer.headers).toMatchObject({ 'x-request-id': 'r1', 'content-type': 'application/json' });
      expect(jsonOf(answer)).toStrictEqual({ gone: 'a1' });
      expect(api.requests[0].status).toBe(202);
    });

    it('matches routes by method whatever the case it was given in, and by exact path', async () => {
      const api = await start();
      api.respond('post', '/api/v1/chat', { json: { ok: true } });

      expect((await loopbackRequest(`${api.url}/api/v1/chat`, { method: 'POST' })).status).toBe(200);
      expect((await loopbackRequest(`${api.url}/api/v1/chat`)).status).toBe(404);
      expect((await loopbackRequest(`${api.url}/api/v1/chat/`, { method: 'POST' })).status).toBe(404);
    });

    it('answers 404 naming the method and path of a route it was not given', async () => {
      const api = await start();

      const answer = await loopbackRequest(`${api.url}/api/v1/nothing?q=1`, { method: 'PATCH' });

      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(jsonOf(answer)).toStrictEqual({ detail: 'no route PATCH /api/v1/nothing' });
      expect(api.requests[0].status).toBe(404);
    });

    it('drops the connection when a route function throws', async () => {
      const api = await start();
      api.respond('GET', '/api/v1/broken', () => {
        throw new Error('route failed');
      });

      const error = await rejection<NodeJS.ErrnoException>(loopbackRequest(`${api.url}/api/v1/broken`));

      expect(error.code).toBe('ECONNRESET');
    });
  });

  describe('with a token checker', () => {
    const tokens = { isActive: (token: string) => token === 'good' };

    it('answers a request under /api/ with an active token', async () => {
      const api = await start({ tokens });
      api.respond('GET', '/api/v1/agents', { json: { items: [] } });

      const answer = await loopbackRequest(`${api.url}/api/v1/agents`, { headers: { authorization: 'Bearer good' } });

      expect(answer.status).toBe(200);
    });

    it.each([
      ['a token the checker refuses', { authorization: 'Bearer bad' }, tokens],
      ['no token, even when the checker would take any', {}, { isActive: () => true }],
    ])('answers 401 invalid_token under /api/ to %s', async (_, headers, checker) => {
      const api = await start({ tokens: checker });
      api.respond('GET', '/api/v1/agents', { json: { items: [] } });

      const answer = await loopbackRequest(`${api.url}/api/v1/agents`, { headers });

      expect(answer.status).toBe(401);
      expect(answer.headers).toMatchObject({ 'www-authenticate': INVALID_TOKEN, 'content-type': 'application/json' });
      expect(jsonOf(answer)).toStrictEqual({ detail: 'Not authenticated' });
      expect(api.requests[0].status).toBe(401);
    });

    it('requires no token outside /api/', async () => {
      const api = await start({ tokens });
      api.respond('GET', '/healthz', { json: { up: true } });

      const answer = await loopbackRequest(`${api.url}/healthz`);

      expect(answer.status).toBe(200);
      expect(jsonOf(answer)).toStrictEqual({ up: true });
    });
  });

  it('requires no token without a token checker', async () => {
    const api = await start();
    api.respond('GET', '/api/v1/agents', { json: { items: [] } });

    expect((await loopbackRequest(`${api.url}/api/v1/agents`)).status).toBe(200);
  });

  it('listens on 127.0.0.1 at the port given', async () => {
    const probe = await start();
    const { port } = new URL(probe.url);
    await probe.close();

    const api = await start({ port: Number(port) });
    api.respond('GET', '/healthz', { json: { up: true } });

    expect(api.url).toBe(`http://127.0.0.1:${port}`);
    expect((await loopbackRequest(`${api.url}/healthz`)).status).toBe(200);
  });

  describe('rejectNext', () => {
    it('refuses exactly the next request by default, whatever its path and token', async () => {
      const api = await start();
      api.respond('GET', '/healthz', { json: {} });
      api.rejectNext();

      const first = await loopbackRequest(`${api.url}/healthz`);
      const second = await loopbackRequest(`${api.url}/healthz`);

      expect([first.status, second.status]).toEqual([401, 200]);
      expect(first.headers['www-authenticate']).toBe(INVALID_TOKEN);
    });

    it('refuses as many requests as it was told, then answers again', async () => {
      const api = await start();
      api.respond('GET', '/healthz', { json: {} });
      api.rejectNext(2);

      for (let i = 0; i < 3; i += 1) await loopbackRequest(`${api.url}/healthz`);

      expect(api.requests.map(r => r.status)).toEqual([401, 401, 200]);
    });
  });

  describe('server-sent events', () => {
    it('sends an event stream no cache may keep, each event with its name when it has one', async () => {
      const api = await start();
      api.respond('GET', '/api/v1/stream', {
        sse: [{ event: 'delta', data: { a: 1 } }, { data: 'plain' }, { event: '', data: [2] }],
      });

      const answer = await loopbackRequest(`${api.url}/api/v1/stream`);

      expect(answer.status).toBe(200);
      expect(answer.headers).toMatchObject({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      expect(answer.body).toBe('event: delta\ndata: {"a":1}\n\ndata: plain\n\ndata: [2]\n\n');
      expect(api.requests[0].status).toBe(200);
    });

    it('holds the stream open after its events when asked, and close() cuts it without an end', async () => {
      const api = await start();
      api.respond('GET', '/api/v1/stream', { sse: [{ data: 'first' }], hold: true });
      const res = await openRequest(`${api.url}/api/v1/stream`);
      res.on('error', () => undefined);
      res.setEncoding('utf8');
      const closed = new Promise<void>(resolve => res.once('close', () => resolve()));
      const firstChunk = new Promise<string>(resolve => res.once('data', resolve));

      expect(await firstChunk).toBe('data: first\n\n');
      await api.close();
      await closed;

      expect(res.complete).toBe(false);
    });
  });
});
