import * as otelApi from '@opentelemetry/api';
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import { metricsServiceFactory } from '@backstage/backend-defaults/alpha';
import { ServiceFactoryTester } from '@backstage/backend-test-utils';
import { TELEMETRY_NAMES, type MeterLike, type TracerLike } from '../../lib';
import type { OpenTelemetryApiLike } from '../../lib/telemetry/loadOpenTelemetryApi';
import { TelemetryHarness } from '../helpers/TelemetryHarness';
import { managerFixture } from '../helpers/tokenEndpointMock';

// Compile-time checks (npm test type-checks first): the package's own shapes accept the real
// types as they are, so no consumer needs a cast or an adapter.
type Accepts<Target, Source extends Target> = Source;
export type MetricsServiceIsAMeter = Accepts<MeterLike, MetricsService>;
export type OpenTelemetryMeterIsAMeter = Accepts<MeterLike, otelApi.Meter>;
export type OpenTelemetryTracerIsATracer = Accepts<TracerLike, otelApi.Tracer>;
export type OpenTelemetryApiFits = Accepts<OpenTelemetryApiLike, typeof otelApi>;

describe('the meter option', () => {
  let harness: TelemetryHarness;
  beforeEach(() => {
    harness = new TelemetryHarness().registerGlobally();
  });
  afterEach(async () => {
    await harness.shutdown();
  });

  it('takes the Backstage MetricsService as is, and its instruments reach the SDK under the plugin’s scope', async () => {
    const metricsService: MetricsService = await ServiceFactoryTester.from(metricsServiceFactory).getSubject('kagenti');
    const { manager } = managerFixture({ meter: metricsService });
    await manager.getToken();
    await manager.getToken();

    const points = await harness.points();
    const ours = points.filter(point => point.name.startsWith('kagenti.auth.'));
    expect(new Set(ours.map(point => point.scope))).toEqual(new Set(['backstage-plugin-kagenti']));
    expect(ours.filter(p => p.name === TELEMETRY_NAMES.tokenLookups).map(p => [p.attributes.source, p.value])).toEqual(
      expect.arrayContaining([
        ['fetched', 1],
        ['memory', 1],
      ]),
    );
    expect(ours.find(p => p.name === TELEMETRY_NAMES.tokenRequests)?.value).toBe(1);
    expect(ours.find(p => p.name === TELEMETRY_NAMES.tokenRemaining)?.value).toBe(240);
    manager.close();
  });

  it('creates the instruments once per meter, however many managers share it', async () => {
    const created: string[] = [];
    const meter = harness.meter;
    const counting: MeterLike = {
      createCounter: (name, options) => (created.push(name), meter.createCounter(name, options)),
      createHistogram: (name, options) => (created.push(name), meter.createHistogram(name, options)),
      createObservableGauge: (name, options) => (created.push(name), meter.createObservableGauge(name, options)),
    };
    const first = managerFixture({ meter: counting, clientId: 'first' });
    const second = managerFixture({ meter: counting, clientId: 'second' });
    await Promise.all([first.manager.getToken(), second.manager.getToken()]);

    expect(created.sort()).toEqual(
      [
        TELEMETRY_NAMES.retries,
        TELEMETRY_NAMES.tokenLookups,
        TELEMETRY_NAMES.tokenRemaining,
        TELEMETRY_NAMES.tokenRequestDuration,
        TELEMETRY_NAMES.tokenRequests,
      ].sort(),
    );
    expect(await harness.count(TELEMETRY_NAMES.tokenRequests)).toBe(2);
  });
});
