// The parts of an OpenTelemetry `Tracer` and `Span` the package uses, declared here so that a
// consumer without `@opentelemetry/api` still type-checks.

/** Span attribute values the package records. */
export type SpanAttributesLike = Record<string, string | number | boolean | undefined>;

/** `SpanStatusCode.ERROR` of the OpenTelemetry API. */
export const SPAN_STATUS_ERROR = 2;

/** The parts of an OpenTelemetry `Span` the package uses. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  addEvent(name: string, attributes?: SpanAttributesLike): unknown;
  end(): void;
}

/** An OpenTelemetry `Tracer`: `startActiveSpan` makes the span the active context while `fn` runs. */
export interface TracerLike {
  startActiveSpan<F extends (span: SpanLike) => unknown>(
    name: string,
    options: { attributes?: SpanAttributesLike },
    fn: F,
  ): ReturnType<F>;
}
