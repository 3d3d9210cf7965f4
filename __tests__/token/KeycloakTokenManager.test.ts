import { KeycloakTokenManager, TokenRequestError, UNKNOWN_EXPIRY_USABLE_MS } from '../../lib';
import { flushPromises } from '../helpers/FakeClock';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT, managerFixture, tokenBody } from '../helpers/tokenEndpointMock';

const decodeBasic = (header: unknown) => Buffer.from(String(header).replace(/^Basic /, ''), 'base64').toString('utf8');

describe('KeycloakTokenManager', () => {
  describe('token request', () => {
    it('POSTs grant_type=client_credentials as a form, with the client in a Basic header', async () => {
      const { endpoint, manager } = managerFixture();
      await expect(manager.getToken()).resolves.toBe('token-1');

      const [request] = endpoint.requests;
      expect(request.method).toBe('post');
      expect(request.headers?.['Content-Type']).toBe('application/x-www-form-urlencoded');
      expect(request.data).toBe('grant_type=client_credentials');
      expect(decodeBasic(request.headers?.Authorization)).toBe(
        `${CLIENT_ID}:${encodeURIComponent(CLIENT_SECRET).replace('!', '%21')}`,
      );
    });

    it('form-urlencodes id and secret before base64 (RFC 6749 §2.3.1), so ":", "%", "+", space and non-ASCII survive', async () => {
      const { endpoint, manager } = managerFixture({ clientId: 'my client:1', clientSecret: 's3:cr%t+ é' });
      await manager.getToken();
      expect(decodeBasic(endpoint.requests[0].headers?.Authorization)).toBe('my+client%3A1:s3%3Acr%25t%2B+%C3%A9');
    });

    it('sends scope when one is set', async () => {
      const { endpoint, manager } = managerFixture({ scope: 'kagenti openid' });
      await manager.getToken();
      expect(new URLSearchParams(String(endpoint.requests[0].data)).get('scope')).toBe('kagenti openid');
    });

    it('with client_secret_post, sends id and secret in the body and no Authorization header', async () => {
      const { endpoint, manager } = managerFixture({ clientAuthentication: 'client_secret_post', clientSecret: 'a&b=c +d' });
      await manager.getToken();
      const request = endpoint.requests[0];
      const body = new URLSearchParams(String(request.data));
      expect(body.get('grant_type')).toBe('client_credentials');
      expect(body.get('client_id')).toBe(CLIENT_ID);
      expect(body.get('client_secret')).toBe('a&b=c +d');
      expect(request.headers?.Authorization).toBeUndefined();
    });

    it('calls a clientSecret function for every token request, so a rotated secret is used', async () => {
      let secret = 'first-secret';
      const { endpoint, manager } = managerFixture({ clientSecret: async () => secret });
      await manager.getToken();
      secret = 'second-secret';
      manager.invalidate();
      await manager.getToken();
      expect(endpoint.requests.map(r => decodeBasic(r.headers?.Authorization))).toEqual([
        `${CLIENT_ID}:first-secret`,
        `${CLIENT_ID}:second-secret`,
      ]);
    });

    it('never lets the token call through interceptors of the instance it is given', async () => {
      const { endpoint, manager } = managerFixture();
      const seen: unknown[] = [];
      endpoint.http.interceptors.request.use(config => {
        seen.push(config.kagentiAuth);
        return config;
      });
      await manager.getToken();
      // The package marks its own call so that its interceptors, if installed there, skip it.
      expect(seen).toEqual([{ skip: true }]);
    });
  });

  describe('cache', () => {
    it('reuses the cached token until expires_in minus the buffer, and refetches at the boundary', async () => {
      const { endpoint, clock, manager } = managerFixture({ tokenExpiryBufferSeconds: 60 });
      const start = clock.now();
      await expect(manager.getToken()).resolves.toBe('token-1');

      clock.set(start + 239_999);
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);

      clock.set(start + 240_000);
      await expect(manager.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('applies a 60 s buffer when none is given', async () => {
      const { endpoint, clock, manager } = managerFixture({ tokenExpiryBufferSeconds: undefined });
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 239_999);
      await manager.getToken();
      expect(endpoint.count).toBe(1);
      clock.set(start + 240_000);
      await manager.getToken();
      expect(endpoint.count).toBe(2);
    });

    it('with a 0 s buffer, uses the token for its whole lifetime', async () => {
      const { endpoint, clock, manager } = managerFixture({ tokenExpiryBufferSeconds: 0 });
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 299_999);
      await manager.getToken();
      expect(endpoint.count).toBe(1);
      clock.set(start + 300_000);
      await manager.getToken();
      expect(endpoint.count).toBe(2);
    });

    it('counts expiry from when the request was sent, not from when the answer arrived', async () => {
      const { endpoint, clock, manager } = managerFixture();
      const sentAt = clock.now();
      const held = endpoint.hold();
      const pending = manager.getToken();
      await clock.advance(5_000);
      held.resolve([200, tokenBody('slow-token', 300)]);
      await expect(pending).resolves.toBe('slow-token');

      clock.set(sentAt + 239_999);
      await expect(manager.getToken()).resolves.toBe('slow-token');
      clock.set(sentAt + 240_000);
      await expect(manager.getToken()).resolves.toBe('token-1');
    });

    it('makes one POST for 100 concurrent cold calls, and gives all of them its token', async () => {
      const { endpoint, manager } = managerFixture();
      const held = endpoint.hold();
      const calls = Array.from({ length: 100 }, () => manager.getToken());
      await flushPromises();
      expect(endpoint.count).toBe(1);
      held.resolve([200, tokenBody('shared')]);
      const tokens = await Promise.all(calls);
      expect(new Set(tokens)).toEqual(new Set(['shared']));
      expect(endpoint.count).toBe(1);
    });

    it('gives every waiter the same error and does not cache the failure', async () => {
      const { endpoint, manager } = managerFixture();
      const held = endpoint.hold();
      const calls = Array.from({ length: 10 }, () =>
        manager.getToken().then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      await flushPromises();
      held.resolve([503, '']);
      const errors = await Promise.all(calls);
      expect(errors[0]).toBeInstanceOf(TokenRequestError);
      expect(errors.every(e => e === errors[0])).toBe(true);

      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
    });
  });

  describe('getCachedToken', () => {
    it('returns the usable cached token without a request, and undefined when a fetch would be needed', async () => {
      const { endpoint, clock, manager } = managerFixture();
      const start = clock.now();
      expect(manager.getCachedToken()).toBeUndefined();
      await manager.getToken();
      clock.set(start + 239_999);
      expect(manager.getCachedToken()).toBe('token-1');
      clock.set(start + 240_000);
      expect(manager.getCachedToken()).toBeUndefined();
      expect(endpoint.count).toBe(1);
    });

    it('starts the refresh-ahead when it is due', async () => {
      const { endpoint, clock, manager } = managerFixture({ refreshAhead: 0.5 });
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 120_000);
      expect(manager.getCachedToken()).toBe('token-1');
      await flushPromises();
      expect(endpoint.count).toBe(2);
    });
  });

  describe('invalidate', () => {
    it('with the cached token, drops it so the next call refetches', async () => {
      const { endpoint, manager } = managerFixture();
      const token = await manager.getToken();
      expect(manager.invalidate(token)).toBe(true);
      await expect(manager.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('with a token that is no longer cached, keeps the newer token (compare-and-invalidate)', async () => {
      const { endpoint, manager } = managerFixture();
      const old = await manager.getToken();
      manager.invalidate(old);
      const current = await manager.getToken();
      expect(manager.invalidate(old)).toBe(false);
      await expect(manager.getToken()).resolves.toBe(current);
      expect(endpoint.count).toBe(2);
    });

    it('during a fetch: the old fetch serves its own waiters but never fills the cache, and a later caller starts one new fetch', async () => {
      const { endpoint, manager } = managerFixture();
      const first = endpoint.hold();
      const second = endpoint.hold();
      const early = manager.getToken();
      await flushPromises();

      manager.invalidate();
      const third = manager.getToken();
      const fourth = manager.getToken();
      await flushPromises();
      expect(endpoint.count).toBe(2);

      // The old fetch ends first: it must neither write the cache nor clear the newer flight.
      first.resolve([200, tokenBody('stale')]);
      await expect(early).resolves.toBe('stale');
      const fifth = manager.getToken();
      await flushPromises();
      expect(endpoint.count).toBe(2);

      second.resolve([200, tokenBody('fresh')]);
      await expect(Promise.all([third, fourth, fifth])).resolves.toEqual(['fresh', 'fresh', 'fresh']);
      await expect(manager.getToken()).resolves.toBe('fresh');
      expect(endpoint.count).toBe(2);
    });

    it('with a token, leaves a fetch in flight alone and lets it fill the cache', async () => {
      const { endpoint, manager } = managerFixture();
      const held = endpoint.hold();
      const pending = manager.getToken();
      await flushPromises();
      expect(manager.invalidate('some-old-token')).toBe(false);
      held.resolve([200, tokenBody('new')]);
      await expect(pending).resolves.toBe('new');
      await expect(manager.getToken()).resolves.toBe('new');
      expect(endpoint.count).toBe(1);
    });
  });

  describe('expires_in policy', () => {
    it.each([
      ['missing', undefined],
      ['null', null],
      ['non-numeric', 'soon'],
      ['zero', 0],
      ['negative', -5],
      ['not finite', 'Infinity'],
      ['an object', { seconds: 300 }],
    ])('when expires_in is %s, uses the token for a short fixed time and warns once', async (_label, expiresIn) => {
      const { endpoint, clock, logger, manager } = managerFixture();
      const start = clock.now();
      endpoint.reply([
        200,
        { access_token: 'a', token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) },
      ]);
      endpoint.reply([
        200,
        { access_token: 'b', token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) },
      ]);
      await expect(manager.getToken()).resolves.toBe('a');
      clock.set(start + UNKNOWN_EXPIRY_USABLE_MS - 1);
      await expect(manager.getToken()).resolves.toBe('a');
      clock.set(start + UNKNOWN_EXPIRY_USABLE_MS);
      await expect(manager.getToken()).resolves.toBe('b');
      expect(logger.at('warn').filter(line => /expires_in/.test(line.message))).toHaveLength(1);
    });

    it('accepts expires_in as a numeric string', async () => {
      const { endpoint, clock, manager } = managerFixture();
      const start = clock.now();
      endpoint.reply([200, tokenBody('a', '300')]);
      await manager.getToken();
      clock.set(start + 239_999);
      await expect(manager.getToken()).resolves.toBe('a');
    });

    it('when expires_in is not above the buffer, still uses the token, for half its lifetime, and warns once', async () => {
      const { endpoint, clock, logger, manager } = managerFixture({ tokenExpiryBufferSeconds: 60 });
      const start = clock.now();
      endpoint.reply([200, tokenBody('short-1', 30)], [200, tokenBody('short-2', 30)], [200, tokenBody('short-3', 30)]);
      await expect(manager.getToken()).resolves.toBe('short-1');
      clock.set(start + 14_999);
      await expect(manager.getToken()).resolves.toBe('short-1');
      clock.set(start + 15_000);
      await expect(manager.getToken()).resolves.toBe('short-2');
      clock.set(start + 30_000);
      await expect(manager.getToken()).resolves.toBe('short-3');
      expect(logger.at('warn').filter(line => /expiry buffer/.test(line.message))).toHaveLength(1);
    });

    it('never caches a token for more than a day, whatever expires_in says', async () => {
      const { endpoint, clock, manager } = managerFixture({ tokenExpiryBufferSeconds: 0 });
      const start = clock.now();
      endpoint.reply([200, tokenBody('forever', 1e12)]);
      await manager.getToken();
      clock.set(start + 86_400_000);
      await expect(manager.getToken()).resolves.toBe('token-1');
    });
  });

  describe('getTokenForStreaming', () => {
    it('returns the cached token when it stays usable long enough', async () => {
      const { endpoint, clock, manager } = managerFixture();
      const start = clock.now();
      endpoint.reply([200, tokenBody('long', 3600)]);
      await manager.getToken();
      clock.set(start + 1_000);
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('long');
      expect(endpoint.count).toBe(1);
    });

    it('fetches a fresh token when the cached one falls short but a fresh one would be long enough', async () => {
      const { endpoint, clock, manager } = managerFixture();
      const start = clock.now();
      endpoint.reply([200, tokenBody('old', 3600)], [200, tokenBody('new', 3600)]);
      await manager.getToken();
      // Usable until +3540 s; at +3400 s only 140 s remain, a fresh token gives 3540 s.
      clock.set(start + 3_400_000);
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('new');
      await expect(manager.getToken()).resolves.toBe('new');
      expect(endpoint.count).toBe(2);
    });

    it('with 300 s tokens, a 60 s buffer and 5-minute streams, does not fetch a token per stream, and warns once', async () => {
      const { endpoint, clock, logger, manager } = managerFixture({ tokenExpiryBufferSeconds: 60 });
      const start = clock.now();
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('token-1');
      for (let second = 1; second <= 100; second++) {
        clock.set(start + second * 1_000);
        await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('token-1');
      }
      expect(endpoint.count).toBe(1);
      const warnings = logger.at('warn').filter(line => /stream/.test(line.message));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toContain('240 s');
    });

    it("when no token can meet the minimum, refetches only once the cached one has used half of a fresh one's life", async () => {
      const { endpoint, clock, manager } = managerFixture({ tokenExpiryBufferSeconds: 60 });
      const start = clock.now();
      await manager.getTokenForStreaming(300_000);
      clock.set(start + 120_000); // 120 s of 240 s left: still worth keeping
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('token-1');
      clock.set(start + 120_001);
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('falls back to the usable cached token, with a warning, when fetching a longer-lived one fails', async () => {
      const { endpoint, clock, logger, manager } = managerFixture();
      const start = clock.now();
      endpoint.reply([200, tokenBody('old', 3600)], [503, '']);
      await manager.getToken();
      clock.set(start + 3_400_000);
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('old');
      expect(endpoint.count).toBe(2);
      expect(logger.at('warn').some(line => /longer-lived/.test(line.message))).toBe(true);
    });

    it('returns a fresh token that still falls short rather than loop', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([200, tokenBody('brief', 90)]);
      await expect(manager.getTokenForStreaming(3_600_000)).resolves.toBe('brief');
      expect(endpoint.count).toBe(1);
    });

    it('rejects a negative or non-finite minimum with a TypeError', async () => {
      const { manager } = managerFixture();
      await expect(manager.getTokenForStreaming(-1)).rejects.toThrow(TypeError);
      await expect(manager.getTokenForStreaming(Number.NaN)).rejects.toThrow(TypeError);
    });
  });

  describe('construction', () => {
    it.each([
      ['a relative tokenEndpoint', { tokenEndpoint: '/token' }],
      ['a non-http tokenEndpoint', { tokenEndpoint: 'ftp://keycloak/token' }],
      ['credentials in tokenEndpoint', { tokenEndpoint: 'https://u:p@keycloak/token' }],
      ['an empty clientId', { clientId: '' }],
      ['an empty clientSecret', { clientSecret: '' }],
      ['a negative buffer', { tokenExpiryBufferSeconds: -1 }],
      ['an unknown client authentication', { clientAuthentication: 'private_key_jwt' }],
      ['a refreshAhead of 1', { refreshAhead: 1 }],
    ])('throws a TypeError for %s', (_label, override) => {
      expect(
        () =>
          new KeycloakTokenManager({
            tokenEndpoint: TOKEN_ENDPOINT,
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            ...(override as object),
          }),
      ).toThrow(TypeError);
    });

    it('fromConfig returns undefined when auth is not configured', () => {
      expect(KeycloakTokenManager.fromConfig({ boost: { kagenti: {} } })).toBeUndefined();
    });

    it('fromConfig builds a manager that uses the configured endpoint and buffer', async () => {
      const { endpoint, clock } = managerFixture();
      const manager = KeycloakTokenManager.fromConfig(
        {
          boost: {
            kagenti: {
              auth: {
                tokenEndpoint: TOKEN_ENDPOINT,
                clientId: CLIENT_ID,
                clientSecret: CLIENT_SECRET,
                tokenExpiryBufferSeconds: 100,
              },
            },
          },
        },
        { httpClient: endpoint.http, now: clock.now, refreshAhead: false },
      );
      const start = clock.now();
      await manager?.getToken();
      clock.set(start + 199_999);
      await manager?.getToken();
      expect(endpoint.count).toBe(1);
      clock.set(start + 200_000);
      await manager?.getToken();
      expect(endpoint.count).toBe(2);
    });
  });
});
