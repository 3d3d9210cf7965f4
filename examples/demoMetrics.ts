// The demo's last word: what the kagenti.auth.* instruments recorded, read from an in-memory
// reader on a real OpenTelemetry SDK registered as the global meter provider.
import { metrics } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { TELEMETRY_NAMES } from '../lib';

class ManualReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const MEANINGS: Record<string, string> = {
  [TELEMETRY_NAMES.tokenRequests]: 'HTTP requests sent to the token endpoint',
  [TELEMETRY_NAMES.tokenRequestDuration]: 'their durations (count, mean)',
  [TELEMETRY_NAMES.tokenLookups]: 'tokens asked for, by where they came from',
  [TELEMETRY_NAMES.retries]: '401 retries, by outcome',
  [TELEMETRY_NAMES.tokenRemaining]: 'usable seconds left on the cached token',
};

/** Registers the SDK globally, so that every manager created afterwards reports to it. */
export function startDemoMetrics(): { table(): Promise<string>; stop(): Promise<void> } {
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  return {
    async table() {
      const { resourceMetrics } = await reader.collect();
      const rows: Array<[string, string, string]> = [];
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          const name = metric.descriptor.name;
          if (!name.startsWith('kagenti.auth.')) continue;
          const describe = (attributes: Record<string, unknown>) =>
            Object.entries(attributes)
              .map(([key, value]) => `${key}=${String(value)}`)
              .join(' ');
          if (metric.dataPointType === DataPointType.HISTOGRAM) {
            for (const { attributes, value } of metric.dataPoints) {
              const meanMs = ((value.sum ?? 0) / Math.max(1, value.count)) * 1000;
              rows.push([name, describe(attributes), `${value.count} × ${meanMs.toFixed(1)} ms`]);
            }
          } else if (metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) {
            for (const { attributes, value } of metric.dataPoints)
              rows.push([name, describe(attributes), String(Math.round(value * 10) / 10)]);
          }
        }
      }
      rows.sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
      const width = [0, 1].map(column => Math.max(...rows.map(row => row[column].length), 10));
      const lines = ['\nWhat the instruments recorded (OpenTelemetry SDK, in-memory reader)'];
      let last = '';
      for (const [name, attributes, value] of rows) {
        if (name !== last) lines.push(`  ${name}  — ${MEANINGS[name] ?? ''}`);
        last = name;
        lines.push(`      ${attributes.padEnd(width[1])}  ${value}`);
      }
      return lines.join('\n');
    },
    async stop() {
      metrics.disable();
      await provider.shutdown();
    },
  };
}
