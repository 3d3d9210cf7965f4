// Heap after GC following N requests, per contender, each in a fresh process with --expose-gc.
import { fork } from 'node:child_process';
import * as path from 'node:path';
import type { ContenderKey } from '../lib/contenders';

export interface MemoryResult {
  /** Heap used after GC before the N requests (after warm-up), bytes. */
  heapBefore: number;
  /** Heap used after GC following the N requests, bytes. */
  heapAfter: number;
  /** heapAfter − heapBefore, bytes. */
  retained: number;
  requests: number;
  failed: number;
  elapsedMs: number;
  tokenRequests: number;
}

function measure(key: ContenderKey, requests: number): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, '..', 'lib', 'memoryChild.ts'), [key, String(requests)], {
      execArgv: ['--expose-gc', '-r', require.resolve('ts-node/register/transpile-only')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: MemoryResult | undefined;
    child.on(
      'message',
      (message: {
        before: number;
        after: number;
        requests: number;
        failed: number;
        elapsedMs: number;
        tokenRequests: number;
      }) => {
        result = {
          heapBefore: message.before,
          heapAfter: message.after,
          retained: message.after - message.before,
          requests: message.requests,
          failed: message.failed,
          elapsedMs: message.elapsedMs,
          tokenRequests: message.tokenRequests,
        };
        child.disconnect();
      },
    );
    child.on('error', reject);
    child.on('exit', code => (result ? resolve(result) : reject(new Error(`memory child for ${key} exited with ${code}`))));
  });
}

/** Runs the contenders' processes `parallel` at a time (memory is not timing-sensitive). */
export async function runMemory(
  keys: readonly ContenderKey[],
  requests: number,
  parallel: number,
  log: (line: string) => void,
): Promise<Record<ContenderKey, MemoryResult>> {
  const results = {} as Record<ContenderKey, MemoryResult>;
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const result = await measure(key, requests);
        results[key] = result;
        log(
          `  ${key}: heap after GC ${(result.heapAfter / 1048576).toFixed(2)} MB ` +
            `(${result.retained >= 0 ? '+' : ''}${(result.retained / 1024).toFixed(0)} KB vs. before, ${Math.round(result.elapsedMs)} ms)`,
        );
      }
    }),
  );
  return results;
}
