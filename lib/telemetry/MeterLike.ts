// The parts of an OpenTelemetry `Meter` the package uses, declared here so that a consumer
// without `@opentelemetry/api` still type-checks. A Backstage `MetricsService` has them too.

/** Attribute values the package records: strings only, never a token, a secret or a URL. */
export type MetricAttributesLike = Record<string, string | number | boolean | undefined>;

/** Options of an instrument, as the OpenTelemetry API and Backstage `MetricsService` take them. */
export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** A monotonic counter (`Counter` in OpenTelemetry, `MetricsServiceCounter` in Backstage). */
export interface CounterLike {
  add(value: number, attributes?: MetricAttributesLike): void;
}

/** A histogram (`Histogram` in OpenTelemetry, `MetricsServiceHistogram` in Backstage). */
export interface HistogramLike {
  record(value: number, attributes?: MetricAttributesLike): void;
}

/** What an observable instrument's callback reports to. */
export interface ObservableResultLike {
  observe(value: number, attributes?: MetricAttributesLike): void;
}

/** An observable gauge (`ObservableGauge` in OpenTelemetry, `MetricsServiceObservableGauge` in Backstage). */
export interface ObservableGaugeLike {
  addCallback(callback: (result: ObservableResultLike) => void): void;
  removeCallback(callback: (result: ObservableResultLike) => void): void;
}

/**
 * Where the package's instruments are created: an OpenTelemetry `Meter` or a Backstage
 * `MetricsService` (`metricsServiceRef` from `@backstage/backend-plugin-api/alpha`), as is.
 */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
  createObservableGauge(name: string, options?: InstrumentOptionsLike): ObservableGaugeLike;
}
