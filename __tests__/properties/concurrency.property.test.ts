/**
 * Properties of `KeycloakTokenManager` under arbitrary interleavings of concurrent callers,
 * invalidations, clock moves and token-endpoint replies.
 *
 * Every token request is held at the (mocked) endpoint until an operation replies to it, so
 * the test decides when each one ends, and in which order. Operations flagged `sync` run in
 * the same tick as the next one (no promise callback in between); the others are followed by
 * a flush. A small model, updated from what the test does and from `isFetching` only, tracks
 * which fetch ("flight") each request and each caller belongs to: a call starts a flight when
 * `isFetching` goes from false to true across it, joins the attached one when it was already
 * true, and requests are matched to flights in the order the flights started (each goes
 * through the same code path; a request with no flight to match is itself a violation).
 *
 * Invariants (retries off, so one flight is exactly one request):
 *  I1 At every point, among the requests on the wire (received, not replied to, not timed out),
 *     at most one belongs to an attached flight, i.e. one not detached by an unconditional
 *     `invalidate()`. As a count with no attribution at all:
 *         onTheWire ≤ 1 + (number of `invalidate()` calls made while `isFetching` was true).
 *     With refresh-ahead on, background refreshes are flights like any other, so this also says
 *     a background refresh never puts a second request on the wire.
 *  I2 Every request is made by a flight that a call started (no request without a caller), at
 *     the fake time the call was made; every flight makes exactly one request.
 *  I3 `isFetching` is true exactly while an attached flight has not ended, and
 *     `cachedTokenUsableUntil` is always `sentAt + usable(expires_in)` of the token the last
 *     attached successful flight fetched, or undefined after an invalidation that dropped it.
 *  I4 A call that resolves with token x, made at time T:
 *      - got x from the flight that was attached at T (it joined it) or from the one it started; or
 *      - got x from the cache: x was the cached token at T, and T < its usableUntil; or
 *      - (getTokenForStreaming only, the documented fallback) its own flight failed at time F, and x
 *        is a token an attached flight put in the cache, usable at F (F < usableUntil), that was
 *        cached at T or fetched by a request sent at or after T.
 *     So no caller ever gets a token that was past its usable life when it asked, unless it
 *     came from a request sent after it asked, or from the fetch in flight when it asked.
 *     A plain `getToken()` made while a usable token is cached resolves with that token.
 *     A call that rejects does so with a TokenRequestError, or, if its signal was aborted, with
 *     the abort reason.
 *  I5 An aborted call has settled by the next flush. After replying to every request and moving
 *     the clock past timeoutMs, every call has settled, `isFetching` is false, no flight waits
 *     for its request, no timer is left, no abort listener is left on any caller's signal, and
 *     no promise rejection went unhandled.
 */
import { getEventListeners } from 'node:events';
import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import fc from 'fast-check';
import { KeycloakTokenManager, TokenRequestError } from '../../lib';
import { propertyRuns } from '../helpers/propertyRuns';
import { FakeClock, flushPromises } from '../helpers/FakeClock';
import { deferred, type Deferred, type MockReply, CLIENT_ID, CLIENT_SECRET, TOKEN_ENDPOINT } from '../helpers/tokenEndpointMock';
import { trackUnhandledRejections } from '../helpers/unhandledRejections';

jest.setTimeout(60_000);

const TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

type Outcome = { kind: 'ok'; expiresIn: number } | { kind: 'fail'; status: 500 | 400 };

type Op =
  | { op: 'get'; abortable: boolean; sync: boolean }
  | { op: 'stream'; minMs: number; abortable: boolean; sync: boolean }
  | { op: 'abort'; pick: number; sync: boolean }
  | { op: 'invalidate'; sync: boolean }
  | { op: 'invalidateLast'; sync: boolean }
  | { op: 'advance'; ms: number }
  | { op: 'reply'; pick: number; outcome: Outcome; sync: boolean };

interface OpMix {
  expiresIn: readonly number[];
  advanceMs: readonly number[];
  invalidate: boolean;
}

