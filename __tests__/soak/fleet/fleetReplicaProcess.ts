import * as path from 'node:path';
import { IpcChild } from '../../helpers/ipcChild';
import type { FleetReplicaOptions, ReplicaReport, ReplicaSnapshot, ReplicaTrafficResult } from './fleetReplica';

export type { FailedRequest, FleetReplicaOptions, ReplicaReport, ReplicaSnapshot, ReplicaTrafficResult } from './fleetReplica';

const SCRIPT = path.join(__dirname, 'fleetReplica.ts');

/** A fleet soak replica (fleetReplica.ts) in a child process, driven over IPC. */
export class FleetReplicaProcess {
  readonly #child: IpcChild;

  private constructor(child: IpcChild) {
    this.#child = child;
  }

  static async start(options: FleetReplicaOptions, startTimeoutMs = 120_000): Promise<FleetReplicaProcess> {
    const env = { FLEET_REPLICA_OPTIONS: JSON.stringify(options) };
    const child = await IpcChild.start(SCRIPT, { env, execArgv: ['--expose-gc'], startTimeoutMs, label: 'replica' });
    return new FleetReplicaProcess(child);
  }

  /** SIGKILLs every replica this process started. */
  static stopAll(): Promise<void> {
    return IpcChild.stopAll();
  }

  traffic(ratePerSecond: number, durationMs: number): Promise<ReplicaTrafficResult> {
    return this.#child.call({ cmd: 'traffic', ratePerSecond, durationMs });
  }

  snapshot(): Promise<{ snapshot: ReplicaSnapshot; report: ReplicaReport }> {
    return this.#child.call({ cmd: 'snapshot' });
  }

  /** Closes the manager and reports what is left open. */
  close(): Promise<{ snapshot: ReplicaSnapshot; report: ReplicaReport }> {
    return this.#child.call({ cmd: 'close' });
  }

  get stderr(): string {
    return this.#child.stderr;
  }

  get exit(): IpcChild['exit'] {
    return this.#child.exit;
  }

  get alive(): boolean {
    return this.#child.alive;
  }
}
