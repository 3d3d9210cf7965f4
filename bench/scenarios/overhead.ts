// Per-request cost on the cached path, with axios-mock-adapter (no network), measured with
// tinybench. Rounds are repeated with the contenders in rotated order; each round's mean time
// per request is divided by the floor's from the same round, and the medians are reported.
import type * as Tinybench from 'tinybench';
import type { ContenderKey } from '../lib/contenders';
import { createMockContender, type MockContender } from '../lib/mockSetup';
import { forceGc, median, rotate } from '../lib/stats';

/**
 * tinybench is ESM-only. This package compiles to CommonJS, where TypeScript would turn
 * `import()` into `require()`, which fails for ESM before Node 20.19; a real dynamic import works on every version.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the reason is above
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

export interface OverheadResult {
  /** Median over rounds of the mean time per request, in µs. */
  usPerRequest: number;
  opsPerSecond: number;
  /** Median over rounds of (time per request ÷ the floor's in the same round). */
  ratioToFloor: number;
  /** Median over rounds of (time per request ÷ the minimal interceptor's in the same round). */
  ratioToInterceptorFloor: number;
  /**
   * Median over rounds of this process's CPU time (user + system) per request, in µs, and its
   * ratio to the minimal interceptor's: CPU time moves far less than wall-clock time when other
   * processes share the machine. It includes the mock's history reset after each call, alike for all.
   */
  cpuUsPerRequest: number;
  cpuRatioToInterceptorFloor: number;
  rounds: number[];
  ratios: number[];
  interceptorRatios: number[];
  cpuRatios: number[];
  samples: number;
}

export interface OverheadOptions {
  rounds: number;
  timeMs: number;
  warmupMs: number;
}

export function runOverhead(
  keys: readonly ContenderKey[],
  options: OverheadOptions,
  log: (line: string) => void,
): Promise<Record<ContenderKey, OverheadResult>> {
  return measureCachedPath(keys, createMockContender, options, log);
}

/** The cached-path measure over any set of mock contenders; `bare`, when among them, is the floor. */
export async function measureCachedPath<K extends string>(
  keys: readonly K[],
  create: (key: K) => MockContender,
  options: OverheadOptions,
  log: (line: string) => void,
): Promise<Record<K, OverheadResult>> {
  const { Bench } = (await importEsm('tinybench')) as typeof Tinybench;
  const contenders = new Map<K, MockContender>();
  for (const key of keys) {
    const contender = create(key);
    await contender.instance.get('/items'); // fills the cache: the cached path is what is measured
    contenders.set(key, contender);
  }
  const perRound = new Map<K, number[]>(keys.map(key => [key, []]));
  const samples = new Map<K, number>(keys.map(key => [key, 0]));
  const cpuPerRound = new Map<K, number[]>(keys.map(key => [key, []]));
  let sink = 0;

  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.timeMs,
      warmupTime: options.warmupMs,
      setup: () => forceGc(),
    });
    for (const key of rotate(keys, round)) {
      const { instance, resetHistory } = contenders.get(key)!;
      let cpuStart: NodeJS.CpuUsage | undefined;
      let calls = 0;
      bench.add(
        key,
        async () => {
          const response = await instance.get('/items');
          sink += response.status;
        },
        // Outside the timed call: keeps axios-mock-adapter's request history from piling up.
        {
          async: true,
          beforeAll: mode => {
            if (mode !== 'run') return;
            calls = 0;
            cpuStart = process.cpuUsage();
          },
          afterEach: () => {
            calls++;
            resetHistory();
          },
          afterAll: mode => {
            if (mode !== 'run' || !cpuStart) return;
            const used = process.cpuUsage(cpuStart);
            cpuPerRound.get(key)!.push((used.user + used.system) / calls);
          },
        },
      );
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`tinybench task ${task.name} ended ${result.state}`);
      perRound.get(task.name as K)!.push(result.latency.mean * 1000);
      samples.set(task.name as K, samples.get(task.name as K)! + result.latency.samplesCount);
    }
    log(
      `  round ${round + 1}/${options.rounds}: ${keys.map(key => `${key} ${perRound.get(key)!.at(-1)!.toFixed(1)} µs`).join(', ')}`,
    );
  }
  if (sink === 0) throw new Error('no responses');

  const floor = perRound.get('bare' as K);
  const interceptorFloor = perRound.get('minimal' as K);
  const results = {} as Record<K, OverheadResult>;
  for (const key of keys) {
    const rounds = perRound.get(key)!;
    const ratios = floor ? rounds.map((value, i) => value / floor[i]) : [];
    const interceptorRatios = interceptorFloor ? rounds.map((value, i) => value / interceptorFloor[i]) : [];
    const cpu = cpuPerRound.get(key)!;
    const cpuFloor = cpuPerRound.get('minimal' as K);
    const cpuRatios = cpuFloor ? cpu.map((value, i) => value / cpuFloor[i]) : [];
    const us = median(rounds);
    results[key] = {
      usPerRequest: us,
      opsPerSecond: 1e6 / us,
      ratioToFloor: median(ratios),
      rounds,
      ratios,
      ratioToInterceptorFloor: median(interceptorRatios),
      interceptorRatios,
      cpuUsPerRequest: median(cpu),
      cpuRatioToInterceptorFloor: median(cpuRatios),
      cpuRatios,
      samples: samples.get(key)!,
    };
  }
  for (const contender of contenders.values()) contender.close();
  return results;
}