function opsArb(mix: OpMix): fc.Arbitrary<Op[]> {
  const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...mix.expiresIn).map(expiresIn => ({ kind: 'ok' as const, expiresIn })) },
    { weight: 1, arbitrary: fc.constantFrom(500 as const, 400 as const).map(status => ({ kind: 'fail' as const, status })) },
  );
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('get' as const), abortable: fc.boolean(), sync: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('stream' as const),
        minMs: fc.constantFrom(0, 400, 1_000, 10_000, 400_000),
        abortable: fc.boolean(),
        sync: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), pick: fc.nat(3), sync: fc.boolean() }) },
    { weight: mix.invalidate ? 1 : 0, arbitrary: fc.record({ op: fc.constant('invalidate' as const), sync: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('invalidateLast' as const), sync: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(...mix.advanceMs) }) },
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constant('reply' as const), pick: fc.nat(3), outcome: outcomeArb, sync: fc.boolean() }),
    },
  );
  return fc.array(opArb, { minLength: 1, maxLength: 60, size: 'medium' });
}

interface Config {
  refreshAhead: number | false;
  bufferSeconds: number;
  failureCooldownMs: number;
}

const configArb: fc.Arbitrary<Config> = fc.record({
  refreshAhead: fc.constantFrom(false as const, 0.15, 0.5),
  bufferSeconds: fc.constantFrom(0, 1),
  failureCooldownMs: fc.constantFrom(0, 2_000),
});

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

interface Flight {
  id: number;
  startedAt: number;
  /** Detached by an unconditional invalidate(): may no longer fill the cache. */
  detached: boolean;
  request?: WireRequest;
  ended: boolean;
  /** When it failed (reply processed or timed out), if it did. */
  failedAt?: number;
}

interface WireRequest {
  id: number;
  sentAt: number;
  flight: Flight | undefined;
  signal: AbortSignal | undefined;
  reply: Deferred<MockReply>;
  outcome?: Outcome;
  repliedAt?: number;
  /** For a token: until when it is handed out. */
  usableUntil?: number;
  /** Its result has been taken into the model. */
  ended: boolean;
}

interface CacheEntry {
  token: string;
  usableUntil: number;
}

type Settled = { status: 'fulfilled'; value: string } | { status: 'rejected'; reason: unknown };

interface Call {
  id: number;
  kind: 'get' | 'stream';
  minMs: number;
  calledAt: number;
  joined?: Flight;
  started?: Flight;
  cache?: CacheEntry;
  result?: Settled;
  controller?: AbortController;
  abortReason?: Error;
}

function usableMs(expiresIn: number, bufferMs: number): number {
  const lifetime = expiresIn * 1000;
  return lifetime > bufferMs ? lifetime - bufferMs : lifetime / 2;
}

class Violation extends Error {
  override name = 'Violation';
}

