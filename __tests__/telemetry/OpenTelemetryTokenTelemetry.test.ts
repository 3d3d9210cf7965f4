import type { InstrumentOptionsLike, MeterLike, MetricAttributesLike } from '../../lib';
import { OpenTelemetryTokenTelemetry, TELEMETRY_NAMES } from '../../lib/telemetry/OpenTelemetryTokenTelemetry';
import { TelemetryHarness } from '../helpers/TelemetryHarness';

const { tokenRequests, tokenRequestDuration, tokenLookups, retries, tokenRemaining, fetchSpan } = TELEMETRY_NAMES;

/** A meter that records what it is asked to create and every value its counters are given. */
function recordingMeter() {
  const declared = new Map<string, InstrumentOptionsLike | undefined>();
  const added: Array<{ name: string; attributes: MetricAttributesLike | undefined }> = [];
  const counter = (name: string) => ({
    add: (_value: number, attributes?: MetricAttributesLike) => added.push({ name, attributes }),
  });
  const meter: MeterLike = {
    createCounter: (name, options) => (declared.set(name, options), counter(name)),
    createHistogram: (name, options) => (declared.set(name, options), { record: () => undefined }),
    createObservableGauge: (name, options) => (
      declared.set(name, options),
      { addCallback: () => undefined, removeCallback: () => undefined }
    ),
  };
  return { meter, declared, added };
}

const clientId = 'boost-backend';
const remainingSeconds = () => 42;

let harness: TelemetryHarness;
beforeEach(() => {
  harness = new TelemetryHarness();
});
afterEach(async () => {
  await harness.shutdown();
});

describe('OpenTelemetryTokenTelemetry', () => {
  describe('the instruments it declares', () => {
    it('gives each one the description and unit operators read, and the duration the HTTP buckets', () => {
      const { meter, declared } = recordingMeter();
      new OpenTelemetryTokenTelemetry({ meter, clientId, remainingSeconds });

      expect(Object.fromEntries(declared)).toEqual({
        [tokenRequests]: {
          description: 'HTTP requests sent to the token endpoint, each retry attempt included',
          unit: '{request}',
        },
        [tokenRequestDuration]: {
          description: 'Duration of each HTTP request to the token endpoint',
          unit: 's',
          advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
        },
        [tokenLookups]: { description: 'Tokens asked for, by where they came from', unit: '{lookup}' },
        [retries]: { description: 'Requests retried once after a 401 that rejected their token, by outcome', unit: '{retry}' },
        [tokenRemaining]: { description: 'Usable life left on the cached token (0 when none)', unit: 's' },
      });
    });

    it('buckets a real SDK’s duration histogram at those boundaries', async () => {
      const telemetry = new OpenTelemetryTokenTelemetry({ meter: harness.meter, clientId, remainingSeconds });
      await telemetry.fetchSpan(false, async recorder => recorder.tokenRequest('success', 0.02));

      const { resourceMetrics } = await harness.reader.collect();
      const duration = resourceMetrics.scopeMetrics
        .flatMap(scope => scope.metrics)
        .find(m => m.descriptor.name === tokenRequestDuration);
      expect(duration?.descriptor.unit).toBe('s');
      const [point] = duration?.dataPoints ?? [];
      const { buckets } = point.value as { buckets: { boundaries: number[]; counts: number[] } };
      expect(buckets.boundaries).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
      expect(buckets.counts[2]).toBe(1); // 0.02 s falls in (0.01, 0.025]
    });
  });

  describe('token request attributes', () => {
    it('hands the meter one shared attributes object per outcome and error type, not a new one per request', async () => {
      const { meter, added } = recordingMeter();
      const telemetry = new OpenTelemetryTokenTelemetry({ meter, clientId, remainingSeconds });
      await telemetry.fetchSpan(false, async recorder => {
        recorder.tokenRequest('failure', 0.1, 'TOKEN_ENDPOINT_UNAVAILABLE');
        recorder.tokenRequest('failure', 0.1, 'TOKEN_ENDPOINT_UNAVAILABLE');
        recorder.tokenRequest('success', 0.1);
        recorder.tokenRequest('success', 0.1);
      });

      const [firstFailure, secondFailure, firstSuccess, secondSuccess] = added
        .filter(a => a.name === tokenRequests)
        .map(a => a.attributes);
      expect(firstFailure).toEqual({ outcome: 'failure', 'error.type': 'TOKEN_ENDPOINT_UNAVAILABLE' });
      expect(secondFailure).toBe(firstFailure);
      expect(firstSuccess).toEqual({ outcome: 'success' });
      expect(secondSuccess).toBe(firstSuccess);
    });

    it('records a failed request without an error type as `_OTHER`', async () => {
      const telemetry = new OpenTelemetryTokenTelemetry({ meter: harness.meter, clientId, remainingSeconds });
      await telemetry.fetchSpan(false, async recorder => recorder.tokenRequest('failure', 0.1));

      expect(await harness.count(tokenRequests, { outcome: 'failure', 'error.type': '_OTHER' })).toBe(1);
    });
  });

  describe('with a meter and no tracer', () => {
    it('runs the fetch without a span and counts its requests and their durations', async () => {
      const telemetry = new OpenTelemetryTokenTelemetry({ meter: harness.meter, clientId, remainingSeconds });
      const value = await telemetry.fetchSpan(true, async recorder => {
        recorder.tokenRequest('success', 0.25);
        return 'token';
      });

      expect(value).toBe('token');
      expect(await harness.count(tokenRequests, { outcome: 'success' })).toBe(1);
      const [duration] = (await harness.points()).filter(p => p.name === tokenRequestDuration);
      expect(duration).toMatchObject({ value: 0.25, count: 1 });
      expect(harness.spans()).toEqual([]);
    });
  });

  describe('with a tracer and no meter', () => {
    it('records the fetch span and ignores the metrics: requests, lookups, retries and close', async () => {
      const telemetry = new OpenTelemetryTokenTelemetry({ tracer: harness.tracer, clientId, remainingSeconds });
      await telemetry.fetchSpan(false, async recorder => {
        recorder.tokenRequest('failure', 0.1, 'TOKEN_ENDPOINT_UNAVAILABLE');
        recorder.tokenRequest('success', 0.1);
      });
      telemetry.lookup('memory');
      telemetry.retry('success');
      telemetry.close();

      const [span] = harness.spans(fetchSpan);
      expect(span.attributes).toMatchObject({
        'kagenti.auth.token.fetch.attempts': 2,
        'kagenti.auth.token.fetch.outcome': 'success',
      });
      expect(await harness.points()).toEqual([]);
    });

    it('marks a fetch that failed with an error not of ours as `_OTHER`', async () => {
      const telemetry = new OpenTelemetryTokenTelemetry({ tracer: harness.tracer, clientId, remainingSeconds });
      const failure = new Error('socket hang up');
      await expect(telemetry.fetchSpan(false, () => Promise.reject(failure))).rejects.toBe(failure);

      const [span] = harness.spans(fetchSpan);
      expect(span.attributes['error.type']).toBe('_OTHER');
      expect(span.status).toEqual({ code: 2, message: '_OTHER' });
    });
  });

  describe('close()', () => {
    it('can be called again after the gauge has dropped the closed client', async () => {
      const telemetry = new OpenTelemetryTokenTelemetry({ meter: harness.meter, clientId, remainingSeconds });
      telemetry.close();
      expect((await harness.points()).filter(p => p.name === tokenRemaining)).toEqual([
        expect.objectContaining({ attributes: { 'client.id': clientId }, value: 0 }),
      ]);

      expect(() => telemetry.close()).not.toThrow();
    });
  });
});
