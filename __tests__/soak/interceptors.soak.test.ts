/**
 * Soak test: more than 100 000 requests through `installKeycloakAuth`, with tokens that live
 * 2 s on a fake clock, so they rotate a few hundred times, and an API that starts refusing each
 * token (401) before the client thinks it expires, so the 401-retry path runs every rotation.
 *
 * Bounded: a fixed number of batches of concurrent requests, a fake clock (no real waiting),
 * mocked endpoints. Silent unless SOAK_VERBOSE is set.
 *
 * Timeline of one rotation (clock +250 ms per batch, token usable 2000 ms, refresh-ahead window
 * its last 15 % = 300 ms, API accepts a token for 1600 ms after it was issued):
 *   +0 … +1500  cached token accepted;
 *   +1750       in the refresh-ahead window: the first caller starts one background refresh,
 *               every request of the batch still carries the old token, the API answers 401,
 *               the interceptor invalidates exactly that token and retries once with the
 *               refreshed one (or, for streams asking for 300 ms, fetches it directly).
 * So one token request per 1750 ms: about BATCHES · 250 / 1750 of them.
 *
 * Heap: Jest runs test files without --expose-gc. `v8.setFlagsFromString('--expose-gc')` makes
 * V8 install `gc` on every context created afterwards, so a fresh `vm` context hands us a
 * function that collects the whole isolate's heap (the one this test allocates in). The flag
 * is switched back off right away. This needs no child process and no change to how Jest is
 * started; when Node already runs with --expose-gc, the global `gc` is used as is.
 */
