import { keepAlive, sleep } from '../util/abortable';
import type { Timers } from '../util/Timers';

/** One shared fetch in progress. */
export interface Flight<T> {
  readonly promise: Promise<T>;
  /** Aborted by `abortAll()` (close); ends the fetch and its retry wait. */
  readonly signal: AbortSignal;
  /** A stored token is adopted only with more usable life left than this, in ms. */
  readonly minRemainingMs: number;
  /**
   * Nobody awaits it (refresh-ahead): its retry waits must not keep the process alive. Cleared
   * when a caller joins, so that a script awaiting a token does not exit mid-backoff.
   */
  background: boolean;
  /** The retry wait in progress, to `ref()` it when a caller joins. */
  sleepHandle?: unknown;
}

interface FlightRecord<T> extends Flight<T> {
  readonly generation: number;
}

/**
 * The single flight: at most one fetch whose result may fill the cache, shared by every caller
 * that needs one meanwhile; its promise is cleared when it settles, so a failure is never cached.
 * A generation number guards shared state: after `detach()` (an unconditional invalidation) or
 * `abortAll()` (close), an older flight still answers its own waiters but may write nothing.
 */
export class SingleFlight<T> {
  #current?: FlightRecord<T> | undefined;
  #generation = 0;
  /** Every flight still running, detached ones included, so that abortAll() reaches them all. */
  readonly #controllers = new Set<AbortController>();

  /** Whether a flight that may fill the cache is in progress. */
  get inProgress(): boolean {
    return this.#current !== undefined;
  }

  /** The flight in progress, now awaited by a caller: a background one holds the process open from here on. */
  join(): Promise<T> | undefined {
    const flight = this.#current;
    if (!flight) return undefined;
    if (flight.background) {
      flight.background = false;
      keepAlive(flight.sleepHandle);
    }
    return flight.promise;
  }

  /** Starts the flight that `run` performs, as the current one. */
  start(options: { background: boolean; minRemainingMs: number }, run: (flight: Flight<T>) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    const flight = {
      generation: this.#generation,
      signal: controller.signal,
      background: options.background,
      minRemainingMs: options.minRemainingMs,
    } as FlightRecord<T> & { promise: Promise<T> };
    flight.promise = run(flight).finally(() => {
      this.#controllers.delete(controller);
      // Only its own slot: a newer flight started after a detach must stay.
      if (this.#current === flight) this.#current = undefined;
    });
    // Waiters may all have left (aborted); the outcome must not become an unhandled rejection.
    flight.promise.catch(() => undefined);
    this.#controllers.add(controller);
    this.#current = flight;
    return flight;
  }

  /** Whether `flight` may still write shared state: no detach or abort since it started. */
  mayWrite(flight: Flight<T>): boolean {
    return (flight as FlightRecord<T>).generation === this.#generation;
  }

  /** Lets the flight in progress go on for its own waiters, without the right to write. */
  detach(): void {
    this.#current = undefined;
    this.#generation++;
  }

  /** Detaches and aborts every flight still running with `reason`. */
  abortAll(reason: unknown): void {
    this.detach();
    for (const controller of [...this.#controllers]) controller.abort(reason);
  }
}

/**
 * A retry wait inside `flight`: ended by its abort, and holding the process open only while
 * someone awaits the flight (the default timers are `unref`'d).
 */
export function sleepInFlight(flight: Flight<unknown>, ms: number, timers: Timers): Promise<void> {
  return sleep(ms, {
    timers,
    signal: flight.signal,
    onTimer: handle => {
      flight.sleepHandle = handle;
      if (!flight.background) keepAlive(handle);
    },
  });
}
