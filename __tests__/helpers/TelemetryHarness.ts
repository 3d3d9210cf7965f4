import { context, metrics, trace, type Meter, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A reader the test collects from by hand: no export timers. */
class ManualReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** One exported data point, flattened. */
export interface Point {
  name: string;
  scope: string;
  attributes: Record<string, unknown>;
  /** Sum or gauge value; a histogram's sum. */
  value: number;
  /** A histogram's count. */
  count?: number;
}

/**
 * A real OpenTelemetry SDK (metrics with a manual reader, traces with an in-memory exporter)
 * and, with `global`, registered as the process's providers with an async-hooks context manager.
 */
export class TelemetryHarness {
  readonly reader = new ManualReader();
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  readonly spanExporter = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spanExporter)] });
  readonly meter: Meter = this.meterProvider.getMeter('test');
  readonly tracer: Tracer = this.tracerProvider.getTracer('test');

  /** Registers the providers and an async-hooks context manager globally. */
  registerGlobally(): this {
    metrics.setGlobalMeterProvider(this.meterProvider);
    trace.setGlobalTracerProvider(this.tracerProvider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    return this;
  }

  /** Every data point the reader collects now. */
  async points(): Promise<Point[]> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw new Error(`metric collection failed: ${errors.map(String).join('; ')}`);
    const points: Point[] = [];
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      for (const metric of scopeMetrics.metrics) points.push(...flatten(metric, scopeMetrics.scope.name));
    }
    return points;
  }

  /** Sum of the data points of `name` whose attributes include `attributes` (histograms: their count). */
  async count(name: string, attributes: Record<string, unknown> = {}): Promise<number> {
    return sumMatching(await this.points(), name, attributes);
  }

  spans(name?: string): ReadableSpan[] {
    const all = this.spanExporter.getFinishedSpans();
    return name === undefined ? all : all.filter(span => span.name === name);
  }

  async shutdown(): Promise<void> {
    metrics.disable();
    trace.disable();
    context.disable();
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }
}

export function sumMatching(points: readonly Point[], name: string, attributes: Record<string, unknown> = {}): number {
  return points
    .filter(point => point.name === name && Object.entries(attributes).every(([key, value]) => point.attributes[key] === value))
    .reduce((total, point) => total + (point.count ?? point.value), 0);
}

function flatten(metric: MetricData, scope: string): Point[] {
  const name = metric.descriptor.name;
  if (metric.dataPointType === DataPointType.HISTOGRAM || metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
    return metric.dataPoints.map(point => ({
      name,
      scope,
      attributes: point.attributes,
      value: point.value.sum ?? 0,
      count: point.value.count,
    }));
  }
  return metric.dataPoints.map(point => ({ name, scope, attributes: point.attributes, value: point.value }));
}
