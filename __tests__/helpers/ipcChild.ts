import { fork, type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let guarded = false;

export interface IpcChildOptions {
  /** Environment added to this process' own. */
  env: Record<string, string>;
  /** Node options before the script (ts-node is always registered, transpile-only). */
  execArgv?: string[];
  startTimeoutMs: number;
  /** What the child is, in error messages ("replica"). */
  label: string;
}

/**
 * A TypeScript script in a child process, driven over IPC: it sends `{ type: 'ready' }` once, then
 * answers every `{ id, cmd, ... }` with `{ id, ok, result }` or `{ id, ok: false, error }`. Every
 * child started is SIGKILLed when this process exits.
 */
export class IpcChild {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  /** The last 8 KiB the child wrote to stderr. */
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(child: ChildProcess, label: string) {
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
      for (const waiter of this.#waiting.values())
        waiter.reject(new Error(`${label} exited (${code ?? signal}): ${this.stderr}`));
      this.#waiting.clear();
    });
  }

  static async start(script: string, options: IpcChildOptions): Promise<IpcChild> {
    if (!guarded) {
      guarded = true;
      process.on('exit', () => {
        for (const child of live) child.kill('SIGKILL');
      });
    }
    const child = fork(script, [], {
      execArgv: [...(options.execArgv ?? []), '-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, ...options.env, TS_NODE_TRANSPILE_ONLY: 'true' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    live.add(child);
    const started = new IpcChild(child, options.label);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (started.stderr = (started.stderr + chunk).slice(-8192)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.label} not ready within ${options.startTimeoutMs} ms: ${started.stderr}`)),
        options.startTimeoutMs,
      );
      child.on('message', (message: { type?: string }) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', code => {
        clearTimeout(timer);
        reject(new Error(`${options.label} exited with ${code} before ready: ${started.stderr}`));
      });
    });
    return started;
  }

  /** SIGKILLs every child this process started, including any whose start was given up on. */
  static async stopAll(): Promise<void> {
    await Promise.all([...live].map(child => kill(child)));
  }

  call<T>(command: Record<string, unknown>): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: value => resolve(value as T), reject });
      this.#child.send({ id, ...command });
    });
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGKILL: the children hold nothing worth a graceful stop. */
  stop(): Promise<void> {
    return kill(this.#child);
  }
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
