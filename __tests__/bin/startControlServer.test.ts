import { startFakeKagentiApi, startFakeKeycloak, type FakeKagentiApi, type FakeKeycloak } from '../../lib/testing';
import { startControlServer } from '../../lib/bin/startControlServer';
import type { LoopbackServer } from '../../lib/testing/listenOnLoopback';
import { jsonOf, loopbackRequest, type LoopbackAnswer } from '../testing/helpers/loopbackRequest';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('startControlServer', () => {
  let keycloak: FakeKeycloak;
  let kagenti: FakeKagentiApi;
  let control: LoopbackServer;

  beforeEach(async () => {
    keycloak = await startFakeKeycloak();
    kagenti = await startFakeKagentiApi({ tokens: keycloak });
    control = await startControlServer({ keycloak, kagenti });
  });

  afterEach(async () => {
    await Promise.all([control.close(), kagenti.close(), keycloak.close()]);
  });

  const send = (method: string, path: string, body?: unknown): Promise<LoopbackAnswer> =>
    loopbackRequest(`${control.url}/_control${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });

  const token = async (): Promise<LoopbackAnswer> =>
    loopbackRequest(keycloak.tokenEndpoint, {
      method: 'POST',
      headers: FORM,
      body: 'grant_type=client_credentials&client_id=backstage&client_secret=fake-secret',
    });

  const accessToken = async (): Promise<string> => (jsonOf(await token()) as { access_token: string }).access_token;

  const callApi = (bearer: string, path = '/api/v1/agents') =>
    loopbackRequest(`${kagenti.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });

  it('listens on 127.0.0.1', () => {
    expect(control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  describe('GET /_control/counts', () => {
    it('counts token requests, API requests and the API requests answered 401, and nothing else', async () => {
      const good = await accessToken();
      await token();
      kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } });
      await callApi(good);
      await callApi('not-a-token');
      await callApi(good);

      const answer = await send('GET', '/counts');

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(jsonOf(answer)).toStrictEqual({ tokenRequests: 2, apiRequests: 3, apiRequestsRejected: 1 });
      expect(answer.body).not.toContain(good);
    });
  });

  describe('POST /_control/revoke-all', () => {
    it('revokes every token issued so far without being told any, and the next token works', async () => {
      kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } });
      const [first, second] = [await accessToken(), await accessToken()];

      const answer = await send('POST', '/revoke-all');

      expect(answer.status).toBe(204);
      expect(answer.body).toBe('');
      expect([(await callApi(first)).status, (await callApi(second)).status]).toEqual([401, 401]);
      expect((await callApi(await accessToken())).status).toBe(200);
    });
  });

  describe('PUT and DELETE /_control/fault', () => {
    it('sets a status fault on the token endpoint, with an OAuth error', async () => {
      expect((await send('PUT', '/fault', { mode: 'status', status: 503, error: 'temporarily_unavailable' })).status).toBe(204);

      const answer = await token();

      expect(answer.status).toBe(503);
      expect(jsonOf(answer)).toStrictEqual({ error: 'temporarily_unavailable' });
    });

    it('sets a hang and clears it with DELETE', async () => {
      await send('PUT', '/fault', { mode: 'hang' });
      const hung = token().catch(() => undefined);
      await new Promise(resolve => setImmediate(resolve));
      while (keycloak.requests.length === 0) await new Promise(resolve => setImmediate(resolve));
      expect(keycloak.requests[0].status).toBe(0);

      expect((await send('DELETE', '/fault')).status).toBe(204);

      expect((await token()).status).toBe(200);
      void hung;
    });

    it('clears a fault with {"mode":"none"} too', async () => {
      await send('PUT', '/fault', { mode: 'status', status: 500 });

      expect((await send('PUT', '/fault', { mode: 'none' })).status).toBe(204);
      expect((await token()).status).toBe(200);
    });

    it.each([
      ['an unknown mode', { mode: 'slow', secret: 'do-not-echo' }],
      ['a status out of range', { mode: 'status', status: 600 }],
      ['a status that is no integer', { mode: 'status', status: '503' }],
      ['an error that is no string', { mode: 'status', status: 400, error: 1 }],
      ['an array', [{ mode: 'hang' }]],
      ['no JSON', 'mode=hang'],
    ])('answers 400 to %s, without echoing the body, and leaves the fault as it was', async (_, body) => {
      const answer = await send('PUT', '/fault', body);

      expect(answer.status).toBe(400);
      expect((jsonOf(answer) as { error: string }).error).toMatch(/^the (fault must be|body must be)/);
      expect(answer.body).not.toContain('do-not-echo');
      expect((await token()).status).toBe(200);
    });
  });

  describe('POST /_control/reject-next', () => {
    beforeEach(() => kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } }));

    it('makes the next API requests answer 401 whatever their token, one by default', async () => {
      const good = await accessToken();

      expect((await send('POST', '/reject-next', {})).status).toBe(204);

      expect([(await callApi(good)).status, (await callApi(good)).status]).toEqual([401, 200]);
    });

    it('takes a count', async () => {
      const good = await accessToken();
      await send('POST', '/reject-next', { count: 2 });

      expect([(await callApi(good)).status, (await callApi(good)).status, (await callApi(good)).status]).toEqual([401, 401, 200]);
    });

    it('answers 400 to a count below 0', async () => {
      const answer = await send('POST', '/reject-next', { count: -1 });

      expect(answer.status).toBe(400);
      expect(jsonOf(answer)).toStrictEqual({ error: 'count must be an integer of 0 or more' });
    });
  });

  describe('PUT /_control/routes', () => {
    it('sets what the fake Kagenti API answers, JSON or an event stream', async () => {
      const good = await accessToken();

      expect(
        (
          await send('PUT', '/routes', {
            method: 'get',
            path: '/api/v1/agents',
            reply: { json: { items: [{ name: 'weather' }] } },
          })
        ).status,
      ).toBe(204);
      await send('PUT', '/routes', { method: 'GET', path: '/api/v1/chat', reply: { sse: [{ event: 'done', data: { n: 1 } }] } });

      const agents = await callApi(good);
      const chat = await callApi(good, '/api/v1/chat');
      expect(jsonOf(agents)).toStrictEqual({ items: [{ name: 'weather' }] });
      expect(chat.body).toBe('event: done\ndata: {"n":1}\n\n');
    });

    it.each([
      ['a path without a leading slash', { method: 'GET', path: 'api', reply: {} }],
      ['a method that is no word', { method: 'GET /x', path: '/x', reply: {} }],
      ['no reply', { method: 'GET', path: '/x' }],
      ['sse that is no list', { method: 'GET', path: '/x', reply: { sse: 'data' } }],
      ['a status out of range', { method: 'GET', path: '/x', reply: { status: 99 } }],
    ])('answers 400 to %s', async (_, body) => {
      const answer = await send('PUT', '/routes', body);

      expect(answer.status).toBe(400);
      expect((jsonOf(answer) as { error: string }).error).toMatch(/^the route must be/);
    });
  });

  it.each([
    ['GET', '/_control/revoke-all'],
    ['POST', '/_control/counts'],
    ['GET', '/_control'],
    ['GET', '/counts'],
    ['GET', '/_kontrol/counts'],
  ])('answers 404 to %s %s', async (method, path) => {
    const answer = await loopbackRequest(`${control.url}${path}`, { method });

    expect(answer.status).toBe(404);
    expect((jsonOf(answer) as { error: string }).error).toContain(`no control request ${method} ${path}`);
  });

  describe('the bodies it takes, and the exact refusals', () => {
    const FAULT_SHAPE =
      'the fault must be {"mode":"none"}, {"mode":"hang"} or {"mode":"status","status":<100-599>,"error"?:"<oauth error>"}';
    const ROUTE_SHAPE =
      'the route must be {"method":"GET","path":"/api/...","reply":{"status"?:200,"json"?:...} or {"sse":[{"event"?:"...","data":...}]}}';

    it('answers a change 204 with no body and no content type, and the counts as uncached JSON', async () => {
      const change = await send('POST', '/revoke-all');
      const counts = await send('GET', '/counts');

      expect(change.headers['content-type']).toBeUndefined();
      expect(counts.headers['cache-control']).toBe('no-store');
    });

    it('refuses a body that is not JSON', async () => {
      const answer = await send('PUT', '/fault', 'mode=hang');
      expect([answer.status, jsonOf(answer)]).toStrictEqual([400, { error: 'the body must be JSON' }]);
    });

    it.each([['[{"mode":"hang"}]'], ['null'], ['"hang"'], ['5']])('refuses the JSON %s, which is no object', async body => {
      const answer = await send('PUT', '/fault', body);
      expect([answer.status, jsonOf(answer)]).toStrictEqual([400, { error: 'the body must be a JSON object' }]);
    });

    it.each([100, 599])('takes a status fault of %p', async status => {
      expect((await send('PUT', '/fault', { mode: 'status', status })).status).toBe(204);
    });

    it('takes a status fault without an error, answered with a plain body', async () => {
      expect((await send('PUT', '/fault', { mode: 'status', status: 503 })).status).toBe(204);

      const answer = await token();
      expect([answer.status, jsonOf(answer)]).toStrictEqual([503, { message: 'fault' }]);
    });

    it.each([
      ['a status below 100', { mode: 'status', status: 99 }],
      ['a status above 599', { mode: 'status', status: 600 }],
      ['a status with an unknown mode', { mode: 'slow', status: 503 }],
    ])('refuses %s with the fault’s shape', async (_, body) => {
      const answer = await send('PUT', '/fault', body);
      expect([answer.status, jsonOf(answer)]).toStrictEqual([400, { error: FAULT_SHAPE }]);
    });

    it.each([100, 599])('takes a route status of %p', async status => {
      expect((await send('PUT', '/routes', { method: 'GET', path: '/api/v1/x', reply: { status, json: {} } })).status).toBe(204);
    });

    it('takes a route with a status, which the fake Kagenti API answers', async () => {
      const good = await accessToken();
      await send('PUT', '/routes', { method: 'GET', path: '/api/v1/x', reply: { status: 201, json: { made: true } } });

      const answer = await callApi(good, '/api/v1/x');
      expect([answer.status, jsonOf(answer)]).toStrictEqual([201, { made: true }]);
    });

    it.each([
      ['a method that is no string', { method: ['GET'], path: '/x', reply: {} }],
      ['a path that is no string', { method: 'GET', path: ['/x'], reply: {} }],
      ['a null reply', { method: 'GET', path: '/x', reply: null }],
      ['a status that is no integer', { method: 'GET', path: '/x', reply: { status: '201' } }],
      ['a status of 99', { method: 'GET', path: '/x', reply: { status: 99 } }],
      ['a status of 600', { method: 'GET', path: '/x', reply: { status: 600 } }],
    ])('refuses a route with %s, with the route’s shape', async (_, body) => {
      const answer = await send('PUT', '/routes', body);
      expect([answer.status, jsonOf(answer)]).toStrictEqual([400, { error: ROUTE_SHAPE }]);
    });

    it('takes a count of 0: no request is rejected', async () => {
      kagenti.respond('GET', '/api/v1/agents', { json: { items: [] } });
      const good = await accessToken();

      expect((await send('POST', '/reject-next', { count: 0 })).status).toBe(204);
      expect((await callApi(good)).status).toBe(200);
    });
  });
});
