// A quick A/B of the cached path for development (not part of `npm run bench`): contenders run in
// short alternating slices in one process, so that load from other processes hits all of them alike.
//   node -r ts-node/register/transpile-only bench/compareCachedPath.ts minimal,ours [slices] [requestsPerSlice]
// Prints CPU and wall time per request, and the median over slices of each one's ratio to the first.
import type { ContenderKey } from './lib/contenders';
import { createMockContender, type MockContender } from './lib/mockSetup';
import { median, rotate } from './lib/stats';

async function main(): Promise<void> {
  const keys = (process.argv[2] ?? 'minimal,ours').split(',') as ContenderKey[];
  const slices = Number(process.argv[3] ?? 60);
  const perSlice = Number(process.argv[4] ?? 2000);
  const contenders = new Map<ContenderKey, MockContender>(keys.map(key => [key, createMockContender(key)]));
  for (const contender of contenders.values()) for (let i = 0; i < 5000; i++) await contender.get('/items');
  const cpu = new Map<ContenderKey, number[]>(keys.map(key => [key, []]));
  const wall = new Map<ContenderKey, number[]>(keys.map(key => [key, []]));
  for (let slice = 0; slice < slices; slice++) {
    for (const key of rotate(keys, slice)) {
      const contender = contenders.get(key)!;
      contender.resetHistory();
      const cpuStart = process.cpuUsage();
      const wallStart = performance.now();
      for (let i = 0; i < perSlice; i++) await contender.get('/items');
      const used = process.cpuUsage(cpuStart);
      wall.get(key)!.push(((performance.now() - wallStart) * 1000) / perSlice);
      cpu.get(key)!.push((used.user + used.system) / perSlice);
    }
  }
  const base = keys[0];
  for (const key of keys) {
    const cpuRatios = cpu.get(key)!.map((value, i) => value / cpu.get(base)![i]);
    const wallRatios = wall.get(key)!.map((value, i) => value / wall.get(base)![i]);
    console.log(
      `${key.padEnd(16)} cpu ${median(cpu.get(key)!).toFixed(2)} µs (÷${base} ${median(cpuRatios).toFixed(3)})  ` +
        `wall ${median(wall.get(key)!).toFixed(2)} µs (÷${base} ${median(wallRatios).toFixed(3)})`,
    );
  }
  for (const contender of contenders.values()) await contender.close();
}

void main();
