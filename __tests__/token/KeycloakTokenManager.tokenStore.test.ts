import { CacheManager } from '@backstage/backend-defaults/cache';
import { mockServices } from '@backstage/backend-test-utils';
import { KeycloakTokenManager, ManagerClosedError, type TokenStore } from '../../lib';
import { TokenSealer } from '../../lib/store/TokenSealer';
import { flushPromises } from '../helpers/FakeClock';
import { fleet, USABLE_MS } from '../helpers/tokenStoreFleet';
import { findLeak, secretForms } from '../helpers/secretScan';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT, TokenEndpointMock, deferred, tokenBody } from '../helpers/tokenEndpointMock';

const binding = { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID };

describe('KeycloakTokenManager with a tokenStore', () => {
  describe('when the process has no usable token', () => {
    it('adopts a usable stored token without a token request', async () => {
      const { clock, endpoint, replica, plant } = fleet();
      plant('shared-token', clock.now() + 100_000);
      await expect(replica().getToken()).resolves.toBe('shared-token');
      expect(endpoint.count).toBe(0);
    });

    it('keeps the expiry counted from the original send time, on both sides of it', async () => {
      const { clock, endpoint, replica } = fleet();
      const first = replica();
      await first.getToken();
      const sentAt = clock.now();
      await clock.advance(100_000);
      const second = replica();
      await expect(second.getToken()).resolves.toBe('token-1');
      expect(second.cachedTokenUsableUntil).toBe(sentAt + USABLE_MS);
      clock.set(sentAt + USABLE_MS - 1);
      expect(second.getCachedToken()).toBe('token-1');
      clock.set(sentAt + USABLE_MS);
      expect(second.getCachedToken()).toBeUndefined();
      expect(endpoint.count).toBe(1);
    });

    it('fetches when the stored token is no longer usable, and not when it has 1 ms left', async () => {
      const { clock, endpoint, replica, plant } = fleet();
      plant('expired', clock.now());
      await expect(replica().getToken()).resolves.toBe('token-1');
      plant('last-ms', clock.now() + 1);
      await expect(replica().getToken()).resolves.toBe('last-ms');
      expect(endpoint.count).toBe(1);
    });

    it('writes a fetched token, sealed, with a TTL equal to its remaining usable life', async () => {
      const { store, replica, stored } = fleet();
      await replica().getToken();
      expect(store.calls.filter(call => call.op === 'set')).toEqual([{ op: 'set', key: store.onlyKey, ttl: USABLE_MS }]);
      expect(stored()).toMatchObject({ accessToken: 'token-1', usableLifetimeMs: USABLE_MS });
    });

    it('shares one store read and one token request among concurrent callers', async () => {
      const { endpoint, store, replica } = fleet();
      const manager = replica();
      const tokens = await Promise.all(Array.from({ length: 20 }, () => manager.getToken()));
      expect(new Set(tokens)).toEqual(new Set(['token-1']));
      expect(store.count('get')).toBe(1);
      expect(endpoint.count).toBe(1);
    });

    it('does not adopt a stored token too short for a stream, and fetches one', async () => {
      const { clock, endpoint, replica, plant } = fleet();
      plant('short', clock.now() + 60_000);
      await expect(replica().getTokenForStreaming(120_000)).resolves.toBe('token-1');
      plant('long-enough', clock.now() + 120_001);
      await expect(replica().getTokenForStreaming(120_000)).resolves.toBe('long-enough');
      expect(endpoint.count).toBe(1);
    });
  });

  describe('when the process holds a usable token', () => {
    it('never touches the store', async () => {
      const { clock, store, replica } = fleet();
      const manager = replica();
      await manager.getToken();
      const calls = store.calls.length;
      for (let i = 0; i < 50; i++) {
        await manager.getToken();
        manager.getCachedToken();
        await manager.getTokenForStreaming(1_000);
        await clock.advance(1_000);
      }
      expect(store.calls.length).toBe(calls);
    });
  });

  describe('refresh-ahead', () => {
    // Window: the last 15 % of 240 s = 36 s; a random r starts it at usableUntil − 36 s × (1 − 0.75 r).
    const refreshing = (random: number) => ({ refreshAhead: 0.15, random: () => random });

    it('starts at a random point of the window, on both sides of it', async () => {
      const { clock, endpoint, replica } = fleet(refreshing(0.5));
      const manager = replica();
      await manager.getToken();
      const start = clock.now() + USABLE_MS - 36_000 * (1 - 0.375);
      clock.set(start - 1);
      await manager.getToken();
      await flushPromises();
      expect(endpoint.count).toBe(1);
      clock.set(start);
      await manager.getToken();
      await flushPromises();
      expect(endpoint.count).toBe(2);
    });

    it('adopts the token another replica already refreshed, without a request', async () => {
      const { clock, endpoint, replica } = fleet();
      const early = replica(refreshing(0));
      const late = replica(refreshing(1));
      await early.getToken();
      await expect(late.getToken()).resolves.toBe('token-1');
      clock.set(clock.now() + USABLE_MS - 36_000);
      await early.getToken();
      await flushPromises();
      expect(endpoint.count).toBe(2);
      clock.set(clock.now() + 27_000);
      await expect(late.getToken()).resolves.toBe('token-1');
      await flushPromises();
      await expect(late.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('fetches when the store holds only the token it already has', async () => {
      const { clock, endpoint, replica, stored } = fleet(refreshing(0));
      const manager = replica();
      await manager.getToken();
      clock.set(clock.now() + USABLE_MS - 36_000);
      await manager.getToken();
      await flushPromises();
      await expect(manager.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
      expect(stored()?.accessToken).toBe('token-2');
    });
  });

  describe('when a token is rejected (invalidate(token))', () => {
    it('deletes the entry holding that token, so the fleet refetches about once', async () => {
      const { clock, endpoint, replica, stored } = fleet();
      const [a, b, c] = [replica(), replica(), replica()];
      await a.getToken();
      await b.getToken();
      await c.getToken();
      expect(endpoint.count).toBe(1);
      // The revocation comes after the replicas took the token in (not in the same ms).
      await clock.advance(1);
      a.invalidate('token-1');
      await flushPromises();
      expect(stored()).toBeUndefined();
      await expect(a.getToken()).resolves.toBe('token-2');
      b.invalidate('token-1');
      c.invalidate('token-1');
      await expect(b.getToken()).resolves.toBe('token-2');
      await expect(c.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
      expect(stored()?.accessToken).toBe('token-2');
    });

    it('never adopts the rejected token, even when the store still holds it', async () => {
      const { endpoint, store, replica, plant, clock } = fleet();
      const manager = replica();
      plant('revoked', clock.now() + 100_000);
      await expect(manager.getToken()).resolves.toBe('revoked');
      store.failing.add('delete');
      manager.invalidate('revoked');
      await expect(manager.getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
    });

    it('leaves a newer stored token alone and adopts it', async () => {
      const { clock, endpoint, replica, plant, stored } = fleet();
      const manager = replica();
      await manager.getToken();
      plant('newer', clock.now() + 200_000 + USABLE_MS);
      manager.invalidate('token-1');
      await flushPromises();
      expect(stored()?.accessToken).toBe('newer');
      await expect(manager.getToken()).resolves.toBe('newer');
      expect(endpoint.count).toBe(1);
    });

    it('asks the store once for many rejections of the same token', async () => {
      const { store, replica } = fleet();
      const manager = replica();
      await manager.getToken();
      const gets = store.count('get');
      for (let i = 0; i < 10; i++) manager.invalidate('token-1');
      await flushPromises();
      expect(store.count('get') - gets).toBe(1);
    });
  });

  describe('invalidate() without a token', () => {
    it('deletes the entry and fetches a new token', async () => {
      const { endpoint, store, replica, stored } = fleet();
      const manager = replica();
      await manager.getToken();
      manager.invalidate();
      await flushPromises();
      expect(store.count('delete')).toBe(1);
      expect(stored()).toBeUndefined();
      await expect(manager.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
    });

    it('does not let a fetch it detached write the store', async () => {
      const { endpoint, store, replica } = fleet();
      const manager = replica();
      const held = endpoint.hold();
      const pending = manager.getToken();
      await flushPromises();
      manager.invalidate();
      held.resolve([200, tokenBody('detached')]);
      await expect(pending).resolves.toBe('detached');
      await flushPromises();
      expect(store.count('set')).toBe(0);
    });
  });

  describe('when the store misbehaves', () => {
    it('fetches when get rejects, and warns once', async () => {
      const { endpoint, store, logger, replica } = fleet();
      store.failing.add('get');
      const manager = replica();
      await expect(manager.getToken()).resolves.toBe('token-1');
      manager.invalidate();
      await expect(manager.getToken()).resolves.toBe('token-2');
      expect(endpoint.count).toBe(2);
      expect(logger.matching(/^Token store read failed/)).toHaveLength(1);
    });

    it('sends the token request exactly tokenStoreTimeoutMs after a get that hangs', async () => {
      const { clock, endpoint, store, replica } = fleet({ tokenStoreTimeoutMs: 250 });
      store.hanging.add('get');
      const pending = replica().getToken();
      await clock.advance(249);
      expect(endpoint.count).toBe(0);
      await clock.advance(1);
      expect(endpoint.count).toBe(1);
      await expect(pending).resolves.toBe('token-1');
    });

    it('returns the fetched token when set or delete reject or hang', async () => {
      for (const misbehave of ['failing', 'hanging'] as const) {
        const { clock, store, replica } = fleet();
        store[misbehave].add('set').add('delete');
        const manager = replica();
        await expect(manager.getToken()).resolves.toBe('token-1');
        manager.invalidate('token-1');
        manager.invalidate();
        await clock.advance(250);
        await expect(manager.getToken()).resolves.toBe('token-2');
      }
    });

    it.each([
      ['garbage', 'not a sealed entry'],
      ['another version', { v: 2, iv: 'AAAAAAAAAAAAAAAA', box: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ])('treats %s as a miss', async (_name, value) => {
      const { endpoint, store, sealer, replica, stored } = fleet();
      store.entries.set(sealer.keyName, value);
      await expect(replica().getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
      expect(stored()?.accessToken).toBe('token-1');
    });

    it('treats a tampered entry as a miss', async () => {
      const { clock, endpoint, store, sealer, replica, plant } = fleet();
      plant('genuine', clock.now() + 100_000);
      const entry = store.entries.get(sealer.keyName) as { box: string };
      const box = Buffer.from(entry.box, 'base64url');
      box[0] = box[0] ^ 0x80;
      store.entries.set(sealer.keyName, { ...entry, box: box.toString('base64url') });
      await expect(replica().getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
    });

    it('misses the entries of a rotated secret and writes its own', async () => {
      const { clock, endpoint, store, replica, plant } = fleet();
      plant('sealed-with-the-old-secret', clock.now() + 100_000);
      await expect(replica({ clientSecret: () => 'rotated-secret' }).getToken()).resolves.toBe('token-1');
      expect(endpoint.count).toBe(1);
      expect(
        new TokenSealer('rotated-secret', binding).open(store.entries.get(new TokenSealer('rotated-secret', binding).keyName)),
      ).toMatchObject({
        accessToken: 'token-1',
      });
    });
  });

  it('ends a wait on the store at close(): the caller gets ManagerClosedError, not the stored token, and nothing is sent', async () => {
    const { clock, endpoint, store, replica, plant } = fleet();
    plant('shared-token', clock.now() + 100_000);
    const gate = deferred<void>();
    const get = store.get.bind(store);
    store.get = async (key: string) => {
      await gate.promise;
      return get(key);
    };
    const manager = replica();
    const pending = manager.getToken();
    await flushPromises();
    manager.close();
    gate.resolve();
    await expect(pending).rejects.toBeInstanceOf(ManagerClosedError);
    expect(endpoint.count).toBe(0);
  });

  it('seals with tokenStoreSecret when given, not with the client secret', async () => {
    const { store, replica } = fleet();
    await replica({ tokenStoreSecret: 'fleet-sealing-secret' }).getToken();
    const own = new TokenSealer('fleet-sealing-secret', binding);
    expect(own.open(store.entries.get(own.keyName))?.accessToken).toBe('token-1');
    expect(store.entries.has(new TokenSealer(CLIENT_SECRET, binding).keyName)).toBe(false);
  });

  it('stores and logs no token and no secret in any form', async () => {
    const { store, logger, replica } = fleet({ refreshAhead: 0.15 });
    const manager = replica();
    const token = await manager.getToken();
    manager.invalidate(token);
    await manager.getToken();
    await flushPromises();
    const everything = JSON.stringify([...store.entries]) + JSON.stringify(store.calls) + logger.text();
    expect(findLeak(everything, [...secretForms(CLIENT_ID, CLIENT_SECRET), 'token-1', 'token-2'])).toBeUndefined();
    expect(JSON.stringify([...store.entries.keys()])).not.toContain(CLIENT_ID);
  });

  it('refuses a tokenStore without the store methods, and a bad timeout', () => {
    const { replica } = fleet();
    expect(() => replica({ tokenStore: {} as TokenStore })).toThrow(
      new TypeError('tokenStore must have get, set and delete methods (a Backstage CacheService works as is)'),
    );
    expect(() => replica({ tokenStoreTimeoutMs: -1 })).toThrow(
      new TypeError('tokenStoreTimeoutMs must be a finite number of at least 1'),
    );
  });

  it('takes tokenStore from fromConfig options', async () => {
    const { clock, endpoint, store, plant } = fleet();
    plant('from-the-store', clock.now() + 100_000);
    const manager = KeycloakTokenManager.fromConfig(
      { boost: { kagenti: { auth: { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } } } },
      { httpClient: endpoint.http, tokenStore: store, now: clock.now, timers: clock },
    );
    await expect(manager?.getToken()).resolves.toBe('from-the-store');
    expect(endpoint.count).toBe(0);
  });

  it("takes Backstage's real CacheService as is", async () => {
    const config = mockServices.rootConfig({ data: {} });
    const cache = CacheManager.fromConfig(config).forPlugin('kagenti');
    const endpoint = new TokenEndpointMock();
    const options = {
      tokenEndpoint: TOKEN_ENDPOINT,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      httpClient: endpoint.http,
    };
    const first = new KeycloakTokenManager({ ...options, tokenStore: cache });
    const second = new KeycloakTokenManager({ ...options, tokenStore: cache });
    await expect(first.getToken()).resolves.toBe('token-1');
    // The write is not awaited by getToken; the cache answers on the next turns.
    await flushPromises();
    await expect(second.getToken()).resolves.toBe('token-1');
    expect(endpoint.count).toBe(1);
    first.close();
    second.close();
  });
});
