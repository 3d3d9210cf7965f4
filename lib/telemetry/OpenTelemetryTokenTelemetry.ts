import { errorTypeOf } from './errorType';
import type {
  CounterLike,
  HistogramLike,
  MeterLike,
  MetricAttributesLike,
  ObservableGaugeLike,
  ObservableResultLike,
} from './MeterLike';
import type { RetryOutcome, TokenFetchRecorder, TokenLookupSource, TokenRequestOutcome, TokenTelemetry } from './TokenTelemetry';
import { SPAN_STATUS_ERROR, type SpanLike, type TracerLike } from './TracerLike';

/** Instrument and span names: the contract operators build dashboards and alerts on. */
export const TELEMETRY_NAMES = {
  tokenRequests: 'kagenti.auth.token.requests',
  tokenRequestDuration: 'kagenti.auth.token.request.duration',
  tokenLookups: 'kagenti.auth.token.lookups',
  retries: 'kagenti.auth.retries',
  tokenRemaining: 'kagenti.auth.token.remaining',
  fetchSpan: 'kagenti.auth.token.fetch',
  retryEvent: 'kagenti.auth.retry',
} as const;

const ATTEMPTS = 'kagenti.auth.token.fetch.attempts';
const OUTCOME = 'kagenti.auth.token.fetch.outcome';
const REFRESH_AHEAD = 'kagenti.auth.token.fetch.refresh_ahead';
const ERROR_TYPE = 'error.type';

// Token requests take milliseconds to seconds; the semantic conventions' HTTP duration buckets fit.
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Instruments {
  requests: CounterLike;
  duration: HistogramLike;
  lookups: CounterLike;
  retries: CounterLike;
  remaining: ObservableGaugeLike;
  /** Per `client.id`, the open managers' remaining-seconds functions; the gauge reports the largest. */
  /** Held weakly: a manager dropped without close() must not be kept alive by its meter. */
  remainingByClient: Map<string, Set<WeakRef<() => number>>>;
}

/**
 * One callback per meter: managers of the same client would otherwise overwrite each other's
 * series. A client whose last manager closed is reported at 0 once (a cumulative reader keeps
 * exporting a series' last value), then dropped.
 */
function observeRemaining(byClient: Map<string, Set<WeakRef<() => number>>>, result: ObservableResultLike): void {
  for (const [clientId, sources] of byClient) {
    let seconds = 0;
    for (const source of sources) {
      const remainingSeconds = source.deref();
      if (remainingSeconds) seconds = Math.max(seconds, remainingSeconds());
      else sources.delete(source);
    }
    result.observe(seconds, { 'client.id': clientId });
    if (sources.size === 0) byClient.delete(clientId);
  }
}

// Created once per meter, however many managers share it.
const instrumentsByMeter = new WeakMap<MeterLike, Instruments>();

function instrumentsOf(meter: MeterLike): Instruments {
  let instruments = instrumentsByMeter.get(meter);
  if (!instruments) {
    const remainingByClient = new Map<string, Set<WeakRef<() => number>>>();
    instruments = {
      remainingByClient,
      requests: meter.createCounter(TELEMETRY_NAMES.tokenRequests, {
        description: 'HTTP requests sent to the token endpoint, each retry attempt included',
        unit: '{request}',
      }),
      duration: meter.createHistogram(TELEMETRY_NAMES.tokenRequestDuration, {
        description: 'Duration of each HTTP request to the token endpoint',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_SECONDS },
      }),
      lookups: meter.createCounter(TELEMETRY_NAMES.tokenLookups, {
        description: 'Tokens asked for, by where they came from',
        unit: '{lookup}',
      }),
      retries: meter.createCounter(TELEMETRY_NAMES.retries, {
        description: 'Requests retried once after a 401 that rejected their token, by outcome',
        unit: '{retry}',
      }),
      remaining: meter.createObservableGauge(TELEMETRY_NAMES.tokenRemaining, {
        description: 'Usable life left on the cached token (0 when none)',
        unit: 's',
      }),
    };
    instruments.remaining.addCallback(result => observeRemaining(remainingByClient, result));
    instrumentsByMeter.set(meter, instruments);
  }
  return instruments;
}

// Shared, never-changing attribute objects: the cached path allocates nothing to record a lookup.
const LOOKUP_ATTRIBUTES: Record<TokenLookupSource, MetricAttributesLike> = {
  memory: { source: 'memory' },
  store: { source: 'store' },
  joined: { source: 'joined' },
  fetched: { source: 'fetched' },
  failed: { source: 'failed' },
};
const RETRY_ATTRIBUTES: Record<RetryOutcome, MetricAttributesLike> = {
  success: { outcome: 'success' },
  rejected: { outcome: 'rejected' },
  error: { outcome: 'error' },
};
const SUCCESS_ATTRIBUTES: MetricAttributesLike = { outcome: 'success' };
const failureAttributes = new Map<string, MetricAttributesLike>();

