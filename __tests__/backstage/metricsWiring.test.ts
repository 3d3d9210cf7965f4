import { createServiceFactory } from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { mockServices, ServiceFactoryTester } from '@backstage/backend-test-utils';
import { kagentiApiClientServiceFactory } from '../../lib/backstage';
import { useFakeKagenti } from './helpers/useFakeKagenti';

const fakes = useFakeKagenti();
const config = fakes.config;

/** A MetricsService that remembers, per instrument name, what was added to it. */
function recordingMetrics() {
  const added = new Map<string, Array<Record<string, unknown> | undefined>>();
  const instrument = (name: string) => ({
    add: (_value: number, attributes?: Record<string, unknown>) => added.set(name, [...(added.get(name) ?? []), attributes]),
    record: () => undefined,
    addCallback: () => undefined,
    removeCallback: () => undefined,
  });
  const instances: string[] = [];
  const factory = createServiceFactory({
    service: metricsServiceRef,
    deps: {},
    factory: () => {
      instances.push('created');
      return {
        createCounter: instrument,
        createUpDownCounter: instrument,
        createHistogram: instrument,
        createGauge: instrument,
        createObservableCounter: instrument,
        createObservableUpDownCounter: instrument,
        createObservableGauge: instrument,
      };
    },
  });
  return { factory, added, instances };
}

describe('the Backstage service and the alpha MetricsService', () => {
  it("records the plugin's token requests through the backend's MetricsService when it has one", async () => {
    const metrics = recordingMetrics();
    const subject = ServiceFactoryTester.from(kagentiApiClientServiceFactory(), {
      dependencies: [mockServices.rootConfig.factory({ data: config() }), metrics.factory],
    });

    await (await subject.getSubject('kagenti-provider')).requestCore({ method: 'GET', path: '/api/v1/agents' });

    expect(metrics.instances).toEqual(['created']);
    expect(metrics.added.get('kagenti.auth.token.requests')).toEqual([{ outcome: 'success' }]);
  });

  it('starts without one (no metrics factory in the backend) and still works', async () => {
    const subject = ServiceFactoryTester.from(kagentiApiClientServiceFactory(), {
      dependencies: [mockServices.rootConfig.factory({ data: config() })],
    });

    const response = await (await subject.getSubject('kagenti-provider')).requestCore({ method: 'GET', path: '/api/v1/agents' });

    expect(response.status).toBe(200);
  });
});
