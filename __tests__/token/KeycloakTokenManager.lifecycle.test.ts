import { KagentiAuthError, KeycloakTokenManager, ManagerClosedError, type KeycloakTokenManagerOptions } from '../../lib';
import { FakeClock, flushPromises } from '../helpers/FakeClock';
import { MemoryTokenStore } from '../helpers/MemoryTokenStore';
import { RecordingLogger } from '../helpers/RecordingLogger';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT, TokenEndpointMock, managerFixture } from '../helpers/tokenEndpointMock';

const valid = { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
const build = (options: unknown) => () => new KeycloakTokenManager(options as KeycloakTokenManagerOptions);

describe('KeycloakTokenManager lifecycle', () => {
  describe('construction errors', () => {
    it.each([
      ['null', null],
      ['a string', 'https://keycloak.test/token'],
      ['undefined', undefined],
    ])('rejects %s as options, asking for an options object', (_name, options) => {
      expect(build(options)).toThrow(new TypeError('KeycloakTokenManager options must be an object'));
    });

    it('says that tokenEndpoint must be a string when it is not', () => {
      expect(build({ ...valid, tokenEndpoint: 42 })).toThrow(new TypeError('tokenEndpoint must be a string'));
    });

    it.each([
      ['an empty clientId', ''],
      ['a non-string clientId', 7],
    ])('says that clientId must be a non-empty string for %s', (_name, clientId) => {
      expect(build({ ...valid, clientId })).toThrow(new TypeError('clientId must be a non-empty string'));
    });

    it.each([1, -0.1, Number.NaN, '0.5', true])('explains the accepted range for refreshAhead %p', refreshAhead => {
      expect(build({ ...valid, refreshAhead })).toThrow(
        new TypeError('refreshAhead must be a number from 0 (inclusive) to 1 (exclusive), or false'),
      );
    });

    it('names minLifetimeMs when getTokenForStreaming gets a bad one', async () => {
      const { manager } = managerFixture();
      await expect(manager.getTokenForStreaming(-1)).rejects.toThrow(
        new TypeError('minLifetimeMs must be a finite number of at least 0'),
      );
    });
  });

  describe('close()', () => {
    it('leaves getCachedToken with nothing to return', async () => {
      const { manager } = managerFixture();
      await manager.getToken();
      manager.close();
      expect(manager.getCachedToken()).toBeUndefined();
      expect(manager.cachedTokenUsableUntil).toBeUndefined();
    });

    it('rejects later calls with a ManagerClosedError that says the manager is closed, with its code', async () => {
      const { manager } = managerFixture();
      manager.close();
      const error: unknown = await manager.getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ManagerClosedError);
      expect(error).toBeInstanceOf(KagentiAuthError);
      expect(String(error)).toBe('ManagerClosedError: KeycloakTokenManager is closed');
      expect((error as ManagerClosedError).code).toBe('TOKEN_MANAGER_CLOSED');
    });
  });

  describe('invalidate() without a token', () => {
    it('reports that it dropped the cache, with or without a cached token', async () => {
      const { manager } = managerFixture();
      expect(manager.invalidate()).toBe(true);
      await manager.getToken();
      expect(manager.invalidate()).toBe(true);
      expect(manager.cachedTokenUsableUntil).toBeUndefined();
    });

    it('never adopts the dropped token back from a store whose delete failed', async () => {
      const store = new MemoryTokenStore();
      const { endpoint, manager } = managerFixture({ tokenStore: store });
      await expect(manager.getToken()).resolves.toBe('token-1');
      await flushPromises();
      store.failing.add('delete');
      manager.invalidate();
      await flushPromises();
      expect(store.entries.size).toBe(1);
      await expect(manager.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('keeps a fetch in flight from filling the cache, even when the manager closes as its token arrives', async () => {
      // A logger that closes the manager while the token response is being handled.
      const onFetched: { close?: () => void } = {};
      const logger = new RecordingLogger();
      const debug = logger.debug.bind(logger);
      logger.debug = (message, meta) => {
        debug(message, meta);
        if (message.startsWith('Fetched')) onFetched.close?.();
      };
      const { manager } = managerFixture({ logger });
      onFetched.close = () => manager.close();
      const pending = manager.getToken();
      manager.invalidate();
      await expect(pending).resolves.toBe('token-1');
      expect(logger.matching(/^Fetched/)).toHaveLength(1);
      expect(manager.cachedTokenUsableUntil).toBeUndefined();
      expect(manager.getCachedToken()).toBeUndefined();
    });
  });

  describe('a shared token store', () => {
    function twoScopes(first: string | undefined, second: string | undefined) {
      const clock = new FakeClock();
      const endpoint = new TokenEndpointMock();
      const store = new MemoryTokenStore();
      const make = (scope: string | undefined) =>
        new KeycloakTokenManager({
          ...valid,
          httpClient: endpoint.http,
          now: clock.now,
          timers: clock,
          retry: false,
          refreshAhead: false,
          tokenStore: store,
          ...(scope !== undefined ? { scope } : {}),
        });
      return { endpoint, store, a: make(first), b: make(second) };
    }

    it('is not shared between managers asking for different scopes', async () => {
      const { endpoint, a, b } = twoScopes('agents:read', 'agents:write');
      await expect(a.getToken()).resolves.toBe('token-1');
      await flushPromises();
      await expect(b.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('is not shared between a manager with a scope and one without', async () => {
      const { endpoint, a, b } = twoScopes(undefined, 'agents:read');
      await a.getToken();
      await flushPromises();
      await expect(b.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('is shared between managers asking for the same scope', async () => {
      const { endpoint, a, b } = twoScopes('agents:read', 'agents:read');
      await a.getToken();
      await flushPromises();
      await expect(b.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
    });
  });

  describe('refresh-ahead during a failure cool-down', () => {
    /** 240 s usable tokens, refresh-ahead from 120 s on, a 10 s cool-down after a permanent failure. */
    async function cooledDown() {
      const fixture = managerFixture({ refreshAhead: 0.5, failureCooldownMs: 10_000 });
      const { endpoint, clock, manager } = fixture;
      const start = clock.now();
      await manager.getToken();
      clock.set(start + 200_000);
      endpoint.reply([401, { error: 'invalid_client' }]);
      // The stream keeps the current token; the rejection is remembered until +210 s.
      await expect(manager.getTokenForStreaming(100_000)).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
      return { ...fixture, start };
    }

    it('starts no background refresh while the failure is remembered', async () => {
      const { endpoint, clock, manager, start } = await cooledDown();
      clock.set(start + 209_999);
      expect(manager.getCachedToken()).toBe('token-1');
      await expect(manager.getToken()).resolves.toBe('token-1');
      await flushPromises();
      expect(endpoint.count).toBe(2);
      expect(manager.isFetching).toBe(false);
    });

    it('starts the background refresh as soon as the cool-down ends', async () => {
      const { endpoint, clock, manager, start } = await cooledDown();
      clock.set(start + 210_000);
      expect(manager.getCachedToken()).toBe('token-1');
      expect(manager.isFetching).toBe(true);
      await flushPromises();
      expect(endpoint.count).toBe(3);
      expect(manager.getCachedToken()).toBe('token-2');
    });
  });

  describe('timers whose setTimeout returns no handle', () => {
    /** Timers as `Timers` allows them: `setTimeout` may return anything, `undefined` included. */
    function handleless() {
      const due: Array<() => void> = [];
      const timers = { setTimeout: (callback: () => void) => void due.push(callback), clearTimeout: () => undefined };
      return { timers, fire: () => due.splice(0).forEach(callback => callback()) };
    }
    const retrying = { retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 } };

    it('waits out a retry delay that a caller awaits', async () => {
      const { timers, fire } = handleless();
      const { endpoint, manager } = managerFixture({ ...retrying, timers });
      endpoint.reply([503]);
      const token = manager.getToken();
      await flushPromises();
      expect(endpoint.count).toBe(1);
      fire();
      await expect(token).resolves.toBe('token-1');
    });

    it('lets a caller join a background refresh that is waiting to retry', async () => {
      const { timers, fire } = handleless();
      const { endpoint, clock, manager } = managerFixture({ ...retrying, timers, refreshAhead: 0.5 });
      await manager.getToken();
      clock.set(clock.now() + 200_000);
      endpoint.reply([503]);
      expect(manager.getCachedToken()).toBe('token-1');
      await flushPromises();
      expect(endpoint.count).toBe(2);
      // The cached token is still usable, so a streaming call that needs more than it has left joins.
      const joined = manager.getTokenForStreaming(100_000);
      fire();
      await expect(joined).resolves.toBe('token-2');
    });
  });

  describe('which failures are remembered', () => {
    it('does not remember a failure of an unavailable clientSecret: the next call asks again at once', async () => {
      let calls = 0;
      const clientSecret = () => (++calls === 1 ? '' : CLIENT_SECRET);
      const { endpoint, manager } = managerFixture({ clientSecret });
      await expect(manager.getToken()).rejects.toMatchObject({ code: 'CLIENT_SECRET_UNAVAILABLE' });
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
    });

    it('does not remember a failure of an unavailable clientAssertion: the next call asks again at once', async () => {
      let calls = 0;
      const { endpoint, manager } = managerFixture({
        clientSecret: undefined,
        clientAuthentication: 'client_assertion',
        clientAssertion: () => (++calls === 1 ? '' : 'header.payload.signature'),
      });
      await expect(manager.getToken()).rejects.toMatchObject({ code: 'CLIENT_ASSERTION_UNAVAILABLE' });
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
    });

    it('does not remember a failure that is not a TokenRequestError', async () => {
      let draws = 0;
      const random = () => {
        if (++draws === 1) throw new RangeError('no randomness today');
        return 0.5;
      };
      const { endpoint, manager } = managerFixture({ retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 }, random });
      endpoint.reply([503]);
      await expect(manager.getToken()).rejects.toThrow(new RangeError('no randomness today'));
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
    });

    it('does not remember the failure of a fetch that an invalidate() disowned', async () => {
      const { endpoint, manager } = managerFixture();
      const held = endpoint.hold();
      const first = manager.getToken();
      await flushPromises();
      manager.invalidate();
      held.resolve([401, { error: 'invalid_client' }]);
      await expect(first).rejects.toMatchObject({ code: 'TOKEN_ENDPOINT_OAUTH_ERROR' });
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
    });

    it('does not hold a transient failure without Retry-After, even when the clock steps back', async () => {
      const { endpoint, clock, manager } = managerFixture();
      endpoint.reply([503]);
      await expect(manager.getToken()).rejects.toMatchObject({ code: 'TOKEN_ENDPOINT_HTTP_ERROR', status: 503 });
      clock.set(clock.now() - 1_000);
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(2);
    });
  });

  describe('which retry waits hold the process open', () => {
    /**
     * Timers whose handles record `ref()`, as Node's do; `handles` are the retry waits (50 ms with
     * the fixture's jitter; the request time limits are other timers), and `fire()` ends them.
     */
    function refRecording() {
      const handles: Array<{ ref: jest.Mock; unref: jest.Mock; callback: () => void; fired: boolean }> = [];
      const timers = {
        setTimeout: (callback: () => void, ms: number) => {
          const handle = { ref: jest.fn(), unref: jest.fn(), callback, fired: false };
          if (ms === 50) handles.push(handle);
          return handle;
        },
        clearTimeout: () => undefined,
      };
      const fire = async () => {
        await flushPromises();
        for (const handle of handles.filter(h => !h.fired)) {
          handle.fired = true;
          handle.callback();
        }
        await flushPromises();
      };
      return { timers, handles, fire };
    }
    const retrying = { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 100 } };

    it('refs the wait of a background refresh when a caller joins it, and every later wait of it', async () => {
      const { timers, handles, fire } = refRecording();
      const { endpoint, clock, manager } = managerFixture({ ...retrying, timers, refreshAhead: 0.5 });
      await manager.getToken();
      clock.set(clock.now() + 200_000);
      endpoint.reply([503], [503]);
      expect(manager.getCachedToken()).toBe('token-1');
      await flushPromises();
      expect(handles.map(h => h.ref.mock.calls.length)).toEqual([0]);
      const joined = manager.getTokenForStreaming(100_000);
      expect(handles.map(h => h.ref.mock.calls.length)).toEqual([1]);
      await fire();
      expect(handles.map(h => h.ref.mock.calls.length)).toEqual([1, 1]);
      await fire();
      await expect(joined).resolves.toBe('token-2');
      expect(endpoint.count).toBe(4);
    });

    it('refs the wait of a fetch someone awaits once, however many callers join it', async () => {
      const { timers, handles, fire } = refRecording();
      const { manager, endpoint } = managerFixture({ ...retrying, timers });
      endpoint.reply([503]);
      const first = manager.getToken();
      await flushPromises();
      const second = manager.getToken();
      const third = manager.getTokenForStreaming(1_000);
      expect(handles.map(h => h.ref.mock.calls.length)).toEqual([1]);
      await fire();
      await expect(Promise.all([first, second, third])).resolves.toEqual(['token-1', 'token-1', 'token-1']);
    });
  });
});
