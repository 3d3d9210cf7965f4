import { SharedTokenStore, TOKEN_STORE_WARN_INTERVAL_MS } from '../../lib/store/SharedTokenStore';
import { TokenSealer } from '../../lib/store/TokenSealer';
import type { TokenStoreSecret } from '../../lib';
import { FakeClock, flushPromises } from '../helpers/FakeClock';
import { MemoryTokenStore } from '../helpers/MemoryTokenStore';
import { RecordingLogger } from '../helpers/RecordingLogger';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';
import { findLeak, secretForms } from '../helpers/secretScan';

const binding = { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID };
const ACCESS_TOKEN = 'stored-access-token-1';

function fixture(options: { secret?: TokenStoreSecret; timeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const store = new MemoryTokenStore();
  const logger = new RecordingLogger();
  const shared = new SharedTokenStore({
    store,
    secret: options.secret ?? CLIENT_SECRET,
    binding,
    timers: clock,
    now: clock.now,
    logger,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const token = { accessToken: ACCESS_TOKEN, usableUntil: clock.now() + 240_000, usableLifetimeMs: 240_000 };
  const sealer = new TokenSealer(CLIENT_SECRET, binding);
  return { clock, store, logger, shared, token, sealer };
}

/** Settles `promise` while the clock moves by `ms`, and says whether it had settled by then. */
async function settledWithin<T>(clock: FakeClock, promise: Promise<T>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await clock.advance(ms);
  await flushPromises();
  return settled;
}

describe('SharedTokenStore', () => {
  it('writes the sealed token under the hashed key for its remaining usable life', async () => {
    const { clock, store, shared, token, sealer } = fixture();
    await clock.advance(40_000);
    await shared.write(token);
    expect(store.calls).toEqual([{ op: 'set', key: sealer.keyName, ttl: 200_000 }]);
    expect(sealer.open(store.entries.get(sealer.keyName))).toEqual(token);
    expect(JSON.stringify([...store.entries])).not.toContain(ACCESS_TOKEN);
  });

  it('does not write a token with less than 1 ms of usable life left', async () => {
    const { clock, store, shared, token } = fixture();
    clock.set(token.usableUntil - 1);
    await shared.write(token);
    expect(store.calls).toEqual([{ op: 'set', key: expect.any(String), ttl: 1 }]);
    clock.set(token.usableUntil);
    await shared.write(token);
    expect(store.count('set')).toBe(1);
  });

  it('reads back what it wrote', async () => {
    const { shared, token } = fixture();
    await shared.write(token);
    await expect(shared.read()).resolves.toEqual(token);
  });

  it('reads nothing from an empty store', async () => {
    const { shared } = fixture();
    await expect(shared.read()).resolves.toBeUndefined();
  });

  it('treats an entry that does not open as a miss, without a warning', async () => {
    const { store, shared, sealer, logger } = fixture();
    store.entries.set(sealer.keyName, { v: 1, iv: 'garbage', box: 'garbage' });
    await expect(shared.read()).resolves.toBeUndefined();
    expect(logger.at('warn')).toEqual([]);
  });

  it('deletes the entry only while it still holds the given token', async () => {
    const { store, shared, token, sealer } = fixture();
    await shared.write(token);
    await shared.deleteIf('another-token');
    expect(store.entries.has(sealer.keyName)).toBe(true);
    await shared.deleteIf(ACCESS_TOKEN);
    expect(store.entries.has(sealer.keyName)).toBe(false);
  });

  it('reads only after the delete it sent before, so that the delete cannot remove what comes next', async () => {
    const { store, shared, token } = fixture();
    await shared.write(token);
    let finishDelete!: () => void;
    const realDelete = store.delete.bind(store);
    store.delete = async key => {
      await new Promise<void>(resolve => (finishDelete = resolve));
      await realDelete(key);
    };
    const deleting = shared.deleteIf(ACCESS_TOKEN);
    const read = shared.read();
    await flushPromises();
    // deleteIf's own get; the read has not asked yet.
    expect(store.calls.map(call => call.op)).toEqual(['set', 'get']);
    finishDelete();
    await deleting;
    await expect(read).resolves.toBeUndefined();
    expect(store.calls.map(call => call.op)).toEqual(['set', 'get', 'delete', 'get']);
  });

  it('clears the entry whatever it holds', async () => {
    const { store, shared, sealer } = fixture();
    store.entries.set(sealer.keyName, 'anything');
    await shared.clear();
    expect(store.entries.has(sealer.keyName)).toBe(false);
  });

  it('calls a secret function per operation, so a rotated secret reads and writes a key of its own', async () => {
    let secret = CLIENT_SECRET;
    const { store, shared, token, sealer } = fixture({ secret: () => secret });
    await shared.write(token);
    secret = 'rotated-secret';
    await expect(shared.read()).resolves.toBeUndefined();
    await shared.write({ ...token, accessToken: 'after-rotation' });
    expect([...store.entries.keys()]).toEqual([sealer.keyName, new TokenSealer('rotated-secret', binding).keyName]);
  });

  describe('when the store hangs', () => {
    it('gives up on a read after tokenStoreTimeoutMs, not before', async () => {
      const { clock, store, shared } = fixture({ timeoutMs: 250 });
      store.hanging.add('get');
      const read = shared.read();
      expect(await settledWithin(clock, read, 249)).toBe(false);
      expect(await settledWithin(clock, read, 1)).toBe(true);
      await expect(read).resolves.toBeUndefined();
    });

    it.each(['write', 'deleteIf', 'clear'] as const)('bounds %s by the same timeout', async method => {
      const { clock, store, shared, token } = fixture({ timeoutMs: 100 });
      store.hanging.add('set').add('get').add('delete');
      const call =
        method === 'write' ? shared.write(token) : method === 'deleteIf' ? shared.deleteIf(ACCESS_TOKEN) : shared.clear();
      expect(await settledWithin(clock, call, 99)).toBe(false);
      expect(await settledWithin(clock, call, 1)).toBe(true);
    });

    it('bounds a secret function that never answers', async () => {
      const { clock, shared } = fixture({ secret: () => new Promise<string>(() => undefined) });
      const read = shared.read();
      expect(await settledWithin(clock, read, 250)).toBe(true);
      await expect(read).resolves.toBeUndefined();
    });
  });

  describe('when the store fails', () => {
    it.each(['get', 'set', 'delete'] as const)('turns a rejected %s into a miss', async op => {
      const { store, shared, token } = fixture();
      store.failing.add(op);
      await expect(shared.read()).resolves.toBeUndefined();
      await expect(shared.write(token)).resolves.toBeUndefined();
      await expect(shared.clear()).resolves.toBeUndefined();
    });

    it('warns at most once a minute, naming the operation and the cache, with no token or secret', async () => {
      const { clock, store, shared, token, logger } = fixture();
      store.failing.add('get').add('set');
      await shared.read();
      await shared.write(token);
      await clock.advance(TOKEN_STORE_WARN_INTERVAL_MS - 1);
      await shared.read();
      expect(logger.at('warn')).toHaveLength(1);
      expect(logger.at('warn')[0].message).toBe(
        'Token store read failed (Error); this replica uses its own token requests meanwhile. Check the cache (backend.cache).',
      );
      await clock.advance(1);
      await shared.write(token);
      expect(logger.at('warn').map(line => line.meta?.operation)).toEqual(['read', 'write']);
      expect(findLeak(logger.text(), [...secretForms(CLIENT_ID, CLIENT_SECRET), ACCESS_TOKEN])).toBeUndefined();
    });

    it('keeps the store error message out of the log (it could quote what it was given)', async () => {
      const { store, shared, logger } = fixture();
      store.get = () => Promise.reject(Object.assign(new Error(`cannot parse ${ACCESS_TOKEN}`), { code: 'ERR_PARSE' }));
      await shared.read();
      expect(logger.at('warn')[0].message).toContain('(Error ERR_PARSE)');
      expect(logger.text()).not.toContain(ACCESS_TOKEN);
    });

    it('says when the store timed out', async () => {
      const { clock, store, shared, logger } = fixture({ timeoutMs: 250 });
      store.hanging.add('get');
      const read = shared.read();
      await clock.advance(250);
      await read;
      expect(logger.at('warn')[0].message).toContain('(no answer within 250 ms)');
    });

    it('ignores a store that rejects after the timeout', async () => {
      const { clock, store, shared, logger } = fixture({ timeoutMs: 50 });
      let reject!: (error: Error) => void;
      store.get = () => new Promise((_resolve, rej) => (reject = rej));
      const read = shared.read();
      await clock.advance(50);
      await expect(read).resolves.toBeUndefined();
      reject(new Error('late'));
      await flushPromises();
      expect(logger.at('warn')).toHaveLength(1);
    });

    it('treats a secret function that throws or returns nothing as a failure', async () => {
      for (const secret of [() => Promise.reject(new Error('vault down')), () => '' as string]) {
        const { shared, logger } = fixture({ secret });
        await expect(shared.read()).resolves.toBeUndefined();
        expect(logger.at('warn')).toHaveLength(1);
      }
    });
  });

  it.each([
    ['no store', { store: undefined }, 'tokenStore must have get, set and delete methods (a Backstage CacheService works as is)'],
    [
      'a store without delete',
      { store: { get: () => undefined, set: () => undefined } },
      'tokenStore must have get, set and delete methods',
    ],
    ['an empty secret', { secret: '' }, 'tokenStoreSecret must be a non-empty string or Uint8Array, or a function returning one'],
    ['a secret of the wrong type', { secret: 42 }, 'tokenStoreSecret must be'],
    ['a zero timeout', { timeoutMs: 0 }, 'tokenStoreTimeoutMs must be a finite number of at least 1'],
    ['an infinite timeout', { timeoutMs: Infinity }, 'tokenStoreTimeoutMs must be'],
  ])('refuses %s with a TypeError', (_name, override, message) => {
    const clock = new FakeClock();
    const options = { store: new MemoryTokenStore(), secret: CLIENT_SECRET, binding, timers: clock, now: clock.now, ...override };
    expect(() => new SharedTokenStore(options as ConstructorParameters<typeof SharedTokenStore>[0])).toThrow(TypeError);
    expect(() => new SharedTokenStore(options as ConstructorParameters<typeof SharedTokenStore>[0])).toThrow(message);
  });
});