function requestAttributes(outcome: TokenRequestOutcome, errorType: string | undefined): MetricAttributesLike {
  if (outcome === 'success') return SUCCESS_ATTRIBUTES;
  const type = errorType ?? '_OTHER';
  let attributes = failureAttributes.get(type);
  if (!attributes) {
    attributes = { outcome: 'failure', [ERROR_TYPE]: type };
    failureAttributes.set(type, attributes);
  }
  return attributes;
}

/** Options of {@link OpenTelemetryTokenTelemetry}. */
export interface OpenTelemetryTokenTelemetryOptions {
  /** No metrics without it. */
  meter?: MeterLike;
  /** No fetch spans without it. */
  tracer?: TracerLike;
  /** The caller's active span, for the retry event; no event without it. */
  activeSpan?: () => SpanLike | undefined;
  /** `client.id` of the remaining-lifetime gauge. */
  clientId: string;
  /** Seconds of usable life left on the cached token, 0 when none. */
  remainingSeconds: () => number;
}

/** {@link TokenTelemetry} through OpenTelemetry (or Backstage `MetricsService`) instruments. */
export class OpenTelemetryTokenTelemetry implements TokenTelemetry {
  readonly #instruments?: Instruments;
  readonly #tracer?: TracerLike;
  readonly #activeSpan?: () => SpanLike | undefined;
  readonly #metricsRecorder: TokenFetchRecorder;
  readonly #clientId: string;
  /** Kept here so that the gauge's weak reference lives as long as this manager does. */
  readonly #remainingSeconds: () => number;
  readonly #remainingRef: WeakRef<() => number>;

  constructor(options: OpenTelemetryTokenTelemetryOptions) {
    this.#tracer = options.tracer;
    this.#activeSpan = options.activeSpan;
    this.#metricsRecorder = { tokenRequest: (outcome, seconds, errorType) => this.#recordRequest(outcome, seconds, errorType) };
    this.#clientId = options.clientId;
    this.#remainingSeconds = options.remainingSeconds;
    this.#remainingRef = new WeakRef(this.#remainingSeconds);
    if (options.meter) {
      const instruments = instrumentsOf(options.meter);
      this.#instruments = instruments;
      let sources = instruments.remainingByClient.get(options.clientId);
      if (!sources) instruments.remainingByClient.set(options.clientId, (sources = new Set()));
      sources.add(this.#remainingRef);
    }
  }

  fetchSpan<T>(refreshAhead: boolean, run: (recorder: TokenFetchRecorder) => Promise<T>): Promise<T> {
    const tracer = this.#tracer;
    if (!tracer) return run(this.#metricsRecorder);
    return tracer.startActiveSpan(TELEMETRY_NAMES.fetchSpan, { attributes: { [REFRESH_AHEAD]: refreshAhead } }, span => {
      let attempts = 0;
      const recorder: TokenFetchRecorder = {
        tokenRequest: (outcome, seconds, errorType) => {
          attempts++;
          this.#recordRequest(outcome, seconds, errorType);
        },
      };
      return run(recorder).then(
        value => {
          span.setAttribute(ATTEMPTS, attempts);
          span.setAttribute(OUTCOME, 'success');
          span.end();
          return value;
        },
        (error: unknown) => {
          const type = errorTypeOf(error);
          span.setAttribute(ATTEMPTS, attempts);
          span.setAttribute(OUTCOME, 'failure');
          span.setAttribute(ERROR_TYPE, type);
          // The code only: messages are safe too, but a code is what a trace query filters on.
          span.setStatus({ code: SPAN_STATUS_ERROR, message: type });
          span.end();
          throw error;
        },
      );
    });
  }

  lookup(source: TokenLookupSource): void {
    this.#instruments?.lookups.add(1, LOOKUP_ATTRIBUTES[source]);
  }

  retry(outcome: RetryOutcome): void {
    const attributes = RETRY_ATTRIBUTES[outcome];
    this.#instruments?.retries.add(1, attributes);
    this.#activeSpan?.()?.addEvent(TELEMETRY_NAMES.retryEvent, attributes);
  }

  /** Stops reporting this manager's remaining lifetime. */
  close(): void {
    this.#instruments?.remainingByClient.get(this.#clientId)?.delete(this.#remainingRef);
  }

  #recordRequest(outcome: TokenRequestOutcome, seconds: number, errorType: string | undefined): void {
    const instruments = this.#instruments;
    if (!instruments) return;
    const attributes = requestAttributes(outcome, errorType);
    instruments.requests.add(1, attributes);
    instruments.duration.record(seconds, attributes);
  }
}
