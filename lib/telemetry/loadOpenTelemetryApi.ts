import type { MeterLike } from './MeterLike';
import type { SpanLike, TracerLike } from './TracerLike';

/** The parts of the `@opentelemetry/api` module the package uses. */
export interface OpenTelemetryApiLike {
  metrics: { getMeter(name: string): MeterLike };
  trace: { getTracer(name: string): TracerLike; getActiveSpan(): SpanLike | undefined };
}

/** Instrumentation scope of the default meter and tracer. */
export const TELEMETRY_SCOPE_NAME = '@boost/kagenti-auth';

let loaded: OpenTelemetryApiLike | null | undefined;

/**
 * `@opentelemetry/api` if it can be resolved, else `null`. It is an optional peer dependency:
 * a static import would make the package fail to load where it is not installed. Loaded once.
 */
export function loadOpenTelemetryApi(): OpenTelemetryApiLike | null {
  if (loaded !== undefined) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer: must not be a static import
    loaded = require('@opentelemetry/api') as OpenTelemetryApiLike;
  } catch {
    loaded = null;
  }
  return loaded;
}
