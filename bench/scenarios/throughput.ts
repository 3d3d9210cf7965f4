// Closed-loop throughput over real loopback HTTP against a node:http server in a child process
// (so the server's CPU is not the client's). Each round runs every contender for the same time,
// in rotated order; a contender's rate is divided by the floor's (that of its own client) from
// the same round.
import type { ContenderKey, Contender } from '../lib/contenders';
import { CONTENDERS, floorsOf } from '../lib/contenders';
import { spawnBenchServer } from '../lib/spawnBenchServer';
import { median, rotate, sleep } from '../lib/stats';

const SECRET = 'bench-secret';
const FIXED_TOKEN = 'fixed-floor-token';

export interface ThroughputResult {
  requestsPerSecond: number;
  ratioToFloor: number;
  /**
   * Median over rounds of this process's CPU time (user + system) per request, in µs: less
   * sensitive than wall-clock rates to other load on a shared machine.
   */
  cpuUsPerRequest: number;
  cpuRatioToFloor: number;
  cpuRounds: number[];
  rounds: number[];
  ratios: number[];
  errors: number;
  /** Token requests counted at the endpoint over the whole measure. */
  tokenRequests: number;
}

export interface ThroughputOptions {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
}

async function closedLoop(
  contender: Contender,
  durationMs: number,
  concurrency: number,
): Promise<{ rps: number; cpuUs: number; errors: number }> {
  let done = 0;
  let errors = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        await contender.get('/items');
        done++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { rps: done / (elapsed / 1000), cpuUs: (cpu.user + cpu.system) / Math.max(1, done), errors };
}

export async function runThroughput(
  keys: readonly ContenderKey[],
  options: ThroughputOptions,
  log: (line: string) => void,
): Promise<Record<ContenderKey, ThroughputResult>> {
  const server = await spawnBenchServer({
    clients: keys.map(key => ({ id: key, secret: SECRET, ttlSeconds: 3600 })),
    fixedTokens: [FIXED_TOKEN],
  });
  const contenders = new Map<ContenderKey, Contender>();
  for (const key of keys) {
    const def = CONTENDERS.find(candidate => candidate.key === key)!;
    contenders.set(
      key,
      def.create({
        baseURL: `${server.url}/api`,
        tokenEndpoint: server.tokenEndpoint,
        clientId: key,
        clientSecret: SECRET,
        bufferSeconds: 1,
        fixedToken: FIXED_TOKEN,
      }),
    );
  }
  const perRound = new Map<ContenderKey, number[]>(keys.map(key => [key, []]));
  const cpuPerRound = new Map<ContenderKey, number[]>(keys.map(key => [key, []]));
  const errors = new Map<ContenderKey, number>(keys.map(key => [key, 0]));
  try {
    for (const key of keys) await closedLoop(contenders.get(key)!, options.warmupMs, options.concurrency);
    for (let round = 0; round < options.rounds; round++) {
      for (const key of rotate(keys, round)) {
        const result = await closedLoop(contenders.get(key)!, options.durationMs, options.concurrency);
        perRound.get(key)!.push(result.rps);
        cpuPerRound.get(key)!.push(result.cpuUs);
        errors.set(key, errors.get(key)! + result.errors);
        await sleep(10);
      }
      if (options.rounds > 8 && (round + 1) % 4 !== 0 && round + 1 !== options.rounds) continue;
      log(
        `  round ${round + 1}/${options.rounds}: ${keys.map(key => `${key} ${Math.round(perRound.get(key)!.at(-1)!)}/s`).join(', ')}`,
      );
    }
    const stats = await server.stats();
    const results = {} as Record<ContenderKey, ThroughputResult>;
    for (const key of keys) {
      const floor = perRound.get(floorsOf(key).floor);
      const cpuFloor = cpuPerRound.get(floorsOf(key).floor);
      const rounds = perRound.get(key)!;
      const ratios = floor ? rounds.map((value, i) => value / floor[i]) : [];
      const cpuRounds = cpuPerRound.get(key)!;
      results[key] = {
        requestsPerSecond: median(rounds),
        ratioToFloor: median(ratios),
        cpuUsPerRequest: median(cpuRounds),
        cpuRatioToFloor: cpuFloor ? median(cpuRounds.map((value, i) => value / cpuFloor[i])) : NaN,
        cpuRounds,
        rounds,
        ratios,
        errors: errors.get(key)!,
        tokenRequests: stats.tokenRequestsByClient[key] ?? 0,
      };
    }
    return results;
  } finally {
    for (const contender of contenders.values()) await contender.close();
    await server.close();
  }
}
