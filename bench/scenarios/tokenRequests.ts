// Token-request counting scenarios, over real loopback HTTP: the cold burst, the 401 storm
// and late 401s. Each contender gets a fresh server, so nothing carries over between them.
import { startBenchServer, type BenchServer } from '../lib/benchServer';
import { CONTENDERS, type Contender, type ContenderKey } from '../lib/contenders';

const SECRET = 'bench-secret';
const FIXED_TOKEN = 'fixed-floor-token';
/** A realistic Keycloak answer time: long enough for a burst to pile up behind one request. */
const TOKEN_DELAY_MS = 20;

export interface CountResult {
  /** Token requests counted at the token endpoint during the measured burst. */
  tokenRequests: number;
  /** Requests whose promise rejected. */
  failed: number;
  requests: number;
  elapsedMs: number;
}

export interface LateResult extends CountResult {
  /** 401s the server held and answered only after a request with a fresh token had succeeded. */
  held: number;
  /** Token requests made after the held 401s were released; undefined if none were held. */
  lateTokenRequests?: number;
}

/** Per contender that ran. */
export interface TokenRequestResults {
  coldBurst: Partial<Record<ContenderKey, CountResult>>;
  storm: Partial<Record<ContenderKey, CountResult>>;
  late: Partial<Record<ContenderKey, LateResult>>;
}

async function withContender<T>(key: ContenderKey, run: (server: BenchServer, contender: Contender) => Promise<T>): Promise<T> {
  const def = CONTENDERS.find(candidate => candidate.key === key)!;
  const server = await startBenchServer({
    clients: [{ id: key, secret: SECRET, ttlSeconds: 3600 }],
    fixedTokens: [FIXED_TOKEN],
    tokenDelayMs: TOKEN_DELAY_MS,
  });
  const contender = def.create({
    baseURL: `${server.url}/api`,
    tokenEndpoint: server.tokenEndpoint,
    clientId: key,
    clientSecret: SECRET,
    bufferSeconds: 1,
    fixedToken: FIXED_TOKEN,
  });
  try {
    return await run(server, contender);
  } finally {
    await contender.close();
    await server.close();
  }
}

async function burst(contender: Contender, count: number): Promise<{ failed: number; elapsedMs: number }> {
  const start = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => contender.get(`/items?i=${i}`)));
  return { failed: settled.filter(result => result.status === 'rejected').length, elapsedMs: performance.now() - start };
}

export async function coldBurst(key: ContenderKey, count = 1000): Promise<CountResult> {
  return withContender(key, async (server, contender) => {
    const { failed, elapsedMs } = await burst(contender, count);
    return { tokenRequests: server.stats().tokenRequests, failed, requests: count, elapsedMs };
  });
}

/** Primes the contender's cache, revokes every token server-side, then sends `count` requests at once. */
export async function storm(key: ContenderKey, count = 200): Promise<CountResult> {
  return withContender(key, async (server, contender) => {
    await contender.get('/items?warm');
    server.revokeAll();
    server.resetStats();
    const { failed, elapsedMs } = await burst(contender, count);
    return { tokenRequests: server.stats().tokenRequests, failed, requests: count, elapsedMs };
  });
}

/**
 * Like the storm, but the server answers only the first 401 at once and holds the others
 * until a request with a fresh token has succeeded (+20 ms), so they arrive after the refresh.
 */
export async function late401s(key: ContenderKey, count = 200): Promise<LateResult> {
  return withContender(key, async (server, contender) => {
    await contender.get('/items?warm');
    server.revokeAll();
    server.resetStats();
    server.setLate401({ immediate: 1, releaseDelayMs: 20, maxHoldMs: 500 });
    const { failed, elapsedMs } = await burst(contender, count);
    const stats = server.stats();
    return {
      tokenRequests: stats.tokenRequests,
      failed,
      requests: count,
      elapsedMs,
      held: stats.heldReleased,
      ...(stats.heldReleased > 0 && stats.tokenRequestsAtRelease !== undefined
        ? { lateTokenRequests: stats.tokenRequests - stats.tokenRequestsAtRelease }
        : {}),
    };
  });
}

export async function runTokenRequestScenarios(
  keys: readonly ContenderKey[],
  log: (line: string) => void,
): Promise<TokenRequestResults> {
  const results: TokenRequestResults = { coldBurst: {}, storm: {}, late: {} };
  for (const key of keys) {
    const cold = (results.coldBurst[key] = await coldBurst(key));
    const stormed = (results.storm[key] = await storm(key));
    const late = (results.late[key] = await late401s(key));
    log(
      `  ${key}: cold burst ${cold.tokenRequests} token req / ${cold.failed} failed; ` +
        `storm ${stormed.tokenRequests} / ${stormed.failed}; ` +
        `late ${late.lateTokenRequests ?? '-'} / ${late.failed} (held ${late.held})`,
    );
  }
  return results;
}
