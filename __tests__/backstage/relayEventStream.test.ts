import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { KagentiApiClient, KeycloakTokenManager, readSseEvents, type SseEvent } from '../../lib';
import { DefaultKagentiApiService, relayEventStream, type RelayOutcome } from '../../lib/backstage';
import type { FakeKagentiApi, FakeKeycloak } from '../../lib/testing';
import { useFakeKagenti } from './helpers/useFakeKagenti';

let keycloak: FakeKeycloak;
let kagenti: FakeKagentiApi;
let manager: KeycloakTokenManager;
let service: DefaultKagentiApiService;
let relay: Server;
let relayUrl: string;
/** How each relay the server made ended, and the upstream body of each. */
let outcomes: Array<Promise<RelayOutcome>>;
let upstreams: Readable[];

const fakes = useFakeKagenti();
beforeAll(async () => {
  keycloak = fakes.keycloak();
  kagenti = fakes.kagenti();
  kagenti.respond('GET', '/api/v1/events', { sse: [{ event: 'hello', data: 'world' }], hold: true });
  kagenti.respond('GET', '/api/v1/short', { sse: [{ event: 'only', data: 'one' }] });
  // A plugin route, reduced to what matters: one Kagenti stream relayed per client request.
  relay = createServer((req, res) => {
    void service
      .requestCore<Readable>({ method: 'GET', path: req.url ?? '/', stream: true })
      .then(response => {
        upstreams.push(response.data);
        outcomes.push(relayEventStream(response.data, res));
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>(resolve => relay.listen(0, '127.0.0.1', resolve));
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
});
afterAll(async () => {
  relay.closeAllConnections();
  await new Promise(resolve => relay.close(resolve));
});

beforeEach(() => {
  outcomes = [];
  upstreams = [];
  manager = new KeycloakTokenManager({ ...keycloak.authConfig(), retry: false });
  service = new DefaultKagentiApiService(
    new KagentiApiClient({ baseUrl: kagenti.url, tokenManager: manager, streamMinLifetimeMs: 0 }),
  );
});
afterEach(() => {
  service.close();
  manager.close();
});

async function firstEvent(events: AsyncGenerator<SseEvent>): Promise<SseEvent> {
  const { value } = await events.next();
  return value as SseEvent;
}

describe('relayEventStream', () => {
  it('sends SSE headers and the events, and ends the response when the upstream ends', async () => {
    const response = await fetch(`${relayUrl}/api/v1/short`);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    const events: SseEvent[] = [];
    for await (const event of readSseEvents(response.body!)) events.push(event);
    expect(events).toEqual([{ event: 'only', data: 'one' }]);
    expect(await outcomes[0]).toBe('ended');
  });

  it('destroys the upstream request when the client goes away', async () => {
    const controller = new AbortController();
    const response = await fetch(`${relayUrl}/api/v1/events`, { signal: controller.signal });
    expect(await firstEvent(readSseEvents(response.body!))).toEqual({ event: 'hello', data: 'world' });
    controller.abort();
    expect(await outcomes[0]).toBe('client-closed');
    expect(upstreams[0].destroyed).toBe(true);
  });

  it('ends the client response when the Kagenti service shuts down (no connection left open)', async () => {
    const response = await fetch(`${relayUrl}/api/v1/events`);
    const events = readSseEvents(response.body!);
    expect(await firstEvent(events)).toEqual({ event: 'hello', data: 'world' });
    service.close();
    expect(await outcomes[0]).toBe('upstream-failed');
    // The client's stream ends too (closed or failed), so the loop over it cannot hang.
    await expect(events.next()).rejects.toThrow();
  });
});
