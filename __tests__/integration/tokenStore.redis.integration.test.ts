// One token shared by replicas through Backstage's real cache service on a real redis-server:
// each replica is a child process (Backstage's redis client throws "Socket closed unexpectedly"
// from its socket when Redis goes away, which only a backend's own uncaughtException handling
// survives), the token server is oidc-provider and counts every token request.
import { randomBytes } from 'node:crypto';
import { startRedisServer, startSilentServer, type RedisServerHandle } from '../../test-servers/startRedisServer';
import { startTokenServer, type TokenServerHandle } from '../../test-servers/startTokenServer';
import { findLeak, secretForms } from '../helpers/secretScan';
import { ReplicaProcess, type ReplicaOptions } from '../helpers/storeReplicaProcess';

jest.setTimeout(30_000);

let redis: RedisServerHandle;
let silent: Awaited<ReturnType<typeof startSilentServer>>;
let tokenServer: TokenServerHandle;
let replicas: ReplicaProcess[] = [];
let rotated: ReplicaProcess;
let hungReplica: ReplicaProcess;
const issuedTokens = new Set<string>();

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function tokenRequests(): Promise<number> {
  return (await tokenServer.stats()).tokenRequests.total;
}

async function getToken(replica: ReplicaProcess): Promise<string> {
  const { token } = await replica.getToken();
  issuedTokens.add(token);
  return token;
}

/** The one entry the fleet wrote (Backstage namespaces and base64-encodes our key), once it is there. */
async function storedEntry(unlike?: string): Promise<{ key: string; value: string }> {
  for (let i = 0; i < 100; i++) {
    const entries = [...(await redis.dump())];
    if (entries.length === 1 && entries[0][1] !== unlike) return { key: entries[0][0], value: entries[0][1] };
    if (entries.length > 1) throw new Error(`expected one entry, found ${entries.length}`);
    await sleep(20);
  }
  throw new Error('no entry appeared in Redis');
}

/** How many entries Redis holds once it holds `count` (or, after 2 s, what it holds then). */
async function entriesOnceAtLeast(count: number): Promise<number> {
  let size = 0;
  for (let i = 0; i < 100 && size < count; i++) {
    size = (await redis.dump()).size;
    if (size < count) await sleep(20);
  }
  return size;
}

/** Keyv's envelope around the sealed entry, with the sealed box changed by `edit`. */
function editSealed(raw: string, edit: (sealed: { v: number; iv: string; box: string }) => unknown): string {
  const envelope = JSON.parse(raw) as { value: { v: number; iv: string; box: string } };
  return JSON.stringify({ ...envelope, value: edit(envelope.value) });
}

beforeAll(async () => {
  [redis, silent, tokenServer] = await Promise.all([
    startRedisServer(),
    startSilentServer(),
    startTokenServer({ ttlSeconds: 4 }),
  ]);
  const base: ReplicaOptions = {
    tokenEndpoint: tokenServer.tokenEndpoint,
    clientId: tokenServer.clients.basic.id,
    clientSecret: tokenServer.clients.basic.secret,
    tokenExpiryBufferSeconds: 1,
    // 4 s tokens are used for 3 s and refreshed in their last 1.5 s: the other tests finish
    // well before a refresh can start.
    refreshAhead: 0.5,
    redisUrl: redis.url,
  };
  const started = await Promise.all([
    ReplicaProcess.start(base),
    ReplicaProcess.start(base),
    ReplicaProcess.start(base),
    ReplicaProcess.start({ ...base, tokenStoreSecret: 'rotated-sealing-secret' }),
    ReplicaProcess.start({ ...base, redisUrl: silent.url }),
  ]);
  replicas = started.slice(0, 3);
  rotated = started[3]!;
  hungReplica = started[4]!;
  // Five child processes each loading Backstage's cache and ts-node; on a busy machine that takes a while.
}, 90_000);

afterAll(async () => {
  await ReplicaProcess.stopAll();
  await Promise.all([redis?.stop(), silent?.close(), tokenServer?.stop()]);
});

beforeEach(async () => {
  for (const replica of replicas) await replica.invalidate();
  await redis.command('FLUSHALL');
  await tokenServer.reset();
});

