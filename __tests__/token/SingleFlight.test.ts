import { SingleFlight, sleepInFlight, type Flight } from '../../lib/token/SingleFlight';
import type { Timers } from '../../lib/util/Timers';
import { flushPromises } from '../helpers/FakeClock';
import { deferred, type Deferred } from '../helpers/tokenEndpointMock';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';

/** A timer handle that records ref() calls, as a Node timer's would hold the process. */
interface RefHandle {
  ref: jest.Mock;
  callback: () => void;
  ms: number;
}

/** Timers fired by hand, whose handles record ref(). */
class RefTimers implements Timers {
  readonly handles: RefHandle[] = [];
  setTimeout(callback: () => void, ms: number): unknown {
    const handle: RefHandle = { ref: jest.fn(), callback, ms };
    this.handles.push(handle);
    return handle;
  }
  clearTimeout(): void {}
}

/** A flight whose outcome the test decides, and the Flight its run was given. */
function startHeld(flights: SingleFlight<string>, options = { background: false, minRemainingMs: 0 }) {
  const outcome: Deferred<string> = deferred<string>();
  let given: Flight<string> | undefined;
  const flight = flights.start(options, f => {
    given = f;
    return outcome.promise;
  });
  return { flight, outcome, given: given! };
}

describe('SingleFlight', () => {
  it('has nothing to join before a flight starts', () => {
    const flights = new SingleFlight<string>();
    expect(flights.inProgress).toBe(false);
    expect(flights.join()).toBeUndefined();
  });

  it('gives the run its own flight, with the options it was started with', () => {
    const flights = new SingleFlight<string>();
    const { flight, given } = startHeld(flights, { background: true, minRemainingMs: 60_000 });
    expect(given).toBe(flight);
    expect(flight).toMatchObject({ background: true, minRemainingMs: 60_000 });
    expect(flight.signal.aborted).toBe(false);
  });

  it('shares one promise among everyone who joins, with the value of the run', async () => {
    const flights = new SingleFlight<string>();
    const { flight, outcome } = startHeld(flights);
    expect(flights.inProgress).toBe(true);
    const first = flights.join();
    const second = flights.join();
    expect(first).toBe(flight.promise);
    expect(second).toBe(flight.promise);
    outcome.resolve('token-1');
    await expect(first).resolves.toBe('token-1');
  });

  describe('when a caller joins a background flight', () => {
    it('is no longer background, and its retry wait holds the process from then on', () => {
      const flights = new SingleFlight<string>();
      const { flight } = startHeld(flights, { background: true, minRemainingMs: 0 });
      const handle = { ref: jest.fn() };
      flight.sleepHandle = handle;
      void flights.join();
      expect(flight.background).toBe(false);
      expect(handle.ref).toHaveBeenCalledTimes(1);
    });

    it('refs the wait only once, however many join', () => {
      const flights = new SingleFlight<string>();
      const { flight } = startHeld(flights, { background: true, minRemainingMs: 0 });
      const handle = { ref: jest.fn() };
      flight.sleepHandle = handle;
      void flights.join();
      void flights.join();
      expect(handle.ref).toHaveBeenCalledTimes(1);
    });

    it('needs no wait to be in progress', () => {
      const flights = new SingleFlight<string>();
      const { flight } = startHeld(flights, { background: true, minRemainingMs: 0 });
      expect(flights.join()).toBe(flight.promise);
      expect(flight.background).toBe(false);
    });
  });

  it('does not ref the wait of a flight that someone already awaits', () => {
    const flights = new SingleFlight<string>();
    const { flight } = startHeld(flights);
    const handle = { ref: jest.fn() };
    flight.sleepHandle = handle;
    void flights.join();
    expect(handle.ref).not.toHaveBeenCalled();
  });

  describe('when the flight settles', () => {
    it('clears the slot after a success', async () => {
      const flights = new SingleFlight<string>();
      const { flight, outcome } = startHeld(flights);
      outcome.resolve('token-1');
      await flight.promise;
      expect(flights.inProgress).toBe(false);
      expect(flights.join()).toBeUndefined();
    });

    it('clears the slot after a failure, so the failure is not cached', async () => {
      const flights = new SingleFlight<string>();
      const { flight, outcome } = startHeld(flights);
      const failure = new Error('endpoint down');
      outcome.reject(failure);
      await expect(flight.promise).rejects.toBe(failure);
      expect(flights.inProgress).toBe(false);
      expect(flights.join()).toBeUndefined();
      const next = startHeld(flights);
      next.outcome.resolve('token-2');
      await expect(flights.join()).resolves.toBe('token-2');
    });

    it('leaves no unhandled rejection when nobody awaits a failing flight', async () => {
      const unhandled = trackUnhandledRejections();
      try {
        const flights = new SingleFlight<string>();
        const { outcome } = startHeld(flights, { background: true, minRemainingMs: 0 });
        outcome.reject(new Error('nobody is listening'));
        await flushPromises();
        expect(unhandled.reasons).toEqual([]);
      } finally {
        unhandled.dispose();
      }
    });
  });

  describe('mayWrite', () => {
    it('lets a flight write while nothing detached it', () => {
      const flights = new SingleFlight<string>();
      const { flight } = startHeld(flights);
      expect(flights.mayWrite(flight)).toBe(true);
    });

    it('refuses a flight started before detach(), and allows one started after', () => {
      const flights = new SingleFlight<string>();
      const older = startHeld(flights);
      flights.detach();
      const newer = startHeld(flights);
      expect(flights.mayWrite(older.flight)).toBe(false);
      expect(flights.mayWrite(newer.flight)).toBe(true);
    });

    it('refuses a flight after abortAll()', () => {
      const flights = new SingleFlight<string>();
      const { flight } = startHeld(flights);
      flights.abortAll(new Error('closed'));
      expect(flights.mayWrite(flight)).toBe(false);
    });
  });

  describe('when detached', () => {
    it('has nothing in progress to join, while the old flight still answers its own waiters', async () => {
      const flights = new SingleFlight<string>();
      const { flight, outcome } = startHeld(flights);
      const waiter = flights.join();
      flights.detach();
      expect(flights.inProgress).toBe(false);
      expect(flights.join()).toBeUndefined();
      outcome.resolve('token-1');
      await expect(waiter).resolves.toBe('token-1');
      expect(flight.signal.aborted).toBe(false);
    });

    it('keeps the slot of a flight started after the detach when the older one settles', async () => {
      const flights = new SingleFlight<string>();
      const older = startHeld(flights);
      flights.detach();
      const newer = startHeld(flights);
      older.outcome.resolve('token-1');
      await older.flight.promise;
      expect(flights.inProgress).toBe(true);
      expect(flights.join()).toBe(newer.flight.promise);
    });
  });

  describe('abortAll', () => {
    it('aborts every running flight, detached ones too, with the given reason', () => {
      const flights = new SingleFlight<string>();
      const older = startHeld(flights);
      flights.detach();
      const newer = startHeld(flights);
      const reason = new Error('closed');
      flights.abortAll(reason);
      expect(older.flight.signal.aborted).toBe(true);
      expect(older.flight.signal.reason).toBe(reason);
      expect(newer.flight.signal.aborted).toBe(true);
      expect(newer.flight.signal.reason).toBe(reason);
    });

    it('leaves nothing in progress', () => {
      const flights = new SingleFlight<string>();
      startHeld(flights);
      flights.abortAll(new Error('closed'));
      expect(flights.inProgress).toBe(false);
      expect(flights.join()).toBeUndefined();
    });

    it('does not reach a flight that already settled', async () => {
      const flights = new SingleFlight<string>();
      const { flight, outcome } = startHeld(flights);
      outcome.resolve('token-1');
      await flight.promise;
      flights.abortAll(new Error('closed'));
      expect(flight.signal.aborted).toBe(false);
    });
  });
});

