import { runInThisContext } from 'node:vm';
import { TokenRequestError, type Timers } from '../../lib';
import { FakeClock, flushPromises } from '../helpers/FakeClock';
import { managerFixture, tokenBody } from '../helpers/tokenEndpointMock';

const settle = (promise: Promise<unknown>) =>
  promise.then(
    value => ({ value }),
    (error: unknown) => ({ error }),
  );

describe('KeycloakTokenManager failure policy', () => {
  describe('when a failure is transient', () => {
    it('retries 5xx with backoff and succeeds, one request per attempt shared by every waiter', async () => {
      const { endpoint, clock, manager } = managerFixture({
        retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 },
        random: () => 0.99,
      });
      endpoint.reply([500, ''], [502, ''], [200, tokenBody('recovered')]);
      const waiters = Array.from({ length: 20 }, () => manager.getToken());
      await flushPromises();
      expect(endpoint.count).toBe(1);
      await clock.advance(197); // first retry waits floor(0.99 × 200) = 198 ms
      expect(endpoint.count).toBe(1);
      await clock.advance(1);
      expect(endpoint.count).toBe(2);
      await clock.advance(396); // second retry: floor(0.99 × 400)
      await expect(Promise.all(waiters)).resolves.toEqual(Array(20).fill('recovered'));
      expect(endpoint.count).toBe(3);
    });

    it('uses full jitter: the delay is drawn from [0, ceiling)', async () => {
      const { endpoint, clock, manager } = managerFixture({
        retry: { maxAttempts: 2, baseDelayMs: 1_000, maxDelayMs: 5_000 },
        random: () => 0,
      });
      endpoint.reply([503, ''], [200, tokenBody('now')]);
      const pending = manager.getToken();
      await clock.advance(0);
      await expect(pending).resolves.toBe('now');
      expect(endpoint.count).toBe(2);
    });

    it('gives up after maxAttempts and hands every waiter the last error', async () => {
      const { endpoint, clock, manager } = managerFixture({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 } });
      endpoint.reply([500, ''], [500, ''], [503, ''], [200, tokenBody('too late')]);
      const a = settle(manager.getToken());
      const b = settle(manager.getToken());
      await clock.advance(1_000);
      const [ra, rb] = await Promise.all([a, b]);
      expect('error' in ra && ra.error).toBeInstanceOf(TokenRequestError);
      expect('error' in ra && (ra.error as TokenRequestError).status).toBe(503);
      expect('error' in rb && rb.error).toBe('error' in ra && ra.error);
      expect(endpoint.count).toBe(3);
    });

    it('waits as long as Retry-After asks when that is longer than the jitter', async () => {
      const { endpoint, clock, manager } = managerFixture({ retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 5_000 } });
      endpoint.reply([429, '', { 'retry-after': '2' }], [200, tokenBody('after-wait')]);
      const pending = manager.getToken();
      await clock.advance(1_999);
      expect(endpoint.count).toBe(1);
      await clock.advance(1);
      await expect(pending).resolves.toBe('after-wait');
    });

    it('does not wait out a Retry-After longer than maxDelayMs: it fails at once', async () => {
      const { endpoint, manager } = managerFixture({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 5_000 } });
      endpoint.reply([503, '', { 'retry-after': '120' }]);
      const error = await manager.getToken().catch((e: unknown) => e);
      expect((error as TokenRequestError).retryAfterMs).toBe(120_000);
      expect(endpoint.count).toBe(1);
    });

    it('honours a Retry-After it did not wait out: callers get the failure without a request until it passes', async () => {
      const { endpoint, clock, manager } = managerFixture({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 5_000 } });
      endpoint.reply([503, '', { 'retry-after': '120' }]);
      const first = await manager.getToken().catch((e: unknown) => e);
      clock.set(clock.now() + 119_999);
      await expect(manager.getToken()).rejects.toBe(first);
      expect(endpoint.count).toBe(1);
      clock.set(clock.now() + 1);
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
    });

    it('is not remembered: the next call tries again at once', async () => {
      const { endpoint, manager } = managerFixture();
      endpoint.reply([503, '']);
      await settle(manager.getToken());
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
    });
  });

  describe('when a failure is permanent', () => {
    it.each(['invalid_client', 'unauthorized_client', 'invalid_scope', 'unsupported_grant_type'])(
      '%s is not retried, and is re-thrown without a request until the cool-down ends',
      async error => {
        const { endpoint, clock, manager } = managerFixture({ retry: { maxAttempts: 3 }, failureCooldownMs: 5_000 });
        endpoint.reply([400, { error }]);
        const first = await settle(manager.getToken());
        expect(endpoint.count).toBe(1);
        clock.set(clock.now() + 4_999);
        const burst = await Promise.all(Array.from({ length: 10 }, () => settle(manager.getToken())));
        expect(burst.every(r => 'error' in r && 'error' in first && r.error === first.error)).toBe(true);
        expect(endpoint.count).toBe(1);
        clock.set(clock.now() + 1);
        await expect(manager.getToken()).resolves.toBe('token-1');
        expect(endpoint.count).toBe(2);
      },
    );

    it('unconditional invalidate() ends the cool-down (e.g. after fixing the secret)', async () => {
      const { endpoint, manager } = managerFixture({ failureCooldownMs: 60_000 });
      endpoint.reply([401, { error: 'invalid_client' }]);
      await settle(manager.getToken());
      manager.invalidate();
      await expect(manager.getToken()).resolves.toBe('token-1');
    });

    it('with failureCooldownMs 0, every call tries again', async () => {
      const { endpoint, manager } = managerFixture({ failureCooldownMs: 0 });
      endpoint.reply([401, { error: 'invalid_client' }]);
      await settle(manager.getToken());
      await expect(manager.getToken()).resolves.toBe('token-1');
    });
  });

  describe('refresh-ahead', () => {
    // 300 s tokens, 60 s buffer: usable 240 s; with 0.25, the window opens at 180 s.
    const options = { refreshAhead: 0.25, tokenExpiryBufferSeconds: 60 };

    it('serves the current token and starts one background refresh once the soft window opens', async () => {
      const { endpoint, clock, manager } = managerFixture(options);
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 179_999);
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);

      clock.set(start + 180_000);
      const held = endpoint.hold();
      const served = await Promise.all(Array.from({ length: 10 }, () => manager.getToken()));
      expect(served).toEqual(Array(10).fill('token-1'));
      expect(endpoint.count).toBe(2);
      held.resolve([200, tokenBody('token-next')]);
      await flushPromises();
      await expect(manager.getToken()).resolves.toBe('token-next');
      expect(endpoint.count).toBe(2);
    });

    it('keeps serving the current token when the background refresh fails, retrying no sooner than 2 s later', async () => {
      const { endpoint, clock, logger, manager } = managerFixture(options);
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 200_000);
      endpoint.reply([503, '']);
      await expect(manager.getToken()).resolves.toBe('token-1');
      await flushPromises();
      expect(logger.at('warn').some(line => /Background refresh/.test(line.message))).toBe(true);
      clock.set(start + 201_999);
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
      clock.set(start + 202_000);
      await expect(manager.getToken()).resolves.toBe('token-1');
      await flushPromises();
      expect(endpoint.count).toBe(3);
      await expect(manager.getToken()).resolves.toBe('token-2');
    });

    it.each([
      [0.15, 0],
      [false, 8], // the control: without refresh-ahead, one caller in 240 s waits
    ] as const)(
      'with refreshAhead %s, %i callers in 2 000 s of steady traffic wait on the token endpoint',
      async (refreshAhead, expected) => {
        const { clock, manager } = managerFixture({ ...options, refreshAhead });
        await manager.getToken();
        let waited = 0;
        for (let step = 0; step < 2_000; step++) {
          await clock.advance(1_000);
          const usableUntil = manager.cachedTokenUsableUntil;
          if (usableUntil === undefined || clock.now() >= usableUntil) waited++;
          await manager.getToken();
        }
        expect(waited).toBe(expected);
      },
    );

    it('does not start background refreshes when turned off', async () => {
      const { endpoint, clock, manager } = managerFixture({ ...options, refreshAhead: false });
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 239_000);
      await manager.getToken();
      await flushPromises();
      expect(endpoint.count).toBe(1);
    });
  });

  describe('cancellation', () => {
    it('releases an aborted caller at once with the abort reason; the shared fetch goes on for others', async () => {
      const { endpoint, manager } = managerFixture();
      const held = endpoint.hold();
      const controller = new AbortController();
      const leaving = settle(manager.getToken({ signal: controller.signal }));
      const staying = manager.getToken();
      await flushPromises();
      controller.abort(new Error('user went away'));
      const left = await leaving;
      expect('error' in left && (left.error as Error).message).toBe('user went away');
      held.resolve([200, tokenBody('kept')]);
      await expect(staying).resolves.toBe('kept');
      expect(endpoint.count).toBe(1);
    });

    it('rejects at once for an already-aborted signal, sending nothing', async () => {
      const { endpoint, manager } = managerFixture();
      const controller = new AbortController();
      controller.abort();
      await expect(manager.getToken({ signal: controller.signal })).rejects.toBeDefined();
      expect(endpoint.count).toBe(0);
    });

    it('leaves no rejection unhandled when every waiter has left a fetch that then fails', async () => {
      // Jest gives each file a copy of `process` that never hears this event; listen on the real one.
      const realProcess = runInThisContext('process') as NodeJS.Process;
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      realProcess.on('unhandledRejection', onUnhandled);
      try {
        const { endpoint, manager } = managerFixture();
        const held = endpoint.hold();
        const controller = new AbortController();
        const leaving = settle(manager.getToken({ signal: controller.signal }));
        await flushPromises();
        controller.abort();
        await leaving;
        held.resolve([500, '']);
        await flushPromises();
        expect(manager.isFetching).toBe(false);
      } finally {
        await flushPromises();
        realProcess.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).toEqual([]);
    });
  });

  describe('close()', () => {
    it('aborts the token request in flight and any retry wait, and later calls reject', async () => {
      const { endpoint, clock, manager } = managerFixture({ retry: { maxAttempts: 5, baseDelayMs: 1_000 } });
      endpoint.reply([503, '']);
      const pending = settle(manager.getToken());
      await flushPromises();
      expect(clock.pendingTimers).toBeGreaterThan(0); // the retry wait
      manager.close();
      const outcome = await pending;
      expect('error' in outcome && (outcome.error as Error).message).toMatch(/closed/);
      expect(clock.pendingTimers).toBe(0);
      await expect(manager.getToken()).rejects.toThrow(/closed/);
      await clock.advance(10_000);
      expect(endpoint.count).toBe(1);
      expect(manager.isFetching).toBe(false);
    });

    it('in the same turn as the time limit of a request: gives the timeout and neither plans nor logs a retry', async () => {
      const clock = new FakeClock();
      let atTimeLimit = (): void => undefined;
      // The request's time limit (10 s) fires, and close() follows before anything else runs.
      const timers: Timers = {
        setTimeout: (callback, ms) =>
          clock.setTimeout(() => {
            callback();
            if (ms === 10_000) atTimeLimit();
          }, ms),
        clearTimeout: handle => clock.clearTimeout(handle),
      };
      const { endpoint, logger, manager } = managerFixture({
        now: clock.now,
        timers,
        timeoutMs: 10_000,
        retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 100 },
      });
      atTimeLimit = () => manager.close();
      endpoint.hold(); // never answered
      const pending = settle(manager.getToken());
      await clock.advance(10_000);
      const outcome = await pending;
      expect('error' in outcome && outcome.error).toMatchObject({ code: 'TOKEN_ENDPOINT_TIMEOUT' });
      expect(logger.matching(/^Retrying/)).toEqual([]);
      expect(clock.pendingTimers).toBe(0);
      expect(endpoint.count).toBe(1);
    });
  });
});
