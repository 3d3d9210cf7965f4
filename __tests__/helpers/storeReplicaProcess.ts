import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { ReplicaOptions, ReplicaStats, TrafficResult } from './storeReplica';

export type { ReplicaOptions, ReplicaStats, TrafficResult } from './storeReplica';

const SCRIPT = path.join(__dirname, 'storeReplica.ts');
const live = new Set<ChildProcess>();
let guarded = false;

/** A replica child process (see storeReplica.ts), started and ready. */
export class ReplicaProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  stderr = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (message.id === undefined) return;
      const waiter = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (message.ok) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error));
    });
    child.once('exit', (code, signal) => {
      live.delete(child);
      for (const waiter of this.#waiting.values()) waiter.reject(new Error(`replica exited (${code ?? signal}): ${this.stderr}`));
      this.#waiting.clear();
    });
  }

  static async start(options: ReplicaOptions, startTimeoutMs = 30_000): Promise<ReplicaProcess> {
    if (!guarded) {
      guarded = true;
      process.on('exit', () => {
        for (const child of live) child.kill('SIGKILL');
      });
    }
    const child = fork(SCRIPT, [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, REPLICA_OPTIONS: JSON.stringify(options), TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    live.add(child);
    const replica = new ReplicaProcess(child);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (replica.stderr = (replica.stderr + chunk).slice(-8192)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`replica not ready within ${startTimeoutMs} ms: ${replica.stderr}`)),
        startTimeoutMs,
      );
      child.on('message', (message: { type?: string }) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', code => {
        clearTimeout(timer);
        reject(new Error(`replica exited with ${code} before ready: ${replica.stderr}`));
      });
    });
    return replica;
  }

  /** Stops every replica this process started, including any whose start was given up on. */
  static async stopAll(): Promise<void> {
    await Promise.all(
      [...live].map(
        child =>
          new Promise<void>(resolve => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  }

  #call<T>(command: Record<string, unknown>): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: value => resolve(value as T), reject });
      this.#child.send({ id, ...command });
    });
  }

  getToken(): Promise<{ token: string; ms: number }> {
    return this.#call({ cmd: 'getToken' });
  }

  invalidate(token?: string): Promise<boolean> {
    return this.#call({ cmd: 'invalidate', ...(token !== undefined ? { token } : {}) });
  }

  traffic(ratePerSecond: number, durationMs: number, recordAfterMs = 0): Promise<TrafficResult> {
    return this.#call({ cmd: 'traffic', ratePerSecond, durationMs, recordAfterMs });
  }

  stats(): Promise<ReplicaStats> {
    return this.#call({ cmd: 'stats' });
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGKILL: a replica holds nothing worth a graceful stop. */
  stop(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise(resolve => {
      this.#child.once('exit', () => resolve());
      this.#child.kill('SIGKILL');
    });
  }
}
