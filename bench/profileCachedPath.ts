// Profiles one contender's cached path (mock adapter, no network) for `node --cpu-prof`:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof -r ts-node/register/transpile-only bench/profileCachedPath.ts ours 200000
// then `node bench/lib/summarizeProfile.mjs /tmp/prof/<file>.cpuprofile` lists self time by function and file.
import type { ContenderKey } from './lib/contenders';
import { createMockContender } from './lib/mockSetup';

async function main(): Promise<void> {
  const key = (process.argv[2] ?? 'ours') as ContenderKey;
  const requests = Number(process.argv[3] ?? 200_000);
  const contender = createMockContender(key);
  await contender.get('/items');
  const started = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    await contender.get('/items');
    if (i % 1000 === 0) contender.resetHistory();
  }
  const cpu = process.cpuUsage(started);
  console.log(`${key}: ${((cpu.user + cpu.system) / requests).toFixed(2)} µs CPU per request over ${requests} requests`);
  await contender.close();
}

void main();
