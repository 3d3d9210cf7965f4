import * as path from 'node:path';
import { IpcChild } from './ipcChild';
import type { ReplicaOptions, ReplicaStats, TrafficResult } from './storeReplica';

export type { ReplicaOptions, ReplicaStats, TrafficResult } from './storeReplica';

const SCRIPT = path.join(__dirname, 'storeReplica.ts');

/** A replica child process (see storeReplica.ts), started and ready. */
export class ReplicaProcess {
  readonly #child: IpcChild;

  private constructor(child: IpcChild) {
    this.#child = child;
  }

  static async start(options: ReplicaOptions, startTimeoutMs = 30_000): Promise<ReplicaProcess> {
    const env = { REPLICA_OPTIONS: JSON.stringify(options) };
    return new ReplicaProcess(await IpcChild.start(SCRIPT, { env, startTimeoutMs, label: 'replica' }));
  }

  /** Stops every replica this process started, including any whose start was given up on. */
  static stopAll(): Promise<void> {
    return IpcChild.stopAll();
  }

  getToken(): Promise<{ token: string; ms: number }> {
    return this.#child.call({ cmd: 'getToken' });
  }

  invalidate(token?: string): Promise<boolean> {
    return this.#child.call({ cmd: 'invalidate', ...(token !== undefined ? { token } : {}) });
  }

  traffic(ratePerSecond: number, durationMs: number, recordAfterMs = 0): Promise<TrafficResult> {
    return this.#child.call({ cmd: 'traffic', ratePerSecond, durationMs, recordAfterMs });
  }

  stats(): Promise<ReplicaStats> {
    return this.#child.call({ cmd: 'stats' });
  }

  get stderr(): string {
    return this.#child.stderr;
  }

  get alive(): boolean {
    return this.#child.alive;
  }

  /** SIGKILL: a replica holds nothing worth a graceful stop. */
  stop(): Promise<void> {
    return this.#child.stop();
  }
}