async function runInterleaving(config: Config, ops: readonly Op[]): Promise<void> {
  const clock = new FakeClock();
  const http = axios.create();
  const mock = new MockAdapter(http, { onNoMatch: 'throwException' });
  const bufferMs = config.bufferSeconds * 1000;
  const manager = new KeycloakTokenManager({
    tokenEndpoint: TOKEN_ENDPOINT,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    httpClient: http,
    now: clock.now,
    timers: clock,
    random: () => 0.5,
    retry: false,
    refreshAhead: config.refreshAhead,
    failureCooldownMs: config.failureCooldownMs,
    tokenExpiryBufferSeconds: config.bufferSeconds,
    timeoutMs: TIMEOUT_MS,
  });

  const trace: string[] = [];
  const problems: string[] = [];
  const flights: Flight[] = [];
  const awaitingRequest: Flight[] = [];
  const requests: WireRequest[] = [];
  const tokenRequest = new Map<string, WireRequest>();
  const calls: Call[] = [];
  let attached: Flight | undefined;
  let cache: CacheEntry | undefined;
  let invalidationsWhileFetching = 0;
  let lastToken: string | undefined;

  const fail = (message: string): never => {
    throw new Violation(`${message}\n  trace:\n    ${trace.join('\n    ')}`);
  };

  const start = clock.now();
  mock.onPost(TOKEN_ENDPOINT).reply(requestConfig => {
    const flight = awaitingRequest.shift();
    const request: WireRequest = {
      id: requests.length + 1,
      sentAt: clock.now(),
      flight,
      // The manager aborts this signal when the request times out.
      signal: requestConfig.signal as AbortSignal | undefined,
      reply: deferred<MockReply>(),
      ended: false,
    };
    requests.push(request);
    trace.push(
      `  request #${request.id} arrives at +${request.sentAt - start} for flight ${flight ? `F${flight.id}` : '(none)'}`,
    );
    if (!flight) problems.push(`I2: request #${request.id} was sent although no call started a fetch`);
    else {
      flight.request = request;
      if (request.sentAt !== flight.startedAt) {
        problems.push(
          `I2: request #${request.id} sent at +${request.sentAt - start}, its fetch started at +${flight.startedAt - start}`,
        );
      }
    }
    return request.reply.promise;
  });

  const onTheWire = () => requests.filter(request => request.outcome === undefined && !request.signal?.aborted);

  /** Takes the results the manager has processed (after a flush) into the model. */
  const absorb = () => {
    for (const request of requests) {
      if (request.ended) continue;
      const timedOut = request.signal?.aborted === true;
      if (request.outcome === undefined && !timedOut) continue;
      request.ended = true;
      const flight = request.flight;
      if (!flight) continue;
      flight.ended = true;
      if (timedOut) flight.failedAt = request.sentAt + TIMEOUT_MS;
      else if (request.outcome?.kind === 'fail') flight.failedAt = request.repliedAt;
      if (flight.detached) continue;
      if (!timedOut && request.outcome?.kind === 'ok') {
        cache = { token: `tok-${request.id}`, usableUntil: request.usableUntil as number };
      }
      if (attached === flight) attached = undefined;
      else fail(`model: flight F${flight.id} ended attached but was not the attached flight`);
    }
  };

  const check = (flushed: boolean) => {
    if (problems.length > 0) fail(problems.join('; '));
    const wire = onTheWire();
    const attachedOnWire = wire.filter(request => !request.flight?.detached);
    if (attachedOnWire.length > 1) {
      fail(
        `I1: ${attachedOnWire.length} requests of attached fetches on the wire: #${attachedOnWire.map(r => r.id).join(', #')}`,
      );
    }
    if (wire.length > 1 + invalidationsWhileFetching) {
      fail(`I1: ${wire.length} requests on the wire after only ${invalidationsWhileFetching} invalidate() calls during a fetch`);
    }
    if (manager.cachedTokenUsableUntil !== cache?.usableUntil) {
      fail(
        `I3: cachedTokenUsableUntil is ${manager.cachedTokenUsableUntil}, expected ${cache?.usableUntil} (${cache?.token ?? 'no token'})`,
      );
    }
    if (flushed && manager.isFetching !== (attached !== undefined)) {
      fail(`I3: isFetching is ${manager.isFetching} but the attached flight is ${attached ? `F${attached.id}` : 'none'}`);
    }
    if (flushed) {
      const stuck = calls.find(entry => entry.abortReason !== undefined && entry.result === undefined);
      if (stuck) fail(`I5: C${stuck.id} was aborted but has not settled`);
    }
  };

  const flush = async () => {
    await flushPromises(2);
    absorb();
  };

  const call = (kind: 'get' | 'stream', minMs: number, abortable: boolean) => {
    const fetchingBefore = manager.isFetching;
    const entry: Call = { id: calls.length + 1, kind, minMs, calledAt: clock.now() };
    if (abortable) entry.controller = new AbortController();
    const options = entry.controller ? { signal: entry.controller.signal } : {};
    if (cache) entry.cache = { ...cache };
    if (fetchingBefore) {
      if (!attached) fail('I3: isFetching is true but no fetch was started');
      entry.joined = attached;
    }
    calls.push(entry);
    const promise = kind === 'get' ? manager.getToken(options) : manager.getTokenForStreaming(minMs, options);
    promise.then(
      value => {
        entry.result = { status: 'fulfilled', value };
        lastToken = value;
      },
      (reason: unknown) => {
        entry.result = { status: 'rejected', reason };
      },
    );
    if (!fetchingBefore && manager.isFetching) {
      const flight: Flight = { id: flights.length + 1, startedAt: clock.now(), detached: false, ended: false };
      flights.push(flight);
      awaitingRequest.push(flight);
      attached = flight;
      entry.started = flight;
    }
    trace.push(
      `C${entry.id} ${kind === 'get' ? 'getToken(' : `getTokenForStreaming(${minMs}, `}${abortable ? '{ signal }' : ''}) at +${entry.calledAt - start}` +
        `${entry.joined ? ` joins F${entry.joined.id}` : ''}${entry.started ? ` starts F${entry.started.id}` : ''}` +
        `${entry.cache ? ` (cached ${entry.cache.token} until +${entry.cache.usableUntil - start})` : ''}`,
    );
  };

  const replyBody = (request: WireRequest, outcome: Outcome): MockReply => {
    if (outcome.kind === 'ok') {
      return [200, JSON.stringify({ access_token: `tok-${request.id}`, token_type: 'Bearer', expires_in: outcome.expiresIn })];
    }
    return outcome.status === 400 ? [400, JSON.stringify({ error: 'invalid_client' })] : [500, ''];
  };

  const reply = (request: WireRequest, outcome: Outcome) => {
    request.outcome = outcome;
    request.repliedAt = clock.now();
    if (outcome.kind === 'ok') {
      request.usableUntil = request.sentAt + usableMs(outcome.expiresIn, bufferMs);
      tokenRequest.set(`tok-${request.id}`, request);
    }
    trace.push(
      `reply to #${request.id}: ${outcome.kind === 'ok' ? `tok-${request.id}, expires_in ${outcome.expiresIn}` : outcome.status}`,
    );
    request.reply.resolve(replyBody(request, outcome));
  };

  const unhandled = trackUnhandledRejections();
  try {
    for (const op of ops) {
      switch (op.op) {
        case 'get':
          call('get', 0, op.abortable);
          break;
        case 'stream':
          call('stream', op.minMs, op.abortable);
          break;
        case 'abort': {
          const waiting = calls.filter(
            entry => entry.controller && entry.result === undefined && entry.abortReason === undefined,
          );
          const entry = waiting[op.pick % Math.max(1, waiting.length)];
          if (entry?.controller) {
            entry.abortReason = new Error(`C${entry.id} aborted`);
            trace.push(`abort C${entry.id}`);
            entry.controller.abort(entry.abortReason);
          }
          break;
        }
        case 'invalidate': {
          const fetching = manager.isFetching;
          if (fetching) {
            if (!attached) fail('I3: isFetching is true but no fetch was started');
            else attached.detached = true;
            invalidationsWhileFetching++;
          }
          trace.push(`invalidate()${fetching && attached ? ` detaches F${attached.id}` : ''}`);
          attached = undefined;
          cache = undefined;
          manager.invalidate();
          break;
        }
        case 'invalidateLast': {
          const token = lastToken ?? 'never-issued';
          const expectDropped = cache?.token === token;
          trace.push(`invalidate(${token})`);
          const dropped = manager.invalidate(token);
          if (dropped !== expectDropped) fail(`invalidate(${token}) returned ${dropped}, expected ${expectDropped}`);
          if (dropped) cache = undefined;
          break;
        }
        case 'advance':
          trace.push(`advance ${op.ms} ms`);
          await clock.advance(op.ms);
          absorb();
          break;
        case 'reply': {
          const wire = onTheWire();
          if (wire.length > 0) reply(wire[op.pick % wire.length], op.outcome);
          break;
        }
      }
      const flushed = !('sync' in op) || !op.sync;
      if ('sync' in op && !op.sync) await flush();
      check(flushed);
    }

    // The end: answer everything still on the wire, move past any timeout, then all must be settled.
    await flush();
    trace.push('-- end: reply to every request on the wire, advance past the timeout');
    for (const request of onTheWire()) reply(request, { kind: 'ok', expiresIn: 300 });
    await flush();
    await clock.advance(TIMEOUT_MS + 1);
    absorb();
    check(true);

    const unsettled = calls.filter(entry => entry.result === undefined);
    if (unsettled.length > 0) fail(`I5: calls C${unsettled.map(entry => entry.id).join(', C')} never settled`);
    if (manager.isFetching) fail('I5: isFetching is still true at the end');
    if (awaitingRequest.length > 0)
      fail(`I2/I5: fetches F${awaitingRequest.map(f => f.id).join(', F')} never sent their request`);
    if (clock.pendingTimers !== 0) fail(`I5: ${clock.pendingTimers} timers left behind`);

    for (const entry of calls) {
      const result = entry.result as Settled;
      const label = `C${entry.id} (${entry.kind} at +${entry.calledAt - start})`;
      const listeners = entry.controller ? getEventListeners(entry.controller.signal, 'abort').length : 0;
      if (listeners > 0) fail(`I5: ${label} left ${listeners} abort listeners on its signal`);
      if (result.status === 'rejected') {
        if (entry.abortReason !== undefined && result.reason === entry.abortReason) continue;
        if (!(result.reason instanceof TokenRequestError)) fail(`I4: ${label} rejected with ${String(result.reason)}`);
        if (entry.kind === 'get' && entry.cache && entry.calledAt < entry.cache.usableUntil) {
          fail(`I4: ${label} rejected although ${entry.cache.token} was cached and usable`);
        }
        continue;
      }
      const token = result.value;
      const source = tokenRequest.get(token);
      if (!source) fail(`I4: ${label} resolved with ${token}, which the endpoint never issued`);
      const flight = source?.flight;
      const fromFetch = flight !== undefined && (flight === entry.joined || flight === entry.started);
      const fromCache = entry.cache?.token === token && entry.calledAt < entry.cache.usableUntil;
      // Documented stream fallback: when its fetch fails, a stream gets the token cached and
      // usable at that moment (one the cache held at call time, or one a fetch sent later put there).
      const own = entry.started ?? entry.joined;
      const fromFallback =
        entry.kind === 'stream' &&
        own?.failedAt !== undefined &&
        source !== undefined &&
        source.flight?.detached === false &&
        (source.usableUntil as number) > own.failedAt &&
        (source.sentAt >= entry.calledAt || entry.cache?.token === token);
      if (!fromFetch && !fromCache && !fromFallback) {
        fail(
          `I4: ${label} resolved with ${token} (fetch F${flight?.id}), which was neither usable in the cache at call time ` +
            `nor fetched by the flight it joined (${entry.joined ? `F${entry.joined.id}` : 'none'}) or started (${entry.started ? `F${entry.started.id}` : 'none'})`,
        );
      }
      if (entry.kind === 'get' && entry.cache && entry.calledAt < entry.cache.usableUntil && token !== entry.cache.token) {
        fail(`I4: ${label} resolved with ${token} although ${entry.cache.token} was cached and usable`);
      }
    }
    await flushPromises(2);
    if (unhandled.reasons.length > 0) fail(`I5: unhandled rejection: ${String(unhandled.reasons[0])}`);
  } finally {
    unhandled.dispose();
    manager.close();
  }
}

describe('concurrency property', () => {
  it('any interleaving of callers, invalidations, clock moves and replies keeps I1–I5', async () => {
    await fc.assert(
      fc.asyncProperty(
        configArb,
        opsArb({
          expiresIn: [1, 2, 5, 30, 300],
          advanceMs: [1, 100, 499, 600, 1_000, 1_500, 2_000, 5_000, 30_000],
          invalidate: true,
        }),
        async (config, ops) => {
          await runInterleaving(config, ops);
        },
      ),
      { numRuns: propertyRuns(500) },
    );
  });

  it('with refresh-ahead on and no invalidations, background refresh never has more than one request on the wire', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          refreshAhead: fc.constantFrom(0.15, 0.5),
          bufferSeconds: fc.constant(0),
          failureCooldownMs: fc.constantFrom(0, 2_000),
        }),
        // Short tokens and small clock steps, so that calls often land in the refresh-ahead window.
        opsArb({ expiresIn: [1, 2], advanceMs: [100, 250, 499, 600, 900], invalidate: false }),
        async (config, ops) => {
          // I1 with no unconditional invalidation: at most one request on the wire, ever.
          await runInterleaving(config, ops);
        },
      ),
      { numRuns: propertyRuns(300) },
    );
  });
});
