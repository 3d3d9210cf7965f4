import { TELEMETRY_NAMES } from '../../lib';
import { TelemetryHarness } from '../helpers/TelemetryHarness';
import { managerFixture, tokenBody } from '../helpers/tokenEndpointMock';

const { tokenLookups } = TELEMETRY_NAMES;

/** Default fixture: 60 s buffer, so a 300 s token is usable for 240 s. */
const USABLE_MS = 240_000;

function streamWarnings(logger: ReturnType<typeof managerFixture>['logger']) {
  return logger.at('warn').filter(line => /asked for a stream/.test(line.message));
}

describe('KeycloakTokenManager.getTokenForStreaming', () => {
  describe('with a cached token', () => {
    it('serves the cached token when it has exactly the minimum lifetime left', async () => {
      const { endpoint, clock, manager } = managerFixture();
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 40_000); // 200 s of usable life left
      await expect(manager.getTokenForStreaming(200_000)).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
    });

    it('fetches a fresh token when one would have exactly the minimum lifetime, without a warning', async () => {
      const { endpoint, clock, logger, manager } = managerFixture();
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 40_000); // 200 s left, more than half of a fresh token's 240 s
      await expect(manager.getTokenForStreaming(USABLE_MS)).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
      expect(streamWarnings(logger)).toHaveLength(0);
    });

    it('fetches a fresh long-lived token even when the cached one still has over half its life left', async () => {
      const { endpoint, clock, logger, manager } = managerFixture();
      const start = clock.now();
      endpoint.reply([200, tokenBody('old', 3600)], [200, tokenBody('new', 3600)]);
      await manager.getToken();
      // Usable for 3540 s; at +1740 s, 1800 s are left: short of 2000 s, but over half of 3540 s.
      clock.set(start + 1_740_000);
      await expect(manager.getTokenForStreaming(2_000_000)).resolves.toBe('new');
      expect(endpoint.count).toBe(2);
      expect(streamWarnings(logger)).toHaveLength(0);
    });

    it('keeps the cached token, and warns once, when no fresh token would meet the minimum', async () => {
      const { endpoint, clock, logger, manager } = managerFixture();
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 100_000); // 140 s left, over half of a fresh token's 240 s
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('token-1');
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
      const warnings = streamWarnings(logger);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toContain('usable for 240 s, less than the 300 s asked for a stream');
    });
  });

  describe('with bestEffort (a preferred minimum, such as the Kagenti client default)', () => {
    it('serves the cached token, without a warning or a fetch, when no fresh token would meet the minimum', async () => {
      const { endpoint, clock, logger, manager } = managerFixture();
      const start = clock.now();
      await manager.getToken();
      clock.set(start + USABLE_MS - 1); // 1 ms left: the plain rule would fetch
      await expect(manager.getTokenForStreaming(300_000, { bestEffort: true })).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
      expect(streamWarnings(logger)).toEqual([]);
    });

    it('still fetches when a fresh token would meet the minimum and the cached one falls short', async () => {
      const { endpoint, clock, manager } = managerFixture();
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 40_001); // 199 999 ms left
      await expect(manager.getTokenForStreaming(200_000, { bestEffort: true })).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('does not warn about a freshly fetched token that falls short', async () => {
      const { logger, manager } = managerFixture();
      await expect(manager.getTokenForStreaming(300_000, { bestEffort: true })).resolves.toBe('token-1');
      expect(streamWarnings(logger)).toEqual([]);
    });
  });

  describe('with a freshly fetched token', () => {
    it('warns once, naming both lifetimes, when the fresh token falls short of the minimum', async () => {
      const { manager, logger } = managerFixture();
      await expect(manager.getTokenForStreaming(USABLE_MS + 1_000)).resolves.toBe('token-1');
      const warnings = streamWarnings(logger);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toContain('usable for 240 s, less than the 241 s asked for a stream');
      expect(warnings[0].meta).toEqual({ clientId: 'boost-backend' });
    });

    it('does not warn when the fresh token lives exactly the minimum or longer', async () => {
      const { manager, logger } = managerFixture();
      await expect(manager.getTokenForStreaming(USABLE_MS)).resolves.toBe('token-1');
      expect(streamWarnings(logger)).toHaveLength(0);
    });
  });

  describe('when fetching a longer-lived token fails', () => {
    it('logs the fallback with the client id, error code and the current token’s remaining time', async () => {
      const { endpoint, clock, logger, manager } = managerFixture();
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 200_000); // 40 s left
      endpoint.reply([503, '']);
      await expect(manager.getTokenForStreaming(100_000)).resolves.toBe('token-1');
      const [line] = logger.matching(/longer-lived/);
      expect(line.level).toBe('warn');
      expect(line.meta).toEqual({ clientId: 'boost-backend', code: 'TOKEN_ENDPOINT_HTTP_ERROR', remainingMs: 40_000 });
    });

    it('falls back to the current token without a logger', async () => {
      const { endpoint, clock, manager } = managerFixture({ logger: undefined });
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 200_000);
      endpoint.reply([503, '']);
      await expect(manager.getTokenForStreaming(100_000)).resolves.toBe('token-1');
    });

    it('rejects with the endpoint error when there is no token to fall back on', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([503, '']);
      await expect(manager.getTokenForStreaming(100_000)).rejects.toMatchObject({ code: 'TOKEN_ENDPOINT_HTTP_ERROR' });
    });
  });

  describe('telemetry', () => {
    let harness: TelemetryHarness;
    beforeEach(() => {
      harness = new TelemetryHarness().registerGlobally();
    });
    afterEach(async () => {
      await harness.shutdown();
    });
    const fixture = (options: Parameters<typeof managerFixture>[0] = {}) =>
      managerFixture({ meter: harness.meter, tracer: harness.tracer, ...options });

    it('counts a failed fetch with nothing to fall back on as a failed lookup', async () => {
      const { endpoint, manager } = fixture();
      endpoint.reply([503, '']);
      await expect(manager.getTokenForStreaming(100_000)).rejects.toThrow();
      expect(await harness.count(tokenLookups, { source: 'failed' })).toBe(1);
      expect(await harness.count(tokenLookups)).toBe(1);
    });

    it('counts a failed fetch as failed when the caller aborted, even with a usable token', async () => {
      const { endpoint, clock, manager } = fixture();
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 200_000);
      const reply = endpoint.hold();
      const controller = new AbortController();
      const stream = manager.getTokenForStreaming(100_000, { signal: controller.signal });
      controller.abort(new Error('caller gave up'));
      await expect(stream).rejects.toThrow('caller gave up');
      reply.resolve([503, '']);
      expect(await harness.count(tokenLookups, { source: 'failed' })).toBe(1);
      expect(await harness.count(tokenLookups, { source: 'memory' })).toBe(0);
    });

    it('counts the cached token kept because no fresh one would meet the minimum as a memory lookup', async () => {
      const { clock, manager } = fixture();
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 100_000); // 140 s left, over half of 240 s
      await expect(manager.getTokenForStreaming(300_000)).resolves.toBe('token-1');
      expect(await harness.count(tokenLookups, { source: 'memory' })).toBe(1);
    });
  });
});
