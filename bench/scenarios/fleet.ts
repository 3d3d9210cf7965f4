// A fleet of replica processes (each a Backstage cache client + KeycloakTokenManager +
// installKeycloakAuth, see __tests__/helpers/storeReplica.ts) under steady traffic, against the
// real oidc-provider token server issuing short-lived tokens, with one real redis-server shared
// through Backstage's cache (`backend.cache.store: redis`) and, for comparison, without a store.
import { startRedisServer } from '../../test-servers/startRedisServer';
import { startTokenServer, type TokenServerHandle } from '../../test-servers/startTokenServer';
import { ReplicaProcess, type ReplicaOptions, type TrafficResult } from '../../__tests__/helpers/storeReplicaProcess';
import { summarizeLatencies, type LatencySummary } from '../lib/stats';

export interface FleetOptions {
  replicas: number;
  /** `expires_in` of the token server, s. */
  ttlSeconds: number;
  /** Expiry buffer of every manager, s. */
  bufferSeconds: number;
  /** Requests per second per replica. */
  rate: number;
  /** Share of usable life refreshed ahead (the manager's `refreshAhead`). */
  refreshAhead: number;
  /** Unrecorded traffic before the recorded part (connections, JIT), ms. */
  runInMs: number;
  /** Recorded traffic, ms. */
  durationMs: number;
}

export interface FleetModeResult {
  /** Token requests when every replica gets its first token at the same moment. */
  coldStartTokenRequests: number;
  /** Token requests during the recorded traffic. */
  tokenRequests: number;
  /** Rotations: bursts of token requests at the server, separated by more than 2 s of quiet. */
  rotations: number;
  tokenRequestsPerRotation: number;
  /** Token requests the restarted replica sent (stopped and started while the others serve traffic). */
  restartTokenRequests: number;
  latency: LatencySummary;
  errors: number;
  /** When the requests slower than 500 ms were due (s after the start), for diagnosis. */
  slowAtSeconds: number[];
}

export interface FleetResult {
  withStore: FleetModeResult;
  withoutStore: FleetModeResult;
}

async function tokenRequests(server: TokenServerHandle): Promise<number> {
  return (await server.stats()).tokenRequests.total;
}

/** Bursts of token requests separated by more than `gapMs`: one per rotation of the fleet. */
async function rotationsAtServer(server: TokenServerHandle, gapMs: number): Promise<number> {
  const times = (await server.stats()).tokenRequests.log.map(record => record.at).sort((a, b) => a - b);
  let bursts = 0;
  for (let i = 0; i < times.length; i++) if (i === 0 || times[i] - times[i - 1] > gapMs) bursts++;
  return bursts;
}

