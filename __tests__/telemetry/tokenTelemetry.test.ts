import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { trace } from '@opentelemetry/api';
import axios, { type AxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import {
  installKeycloakAuth,
  TELEMETRY_NAMES,
  type KeycloakTokenManagerOptions,
  type MeterLike,
  type ObservableResultLike,
} from '../../lib';
import { flushPromises } from '../helpers/FakeClock';
import { findLeak, secretForms } from '../helpers/secretScan';
import { TelemetryHarness } from '../helpers/TelemetryHarness';
import { MemoryTokenStore } from '../helpers/MemoryTokenStore';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT, managerFixture, tokenBody } from '../helpers/tokenEndpointMock';

const BASE_URL = 'https://kagenti.test';
const { tokenRequests, tokenRequestDuration, tokenLookups, retries, tokenRemaining, fetchSpan } = TELEMETRY_NAMES;

let harness: TelemetryHarness;

beforeEach(() => {
  harness = new TelemetryHarness().registerGlobally();
});

afterEach(async () => {
  await harness.shutdown();
});

/** A manager reporting to the harness's SDK. */
function telemetryFixture(options: Partial<KeycloakTokenManagerOptions> = {}) {
  return managerFixture({ meter: harness.meter, tracer: harness.tracer, ...options });
}

/** The manager behind an axios instance whose API accepts only the tokens `accept` allows. */
function apiFixture(accept: (token: string) => number, options: Partial<KeycloakTokenManagerOptions> = {}) {
  const fixture = telemetryFixture(options);
  const api = axios.create({ baseURL: BASE_URL });
  const apiMock = new MockAdapter(api, { onNoMatch: 'throwException' });
  apiMock.onGet(/^\/agents/).reply((config: AxiosRequestConfig) => {
    const status = accept(String(config.headers?.Authorization ?? '').replace(/^Bearer /, ''));
    return [status, status === 200 ? { ok: true } : { detail: 'no' }];
  });
  installKeycloakAuth(api, fixture.manager);
  return { ...fixture, api };
}

