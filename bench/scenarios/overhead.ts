// Per-request cost on the cached path, on a mock transport (no network: axios-mock-adapter for
// axios, undici's MockAgent for fetch), measured with tinybench. Rounds are repeated with the
// contenders in rotated order; each round's mean time per request is divided by the floors' from
// the same round (those of the contender's own client), and the medians are reported.
import type * as Tinybench from 'tinybench';
import { floorsOf, type ContenderKey } from '../lib/contenders';
import { createMockContender, type MockContender } from '../lib/mockSetup';
import { forceGc, median, percentileSorted, rotate } from '../lib/stats';

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
  /** Median over rounds of (time per request ÷ the interceptor floor's in the same round). */
  ratioToInterceptorFloor: number;
  /**
   * Median over rounds of this process's CPU time (user + system) per request, in µs, and its
   * ratio to the interceptor floor's: CPU time moves far less than wall-clock time when other
   * processes share the machine. It includes the mock's history reset after each call, alike for all.
   */
  cpuUsPerRequest: number;
  cpuRatioToInterceptorFloor: number;
  /**
   * Paired slices: after the tinybench rounds, every contender runs `slicePerContender` requests in
   * turn, in rotated order, `slices` times; each slice's time (wall and CPU) is divided by the
   * interceptor floor's from the same slice. Slices of ~50 ms follow each other closely, so load
   * from other processes hits all contenders alike; the median of these ratios is the goal row.
   */
  pairedRatioToInterceptorFloor: number;
  pairedCpuRatioToInterceptorFloor: number;
  /** First and third quartile of the paired wall-clock ratios: how far the slices scatter. */
  pairedRatioQuartiles: [number, number];
  pairedRatios: number[];
  pairedCpuRatios: number[];
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
  /** Paired slices after the rounds (see {@link OverheadResult.pairedRatios}); 0 for none. */
  slices?: number;
  slicePerContender?: number;
}

export function runOverhead(
  keys: readonly ContenderKey[],
  options: OverheadOptions,
  log: (line: string) => void,
): Promise<Record<ContenderKey, OverheadResult>> {
  return measureCachedPath(keys, createMockContender, options, log, floorsOf);
}

/** Which keys a contender's ratios divide by; a floor missing from the run leaves its ratios empty. */
export type FloorsOf<K extends string> = (key: K) => { floor: K; interceptorFloor: K };

/** The cached-path measure over any set of mock contenders; by default `bare` is the floor and `minimal` the interceptor floor. */
export async function measureCachedPath<K extends string>(
  keys: readonly K[],
  create: (key: K) => MockContender,
  options: OverheadOptions,
  log: (line: string) => void,
  floorsOf: FloorsOf<K> = () => ({ floor: 'bare' as K, interceptorFloor: 'minimal' as K }),
): Promise<Record<K, OverheadResult>> {
  const { Bench } = (await importEsm('tinybench')) as typeof Tinybench;
  const contenders = new Map<K, MockContender>();
  for (const key of keys) {
    const contender = create(key);
    await contender.get('/items'); // fills the cache: the cached path is what is measured
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
      const { get, resetHistory } = contenders.get(key)!;
      let cpuStart: NodeJS.CpuUsage | undefined;
      let calls = 0;
      bench.add(
        key,
        async () => {
          const response = await get('/items');
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
  const paired = await pairedSlices(keys, contenders, options.slices ?? 0, options.slicePerContender ?? 1000, floorsOf);
  if (paired.wall.size > 0)
    log(`  ${options.slices} paired slices of ${options.slicePerContender ?? 1000} requests per contender`);

  const results = {} as Record<K, OverheadResult>;
  for (const key of keys) {
    const floor = perRound.get(floorsOf(key).floor);
    const interceptorFloor = perRound.get(floorsOf(key).interceptorFloor);
    const rounds = perRound.get(key)!;
    const ratios = floor ? rounds.map((value, i) => value / floor[i]) : [];
    const interceptorRatios = interceptorFloor ? rounds.map((value, i) => value / interceptorFloor[i]) : [];
    const cpu = cpuPerRound.get(key)!;
    const cpuFloor = cpuPerRound.get(floorsOf(key).interceptorFloor);
    const cpuRatios = cpuFloor ? cpu.map((value, i) => value / cpuFloor[i]) : [];
    const us = median(rounds);
    const pairedRatios = paired.ratios(paired.wall, key);
    const pairedCpuRatios = paired.ratios(paired.cpu, key);
    results[key] = {
      pairedRatioToInterceptorFloor: median(pairedRatios),
      pairedCpuRatioToInterceptorFloor: median(pairedCpuRatios),
      pairedRatioQuartiles: quartiles(pairedRatios),
      pairedRatios,
      pairedCpuRatios,
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
  for (const contender of contenders.values()) await contender.close();
  return results;
}

/** Contenders in turn, `perContender` requests each, rotated every slice; wall and CPU µs per request. */
async function pairedSlices<K extends string>(
  keys: readonly K[],
  contenders: ReadonlyMap<K, MockContender>,
  slices: number,
  perContender: number,
  floorsOf: FloorsOf<K>,
): Promise<{ wall: Map<K, number[]>; cpu: Map<K, number[]>; ratios: (of: Map<K, number[]>, key: K) => number[] }> {
  const wall = new Map<K, number[]>();
  const cpu = new Map<K, number[]>();
  if (slices > 0) {
    for (const key of keys) {
      wall.set(key, []);
      cpu.set(key, []);
    }
  }
  for (let slice = 0; slice < slices; slice++) {
    for (const key of rotate(keys, slice)) {
      const { get, resetHistory } = contenders.get(key)!;
      resetHistory();
      const cpuStart = process.cpuUsage();
      const wallStart = performance.now();
      for (let i = 0; i < perContender; i++) {
        await get('/items');
        if (i % 100 === 99) resetHistory();
      }
      const used = process.cpuUsage(cpuStart);
      wall.get(key)!.push(((performance.now() - wallStart) * 1000) / perContender);
      cpu.get(key)!.push((used.user + used.system) / perContender);
    }
  }
  const ratios = (of: Map<K, number[]>, key: K): number[] => {
    const base = of.get(floorsOf(key).interceptorFloor);
    const values = of.get(key);
    return base && values ? values.map((value, i) => value / base[i]) : [];
  };
  return { wall, cpu, ratios };
}

function quartiles(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  return [percentileSorted(sorted, 25), percentileSorted(sorted, 75)];
}
