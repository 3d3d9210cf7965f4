import { realTimers } from '../../lib/util/Timers';

describe('realTimers (the default Timers)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the callback once the delay has passed, not before', () => {
    const callback = jest.fn();
    realTimers.setTimeout(callback, 100);
    jest.advanceTimersByTime(99);
    expect(callback).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(callback).toHaveBeenCalledTimes(1);
  });

  it('cancels a timer with clearTimeout', () => {
    const callback = jest.fn();
    const handle = realTimers.setTimeout(callback, 100);
    realTimers.clearTimeout(handle);
    jest.advanceTimersByTime(1_000);
    expect(callback).not.toHaveBeenCalled();
  });

  it('works where setTimeout hands back a plain number with no unref (a browser-like runtime or a shim)', () => {
    const setTimeoutSpy = jest.spyOn(globalThis, 'setTimeout').mockReturnValue(7 as unknown as NodeJS.Timeout);
    try {
      expect(realTimers.setTimeout(() => undefined, 100)).toBe(7);
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });

  it('returns a handle that does not hold the process open', () => {
    const handle = realTimers.setTimeout(() => undefined, 100) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    realTimers.clearTimeout(handle);
  });
});
