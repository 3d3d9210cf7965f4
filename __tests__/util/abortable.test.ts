import { getEventListeners } from 'node:events';
import { keepAlive, raceAbort, sleep } from '../../lib/util/abortable';
import type { Timers } from '../../lib/util/Timers';
import { flushPromises } from '../helpers/FakeClock';
import { deferred } from '../helpers/tokenEndpointMock';

/** One timer set on {@link HandTimers}: its handle is the record itself. */
interface HandTimer {
  callback: () => void;
  ms: number;
  cleared: boolean;
}

/** Timers that only record; the test fires a callback by hand. */
class HandTimers implements Timers {
  readonly set: HandTimer[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: HandTimer = { callback, ms, cleared: false };
    this.set.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    (handle as HandTimer).cleared = true;
  }

  get only(): HandTimer {
    expect(this.set).toHaveLength(1);
    return this.set[0];
  }
}

/** How a promise stands after queued callbacks ran. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let result: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (result = 'resolved'),
    () => (result = 'rejected'),
  );
  await flushPromises(3);
  return result;
}

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('raceAbort', () => {
  it('rejects at once with the reason of a signal aborted before the call, whatever the promise does', async () => {
    const reason = new Error('gone');
    const result = raceAbort(new Promise(() => undefined), AbortSignal.abort(reason));
    await expect(result).rejects.toBe(reason);
  });

  it('returns the promise itself when there is no signal', () => {
    const promise = Promise.resolve(1);
    expect(raceAbort(promise, undefined)).toBe(promise);
  });

  it('resolves with the value and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const source = deferred<string>();
    const raced = raceAbort(source.promise, controller.signal);
    expect(abortListeners(controller.signal)).toBe(1);
    source.resolve('token-1');
    await expect(raced).resolves.toBe('token-1');
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('rejects with the same error and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const source = deferred<string>();
    const raced = raceAbort(source.promise, controller.signal);
    const failure = new Error('endpoint down');
    source.reject(failure);
    await expect(raced).rejects.toBe(failure);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  describe('when the signal aborts before the promise settles', () => {
    it("rejects at once with the signal's reason and leaves no listener", async () => {
      const controller = new AbortController();
      const source = deferred<string>();
      const raced = raceAbort(source.promise, controller.signal);
      const reason = new Error('caller gave up');
      controller.abort(reason);
      await expect(raced).rejects.toBe(reason);
      expect(abortListeners(controller.signal)).toBe(0);
    });

    it('lets the promise itself go on for others who share it', async () => {
      const controller = new AbortController();
      const source = deferred<string>();
      const raced = raceAbort(source.promise, controller.signal);
      controller.abort(new Error('caller gave up'));
      await expect(raced).rejects.toThrow('caller gave up');
      source.resolve('token-1');
      await expect(source.promise).resolves.toBe('token-1');
    });
  });

  describe('when the signal aborts after the promise settled', () => {
    it('keeps the value', async () => {
      const controller = new AbortController();
      const raced = raceAbort(Promise.resolve('token-1'), controller.signal);
      await flushPromises(1);
      controller.abort(new Error('too late'));
      await expect(raced).resolves.toBe('token-1');
    });
  });
});

describe('sleep', () => {
  it('rejects at once with the reason of a signal aborted before the call, setting no timer', async () => {
    const timers = new HandTimers();
    const reason = new Error('closed');
    await expect(sleep(1_000, { timers, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(timers.set).toHaveLength(0);
  });

  it('sets one timer for the given ms and resolves only when it fires', async () => {
    const timers = new HandTimers();
    const signal = new AbortController().signal;
    const slept = sleep(250, { timers, signal });
    expect(timers.only.ms).toBe(250);
    expect(await state(slept)).toBe('pending');
    timers.only.callback();
    expect(await state(slept)).toBe('resolved');
  });

  it('leaves no listener on the signal once the timer fired', async () => {
    const timers = new HandTimers();
    const signal = new AbortController().signal;
    const slept = sleep(250, { timers, signal });
    expect(abortListeners(signal)).toBe(1);
    timers.only.callback();
    await slept;
    expect(abortListeners(signal)).toBe(0);
    expect(timers.only.cleared).toBe(false);
  });

  describe('when the signal aborts before the timer fires', () => {
    it("rejects with the signal's reason, clears the timer and leaves no listener", async () => {
      const timers = new HandTimers();
      const controller = new AbortController();
      const slept = sleep(250, { timers, signal: controller.signal });
      const reason = new Error('closed');
      controller.abort(reason);
      await expect(slept).rejects.toBe(reason);
      expect(timers.only.cleared).toBe(true);
      expect(abortListeners(controller.signal)).toBe(0);
    });
  });

  describe('when the signal aborts after the timer fired', () => {
    it('stays resolved and clears nothing', async () => {
      const timers = new HandTimers();
      const controller = new AbortController();
      const slept = sleep(250, { timers, signal: controller.signal });
      timers.only.callback();
      await slept;
      controller.abort(new Error('too late'));
      await expect(slept).resolves.toBeUndefined();
      expect(timers.only.cleared).toBe(false);
    });
  });

  it('gives onTimer the handle of its timer, before anything waits', () => {
    const timers = new HandTimers();
    const onTimer = jest.fn();
    void sleep(10, { timers, signal: new AbortController().signal, onTimer });
    expect(onTimer).toHaveBeenCalledTimes(1);
    expect(onTimer).toHaveBeenCalledWith(timers.only);
  });

  it('needs no onTimer', async () => {
    const timers = new HandTimers();
    const slept = sleep(10, { timers, signal: new AbortController().signal });
    timers.only.callback();
    await expect(slept).resolves.toBeUndefined();
  });
});

describe('keepAlive', () => {
  it('calls ref() on the handle, as a method of the handle', () => {
    const handle = {
      ref: jest.fn(function (this: unknown) {
        return this;
      }),
    };
    keepAlive(handle);
    expect(handle.ref).toHaveBeenCalledTimes(1);
    expect(handle.ref.mock.results[0].value).toBe(handle);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number handle (fake timers)', 7],
    ['an object without ref', {}],
    ['an object whose ref is undefined', { ref: undefined }],
  ])('does nothing, without throwing, for %s', (_name, handle) => {
    expect(() => keepAlive(handle)).not.toThrow();
  });

  it('holds a real timer open again after it was unref()d', () => {
    const handle = setTimeout(() => undefined, 60_000);
    handle.unref();
    try {
      expect(handle.hasRef()).toBe(false);
      keepAlive(handle);
      expect(handle.hasRef()).toBe(true);
    } finally {
      clearTimeout(handle);
    }
  });
});
