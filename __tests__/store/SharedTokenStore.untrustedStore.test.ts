import { SharedTokenStore, TOKEN_STORE_WARN_INTERVAL_MS } from '../../lib/store/SharedTokenStore';
import type { TokenStore, TokenStoreSecret } from '../../lib';
import { FakeClock, flushPromises } from '../helpers/FakeClock';
import { MemoryTokenStore } from '../helpers/MemoryTokenStore';
import { RecordingLogger } from '../helpers/RecordingLogger';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';

// The edges of the shared token store a replica meets: empty and odd entries, failing and late
// stores, no logger (written to the survivors of the 2026-12-03 evening mutation run).
const binding = { tokenEndpoint: TOKEN_ENDPOINT, clientId: CLIENT_ID };

/** The options of a store over a fresh memory store and fake clock, with a logger unless `logger: false`. */
function fixtureOptions(options: { store?: TokenStore; secret?: TokenStoreSecret; logger?: boolean; timeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const memory = new MemoryTokenStore();
  const logger = new RecordingLogger();
  const storeOptions = {
    store: options.store ?? memory,
    secret: options.secret ?? CLIENT_SECRET,
    binding,
    timers: clock,
    now: clock.now,
    ...(options.logger === false ? {} : { logger }),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  return { clock, memory, logger, storeOptions };
}

function fixture(options: Parameters<typeof fixtureOptions>[0] = {}) {
  const { clock, memory, logger, storeOptions } = fixtureOptions(options);
  const shared = new SharedTokenStore(storeOptions);
  const token = { accessToken: 'stored-access-token-1', usableUntil: clock.now() + 240_000, usableLifetimeMs: 240_000 };
  return { clock, memory, logger, shared, token };
}

/** A store whose get answers `value` for every key. */
const answering = (value: unknown): TokenStore => ({
  get: async () => value,
  set: async () => undefined,
  delete: async () => undefined,
});

describe('SharedTokenStore over an untrusted store', () => {
  it('refuses a null store, and accepts a time bound of 1 ms', () => {
    expect(() => new SharedTokenStore({ ...fixtureOptions().storeOptions, store: null as unknown as TokenStore })).toThrow(
      new TypeError('tokenStore must have get, set and delete methods (a Backstage CacheService works as is)'),
    );
    expect(() => new SharedTokenStore({ ...fixtureOptions().storeOptions, timeoutMs: 1 })).not.toThrow();
  });

  it.each([
    ['no entry', undefined],
    ['a null entry', null],
  ])('reads %s as a miss, quietly', async (_name, value) => {
    const { shared, logger } = fixture({ store: answering(value) });
    await expect(shared.read()).resolves.toBeUndefined();
    expect(logger.lines).toEqual([]);
  });

  it.each([
    ['a number', 42],
    ['text that is not a sealed entry', 'v1.garbage'],
  ])('ignores %s in the store with a debug line', async (_name, value) => {
    const { shared, logger } = fixture({ store: answering(value) });
    await expect(shared.read()).resolves.toBeUndefined();
    expect(logger.lines.map(line => [line.level, line.message])).toEqual([
      ['debug', 'Ignored a token store entry that does not open (other secret, version or tampered)'],
    ]);
  });

  it('logs nothing for an entry that opens', async () => {
    const { shared, logger, token } = fixture();
    await shared.write(token);
    await expect(shared.read()).resolves.toMatchObject({ accessToken: token.accessToken });
    expect(logger.lines).toEqual([]);
  });

  it('without a logger, ignores an odd entry and survives a failing store', async () => {
    await expect(fixture({ store: answering(42), logger: false }).shared.read()).resolves.toBeUndefined();
    const { shared, memory } = fixture({ logger: false });
    memory.failing.add('get');
    await expect(shared.read()).resolves.toBeUndefined();
  });

  it('deletes nothing, and warns of nothing, when asked to delete a token from an empty store', async () => {
    const { shared, memory, logger } = fixture();
    await shared.deleteIf('stored-access-token-1');
    expect(memory.calls.map(call => call.op)).toEqual(['get']);
    expect(logger.lines).toEqual([]);
  });

  it('names the operation that failed: delete', async () => {
    const { shared, memory, logger } = fixture();
    memory.failing.add('delete');
    await shared.clear();
    const [line] = logger.at('warn');
    expect(line.message).toMatch(/^Token store delete failed \(/);
    expect(line.meta).toEqual({ clientId: CLIENT_ID, operation: 'delete' });
  });

  it('says what kind of value was thrown when the store throws a non-Error', async () => {
    const store: TokenStore = {
      // The store's own fault, not ours: it rejects with a string.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      get: () => Promise.reject('connection lost'),
      set: async () => undefined,
      delete: async () => undefined,
    };
    const { shared, logger } = fixture({ store });
    await shared.read();
    expect(logger.at('warn').map(line => line.message)).toEqual([
      'Token store read failed (a string was thrown); this replica uses its own token requests meanwhile. Check the cache (backend.cache).',
    ]);
  });

  it.each([
    ['ECONNREFUSED', 'Error ECONNREFUSED'],
    [42, 'Error'],
    ['lower-ABC', 'Error'],
    ['ABC-lower', 'Error'],
  ])('keeps a store error code %p only when it looks like one', async (code, shown) => {
    const store: TokenStore = {
      get: () => Promise.reject(Object.assign(new Error('quoted value'), { code })),
      set: async () => undefined,
      delete: async () => undefined,
    };
    const { shared, logger } = fixture({ store });
    await shared.read();
    expect(logger.at('warn').map(line => line.message)).toEqual([
      `Token store read failed (${shown}); this replica uses its own token requests meanwhile. Check the cache (backend.cache).`,
    ]);
  });

  it('seals with the new bytes when the secret function changes its Uint8Array in place', async () => {
    const bytes = new Uint8Array(32).fill(7);
    const memory = new MemoryTokenStore();
    const writer = fixture({ store: memory, secret: () => bytes });
    await writer.shared.write(writer.token);
    bytes[0] = 8;
    await writer.shared.write(writer.token);
    const reader = fixture({ store: memory, secret: new Uint8Array(bytes) });
    await expect(reader.shared.read()).resolves.toMatchObject({ accessToken: writer.token.accessToken });
  });

  it('refuses key material that is neither text nor bytes from the secret function, before any store call', async () => {
    const { shared, memory, logger } = fixture({ secret: (() => [1, 2, 3]) as unknown as TokenStoreSecret });
    await expect(shared.read()).resolves.toBeUndefined();
    expect(memory.calls).toEqual([]);
    expect(logger.at('warn').map(line => line.message)).toEqual([
      'Token store read failed (TypeError); this replica uses its own token requests meanwhile. Check the cache (backend.cache).',
    ]);
  });

  it('ignores a store that fails after the time bound, even once the warning interval has passed', async () => {
    let fail!: (error: Error) => void;
    const store: TokenStore = {
      get: () => new Promise((_, reject) => (fail = reject)),
      set: async () => undefined,
      delete: async () => undefined,
    };
    const { shared, logger, clock } = fixture({ store, timeoutMs: 100 });
    const read = shared.read();
    await clock.advance(100);
    await expect(read).resolves.toBeUndefined();
    clock.set(clock.now() + TOKEN_STORE_WARN_INTERVAL_MS + 1);
    fail(new Error('late'));
    await flushPromises();
    expect(logger.at('warn')).toHaveLength(1);
  });
});
