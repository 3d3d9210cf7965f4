import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { KagentiApiClient } from '../../lib';
import { listenOnLoopback, type LoopbackServer } from '../../lib/testing/listenOnLoopback';
import { deferred, managerFixture } from '../helpers/tokenEndpointMock';

/** A request the loopback server holds: the test answers it when it chooses. */
interface Held {
  req: IncomingMessage;
  res: ServerResponse;
}

let server: LoopbackServer;
let arrivals: Held[];
let nextArrival: ReturnType<typeof deferred<Held>>;

beforeEach(async () => {
  arrivals = [];
  nextArrival = deferred<Held>();
  server = await listenOnLoopback(
    createServer((req, res) => {
      const held = { req, res };
      arrivals.push(held);
      nextArrival.resolve(held);
    }),
  );
});

afterEach(async () => {
  jest.useRealTimers();
  await server.close();
});

/** The client's clock is jest's fake one from here on; the loopback I/O still runs. */
function fakeTimers(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
}

/** Whether `promise` has settled, after the I/O and promise jobs pending now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise(resolve => setImmediate(resolve));
  return done;
}

describe('KagentiApiClient.fetch', () => {
  describe('timeoutMs', () => {
    it('aborts with a TimeoutError naming the limit when the response headers do not come in time', async () => {
      fakeTimers();
      const client = new KagentiApiClient({ baseUrl: server.url, timeoutMs: 1_000 });
      const answer = client.fetch('/api/v1/agents');
      answer.catch(() => undefined);
      await nextArrival.promise;

      jest.advanceTimersByTime(999);
      expect(await settled(answer)).toBe(false);
      jest.advanceTimersByTime(1);

      await expect(answer).rejects.toMatchObject({
        name: 'TimeoutError',
        message: 'timeout of 1000ms exceeded waiting for the Kagenti API',
      });
    });

    it('bounds the wait for the headers only: a body that comes later is read whole', async () => {
      fakeTimers();
      const client = new KagentiApiClient({ baseUrl: server.url, timeoutMs: 1_000 });
      const answer = client.fetch('/api/v1/agents');
      const { res } = await nextArrival.promise;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first ');
      const response = await answer;

      jest.advanceTimersByTime(5_000);
      res.end('last');

      expect(await response.text()).toBe('first last');
    });

    it('waits as long as it takes with 0', async () => {
      fakeTimers();
      const client = new KagentiApiClient({ baseUrl: server.url, timeoutMs: 0 });
      const answer = client.fetch('/api/v1/agents');
      const { res } = await nextArrival.promise;

      jest.advanceTimersByTime(600_000);
      expect(await settled(answer)).toBe(false);
      res.writeHead(204).end();

      expect((await answer).status).toBe(204);
    });
  });

  describe("the caller's signal", () => {
    it.each([0, 30_000])(
      'with timeoutMs %p, sends nothing when it has already aborted, and rejects with its reason',
      async timeoutMs => {
        const client = new KagentiApiClient({ baseUrl: server.url, timeoutMs });
        const caller = new AbortController();
        const reason = new Error('the user left');
        caller.abort(reason);

        await expect(client.fetch('/api/v1/agents', { signal: caller.signal })).rejects.toBe(reason);
        await new Promise(resolve => setImmediate(resolve));
        expect(arrivals).toEqual([]);
      },
    );

    it.each([0, 30_000])('with timeoutMs %p, aborts the wait for the headers with its reason', async timeoutMs => {
      const client = new KagentiApiClient({ baseUrl: server.url, timeoutMs });
      const caller = new AbortController();
      const answer = client.fetch('/api/v1/agents', { signal: caller.signal });
      await nextArrival.promise;
      const reason = new Error('the user left');

      caller.abort(reason);

      await expect(answer).rejects.toBe(reason);
    });

    it('still aborts the reading of the body once the headers are in', async () => {
      const client = new KagentiApiClient({ baseUrl: server.url, timeoutMs: 30_000 });
      const caller = new AbortController();
      const answer = client.fetch('/api/v1/events', { signal: caller.signal });
      const { res } = await nextArrival.promise;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      const reader = (await answer).body!.getReader();
      await reader.read();

      caller.abort(new Error('the user left'));

      await expect(reader.read()).rejects.toThrow('the user left');
    });
  });

  describe('with stream: true', () => {
    it('asks the token manager for a token that lasts streamMinLifetimeMs', async () => {
      const { manager } = managerFixture();
      const spy = jest.spyOn(manager, 'getTokenForStreaming');
      const client = new KagentiApiClient({ baseUrl: server.url, tokenManager: manager, streamMinLifetimeMs: 45_000 });
      const answer = client.fetch('/api/v1/events', {}, { stream: true });
      const { req, res } = await nextArrival.promise;
      res.writeHead(200).end();
      await answer;

      expect(req.headers.accept).toBe('text/event-stream');
      expect(req.headers.authorization).toBe('Bearer token-1');
      expect(spy).toHaveBeenCalledWith(45_000, expect.anything());
      expect(spy.mock.calls[0][1]).not.toHaveProperty('bestEffort');
    });

    it("keeps the caller's kagentiAuth options: skip sends no token", async () => {
      const { manager, endpoint } = managerFixture();
      const client = new KagentiApiClient({ baseUrl: server.url, tokenManager: manager });
      const answer = client.fetch('/api/v1/events', { kagentiAuth: { skip: true } }, { stream: true });
      const { req, res } = await nextArrival.promise;
      res.writeHead(200).end();
      await answer;

      expect(req.headers.authorization).toBeUndefined();
      expect(endpoint.count).toBe(0);
    });
  });

  it("passes the caller's kagentiAuth options on without stream: skip sends no token", async () => {
    const { manager, endpoint } = managerFixture();
    const client = new KagentiApiClient({ baseUrl: server.url, tokenManager: manager });
    const answer = client.fetch('/api/v1/agents', { kagentiAuth: { skip: true } });
    const { req, res } = await nextArrival.promise;
    res.writeHead(200).end();
    await answer;

    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers.accept).toBe('application/json');
    expect(endpoint.count).toBe(0);
  });
});
