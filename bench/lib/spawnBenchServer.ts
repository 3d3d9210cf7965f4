// Starts a bench server in a child process and gives back the same control surface,
// every call going over IPC.
import { fork } from 'node:child_process';
import * as path from 'node:path';
import type { BenchServerOptions, BenchServerStats, Late401Options } from './benchServer';

export interface RemoteBenchServer {
  url: string;
  tokenEndpoint: string;
  pid: number;
  stats(): Promise<BenchServerStats>;
  resetStats(): Promise<void>;
  revokeAll(): Promise<void>;
  setTokenDelay(ms: number): Promise<void>;
  setLate401(options: Late401Options | undefined): Promise<void>;
  close(): Promise<void>;
}

interface Reply {
  id?: number;
  result?: unknown;
  error?: string;
  ready?: { url: string; tokenEndpoint: string };
}

export async function spawnBenchServer(options: BenchServerOptions): Promise<RemoteBenchServer> {
  const child = fork(path.join(__dirname, 'serverChild.ts'), [JSON.stringify(options)], {
    execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = await new Promise<{ url: string; tokenEndpoint: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench server child did not start within 20 s')), 20_000);
    child.once('error', reject);
    child.once('exit', code => reject(new Error(`bench server child exited early (${code})`)));
    child.on('message', (message: Reply) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message.ready);
        return;
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('bench server child exited'));
    pending.clear();
  });

  const call = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, method, args });
    });

  return {
    ...ready,
    pid: child.pid ?? -1,
    stats: () => call<BenchServerStats>('stats'),
    resetStats: () => call<void>('resetStats'),
    revokeAll: () => call<void>('revokeAll'),
    setTokenDelay: ms => call<void>('setTokenDelay', ms),
    setLate401: late => call<void>('setLate401', late),
    async close() {
      const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
      await call<void>('close').catch(() => undefined);
      await Promise.race([exited, new Promise<void>(resolve => setTimeout(resolve, 2_000).unref())]);
      if (child.exitCode === null) child.kill();
    },
  };
}
