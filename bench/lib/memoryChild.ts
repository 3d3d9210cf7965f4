// Child-process entry for the memory measure: one contender per process, on axios-mock-adapter,
// started with --expose-gc. Reports heap used after GC before and after N requests.
import { createMockContender } from './mockSetup';
import type { ContenderKey } from './contenders';

const gc = (globalThis as { gc?: () => void }).gc;

async function settle(): Promise<number> {
  if (!gc) throw new Error('memory measure needs node --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise(resolve => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const key = process.argv[2] as ContenderKey;
  const total = Number(process.argv[3] ?? 200_000);
  const concurrency = Number(process.argv[4] ?? 50);
  const contender = createMockContender(key);
  // Warm up: JIT, caches, the first token.
  for (let i = 0; i < 2_000; i++) await contender.get('/items');
  contender.resetHistory();
  const before = await settle();
  let sent = 0;
  let failed = 0;
  const start = performance.now();
  const worker = async () => {
    while (sent < total) {
      sent++;
      if (sent % 1000 === 0) contender.resetHistory();
      try {
        await contender.get('/items');
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - start;
  contender.resetHistory();
  const after = await settle();
  process.send?.({ key, requests: total, failed, before, after, elapsedMs, tokenRequests: contender.tokenRequests() });
  await contender.close();
}

void main();
