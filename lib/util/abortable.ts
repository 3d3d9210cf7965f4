import type { Timers } from './Timers';

/**
 * `promise`, released early when `signal` aborts (rejecting with the signal's reason). The
 * promise itself goes on: others may share it.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as unknown);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** What a {@link sleep} needs. */
export interface SleepOptions {
  timers: Timers;
  /** Ends the sleep early, rejecting with the signal's reason. */
  signal: AbortSignal;
  /** Receives the timer handle, e.g. to `ref()` it later when someone starts waiting. */
  onTimer?: (handle: unknown) => void;
}

/** Waits `ms` on the given timers, or until `signal` aborts. */
export function sleep(ms: number, { timers, signal, onTimer }: SleepOptions): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as unknown);
  return new Promise<void>((resolve, reject) => {
    const cancel = () => {
      timers.clearTimeout(handle);
      reject(signal.reason);
    };
    const handle = timers.setTimeout(() => {
      signal.removeEventListener('abort', cancel);
      resolve();
    }, ms);
    onTimer?.(handle);
    signal.addEventListener('abort', cancel, { once: true });
  });
}

/** Makes a timer handle hold the process open (the default timers are `unref`'d). */
export function keepAlive(handle: unknown): void {
  (handle as { ref?: () => void } | undefined)?.ref?.();
}