async function runMode(
  server: TokenServerHandle,
  redisUrl: string | undefined,
  options: FleetOptions,
  log: (line: string) => void,
): Promise<FleetModeResult> {
  const replicaOptions: ReplicaOptions = {
    tokenEndpoint: server.tokenEndpoint,
    clientId: server.clients.basic.id,
    clientSecret: server.clients.basic.secret,
    tokenExpiryBufferSeconds: options.bufferSeconds,
    refreshAhead: options.refreshAhead,
    ...(redisUrl ? { redisUrl } : {}),
  };
  const label = redisUrl ? 'with the store' : 'without a store';
  log(`fleet ${label}: starting ${options.replicas} replica processes`);
  const replicas = await Promise.all(
    Array.from({ length: options.replicas }, () => ReplicaProcess.start(replicaOptions, 120_000)),
  );
  try {
    await server.reset();
    // All replicas start within the same second: each asks for its first token at once.
    await Promise.all(replicas.map(replica => replica.getToken()));
    const coldStartTokenRequests = await tokenRequests(server);
    log(`fleet ${label}: ${coldStartTokenRequests} token requests for ${options.replicas} simultaneous first requests`);

    await server.reset();
    const traffic: Promise<TrafficResult>[] = replicas.map(replica =>
      replica.traffic(options.rate, options.runInMs + options.durationMs, options.runInMs),
    );
    const results = await Promise.all(traffic);
    const during = await tokenRequests(server);
    const rotations = await rotationsAtServer(server, 2_000);
    const slowAtSeconds = [...new Set(results.flatMap(result => result.slowAtMs.map(at => Math.round(at / 1000))))].sort(
      (a, b) => a - b,
    );
    const latency = summarizeLatencies(results.flatMap(result => result.latenciesMs));
    const errors = results.reduce((sum, result) => sum + result.errors, 0);
    log(
      `fleet ${label}: ${during} token requests over ${rotations} rotations; p99 ${latency.p99.toFixed(1)} ms; ${errors} errors`,
    );

    log(`fleet ${label}: slow requests (> 500 ms) due at ${slowAtSeconds.join(', ') || 'none'} s`);

    // One replica restarts (a rolling deploy) while the others go on serving.
    await replicas[0].stop();
    const serving = replicas.slice(1).map(replica => replica.traffic(options.rate, 4_000));
    const restarted = await ReplicaProcess.start(replicaOptions, 120_000);
    replicas[0] = restarted;
    await restarted.getToken();
    const restartTokenRequests = (await restarted.stats()).tokenRequests;
    await Promise.all(serving);
    log(`fleet ${label}: ${restartTokenRequests} token requests by a restarted replica`);
    return {
      coldStartTokenRequests,
      tokenRequests: during,
      rotations,
      tokenRequestsPerRotation: rotations > 0 ? during / rotations : NaN,
      restartTokenRequests,
      latency,
      errors,
      slowAtSeconds,
    };
  } finally {
    await Promise.all(replicas.map(replica => replica.stop()));
  }
}

export async function runFleet(options: FleetOptions, log: (line: string) => void): Promise<FleetResult> {
  const [redis, server] = await Promise.all([startRedisServer(), startTokenServer({ ttlSeconds: options.ttlSeconds })]);
  try {
    const withStore = await runMode(server, redis.url, options, log);
    const withoutStore = await runMode(server, undefined, options, log);
    return { withStore, withoutStore };
  } finally {
    await ReplicaProcess.stopAll();
    await Promise.all([redis.stop(), server.stop()]);
  }
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

/** The fleet rows, as a Markdown table. */
export function fleetMarkdown(result: FleetResult, options: FleetOptions): string[] {
  const rows: Array<[string, (mode: FleetModeResult) => string]> = [
    ['Token requests per rotation, whole fleet', mode => fmt(mode.tokenRequestsPerRotation, 2)],
    ['Token requests over the run / rotations', mode => `${mode.tokenRequests} / ${mode.rotations}`],
    ['Token requests when one replica restarts', mode => String(mode.restartTokenRequests)],
    [`Token requests when all ${options.replicas} start in the same second`, mode => String(mode.coldStartTokenRequests)],
    [
      'Request latency p50 / p99 / max, ms',
      mode => `${fmt(mode.latency.p50)} / ${fmt(mode.latency.p99)} / ${fmt(mode.latency.max)}`,
    ],
    ['Requests / errors', mode => `${mode.latency.count} / ${mode.errors}`],
  ];
  return [
    `**Fleet** (\`--only=fleet\`): ${options.replicas} replica processes, ${options.rate} requests/s each for ${options.durationMs / 1000} s after a ${options.runInMs / 1000} s run-in, ` +
      `oidc-provider tokens of ${options.ttlSeconds} s with a ${options.bufferSeconds} s buffer and refreshAhead ${options.refreshAhead}, one redis-server through Backstage's cache.`,
    '',
    '| Measure | with the token store | without |',
    '|---|--:|--:|',
    ...rows.map(([name, cell]) => `| ${name} | ${cell(result.withStore)} | ${cell(result.withoutStore)} |`),
    '',
  ];
}
