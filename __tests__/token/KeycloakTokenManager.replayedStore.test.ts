import type { KeycloakTokenManager } from '../../lib';
import { fleet, USABLE_MS } from '../helpers/tokenStoreFleet';

/**
 * One call as the 401 retry makes it: send with a token; when the API rejects it, invalidate that
 * token, get another and send once more. The call fails when the retry's token is rejected too.
 */
async function call(
  manager: KeycloakTokenManager,
  rejectedByApi: (token: string) => boolean,
  onRejected: (token: string) => void = () => undefined,
): Promise<'ok' | 'failed'> {
  const first = await manager.getToken();
  if (!rejectedByApi(first)) return 'ok';
  onRejected(first);
  manager.invalidate(first);
  return rejectedByApi(await manager.getToken()) ? 'failed' : 'ok';
}

/**
 * Someone who can write the cache but not read the secret captured sealed entries at two times
 * (both unexpired) and writes them back, at worst: `first` at the start, then always the one
 * that is not the token the replica saw rejected last.
 */
function replay(
  {
    store,
    sealer,
  }: {
    store: { get: (key: string) => Promise<unknown> };
    sealer: { open: (value: unknown) => { accessToken: string } | undefined };
  },
  first: unknown,
  other: unknown,
): (rejected: string) => void {
  let current = first;
  store.get = () => Promise.resolve(current);
  return rejected => {
    current = sealer.open(first)?.accessToken === rejected ? other : first;
  };
}

/** A fleet where one replica has fetched two tokens a minute apart, each captured from the store. */
async function capturedTwice() {
  const parts = fleet();
  const { clock, store, sealer, replica } = parts;
  const writer = replica();
  await writer.getToken();
  const older = store.entries.get(sealer.keyName);
  await parts.clock.advance(60_000);
  writer.invalidate();
  await writer.getToken();
  const newer = store.entries.get(sealer.keyName);
  await clock.advance(1_000);
  return { ...parts, older, newer };
}

/** Kagenti now asks for an audience that only tokens fetched from here on carry. */
const stale = (token: string) => token === 'token-1' || token === 'token-2';

describe('KeycloakTokenManager when the store replays entries it held before', () => {
  it.each([
    ['older first', (c: { older: unknown; newer: unknown }) => [c.older, c.newer]],
    ['newer first', (c: { older: unknown; newer: unknown }) => [c.newer, c.older]],
  ])('fails no call of a restarted replica (%s), for one token request', async (_order, entries) => {
    const captured = await capturedTwice();
    const { endpoint, replica } = captured;
    const [first, other] = entries(captured);
    const onRejected = replay(captured, first, other);
    const restarted = replica();
    const before = endpoint.count;
    const results: string[] = [];
    for (let i = 0; i < 5; i++) results.push(await call(restarted, stale, onRejected));
    expect(results).toEqual(Array(5).fill('ok'));
    expect(endpoint.count - before).toBe(1);
  });

  it('never adopts a stored token issued before this process took in a token it then saw rejected, though it outlives it', async () => {
    const { clock, endpoint, replica, plant } = fleet();
    const manager = replica();
    await manager.getToken();
    await clock.advance(10_000);
    manager.invalidate('token-1');
    // Issued 1 ms before token-1 was fetched, and lives far longer (another replica's longer lifetime).
    plant('captured', clock.now() + 3_600_000, 3_610_001);
    await expect(manager.getToken()).resolves.toBe('token-2');
    expect(endpoint.count).toBe(2);
  });

  it('never replaces its cached token with an older stored one at refresh-ahead', async () => {
    const { clock, endpoint, replica, plant } = fleet({ refreshAhead: 0.5 });
    const manager = replica();
    await manager.getToken();
    await clock.advance(1_000);
    // Issued 1 ms before token-1, and outlives it.
    plant('captured', clock.now() + USABLE_MS, USABLE_MS + 1_001);
    clock.set(clock.now() + USABLE_MS - 20_000);
    await manager.getToken();
    await clock.advance(0);
    await expect(manager.getToken()).resolves.toBe('token-2');
    expect(endpoint.count).toBe(2);
  });

  it('still adopts the token another replica fetched after a fleet-wide revocation: one token request for the fleet', async () => {
    const { clock, endpoint, replica } = fleet();
    const replicas = [replica(), replica(), replica()];
    for (const r of replicas) await r.getToken();
    await clock.advance(30_000);
    const revoked = (token: string) => token === 'token-1';
    const results: string[] = [];
    for (const r of replicas) results.push(await call(r, revoked));
    expect(results).toEqual(['ok', 'ok', 'ok']);
    expect(endpoint.count).toBe(2);
  });

  it('fails no call when replicas that each fetched their own token see them all refused at once: one token request for the fleet', async () => {
    const { clock, endpoint, store, replica } = fleet();
    const replicas = [replica(), replica(), replica()];
    for (const r of replicas) {
      store.entries.clear(); // each one fetches its own (a cold start together, or after an outage)
      await r.getToken();
      await clock.advance(5_000);
    }
    await clock.advance(30_000);
    // A new audience is required: every token issued so far is refused, token-3 (in the store) too.
    const refused = (token: string) => ['token-1', 'token-2', 'token-3'].includes(token);
    const results: string[] = [];
    for (const r of replicas) results.push(await call(r, refused));
    expect(results).toEqual(['ok', 'ok', 'ok']);
    expect(endpoint.count).toBe(4);
  });

  it.each([
    [1_500, 'token-3', 3],
    [500, 'token-2', 2],
  ])(
    'after a rejection, adopts a token another replica fetched %i ms before it only within the 1 s window (gets %s)',
    async (beforeMs, expected, requests) => {
      const { clock, endpoint, store, replica } = fleet();
      const manager = replica();
      await manager.getToken();
      await clock.advance(30_000);
      store.entries.clear();
      await replica().getToken(); // another replica fetches token-2
      await clock.advance(beforeMs);
      manager.invalidate('token-1');
      await expect(manager.getToken()).resolves.toBe(expected);
      expect(endpoint.count).toBe(requests);
    },
  );
});