describe('KeycloakTokenManager telemetry', () => {
  describe('with a shared token store', () => {
    it('counts a token adopted from the store as a store lookup, with no token request', async () => {
      const store = new MemoryTokenStore();
      await telemetryFixture({ tokenStore: store }).manager.getToken();
      const joinedBefore = await harness.count(tokenLookups, { source: 'joined' });

      const replica = telemetryFixture({ tokenStore: store });
      await Promise.all([replica.manager.getToken(), replica.manager.getToken()]);

      expect(await harness.count(tokenLookups, { source: 'store' })).toBe(1);
      expect((await harness.count(tokenLookups, { source: 'joined' })) - joinedBefore).toBe(1);
      expect(await harness.count(tokenRequests)).toBe(1);
      expect(replica.endpoint.count).toBe(0);
    });
  });

  describe('on a cold burst', () => {
    it('counts one token request, one fetched lookup and the other callers as joined', async () => {
      const { manager } = telemetryFixture();
      await Promise.all(Array.from({ length: 10 }, () => manager.getToken()));

      expect(await harness.count(tokenRequests, { outcome: 'success' })).toBe(1);
      expect(await harness.count(tokenRequests)).toBe(1);
      expect(await harness.count(tokenRequestDuration, { outcome: 'success' })).toBe(1);
      expect(await harness.count(tokenLookups, { source: 'fetched' })).toBe(1);
      expect(await harness.count(tokenLookups, { source: 'joined' })).toBe(9);
      expect(await harness.count(tokenLookups)).toBe(10);
    });

    it('ends one fetch span with its attempts and outcome, not marked as a refresh-ahead', async () => {
      const { manager } = telemetryFixture();
      await Promise.all([manager.getToken(), manager.getToken()]);

      const spans = harness.spans(fetchSpan);
      expect(spans).toHaveLength(1);
      expect(spans[0].attributes).toEqual({
        'kagenti.auth.token.fetch.refresh_ahead': false,
        'kagenti.auth.token.fetch.attempts': 1,
        'kagenti.auth.token.fetch.outcome': 'success',
      });
      expect(spans[0].status.code).not.toBe(2);
    });

    it('records the duration of the token request in seconds, on the injected clock', async () => {
      const { endpoint, clock, manager } = telemetryFixture();
      const reply = endpoint.hold();
      const token = manager.getToken();
      await clock.advance(250);
      reply.resolve([200, tokenBody('token-1')]);
      await token;

      const [point] = (await harness.points()).filter(p => p.name === tokenRequestDuration);
      expect(point.count).toBe(1);
      expect(point.value).toBeCloseTo(0.25, 6);
    });

    it('records the duration of a failed token request in seconds too, under its outcome', async () => {
      const { endpoint, clock, manager } = telemetryFixture();
      const reply = endpoint.hold();
      const token = manager.getToken();
      await clock.advance(400);
      reply.resolve([401, { error: 'invalid_client' }]);
      await expect(token).rejects.toMatchObject({ code: 'TOKEN_ENDPOINT_OAUTH_ERROR' });

      const [point] = (await harness.points()).filter(p => p.name === tokenRequestDuration);
      expect(point.attributes).toMatchObject({ outcome: 'failure' });
      expect(point.count).toBe(1);
      expect(point.value).toBeCloseTo(0.4, 6);
    });
  });

  describe('on cached calls', () => {
    it('counts memory lookups, direct and through getCachedToken, and sends no request', async () => {
      const { manager } = telemetryFixture();
      await manager.getToken();
      for (let i = 0; i < 5; i++) await manager.getToken();
      manager.getCachedToken();
      manager.getCachedToken();
      await manager.getTokenForStreaming(1_000);

      expect(await harness.count(tokenLookups, { source: 'memory' })).toBe(8);
      expect(await harness.count(tokenRequests)).toBe(1);
      expect(harness.spans(fetchSpan)).toHaveLength(1);
    });

    it('counts a stream served the current token after a failed refetch as memory, not failed', async () => {
      const { endpoint, clock, manager } = telemetryFixture();
      await manager.getToken();
      await clock.advance(200_000);
      endpoint.reply([503, 'down']);
      await expect(manager.getTokenForStreaming(100_000)).resolves.toBe('token-1');

      expect(await harness.count(tokenLookups, { source: 'memory' })).toBe(1);
      expect(await harness.count(tokenLookups, { source: 'failed' })).toBe(0);
      expect(await harness.count(tokenRequests, { outcome: 'failure', 'error.type': 'TOKEN_ENDPOINT_HTTP_ERROR' })).toBe(1);
    });

    it('does not count a getCachedToken miss (getToken, which follows it, counts the lookup)', async () => {
      const { manager } = telemetryFixture();
      expect(manager.getCachedToken()).toBeUndefined();
      expect(await harness.count(tokenLookups)).toBe(0);
    });

    it('counts one lookup per request through the interceptor', async () => {
      const { api } = apiFixture(() => 200);
      for (let i = 0; i < 4; i++) await api.get('/agents');
      expect(await harness.count(tokenLookups, { source: 'fetched' })).toBe(1);
      expect(await harness.count(tokenLookups, { source: 'memory' })).toBe(3);
      expect(await harness.count(tokenLookups)).toBe(4);
    });
  });

  describe('when a transient failure is retried', () => {
    it('counts every attempt with its error type, and one span with all the attempts', async () => {
      const { endpoint, clock, manager } = telemetryFixture({ retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 100 } });
      endpoint.reply([503, 'down'], [503, 'down']);
      const token = manager.getToken();
      await clock.advance(1_000);
      await expect(token).resolves.toBe('token-1');

      expect(await harness.count(tokenRequests, { outcome: 'failure', 'error.type': 'TOKEN_ENDPOINT_HTTP_ERROR' })).toBe(2);
      expect(await harness.count(tokenRequests, { outcome: 'success' })).toBe(1);
      expect(await harness.count(tokenRequestDuration)).toBe(3);
      expect(await harness.count(tokenLookups, { source: 'fetched' })).toBe(1);
      const spans = harness.spans(fetchSpan);
      expect(spans).toHaveLength(1);
      expect(spans[0].attributes['kagenti.auth.token.fetch.attempts']).toBe(3);
      expect(spans[0].attributes['kagenti.auth.token.fetch.outcome']).toBe('success');
    });
  });

  describe('on a permanent failure', () => {
    it('counts one failed request, a failed lookup per caller, and marks the span as an error', async () => {
      const { endpoint, manager } = telemetryFixture();
      endpoint.reply([401, { error: 'invalid_client', error_description: 'Invalid client credentials' }]);
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => manager.getToken()));
      expect(results.every(result => result.status === 'rejected')).toBe(true);

      expect(await harness.count(tokenRequests, { outcome: 'failure', 'error.type': 'TOKEN_ENDPOINT_OAUTH_ERROR' })).toBe(1);
      expect(await harness.count(tokenLookups, { source: 'failed' })).toBe(5);
      expect(await harness.count(tokenLookups)).toBe(5);
      const [span] = harness.spans(fetchSpan);
      expect(span.attributes).toMatchObject({
        'kagenti.auth.token.fetch.attempts': 1,
        'kagenti.auth.token.fetch.outcome': 'failure',
        'error.type': 'TOKEN_ENDPOINT_OAUTH_ERROR',
      });
      expect(span.status).toEqual({ code: 2, message: 'TOKEN_ENDPOINT_OAUTH_ERROR' });
    });

    it('counts lookups re-thrown during the cool-down as failed, without a request or a span', async () => {
      const { endpoint, manager } = telemetryFixture();
      endpoint.reply([401, { error: 'invalid_client' }]);
      await expect(manager.getToken()).rejects.toThrow();
      await expect(manager.getToken()).rejects.toThrow();
      await expect(manager.getToken()).rejects.toThrow();

      expect(endpoint.count).toBe(1);
      expect(await harness.count(tokenRequests)).toBe(1);
      expect(await harness.count(tokenLookups, { source: 'failed' })).toBe(3);
      expect(harness.spans(fetchSpan)).toHaveLength(1);
    });

    it('counts no token request when the client secret function fails (nothing was sent), but ends the span failed', async () => {
      const { endpoint, manager } = telemetryFixture({
        clientSecret: () => {
          throw new Error('vault sealed');
        },
      });
      await expect(manager.getToken()).rejects.toThrow('clientSecret function failed');

      expect(endpoint.count).toBe(0);
      expect(await harness.count(tokenRequests)).toBe(0);
      expect(await harness.count(tokenLookups, { source: 'failed' })).toBe(1);
      expect(harness.spans(fetchSpan)[0].attributes).toMatchObject({
        'kagenti.auth.token.fetch.attempts': 0,
        'error.type': 'CLIENT_SECRET_UNAVAILABLE',
      });
    });
    // A credential source that fails means nothing reached the wire: neither a request nor its duration is recorded.
    it.each([
      [
        'clientAssertion',
        {
          clientSecret: undefined,
          clientAssertion: () => {
            throw new Error('no projected token');
          },
        },
        'clientAssertion function failed',
      ],
      [
        'privateKey',
        {
          clientSecret: undefined,
          privateKey: () => {
            throw new Error('kms down');
          },
        },
        'privateKey function failed',
      ],
    ])('counts no token request and no duration when the %s function fails', async (_name, options, message) => {
      const { endpoint, manager } = telemetryFixture(options);
      await expect(manager.getToken()).rejects.toThrow(message);

      expect(endpoint.count).toBe(0);
      expect(await harness.count(tokenRequests)).toBe(0);
      expect(await harness.count(tokenRequestDuration)).toBe(0);
      expect(await harness.count(tokenLookups, { source: 'failed' })).toBe(1);
      expect(harness.spans(fetchSpan)[0].attributes).toMatchObject({
        'kagenti.auth.token.fetch.attempts': 0,
        'error.type': 'CLIENT_ASSERTION_UNAVAILABLE',
      });
    });
  });

  describe('on refresh-ahead', () => {
    it('serves the cached token from memory and marks the background fetch span as a refresh-ahead', async () => {
      // 300 s tokens, 60 s buffer: usable for 240 s; the last 15 % (36 s) start a refresh.
      const { clock, manager } = telemetryFixture({ refreshAhead: 0.15 });
      await manager.getToken();
      await clock.advance(210_000);
      await expect(manager.getToken()).resolves.toBe('token-1');
      await flushPromises();

      expect(manager.getCachedToken()).toBe('token-2');
      expect(await harness.count(tokenRequests, { outcome: 'success' })).toBe(2);
      expect(await harness.count(tokenLookups, { source: 'fetched' })).toBe(1);
      expect(await harness.count(tokenLookups, { source: 'memory' })).toBe(2);
      const flags = harness.spans(fetchSpan).map(span => span.attributes['kagenti.auth.token.fetch.refresh_ahead']);
      expect(flags).toEqual([false, true]);
    });
  });

  describe('the remaining-lifetime gauge', () => {
    const remaining = async () =>
      (await harness.points()).filter(p => p.name === tokenRemaining).map(p => [p.attributes['client.id'], p.value]);

    it('reports the usable seconds left on the cached token, and 0 when none is cached', async () => {
      const { clock, manager } = telemetryFixture();
      expect(await remaining()).toEqual([[CLIENT_ID, 0]]);
      await manager.getToken();
      expect(await remaining()).toEqual([[CLIENT_ID, 240]]);
      await clock.advance(100_000);
      expect(await remaining()).toEqual([[CLIENT_ID, 140]]);
      await clock.advance(200_000);
      expect(await remaining()).toEqual([[CLIENT_ID, 0]]);
    });

    it('does not keep a manager that was dropped without close() alive: its series ends at 0', async () => {
      // The remaining-time callbacks are held weakly; a real collection shows it.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const holder: { fixture?: ReturnType<typeof telemetryFixture> } = {
        fixture: telemetryFixture({ clientId: 'dropped-client' }),
      };
      await holder.fixture?.manager.getToken();
      expect(await remaining()).toEqual([['dropped-client', 240]]);

      delete holder.fixture;
      await new Promise(resolve => setImmediate(resolve));
      gc();
      await new Promise(resolve => setImmediate(resolve));

      expect(await remaining()).toEqual([['dropped-client', 0]]);
    });

    it('reports each manager under its own client.id and stops observing a closed one', async () => {
      const first = telemetryFixture();
      const second = telemetryFixture({ clientId: 'other-client' });
      await first.manager.getToken();
      expect((await remaining()).sort()).toEqual([
        [CLIENT_ID, 240],
        ['other-client', 0],
      ]);
      first.manager.close();
      // Cumulative readers keep exporting a series once seen; a closed manager's ends at 0.
      expect((await remaining()).sort()).toEqual([
        [CLIENT_ID, 0],
        ['other-client', 0],
      ]);
      second.manager.close();
    });

    it('reports the longest remaining life among managers of the same client', async () => {
      const first = telemetryFixture();
      const second = telemetryFixture();
      await first.manager.getToken();
      expect(await remaining()).toEqual([[CLIENT_ID, 240]]);
      first.manager.close();
      expect(await remaining()).toEqual([[CLIENT_ID, 0]]);
      await second.manager.getToken();
      expect(await remaining()).toEqual([[CLIENT_ID, 240]]);
      second.manager.close();
    });
  });

  describe('a closed manager', () => {
    it('is reported at 0 once, then no more', async () => {
      const callbacks = new Set<(result: ObservableResultLike) => void>();
      const observed: Array<[number, unknown]> = [];
      const noop = { add() {}, record() {} };
      const meter: MeterLike = {
        createCounter: () => noop,
        createHistogram: () => noop,
        createObservableGauge: () => ({ addCallback: cb => callbacks.add(cb), removeCallback: cb => callbacks.delete(cb) }),
      };
      const collect = () => {
        for (const callback of callbacks)
          callback({ observe: (value, attributes) => observed.push([value, attributes?.['client.id']]) });
      };
      const { manager } = managerFixture({ meter });
      await manager.getToken();
      collect();
      manager.close();
      collect();
      collect();

      expect(observed).toEqual([
        [240, CLIENT_ID],
        [0, CLIENT_ID],
      ]);
    });
  });

  describe('on a 401 storm through the interceptor', () => {
    it('counts one successful retry per rejected request, and refetches the token once', async () => {
      const { endpoint, manager, api } = apiFixture(token => (token === 'token-1' ? 401 : 200));
      await manager.getToken();
      await Promise.all(Array.from({ length: 5 }, () => api.get('/agents')));

      expect(await harness.count(retries, { outcome: 'success' })).toBe(5);
      expect(await harness.count(retries)).toBe(5);
      expect(endpoint.count).toBe(2);
      expect(await harness.count(tokenRequests)).toBe(2);
    });

    it('counts a retry that gets 401 again as rejected', async () => {
      const { api } = apiFixture(() => 401);
      await expect(api.get('/agents')).rejects.toMatchObject({ response: { status: 401 } });
      expect(await harness.count(retries, { outcome: 'rejected' })).toBe(1);
      expect(await harness.count(retries)).toBe(1);
    });

    it('counts a retry that fails otherwise as error', async () => {
      let calls = 0;
      const { api } = apiFixture(() => (++calls === 1 ? 401 : 503));
      await expect(api.get('/agents')).rejects.toMatchObject({ response: { status: 503 } });
      expect(await harness.count(retries, { outcome: 'error' })).toBe(1);
    });

    it('adds a retry event with its outcome to the caller’s active span', async () => {
      const { manager, api } = apiFixture(token => (token === 'token-1' ? 401 : 200));
      await manager.getToken();
      await harness.tracer.startActiveSpan('caller', async span => {
        await api.get('/agents');
        span.end();
      });

      const [caller] = harness.spans('caller');
      expect(caller.events.map(event => [event.name, event.attributes])).toEqual([
        [TELEMETRY_NAMES.retryEvent, { outcome: 'success' }],
      ]);
    });
  });

  describe('active context', () => {
    it('makes the fetch span active around the HTTP attempts, as a child of the caller’s span', async () => {
      const fixture = telemetryFixture({ retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } });
      const { endpoint, manager } = fixture;
      const activeDuringAttempts: Array<string | undefined> = [];
      const record = () => activeDuringAttempts.push(trace.getActiveSpan()?.spanContext().spanId);
      endpoint.reply(
        () => {
          record();
          return [503, 'down'];
        },
        () => {
          record();
          return [200, tokenBody('token-1')];
        },
      );
      const { clock } = fixture;
      const done = harness.tracer.startActiveSpan('caller', async span => {
        await manager.getToken();
        span.end();
      });
      await clock.advance(1_000);
      await done;

      const [fetch] = harness.spans(fetchSpan);
      const [caller] = harness.spans('caller');
      expect(activeDuringAttempts).toEqual([fetch.spanContext().spanId, fetch.spanContext().spanId]);
      expect(fetch.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    });
  });

  describe('defaults', () => {
    it('uses the global meter and tracer `@boost/kagenti-auth` when none is given', async () => {
      const { manager } = managerFixture();
      await manager.getToken();

      const points = (await harness.points()).filter(p => p.name === tokenRequests);
      expect(points.map(p => [p.scope, p.value])).toEqual([['@boost/kagenti-auth', 1]]);
      const spans = harness.spans(fetchSpan);
      expect(spans.map(span => span.instrumentationScope.name)).toEqual(['@boost/kagenti-auth']);
    });
  });

  describe('secrets', () => {
    it('puts no secret, token, endpoint or URL in any metric attribute, span attribute, status or event', async () => {
      const secretive = `${CLIENT_SECRET}-in-the-error`;
      const { endpoint, clock, manager, api } = apiFixture(token => (token === 'token-1' ? 401 : 200), {
        retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
        refreshAhead: 0.15,
      });
      endpoint.reply([503, { error: 'temporarily_unavailable', error_description: secretive }]);
      const first = harness.tracer.startActiveSpan('caller', async span => {
        await api.get('/agents?user=user%3Adefault%2Fjane');
        span.end();
      });
      await clock.advance(1_000);
      await first;
      await clock.advance(210_000);
      await api.get('/agents');
      await flushPromises();
      endpoint.reply([401, { error: 'invalid_client', error_description: secretive }]);
      manager.invalidate();
      await expect(manager.getToken()).rejects.toThrow();

      const points = await harness.points();
      const spans = harness.spans();
      expect(points.length).toBeGreaterThan(4);
      expect(spans.length).toBeGreaterThan(2);
      const exported = JSON.stringify({
        points: points.map(p => [p.name, p.attributes]),
        spans: spans.map(span => [span.name, span.attributes, span.status, span.events]),
      });
      const forbidden = [
        ...secretForms(CLIENT_ID, CLIENT_SECRET),
        'token-1',
        'token-2',
        'token-3',
        'Bearer',
        'Basic',
        TOKEN_ENDPOINT,
        'keycloak.test',
        'kagenti.test',
        'jane',
        '?',
      ];
      expect(findLeak(exported, forbidden)).toBeUndefined();
    });
  });
});
