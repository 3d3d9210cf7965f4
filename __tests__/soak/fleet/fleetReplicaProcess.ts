import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { FleetReplicaOptions, ReplicaReport, ReplicaSnapshot, ReplicaTrafficResult } from './fleetReplica';

export type { FailedRequest, FleetReplicaOptions, ReplicaReport, ReplicaSnapshot, ReplicaTrafficResult } from './fleetReplica';

const SCRIPT = path.join(__dirname, 'fleetReplica.ts');
const live = new Set<ChildProcess>();
let guarded = false;

/** A fleet soak replica (fleetReplica.ts) in a child process, driven over IPC. */
export class FleetReplicaProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

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
      this.exit = { code, signal };
      for (const waiter of this.#waiting.values()) waiter.reject(new Error(`replica exited (${code ?? signal}): ${this.stderr}`));
      this.#waiting.clear();
    });
  }

  static async start(options: FleetReplicaOptions, startTimeoutMs = 120_000): Promise<FleetReplicaProcess> {
    if (!guarded) {
      guarded = true;
      process.on('exit', () => {
        for (const child of live) child.kill('SIGKILL');
      });
    }
    const child = fork(SCRIPT, [], {
      execArgv: ['--expose-gc', '-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, FLEET_REPLICA_OPTIONS: JSON.stringify(options), TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    live.add(child);
    const replica = new FleetReplicaProcess(child);
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

  /** SIGKILLs every replica this process started. */
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

  traffic(ratePerSecond: number, durationMs: number): Promise<ReplicaTrafficResult> {
    return this.#call({ cmd: 'traffic', ratePerSecond, durationMs });
  }

  snapshot(): Promise<{ snapshot: ReplicaSnapshot; report: ReplicaReport }> {
    return this.#call({ cmd: 'snapshot' });
  }

  /** Closes the manager and reports what is left open. */
  close(): Promise<{ snapshot: ReplicaSnapshot; report: ReplicaReport }> {
    return this.#call({ cmd: 'close' });
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }
}