describe("a fleet sharing Backstage's cache on Redis", () => {
  it('adopts the token one replica stored, with no token request of its own', async () => {
    const first = await getToken(replicas[0]);
    await storedEntry();
    await expect(getToken(replicas[1])).resolves.toBe(first);
    await expect(getToken(replicas[2])).resolves.toBe(first);
    expect(await tokenRequests()).toBe(1);
  });

  it('stores nothing readable: no token and no secret in any Redis key or value', async () => {
    await getToken(replicas[0]);
    await replicas[0].invalidate();
    await getToken(replicas[0]);
    await storedEntry();
    const dump = await redis.dump();
    expect(dump.size).toBeGreaterThan(0);
    const everything = [...dump].flat().join('\n');
    const secret = tokenServer.clients.basic.secret;
    const forbidden = [
      ...issuedTokens,
      ...secretForms(tokenServer.clients.basic.id, secret),
      Buffer.from(secret).toString('base64'),
    ];
    expect(findLeak(everything, forbidden)).toBeUndefined();
    for (const key of dump.keys())
      expect(Buffer.from(key.replace(/^kagenti:/, ''), 'base64').toString()).not.toContain('kagenti-basic');
  });

  it('costs about one token request for a fleet-wide revocation (a 401 on every replica)', async () => {
    const revoked = await getToken(replicas[0]);
    await storedEntry();
    for (const replica of replicas.slice(1)) await getToken(replica);
    await tokenServer.revoke(revoked);
    await tokenServer.reset();
    const after: string[] = [];
    for (const replica of replicas) {
      await replica.invalidate(revoked);
      after.push(await getToken(replica));
      await storedEntry();
    }
    expect(new Set(after).size).toBe(1);
    expect(after[0]).not.toBe(revoked);
    expect(await tokenRequests()).toBe(1);
    await expect(tokenServer.introspect(after[0])).resolves.toMatchObject({ active: true });
  });

  it.each([
    ['a tampered entry', (raw: string) => editSealed(raw, sealed => ({ ...sealed, box: `A${sealed.box.slice(1)}` }))],
    ['an entry of another version', (raw: string) => editSealed(raw, sealed => ({ ...sealed, v: 2 }))],
    ['garbage', () => JSON.stringify({ value: randomBytes(48).toString('base64'), expires: null })],
    ['bytes that are not JSON', () => '\u0000not json{'],
  ])('treats %s as a miss and fetches', async (_name, corrupt) => {
    const first = await getToken(replicas[0]);
    const firstEntry = await storedEntry();
    await getToken(replicas[1]);
    await replicas[0].invalidate(first);
    const second = await getToken(replicas[0]);
    // The write is not awaited by getToken: wait until Redis holds the second token's entry.
    const { key, value } = await storedEntry(firstEntry.value);
    await redis.command('SET', key, corrupt(value), 'PX', '60000');
    await tokenServer.reset();
    // Replica 1 still holds the first token; a 401 for it sends it to the store, which now holds
    // `second` in a form that must not open.
    await replicas[1].invalidate(first);
    const third = await getToken(replicas[1]);
    expect(third).not.toBe(second);
    expect(third).not.toBe(first);
    expect(await tokenRequests()).toBe(1);
  });

  it('misses the entries sealed with another secret (a rotated one)', async () => {
    const shared = await getToken(replicas[0]);
    await storedEntry();
    const own = await getToken(rotated);
    expect(own).not.toBe(shared);
    expect(await tokenRequests()).toBe(2);
    // The rotated replica's write is not awaited by getToken: wait (bounded) for its own key.
    expect(await entriesOnceAtLeast(2)).toBe(2);
  });

  it('refreshes on one replica and adopts on the rest, with real expiry', async () => {
    await getToken(replicas[0]);
    await storedEntry();
    await tokenServer.reset();
    // 4 s tokens, 3 s usable (whole seconds at the server: 2–3 s), refresh-ahead in their last half.
    const results = await Promise.all(replicas.map(replica => replica.traffic(20, 6_500)));
    const requests = await tokenRequests();
    expect(results.map(result => result.errors)).toEqual([0, 0, 0]);
    expect(results.every(result => result.latenciesMs.length > 100)).toBe(true);
    // At least two rotations happened; without the store each would cost 3 requests.
    expect(requests).toBeGreaterThanOrEqual(2);
    expect(requests).toBeLessThanOrEqual(4);
  });

  it('never waits more than tokenStoreTimeoutMs on a cache that accepts and never answers', async () => {
    const first = await hungReplica.getToken();
    await hungReplica.invalidate();
    const second = await hungReplica.getToken();
    expect(second.token).not.toBe(first.token);
    // 250 ms for the read, then a loopback token request; generous for a loaded machine.
    expect(Math.max(first.ms, second.ms)).toBeLessThan(1_500);
    expect(silent.connections).toBeGreaterThan(0);
    expect((await hungReplica.stats()).warnings.filter(line => line.startsWith('Token store read failed'))).toHaveLength(1);
  });

  it('keeps serving when Redis stops mid-run', async () => {
    await getToken(replicas[0]);
    await storedEntry();
    const traffic = replicas.map(replica => replica.traffic(20, 2_500));
    await sleep(500);
    await redis.stop();
    await sleep(300);
    await replicas[1].invalidate();
    const afterStop = await replicas[1].getToken();
    const results = await Promise.all(traffic);
    expect(results.map(result => result.errors)).toEqual([0, 0, 0]);
    expect(afterStop.ms).toBeLessThan(1_500);
    expect(replicas.every(replica => replica.alive)).toBe(true);
    const stats = await replicas[1].stats();
    expect(stats.warnings.some(line => line.startsWith('Token store'))).toBe(true);
  });
});
