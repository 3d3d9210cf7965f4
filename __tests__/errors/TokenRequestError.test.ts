import { inspect } from 'node:util';
import { TokenRequestError } from '../../lib';
import { flushPromises } from '../helpers/FakeClock';
import { managerFixture, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';

async function failure(promise: Promise<unknown>): Promise<TokenRequestError> {
  const outcome = await promise.then(
    value => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${String(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(TokenRequestError);
  return outcome.error as TokenRequestError;
}

describe('TokenRequestError', () => {
  describe('when the token endpoint answers an RFC 6749 error', () => {
    it('invalid_client: carries status, error and description, and says to check the client id and secret', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([401, { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' }]);
      const error = await failure(manager.getToken());
      expect(error).toMatchObject({
        name: 'TokenRequestError',
        code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
        status: 401,
        error: 'invalid_client',
        errorDescription: 'Invalid client or Invalid client credentials',
        transient: false,
      });
      expect(error.message).toContain('https://keycloak.test/realms/kagenti/protocol/openid-connect/token');
      expect(error.message).toMatch(/client id and secret/);
    });

    it('unauthorized_client: says to enable service accounts for the client', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([
        400,
        { error: 'unauthorized_client', error_description: 'Client not enabled to retrieve service account' },
      ]);
      const error = await failure(manager.getToken());
      expect(error.error).toBe('unauthorized_client');
      expect(error.message).toMatch(/[Ss]ervice accounts/);
    });

    it('strips control characters from what the server said and shortens it', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([400, { error: 'invalid_request', error_description: `line1\r\nX-Injected: yes ${'x'.repeat(2000)}` }]);
      const error = await failure(manager.getToken());
      expect(error.errorDescription).not.toMatch(/[\r\n]/);
      expect(error.errorDescription?.length).toBeLessThanOrEqual(501);
    });
  });

  describe('when the answer is not a token response', () => {
    it.each([
      [
        'an HTML page',
        [200, '<!doctype html><html><body>Sign in</body></html>', { 'content-type': 'text/html' }],
        /not JSON.*text\/html/,
      ],
      ['an empty body', [200, ''], /empty body/],
      ['a JSON array', [200, '[1,2]'], /not an object/],
      ['no access_token', [200, '{"token_type":"Bearer","expires_in":300}'], /without an access_token/],
      ['an empty access_token', [200, '{"access_token":"","expires_in":300}'], /without an access_token/],
      ['a numeric access_token', [200, '{"access_token":42,"expires_in":300}'], /without an access_token/],
      [
        'a token that would split a header',
        [200, '{"access_token":"abc\\r\\nX-Evil: 1","expires_in":300}'],
        /cannot go in an HTTP header/,
      ],
      [
        'a non-Bearer token_type',
        [200, '{"access_token":"abc","token_type":"mac","expires_in":300}'],
        /token_type "mac" is not Bearer/,
      ],
    ])('%s gives TOKEN_RESPONSE_INVALID with a message saying what is wrong', async (_label, reply, message) => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply(reply as [number, unknown, Record<string, string>?]);
      const error = await failure(manager.getToken());
      expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
      expect(error.message).toMatch(message);
      expect(manager.cachedTokenUsableUntil).toBeUndefined();
    });

    it.each(['Bearer', 'bearer', 'BEARER', undefined])('accepts token_type %s', async tokenType => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([200, { access_token: 'ok', expires_in: 300, ...(tokenType ? { token_type: tokenType } : {}) }]);
      await expect(manager.getToken()).resolves.toBe('ok');
    });

    it('a redirect is not followed and gives TOKEN_ENDPOINT_REDIRECT naming where it pointed', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([302, '', { location: 'https://keycloak.test/auth/realms/kagenti/protocol/openid-connect/token?x=1' }]);
      const error = await failure(manager.getToken());
      expect(error.code).toBe('TOKEN_ENDPOINT_REDIRECT');
      expect(error.status).toBe(302);
      expect(error.message).toContain('to https://keycloak.test/auth/realms/kagenti/protocol/openid-connect/token');
      expect(error.message).not.toContain('x=1');
      expect(endpoint.requests[0].maxRedirects).toBe(0);
    });

    it.each([
      [404, /realm name/, false],
      [500, /may pass on its own/, true],
      [503, /may pass on its own/, true],
      [429, /rate limiting/, true],
    ])('HTTP %i without an OAuth body gives TOKEN_ENDPOINT_HTTP_ERROR', async (status, hint, transient) => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([status, 'nope', { 'content-type': 'text/plain' }]);
      const error = await failure(manager.getToken());
      expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_HTTP_ERROR', status, transient });
      expect(error.message).toMatch(hint);
    });

    it('carries Retry-After as retryAfterMs', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([503, '', { 'retry-after': '7' }]);
      const error = await failure(manager.getToken());
      expect(error.retryAfterMs).toBe(7_000);
    });
  });

  describe('when the endpoint cannot be reached', () => {
    it('a refused connection gives TOKEN_ENDPOINT_UNREACHABLE with a cause that holds no request config', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply(() => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8443'), {
          code: 'ECONNREFUSED',
          config: { headers: { Authorization: 'Basic c2VjcmV0' } },
        });
      });
      const error = await failure(manager.getToken());
      expect(error.code).toBe('TOKEN_ENDPOINT_UNREACHABLE');
      expect(error.transient).toBe(true);
      expect(error.message).toContain('ECONNREFUSED');
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.cause).not.toHaveProperty('config');
      expect(inspect(error, { depth: 10 })).not.toContain('c2VjcmV0');
    });

    it('an axios-level network error gives TOKEN_ENDPOINT_UNREACHABLE', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.mock.reset();
      endpoint.mock.onPost(TOKEN_ENDPOINT).networkErrorOnce();
      const error = await failure(manager.getToken());
      expect(error.code).toBe('TOKEN_ENDPOINT_UNREACHABLE');
    });

    it('an axios timeout gives TOKEN_ENDPOINT_TIMEOUT', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.mock.reset();
      endpoint.mock.onPost(TOKEN_ENDPOINT).timeoutOnce();
      const error = await failure(manager.getToken());
      expect(error.code).toBe('TOKEN_ENDPOINT_TIMEOUT');
    });

    it('a hung endpoint gives TOKEN_ENDPOINT_TIMEOUT once timeoutMs passes, not before', async () => {
      const { endpoint, clock, manager } = managerFixture({ timeoutMs: 10_000 });
      endpoint.hold(); // never answered
      let settled: unknown;
      const pending = manager.getToken().catch((error: unknown) => (settled = error));
      await clock.advance(9_999);
      expect(settled).toBeUndefined();
      await clock.advance(1);
      await pending;
      expect(settled).toBeInstanceOf(TokenRequestError);
      expect((settled as TokenRequestError).code).toBe('TOKEN_ENDPOINT_TIMEOUT');
      expect((settled as TokenRequestError).message).toContain('10000 ms');
    });
  });

  describe('when the clientSecret function fails', () => {
    it('gives CLIENT_SECRET_UNAVAILABLE and sends nothing', async () => {
      const { endpoint, manager } = managerFixture({
        clientSecret: () => {
          throw new Error('vault sealed');
        },
      });
      const error = await failure(manager.getToken());
      expect(error.code).toBe('CLIENT_SECRET_UNAVAILABLE');
      expect((error.cause as Error).message).toBe('vault sealed');
      expect(endpoint.count).toBe(0);
    });

    it('treats an empty secret as unavailable', async () => {
      const { endpoint, manager } = managerFixture({ clientSecret: async () => '' });
      const error = await failure(manager.getToken());
      expect(error.message).toContain('empty string');
      expect(endpoint.count).toBe(0);
    });
  });

  it('is recognisable by class and code after a round trip through a shared fetch', async () => {
    const { endpoint, manager } = managerFixture();
    const held = endpoint.hold();
    const a = manager.getToken().catch((e: unknown) => e);
    const b = manager.getToken().catch((e: unknown) => e);
    await flushPromises();
    held.resolve([401, { error: 'invalid_client' }]);
    const [ea, eb] = await Promise.all([a, b]);
    expect(ea).toBe(eb);
    expect(ea).toBeInstanceOf(TokenRequestError);
    expect(endpoint.count).toBe(1);
  });
});

describe('TokenRequestError.transient', () => {
  const withStatus = (code: 'TOKEN_ENDPOINT_HTTP_ERROR' | 'TOKEN_ENDPOINT_OAUTH_ERROR', status?: number) =>
    new TokenRequestError('x', { code, tokenEndpoint: TOKEN_ENDPOINT, ...(status === undefined ? {} : { status }) });

  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [499, false],
  ])('is %p → %p for HTTP and OAuth errors alike', (status, transient) => {
    expect(withStatus('TOKEN_ENDPOINT_HTTP_ERROR', status).transient).toBe(transient);
    expect(withStatus('TOKEN_ENDPOINT_OAUTH_ERROR', status).transient).toBe(transient);
  });

  it('is false for an HTTP error without a status', () => {
    expect(withStatus('TOKEN_ENDPOINT_HTTP_ERROR').transient).toBe(false);
  });
});
