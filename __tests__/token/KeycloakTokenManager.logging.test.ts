import { flushPromises } from '../helpers/FakeClock';
import { MemoryTokenStore } from '../helpers/MemoryTokenStore';
import { managerFixture, tokenBody } from '../helpers/tokenEndpointMock';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';

describe('KeycloakTokenManager log lines', () => {
  describe('odd token lifetimes', () => {
    it('says the response has no expires_in and how long each token is used', async () => {
      const { endpoint, manager, logger } = managerFixture();
      endpoint.reply([200, { access_token: 'a', token_type: 'Bearer' }]);
      await manager.getToken();
      expect(logger.at('warn').map(line => line.message)).toEqual([
        'Keycloak token response has no expires_in; using each token for 30 s. Check the token endpoint.',
      ]);
    });

    it('says the response has an invalid expires_in', async () => {
      const { endpoint, manager, logger } = managerFixture();
      endpoint.reply([200, tokenBody('a', 'soon')]);
      await manager.getToken();
      expect(logger.at('warn').map(line => line.message)).toEqual([
        'Keycloak token response has an invalid expires_in; using each token for 30 s. Check the token endpoint.',
      ]);
    });

    it('names the lifetime and the buffer in seconds when tokens live no longer than the buffer', async () => {
      const { endpoint, manager, logger } = managerFixture({ tokenExpiryBufferSeconds: 60 });
      endpoint.reply([200, tokenBody('a', 45)]);
      await manager.getToken();
      expect(logger.at('warn')[0].message).toMatch(/^Keycloak tokens live 45 s, not more than the 60 s expiry buffer;/);
    });
  });

  describe('token request failures', () => {
    it('logs a failed token request at debug level with its code, status and message', async () => {
      const { endpoint, manager, logger } = managerFixture();
      endpoint.reply([503, '']);
      const error: Error = await manager.getToken().then(
        () => new Error('expected a rejection'),
        (e: unknown) => e as Error,
      );
      const lines = logger.matching(/^Keycloak token request failed$/);
      expect(lines).toHaveLength(1);
      expect(lines[0].level).toBe('debug');
      expect(lines[0].meta).toEqual({
        clientId: 'boost-backend',
        code: 'TOKEN_ENDPOINT_HTTP_ERROR',
        status: 503,
        error: error.message,
      });
    });

    it('logs no token request failure when close() aborts the request', async () => {
      const { endpoint, manager, logger } = managerFixture();
      endpoint.hold();
      const pending = manager.getToken();
      manager.close();
      await expect(pending).rejects.toThrow('KeycloakTokenManager is closed');
      expect(logger.matching(/request failed/)).toHaveLength(0);
    });

    it('logs each retry with the attempt and the wait before the next one', async () => {
      const { endpoint, clock, manager, logger } = managerFixture({
        retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 },
      });
      endpoint.reply([503, '']);
      const pending = manager.getToken();
      await clock.advance(1_000);
      await expect(pending).resolves.toBe('token-1');
      const [line] = logger.matching(/^Retrying Keycloak token request after a transient failure$/);
      expect(line.meta).toEqual({
        clientId: 'boost-backend',
        code: 'TOKEN_ENDPOINT_HTTP_ERROR',
        status: 503,
        attempt: 1,
        delayMs: expect.any(Number) as number,
      });
      expect(line.meta?.delayMs).toBeLessThanOrEqual(100);
    });

    it('retries a transient failure without a logger', async () => {
      const { endpoint, clock, manager } = managerFixture({
        logger: undefined,
        retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 },
      });
      endpoint.reply([503, '']);
      const pending = manager.getToken();
      await clock.advance(1_000);
      await expect(pending).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
    });
  });

  describe('a failed background refresh', () => {
    /** 240 s usable tokens; refresh-ahead from 120 s on; the background refresh's reply is held. */
    async function refreshingInBackground() {
      const fixture = managerFixture({ refreshAhead: 0.5 });
      await fixture.manager.getToken();
      fixture.clock.set(fixture.clock.now() + 200_000);
      const held = fixture.endpoint.hold();
      expect(fixture.manager.getCachedToken()).toBe('token-1');
      expect(fixture.manager.isFetching).toBe(true);
      return { ...fixture, held };
    }

    it('warns that the current token stays in use, with the client, the code and the message', async () => {
      const { manager, logger, held } = await refreshingInBackground();
      held.resolve([401, { error: 'invalid_client' }]);
      await flushPromises();
      const lines = logger.matching(/^Background refresh of the Keycloak token failed/);
      expect(lines.map(line => [line.level, line.message])).toEqual([
        ['warn', 'Background refresh of the Keycloak token failed; the current token stays in use while it lasts'],
      ]);
      expect(lines[0].meta).toEqual({
        clientId: 'boost-backend',
        code: 'TOKEN_ENDPOINT_OAUTH_ERROR',
        error: expect.stringContaining('invalid_client (HTTP 401)') as string,
      });
      expect(manager.getCachedToken()).toBe('token-1');
    });

    it('without a logger, keeps the current token and leaves no unhandled rejection', async () => {
      const unhandled = trackUnhandledRejections();
      try {
        const { endpoint, clock, manager } = managerFixture({ refreshAhead: 0.5, logger: undefined });
        await manager.getToken();
        clock.set(clock.now() + 200_000);
        endpoint.reply([401, { error: 'invalid_client' }]);
        expect(manager.getCachedToken()).toBe('token-1');
        await flushPromises();
        expect(manager.isFetching).toBe(false);
        expect(manager.getCachedToken()).toBe('token-1');
        expect(unhandled.reasons).toEqual([]);
      } finally {
        unhandled.dispose();
      }
    });

    it('says nothing when close() ends the background refresh', async () => {
      const { manager, logger } = await refreshingInBackground();
      manager.close();
      await flushPromises();
      expect(logger.matching(/Background refresh/)).toHaveLength(0);
      expect(logger.at('warn')).toHaveLength(0);
    });
  });

  it('logs a token adopted from the store with how long it stays usable', async () => {
    const store = new MemoryTokenStore();
    const first = managerFixture({ tokenStore: store });
    await first.manager.getToken();
    const second = managerFixture({ tokenStore: store });
    second.clock.set(first.clock.now() + 40_000);
    await expect(second.manager.getToken()).resolves.toBe('token-1');
    const lines = second.logger.matching(/^Adopted the Keycloak token from the token store$/);
    expect(lines.map(line => line.meta)).toEqual([{ clientId: 'boost-backend', usableForMs: 200_000 }]);
  });
});