import { getEventListeners, setMaxListeners } from 'node:events';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import axios, { type AxiosInstance, type AxiosInterceptorManager } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { installKeycloakAuth, KeycloakTokenManager } from '../../lib';
import { FakeClock, flushPromises } from '../helpers/FakeClock';
import { CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';

const BASE_URL = 'https://kagenti.test';
const BATCH_SIZE = 50;
const WARMUP_BATCHES = 100;
const MEASURED_BATCHES = 2_000;
const STEP_MS = 250;
const TOKEN_EXPIRES_IN_S = 2;
/** The API refuses a token this long after it was issued, before the client's 2000 ms are up. */
const API_ACCEPTS_MS = 1_600;
const STREAM_MIN_LIFETIME_MS = 300;
const MAX_HEAP_GROWTH_BYTES = 5 * 1024 * 1024;

jest.setTimeout(120_000);

function collector(): () => void {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return existing as () => void;
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as unknown;
  v8.setFlagsFromString('--no-expose-gc');
  if (typeof gc !== 'function') throw new Error('could not get a gc() function to measure the heap');
  return gc as () => void;
}

function settledHeap(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const activeInterceptors = (manager: AxiosInterceptorManager<never> | AxiosInterceptorManager<unknown>) =>
  ((manager as { handlers?: unknown[] }).handlers ?? []).filter(handler => handler !== null && handler !== undefined).length;

function interceptorCounts(instance: AxiosInstance): [number, number] {
  return [
    activeInterceptors(instance.interceptors.request as AxiosInterceptorManager<unknown>),
    activeInterceptors(instance.interceptors.response as AxiosInterceptorManager<unknown>),
  ];
}

describe('installKeycloakAuth soak', () => {
  it('serves 105 000 requests across hundreds of token rotations and 401 retries without a failure, a stray request or growth', async () => {
    const unhandled = trackUnhandledRejections();
    const clock = new FakeClock();
    const start = clock.now();

    // Token endpoint: short-lived rotating tokens, issued when asked.
    const tokenHttp = axios.create();
    const tokenMock = new MockAdapter(tokenHttp, { onNoMatch: 'throwException' });
    const issuedAt = new Map<string, number>();
    let tokenRequests = 0;
    tokenMock.onPost(TOKEN_ENDPOINT).reply(() => {
      tokenRequests++;
      const token = `tok-${tokenRequests}`;
      issuedAt.set(token, clock.now());
      return [200, JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: TOKEN_EXPIRES_IN_S })];
    });

    const manager = new KeycloakTokenManager({
      tokenEndpoint: TOKEN_ENDPOINT,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      httpClient: tokenHttp,
      now: clock.now,
      timers: clock,
      random: () => 0.5,
      tokenExpiryBufferSeconds: 0,
      // Defaults otherwise: retries on, refresh-ahead 0.15.
    });

    // The API: accepts a known token for API_ACCEPTS_MS after it was issued, 401 after.
    const api = axios.create({ baseURL: BASE_URL });
    const apiMock = new MockAdapter(api, { onNoMatch: 'throwException' });
    const acceptedTokens = new Set<string>();
    let apiCalls = 0;
    let unauthorized = 0;
    const authorize = (authorization: unknown): string | undefined => {
      const token = typeof authorization === 'string' ? authorization.replace(/^Bearer /, '') : '';
      const issued = issuedAt.get(token);
      return issued !== undefined && clock.now() < issued + API_ACCEPTS_MS ? token : undefined;
    };
    apiMock.onAny(/^\/api\/items/).reply(config => {
      apiCalls++;
      const token = authorize((config.headers as Record<string, unknown> | undefined)?.Authorization);
      if (token === undefined) {
        unauthorized++;
        return [401, '', { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' }];
      }
      acceptedTokens.add(token);
      return [200, config.method === 'post' ? config.data : '{"ok":true}'];
    });

    const installation = installKeycloakAuth(api, manager);
    // A long-lived signal passed to every request, as a server's shutdown signal would be.
    const shutdown = new AbortController();
    // Up to BATCH_SIZE requests wait on it at once; that many listeners is expected, not a leak.
    setMaxListeners(BATCH_SIZE * 2, shutdown.signal);

    let requests = 0;
    let failures = 0;
    let firstFailure: unknown;

    const runBatch = async (batch: number) => {
      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < BATCH_SIZE; i++) {
        const id = batch * BATCH_SIZE + i;
        if (i % 25 === 0) {
          // A body the API echoes, so a retry that lost or mangled it would show.
          calls.push(
            api.post('/api/items', { id }, { signal: shutdown.signal }).then(response => {
              if ((response.data as { id?: unknown })?.id !== id)
                throw new Error(`POST ${id} echoed ${JSON.stringify(response.data)}`);
              return response;
            }),
          );
        } else if (i % 10 === 3) {
          calls.push(
            api.get(`/api/items/${id}`, { signal: shutdown.signal, kagentiAuth: { minTokenLifetimeMs: STREAM_MIN_LIFETIME_MS } }),
          );
        } else {
          calls.push(api.get(`/api/items/${id}`, { signal: shutdown.signal }));
        }
      }
      requests += calls.length;
      for (const result of await Promise.allSettled(calls)) {
        if (result.status === 'rejected') {
          failures++;
          firstFailure ??= result.reason;
        }
      }
      // Let a background refresh that is still settling finish.
      await flushPromises(1);

      // Nothing may pile up from batch to batch.
      if (manager.isFetching) throw new Error(`batch ${batch}: a token request is still in flight`);
      if (clock.pendingTimers !== 0) throw new Error(`batch ${batch}: ${clock.pendingTimers} timers left behind`);
      const listeners = getEventListeners(shutdown.signal, 'abort').length;
      if (listeners !== 0) throw new Error(`batch ${batch}: ${listeners} abort listeners left on the shared signal`);
      const usableFor = (manager.cachedTokenUsableUntil ?? Number.NaN) - clock.now();
      if (!(usableFor > 0 && usableFor <= TOKEN_EXPIRES_IN_S * 1000)) {
        throw new Error(`batch ${batch}: cached token usable for ${usableFor} ms`);
      }
      const [requestInterceptors, responseInterceptors] = interceptorCounts(api);
      if (requestInterceptors !== 1 || responseInterceptors !== 1) {
        throw new Error(`batch ${batch}: ${requestInterceptors}/${responseInterceptors} interceptors installed`);
      }
      apiMock.resetHistory();
      tokenMock.resetHistory();
      // Forget tokens the API would refuse anyway.
      for (const [token, at] of issuedAt) if (clock.now() - at > 10_000) issuedAt.delete(token);
      // No timer is pending (checked above), so moving the clock skips nothing.
      clock.set(clock.now() + STEP_MS);
    };

    const gc = collector();
    let batch = 0;
    for (; batch < WARMUP_BATCHES; batch++) await runBatch(batch);
    const heapBefore = settledHeap(gc);
    const heapAt: number[] = [];
    for (; batch < WARMUP_BATCHES + MEASURED_BATCHES; batch++) {
      await runBatch(batch);
      if ((batch - WARMUP_BATCHES + 1) % (MEASURED_BATCHES / 2) === 0) heapAt.push(settledHeap(gc) - heapBefore);
    }
    const heapGrowth = heapAt[heapAt.length - 1];

    const elapsedMs = clock.now() - start;
    if (process.env.SOAK_VERBOSE) {
      process.stdout.write(
        `soak: ${requests} requests, ${apiCalls} API calls, ${unauthorized} 401s, ${tokenRequests} token requests over ` +
          `${elapsedMs / 1000} s (fake); heap before ${(heapBefore / 2 ** 20).toFixed(1)} MiB, growth at 50/100 %: ` +
          `${heapAt.map(bytes => `${(bytes / 2 ** 10).toFixed(0)} KiB`).join(' / ')}\n`,
      );
    }

    expect(requests).toBeGreaterThanOrEqual(100_000);
    if (failures > 0) throw new Error(`${failures} of ${requests} requests failed; the first: ${String(firstFailure)}`);
    // Every 401 was retried once, and no request was sent more than twice.
    expect(unauthorized).toBeGreaterThan(0);
    expect(apiCalls).toBe(requests + unauthorized);
    // One token request per rotation: never more than one per 1750 ms of fake time, never fewer
    // than the 2000 ms lifetime allows, and every token fetched was used.
    expect(tokenRequests).toBeGreaterThanOrEqual(Math.floor(elapsedMs / (TOKEN_EXPIRES_IN_S * 1000)));
    // A token is replaced at the first batch at or after the API starts refusing it.
    const rotationMs = Math.ceil(API_ACCEPTS_MS / STEP_MS) * STEP_MS;
    expect(tokenRequests).toBeLessThanOrEqual(Math.ceil(elapsedMs / rotationMs) + 1);
    expect(acceptedTokens.size).toBe(tokenRequests);
    expect(heapGrowth).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    expect(interceptorCounts(api)).toEqual([1, 1]);
    expect(interceptorCounts(tokenHttp)).toEqual([0, 0]);

    installation.eject();
    expect(interceptorCounts(api)).toEqual([0, 0]);
    manager.close();
    await flushPromises(2);
    unhandled.dispose();
    expect(unhandled.reasons).toEqual([]);
  });
});
