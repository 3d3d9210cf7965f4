import { loadOpenTelemetryApi, TELEMETRY_SCOPE_NAME } from './loadOpenTelemetryApi';
import type { MeterLike } from './MeterLike';
import { OpenTelemetryTokenTelemetry } from './OpenTelemetryTokenTelemetry';
import { NOOP_TOKEN_TELEMETRY, type TokenTelemetry } from './TokenTelemetry';
import type { TracerLike } from './TracerLike';

/** What {@link createTokenTelemetry} needs. */
export interface TokenTelemetryOptions {
  /** Default: the global meter provider's meter `@boost/kagenti-auth`. */
  meter?: MeterLike | undefined;
  /** Default: the global tracer provider's tracer `@boost/kagenti-auth`. */
  tracer?: TracerLike | undefined;
  clientId: string;
  /** Seconds of usable life left on the cached token, 0 when none. */
  remainingSeconds: () => number;
}

/**
 * The telemetry of one token manager: the given meter and tracer, else the global ones of
 * `@opentelemetry/api` (no-ops until an SDK is registered), else, when that package cannot be
 * loaded, nothing at all.
 */
export function createTokenTelemetry(options: TokenTelemetryOptions): TokenTelemetry {
  const api = loadOpenTelemetryApi();
  const meter = options.meter ?? api?.metrics.getMeter(TELEMETRY_SCOPE_NAME);
  const tracer = options.tracer ?? api?.trace.getTracer(TELEMETRY_SCOPE_NAME);
  if (!meter && !tracer) return NOOP_TOKEN_TELEMETRY;
  return new OpenTelemetryTokenTelemetry({
    ...(meter ? { meter } : {}),
    ...(tracer ? { tracer } : {}),
    ...(api ? { activeSpan: () => api.trace.getActiveSpan() } : {}),
    clientId: options.clientId,
    remainingSeconds: options.remainingSeconds,
  });
}
