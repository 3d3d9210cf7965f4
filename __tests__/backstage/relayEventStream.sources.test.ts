import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { relayEventStream, type RelayOutcome } from '../../lib/backstage';

// relayEventStream over each kind of upstream it takes (a Node stream, a web stream, an async
// iterable) and each way a relay ends, on a loopback server whose one route relays what the test gives.
let server: Server;
let url: string;
let handle: (res: ServerResponse) => Promise<RelayOutcome>;
let outcome: Promise<RelayOutcome>;

beforeAll(async () => {
  server = createServer((_req, res) => {
    outcome = handle(res);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
});

const EVENT = 'event: hello\ndata: world\n\n';
const bytes = (text: string) => new TextEncoder().encode(text);

/** An upstream that sends one event, then neither ends nor fails until it is cancelled. */
function hangingWebStream(onCancel: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes(EVENT));
    },
    cancel: onCancel,
  });
}

/** Reads the first chunk, then goes away. */
async function leaveAfterFirstChunk(): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const { value } = await response.body!.getReader().read();
  controller.abort();
  return new TextDecoder().decode(value as Uint8Array);
}

describe('relayEventStream', () => {
  it('relays a web stream (a fetch body) with SSE headers that keep proxies from buffering, and says it ended', async () => {
    handle = res =>
      relayEventStream(
        new ReadableStream({
          start(controller) {
            controller.enqueue(bytes(EVENT));
            controller.close();
          },
        }),
        res,
      );
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(await response.text()).toBe(EVENT);
    await expect(outcome).resolves.toBe('ended');
  });

  it('relays an async iterable of chunks', async () => {
    handle = res =>
      relayEventStream(
        (async function* () {
          yield bytes(EVENT);
          yield bytes('data: again\n\n');
        })(),
        res,
      );
    expect(await (await fetch(url)).text()).toBe(`${EVENT}data: again\n\n`);
    await expect(outcome).resolves.toBe('ended');
  });

  it('keeps the headers the route already sent', async () => {
    handle = res => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-route': 'own' });
      res.flushHeaders();
      return relayEventStream(Readable.from([bytes(EVENT)]), res);
    };
    const response = await fetch(url);
    expect(response.headers.get('x-route')).toBe('own');
    expect(response.headers.get('x-accel-buffering')).toBeNull();
    expect(await response.text()).toBe(EVENT);
    await expect(outcome).resolves.toBe('ended');
  });

  it('cancels a web stream when the client goes away, and says so', async () => {
    const cancelled = jest.fn();
    handle = res => relayEventStream(hangingWebStream(cancelled), res);
    expect(await leaveAfterFirstChunk()).toBe(EVENT);
    await expect(outcome).resolves.toBe('client-closed');
    expect(cancelled).toHaveBeenCalledTimes(1);
  });

  it('destroys an upstream it wrapped (an iterable with destroy()) when the client goes away', async () => {
    const destroy = jest.fn();
    const upstream = {
      async *[Symbol.asyncIterator]() {
        yield bytes(EVENT);
        await new Promise(() => undefined);
      },
      destroy,
    };
    handle = res => relayEventStream(upstream, res);
    expect(await leaveAfterFirstChunk()).toBe(EVENT);
    await expect(outcome).resolves.toBe('client-closed');
    expect(destroy).toHaveBeenCalledTimes(1);
  });
});
