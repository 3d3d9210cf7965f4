// The cached path with telemetry: the same manager and interceptor with no OpenTelemetry SDK
// (the global meter is a no-op) and with a real SDK meter and tracer, next to bare axios, in
// the same tinybench rounds as the overhead measure.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import type * as Tinybench from 'tinybench';
import { installKeycloakAuth, KeycloakTokenManager, type MeterLike, type TracerLike } from '../../lib';
import { contender, onAxios, type AxiosContender, type ContenderEnv } from '../lib/contenders';
import { createMockContenderFrom, type MockContender } from '../lib/mockSetup';
import { median, rotate } from '../lib/stats';
import { measureCachedPath, type OverheadOptions, type OverheadResult } from './overhead';

// tinybench is ESM-only; see overhead.ts.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the reason is in overhead.ts
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

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

function ours(env: ContenderEnv, telemetry: { meter?: MeterLike; tracer?: TracerLike }, close: () => void): AxiosContender {
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
  return onAxios(instance, () => {
    manager.close();
    close();
  });
}

function sdkTelemetry(): { meter: MeterLike; tracer: TracerLike; shutdown(): void } {
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
  return {
    meter: meterProvider.getMeter('bench'),
    tracer: tracerProvider.getTracer('bench'),
    shutdown() {
      void meterProvider.shutdown();
      void tracerProvider.shutdown();
    },
  };
}

function create(key: TelemetryContenderKey): MockContender {
  if (key === 'bare') return createMockContenderFrom(contender('bare'));
  if (key === 'oursNoSdk') return createMockContenderFrom({ transport: 'axios', create: env => ours(env, {}, () => {}) });
  // Passed in rather than registered globally, so that later measures' contenders stay SDK-free.
  const { shutdown, ...telemetry } = sdkTelemetry();
  return createMockContenderFrom({ transport: 'axios', create: env => ours(env, telemetry, shutdown) });
}

/** Median over rounds of the time of one `getCachedToken()` (the cached path's only recorded call), in ns. */
export interface LookupCost {
  noSdkNs: number;
  withSdkNs: number;
  /** withSdk − noSdk: what an SDK adds to each cached request, in ns. */
  addedNs: number;
}

/**
 * The cached path's telemetry in isolation: `getCachedToken()` records one lookup and nothing
 * else, so timing it alone, with and without an SDK, gives the cost an SDK adds per request
 * without the axios noise around it.
 */
export async function measureLookupCost(options: OverheadOptions, log: (line: string) => void): Promise<LookupCost> {
  const { Bench } = (await importEsm('tinybench')) as typeof Tinybench;
  const sdk = sdkTelemetry();
  const managers = new Map<'noSdk' | 'withSdk', KeycloakTokenManager>();
  for (const key of ['noSdk', 'withSdk'] as const) {
    const httpClient = axios.create();
    new MockAdapter(httpClient, { onNoMatch: 'throwException' })
      .onPost()
      .reply(200, { access_token: `lookup-${key}`, token_type: 'Bearer', expires_in: 3600 });
    const manager = new KeycloakTokenManager({
      tokenEndpoint: 'https://keycloak.bench.invalid/realms/bench/protocol/openid-connect/token',
      clientId: `lookup-${key}`,
      clientSecret: 'bench-secret',
      httpClient,
      refreshAhead: false,
      ...(key === 'withSdk' ? { meter: sdk.meter, tracer: sdk.tracer } : {}),
    });
    await manager.getToken();
    managers.set(key, manager);
  }
  const perRound = { noSdk: [] as number[], withSdk: [] as number[] };
  let sink = 0;
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({ time: options.timeMs, warmupTime: options.warmupMs });
    for (const key of rotate(['noSdk', 'withSdk'] as const, round)) {
      const manager = managers.get(key)!;
      bench.add(key, () => {
        sink += manager.getCachedToken()!.length;
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      if (task.result.state !== 'completed') throw new Error(`tinybench task ${task.name} ended ${task.result.state}`);
      perRound[task.name as 'noSdk' | 'withSdk'].push(task.result.latency.mean * 1e6);
    }
    log(
      `  round ${round + 1}/${options.rounds}: getCachedToken no SDK ${perRound.noSdk.at(-1)!.toFixed(0)} ns, with SDK ${perRound.withSdk.at(-1)!.toFixed(0)} ns`,
    );
  }
  if (sink === 0) throw new Error('no tokens');
  for (const manager of managers.values()) manager.close();
  sdk.shutdown();
  const noSdkNs = median(perRound.noSdk);
  const withSdkNs = median(perRound.withSdk);
  return { noSdkNs, withSdkNs, addedNs: median(perRound.withSdk.map((value, i) => value - perRound.noSdk[i])) };
}

export function runTelemetryOverhead(
  options: OverheadOptions,
  log: (line: string) => void,
): Promise<Record<TelemetryContenderKey, OverheadResult>> {
  return measureCachedPath(TELEMETRY_CONTENDERS, create, options, log);
}
