// `npm run bench`: runs every contender, on axios and on fetch, on the same work, in this process,
// against the same loopback servers, and prints/writes one table. Flags:
//   --quick        fewer rounds and requests (a smoke run; numbers are not for comparison)
//   --update-doc   also replace the generated section of BENCHMARKS.md
//   --only=a,b     run only some measures: tokens, overhead, telemetry, throughput, rotation, memory, fleet
//                  (fleet, 8 replica processes sharing a redis-server, runs only when asked for)
//   --contenders=a,b  run only some contenders (keys in bench/lib/contenders.ts); the floors and ours
//                     (ours, oursFetch) always run
import * as os from 'node:os';
import { ALWAYS_RUN, CONTENDERS, contender, type ContenderKey } from './lib/contenders';
import {
  buildTable,
  checkGoals,
  contenderLabels,
  machineInfo,
  toText,
  updateBenchmarksMd,
  versions,
  writeReport,
  type AllResults,
  type Report,
} from './lib/report';
import { forceGc, median } from './lib/stats';
import { runMemory } from './scenarios/memory';
import { runOverhead } from './scenarios/overhead';
import { runRotation } from './scenarios/rotation';
import { measureLookupCost, runTelemetryOverhead, TELEMETRY_CONTENDERS, TELEMETRY_LABELS } from './scenarios/telemetryOverhead';
import { runThroughput } from './scenarios/throughput';
import { runTokenRequestScenarios } from './scenarios/tokenRequests';
import { runFleet } from './scenarios/fleet';

