// The cached path with telemetry: the same manager and interceptor with no OpenTelemetry SDK
// (the global meter is a no-op) and with a real SDK meter and tracer, next to bare axios, in
// the same tinybench rounds as the overhead measure.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import axios from 'axios';
import { installKeycloakAuth, KeycloakTokenManager, type MeterLike, type TracerLike } from '../../lib';
import { contender, type Contender, type ContenderEnv } from '../lib/contenders';
import { createMockContenderFrom, type MockContender } from '../lib/mockSetup';
import { measureCachedPath, type OverheadOptions, type OverheadResult } from './overhead';

export type TelemetryContenderKey = 'bare' | 'oursNoSdk' | 'oursWithSdk';
export const TELEMETRY_CONTENDERS: readonly TelemetryContenderKey[] = ['bare', 'oursNoSdk', 'oursWithSdk'];
export const TELEMETRY_LABELS: Record<TelemetryContenderKey, string> = {
  bare: 'bare axios (floor)',
  oursNoSdk: '@boost/kagenti-auth, no SDK',
  oursWithSdk: '@boost/kagenti-auth, SDK meter + tracer',
};

/** Aggregates at record time, like every reader; collects only when asked (never, here). */
class IdleReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

function ours(env: ContenderEnv, telemetry: { meter?: MeterLike; tracer?: TracerLike }, close: () => void): Contender {
  const manager = new KeycloakTokenManager({
    tokenEndpoint: env.tokenEndpoint,
    clientId: env.clientId,
    clientSecret: env.clientSecret,
    tokenExpiryBufferSeconds: env.bufferSeconds,
    ...(env.tokenHttp ? { httpClient: env.tokenHttp } : {}),
    ...telemetry,
  });
  const instance = axios.create({ baseURL: env.baseURL });
  installKeycloakAuth(instance, manager);
  return {
    instance,
    close: () => {
      manager.close();
      close();
    },
  };
}

function create(key: TelemetryContenderKey): MockContender {
  if (key === 'bare') return createMockContenderFrom(contender('bare').create);
  if (key === 'oursNoSdk') return createMockContenderFrom(env => ours(env, {}, () => {}));
  // Passed in rather than registered globally, so that later measures' contenders stay SDK-free.
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
  const telemetry = { meter: meterProvider.getMeter('bench'), tracer: tracerProvider.getTracer('bench') };
  return createMockContenderFrom(env =>
    ours(env, telemetry, () => {
      void meterProvider.shutdown();
      void tracerProvider.shutdown();
    }),
  );
}

export function runTelemetryOverhead(
  options: OverheadOptions,
  log: (line: string) => void,
): Promise<Record<TelemetryContenderKey, OverheadResult>> {
  return measureCachedPath(TELEMETRY_CONTENDERS, create, options, log);
}