describe('sleepInFlight', () => {
  const flightFor = (background: boolean) => {
    const flights = new SingleFlight<string>();
    return { flights, ...startHeld(flights, { background, minRemainingMs: 0 }) };
  };

  it('waits the given ms on the given timers and resolves when the timer fires', async () => {
    const timers = new RefTimers();
    const { flight } = flightFor(false);
    const slept = sleepInFlight(flight, 1_500, timers);
    expect(timers.handles).toHaveLength(1);
    expect(timers.handles[0].ms).toBe(1_500);
    timers.handles[0].callback();
    await expect(slept).resolves.toBeUndefined();
  });

  it('records the wait on the flight and holds the process when someone awaits the flight', () => {
    const timers = new RefTimers();
    const { flight } = flightFor(false);
    void sleepInFlight(flight, 1_000, timers);
    expect(flight.sleepHandle).toBe(timers.handles[0]);
    expect(timers.handles[0].ref).toHaveBeenCalledTimes(1);
  });

  it('does not hold the process for a background flight until a caller joins it', () => {
    const timers = new RefTimers();
    const { flights, flight } = flightFor(true);
    void sleepInFlight(flight, 1_000, timers);
    expect(flight.sleepHandle).toBe(timers.handles[0]);
    expect(timers.handles[0].ref).not.toHaveBeenCalled();
    void flights.join();
    expect(timers.handles[0].ref).toHaveBeenCalledTimes(1);
  });

  it('rejects with the reason abortAll() gives its flight', async () => {
    const timers = new RefTimers();
    const { flights, flight } = flightFor(true);
    const slept = sleepInFlight(flight, 1_000, timers);
    const reason = new Error('closed');
    flights.abortAll(reason);
    await expect(slept).rejects.toBe(reason);
  });
});