const MEASURES = ['tokens', 'overhead', 'telemetry', 'throughput', 'rotation', 'memory', 'fleet'] as const;
type Measure = (typeof MEASURES)[number];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const updateDoc = args.includes('--update-doc');
  const onlyArg = args.find(arg => arg.startsWith('--only='));
  const only = new Set<Measure>(
    onlyArg ? (onlyArg.slice('--only='.length).split(',') as Measure[]) : MEASURES.filter(measure => measure !== 'fleet'),
  );
  for (const measure of only)
    if (!MEASURES.includes(measure)) throw new Error(`unknown measure ${measure}; use ${MEASURES.join(', ')}`);
  if (!(globalThis as { gc?: unknown }).gc)
    console.warn('note: run with node --expose-gc (npm run bench does) for steadier numbers');

  const settings = {
    tokenRequests: { coldBurst: 1000, storm: 200, late: 200, tokenDelayMs: 20 },
    overhead: quick
      ? { rounds: 2, timeMs: 150, warmupMs: 50, slices: 4, slicePerContender: 500 }
      : { rounds: 7, timeMs: 250, warmupMs: 60, slices: 60, slicePerContender: 1000 },
    throughput: quick
      ? { rounds: 2, durationMs: 300, warmupMs: 200, concurrency: 16 }
      : { rounds: 16, durationMs: 300, warmupMs: 400, concurrency: 16 },
    rotation: quick
      ? { tokenDelayMs: 200, ttlSeconds: 3, bufferSeconds: 1, rate: 50, runInMs: 300, durationMs: 2500 }
      : { tokenDelayMs: 200, ttlSeconds: 3, bufferSeconds: 1, rate: 50, runInMs: 500, durationMs: 8000 },
    memory: { requests: quick ? 20_000 : 200_000, parallelProcesses: 2 },
    // 10 s tokens used for 9 s, the last 30 % refreshed ahead: a 2.7 s window (the random starts
    // spread over ¾ of it), against the 36 s window of 300 s Keycloak tokens at the defaults.
    fleet: quick
      ? { replicas: 8, ttlSeconds: 10, bufferSeconds: 1, refreshAhead: 0.3, rate: 20, runInMs: 2_000, durationMs: 15_000 }
      : { replicas: 8, ttlSeconds: 10, bufferSeconds: 1, refreshAhead: 0.3, rate: 20, runInMs: 2_000, durationMs: 40_000 },
  };

  const contendersArg = args.find(arg => arg.startsWith('--contenders='));
  const chosen = contendersArg ? new Set(contendersArg.slice('--contenders='.length).split(',')) : undefined;
  for (const key of chosen ?? [])
    if (!CONTENDERS.some(def => def.key === key))
      throw new Error(`unknown contender ${key}; use ${CONTENDERS.map(def => def.key).join(', ')}`);
  const keys: ContenderKey[] = CONTENDERS.map(def => def.key).filter(
    key => !chosen || chosen.has(key) || ALWAYS_RUN.includes(key),
  );
  const machine = machineInfo();
  const started = performance.now();
  const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  log(
    `bench on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load average ${machine.loadAverageStart.join(' ')}`,
  );
  if (machine.loadAverageStart[0] > machine.cores)
    log('warning: the machine is busy (load average above the core count); expect noisy numbers');

  const results: AllResults = {};
  if (only.has('tokens')) {
    log('token requests: cold burst, 401 storm, late 401s (real loopback HTTP, token endpoint answers in 20 ms)');
    results.tokenRequests = await runTokenRequestScenarios(keys, log);
    forceGc();
  }
  if (only.has('overhead')) {
    log(`cached-path overhead on a mock transport (tinybench, ${settings.overhead.rounds} rounds)`);
    results.overhead = await runOverhead(keys, settings.overhead, log);
    forceGc();
  }
  if (only.has('telemetry')) {
    log(`cached-path overhead without and with an OpenTelemetry SDK (tinybench, ${settings.overhead.rounds} rounds)`);
    results.telemetry = await runTelemetryOverhead({ ...settings.overhead, slices: 0 }, log);
    results.telemetryLookup = await measureLookupCost(settings.overhead, log);
    forceGc();
  }
  if (only.has('throughput')) {
    log(
      `loopback HTTP throughput (${settings.throughput.rounds} rounds × ${settings.throughput.durationMs} ms, ${settings.throughput.concurrency} in flight)`,
    );
    results.throughput = await runThroughput(keys, settings.throughput, log);
    forceGc();
  }
  if (only.has('rotation')) {
    log(
      `latency across token rotation (token endpoint ${settings.rotation.tokenDelayMs} ms, expires_in ${settings.rotation.ttlSeconds} s, ` +
        `buffer ${settings.rotation.bufferSeconds} s, ${settings.rotation.rate} requests/s per stream, ${settings.rotation.durationMs} ms recorded)`,
    );
    // The axios contenders only: see the table's footnote ⁴ (report.ts).
    results.rotation = await runRotation(
      keys.filter(key => contender(key).transport === 'axios'),
      settings.rotation,
      log,
    );
    forceGc();
  }
  if (only.has('memory')) {
    log(`memory: heap after GC following ${settings.memory.requests} requests, one process per contender`);
    results.memory = await runMemory(keys, settings.memory.requests, settings.memory.parallelProcesses, log);
  }

  if (only.has('fleet')) {
    const f = settings.fleet;
    log(
      `fleet: ${f.replicas} replica processes, ${f.rate} requests/s each, ${f.ttlSeconds} s tokens, with and without a shared redis-server`,
    );
    results.fleet = await runFleet(f, log);
  }

  machine.loadAverageEnd = os.loadavg().map(value => Math.round(value * 100) / 100);
  const report: Report = {
    generatedAt: new Date().toISOString(),
    durationSeconds: (performance.now() - started) / 1000,
    quick,
    machine,
    versions: versions(),
    settings,
    contenders: contenderLabels(keys),
    table: buildTable(keys, results, settings.memory.requests),
    goals: checkGoals(results),
    results,
  };
  const files = writeReport(report);
  console.log('');
  console.log(toText(report));
  console.log('');
  if (results.telemetry) {
    const t = results.telemetry;
    console.log('Telemetry cost, cached path (mock adapter): µs per request | ÷ floor');
    for (const key of TELEMETRY_CONTENDERS)
      console.log(
        `  ${TELEMETRY_LABELS[key].padEnd(42)} ${t[key].usPerRequest.toFixed(2).padStart(7)} | ${t[key].ratioToFloor.toFixed(3)}`,
      );
    const ratios = t.oursNoSdk.ratios.map((noSdk, i) => t.oursWithSdk.ratios[i] / noSdk);
    console.log(
      `  with SDK ÷ without, median of rounds: ${median(ratios).toFixed(3)} (rounds: ${ratios.map(r => r.toFixed(3)).join(' ')})`,
    );
    const lookup = results.telemetryLookup;
    if (lookup) {
      console.log(
        `  getCachedToken() alone: ${lookup.noSdkNs.toFixed(0)} ns without an SDK, ${lookup.withSdkNs.toFixed(0)} ns with one: +${lookup.addedNs.toFixed(0)} ns per cached request` +
          ` (${((lookup.addedNs / 1000 / t.oursNoSdk.usPerRequest) * 100).toFixed(2)} % of this run's cached request)`,
      );
    }
    console.log('');
  }
  for (const goal of report.goals) console.log(`${goal.met ? 'met    ' : 'NOT MET'}  ${goal.goal}: ${goal.value}`);
  console.log('');
  console.log(`wrote ${files.json} and ${files.md}`);
  if (updateDoc) {
    console.log(updateBenchmarksMd(report) ? 'updated BENCHMARKS.md' : 'BENCHMARKS.md has no results markers; not updated');
  }
  log('done');
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
