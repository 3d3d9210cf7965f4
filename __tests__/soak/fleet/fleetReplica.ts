// One replica of the fleet soak, in a child process started by fleetReplicaProcess.ts: Backstage's
// real cache service on the soak's redis-server as the token store, a KeycloakTokenManager that
// reads its client secret from a file (clientSecretFile), and both adapters of the package calling the Kagenti
// stand-in: installKeycloakAuth (GET, every even request) and createAuthorizedFetch (POST, every
// odd one). It sends open-loop traffic when told to and reports every failed request with what it
// knew at that moment.
import { CacheManager } from '@backstage/backend-defaults/cache';
import { ConfigReader } from '@backstage/config';
import axios from 'axios';
import {
  createAuthorizedFetch,
  installKeycloakAuth,
  KeycloakTokenManager,
  type KeycloakTokenManagerOptions,
  type LoggerLike,
} from '../../../lib';

export interface FleetReplicaOptions {
  name: string;
  tokenEndpoint: string;
  clientId: string;
  /** The file the client secret is read from (rotated by the soak). */
  secretFile: string;
  redisUrl: string;
  kagentiUrl: string;
  tokenExpiryBufferSeconds: number;
  /** Time limit of one token request, ms. */
  tokenTimeoutMs: number;
  /** Time limit of one API request, its wait for a token included, ms. */
  requestTimeoutMs: number;
}

export type FleetReplicaCommand =
  | { id: number; cmd: 'traffic'; ratePerSecond: number; durationMs: number }
  | { id: number; cmd: 'snapshot' }
  | { id: number; cmd: 'close' };

export interface FailedRequest {
  /** Epoch ms when the request was due, and when it failed. */
  dueAt: number;
  failedAt: number;
  via: 'axios' | 'fetch';
  /** The HTTP status that reached the caller, when one did. */
  status?: number;
  /** The error's name and code (`TokenRequestError`, `TOKEN_ENDPOINT_HTTP_ERROR`, …), or `HTTP` for a response that was not ok. */
  error: string;
  code?: string;
  message: string;
  /** Whether the manager held a usable token when the request failed. */
  heldUsableToken: boolean;
  /** The request's own time limit ran out (axios `ECONNABORTED`, fetch's `TimeoutError`). */
  timedOut: boolean;
  /** The request was handed to the transport (it had its token), retries included. */
  reachedApi: boolean;
}

export interface ReplicaSnapshot {
  /** After two full collections, bytes. */
  heapUsed: number;
  rss: number;
  /** `process._getActiveHandles()` by constructor name. */
  handles: Record<string, number>;
  /** `process.getActiveResourcesInfo()` by kind. */
  resources: Record<string, number>;
}

export interface ReplicaTrafficResult {
  requests: number;
  succeeded: number;
  failures: FailedRequest[];
  /** Heap after full collections, sampled every 15 s of traffic (the first after 15 s). */
  heapSamples: Array<{ atMs: number; heapUsed: number }>;
}

export interface ReplicaReport {
  /** Token requests this replica sent (every attempt). */
  tokenRequests: number;
  /** 401 retries the adapters made (their debug line). */
  retries401: number;
  /** Warnings and errors the package logged, by message, with how often. */
  logged: Record<string, number>;
  /** Uncaught exceptions (Backstage's redis client throws from its socket when Redis goes away), by message. */
  uncaughtExceptions: Record<string, number>;
  unhandledRejections: Record<string, number>;
}

const options = JSON.parse(process.env.FLEET_REPLICA_OPTIONS ?? '{}') as FleetReplicaOptions;
const send = (message: unknown) => process.send?.(message);
const report: ReplicaReport = { tokenRequests: 0, retries401: 0, logged: {}, uncaughtExceptions: {}, unhandledRejections: {} };
const tally = (counts: Record<string, number>, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);
const describeError = (error: unknown) =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300);

// As a Backstage backend does: the process lives on, and the soak counts what reached here.
process.on('uncaughtException', error => tally(report.uncaughtExceptions, describeError(error)));
process.on('unhandledRejection', reason => tally(report.unhandledRejections, describeError(reason)));
process.on('disconnect', () => process.exit(0));

const logger: LoggerLike = {
  error: message => tally(report.logged, `error: ${message}`),
  warn: message => tally(report.logged, `warn: ${message}`),
  info: () => undefined,
  debug: message => {
    if (message.startsWith('Request got 401')) report.retries401++;
  },
};

/**
 * The one place the client secret comes from: the file, read per token request by the manager
 * (`clientSecretFile`); the token store's sealing key follows it.
 */
function clientSecretFrom(file: string): Pick<KeycloakTokenManagerOptions, 'clientSecretFile'> {
  return { clientSecretFile: file };
}

/** Names each request, so that the transports can say which ones reached them. */
const REQUEST_ID = 'x-soak-request';

const gc = (globalThis as { gc?: () => void }).gc;

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) tally(counts, value);
  return counts;
}

function snapshot(): ReplicaSnapshot {
  gc?.();
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  return {
    heapUsed,
    rss,
    handles: countBy(handles.map(handle => handle.constructor?.name ?? typeof handle)),
    resources: countBy(process.getActiveResourcesInfo()),
  };
}

async function main(): Promise<void> {
  const config = {
    backend: { cache: { store: 'redis', connection: options.redisUrl, redis: { client: { keyPrefixSeparator: ':' } } } },
  };
  // What cacheServiceFactory does: one CacheManager from root config, one client per plugin.
  const tokenStore = CacheManager.fromConfig(new ConfigReader(config)).forPlugin('kagenti');
  const tokenHttp = axios.create();
  tokenHttp.interceptors.request.use(request => {
    report.tokenRequests++;
    return request;
  });
  const manager = new KeycloakTokenManager({
    tokenEndpoint: options.tokenEndpoint,
    clientId: options.clientId,
    ...clientSecretFrom(options.secretFile),
    tokenExpiryBufferSeconds: options.tokenExpiryBufferSeconds,
    timeoutMs: options.tokenTimeoutMs,
    httpClient: tokenHttp,
    tokenStore,
    logger,
  });
  // The transports note each request they are handed: a failed request that never got there
  // failed while it waited for its token.
  const reachedApi = new Set<string>();
  const httpAdapter = axios.getAdapter('http');
  const http = axios.create({
    baseURL: options.kagentiUrl,
    timeout: options.requestTimeoutMs,
    adapter: config => {
      reachedApi.add(String(config.headers.get(REQUEST_ID)));
      return httpAdapter(config);
    },
  });
  installKeycloakAuth(http, manager, { logger });
  const authorizedFetch = createAuthorizedFetch(manager, {
    baseUrl: options.kagentiUrl,
    logger,
    fetch: (url, init) => {
      reachedApi.add(String(new Headers(init?.headers).get(REQUEST_ID)));
      return fetch(url, init);
    },
  });

  let sent = 0;
  const viaAxios = async (id: string) => {
    await http.get('/api/v1/agents', { params: { namespace: options.name }, headers: { [REQUEST_ID]: id } });
  };
  const viaFetch = async (id: string) => {
    const response = await authorizedFetch('/api/v1/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', [REQUEST_ID]: id },
      body: JSON.stringify({ message: `hello ${sent}` }),
      signal: AbortSignal.timeout(options.requestTimeoutMs),
    });
    const body = await response.text();
    if (!response.ok)
      throw Object.assign(new Error(`HTTP ${response.status}: ${body.slice(0, 120)}`), { status: response.status });
  };

  function failure(error: unknown, dueAt: number, via: FailedRequest['via'], id: string): FailedRequest {
    const err = error as { name?: string; code?: string; message?: string; status?: number; response?: { status?: number } };
    const status = err.status ?? err.response?.status;
    return {
      timedOut: err.code === 'ECONNABORTED' || err.name === 'TimeoutError',
      reachedApi: reachedApi.has(id),
      dueAt,
      failedAt: Date.now(),
      via,
      ...(status !== undefined ? { status } : {}),
      error: err.name ?? 'unknown',
      ...(typeof err.code === 'string' ? { code: err.code } : {}),
      message: String(err.message ?? error).slice(0, 300),
      heldUsableToken: manager.getCachedToken() !== undefined,
    };
  }

  /** Open-loop requests for `durationMs`, half through each adapter. */
  async function traffic(ratePerSecond: number, durationMs: number): Promise<ReplicaTrafficResult> {
    const result: ReplicaTrafficResult = { requests: 0, succeeded: 0, failures: [], heapSamples: [] };
    const pending = new Set<Promise<void>>();
    const intervalMs = 1000 / ratePerSecond;
    const start = Date.now();
    let nextSample = 15_000;
    for (let i = 0; Date.now() - start < durationMs; i++) {
      const due = start + i * intervalMs;
      const wait = due - Date.now();
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait));
      if (Date.now() - start >= nextSample) {
        result.heapSamples.push({ atMs: Date.now() - start, heapUsed: snapshot().heapUsed });
        nextSample += 15_000;
      }
      const via = i % 2 === 0 ? 'axios' : 'fetch';
      const id = String(i);
      sent = i;
      result.requests++;
      const request: Promise<void> = (via === 'axios' ? viaAxios(id) : viaFetch(id))
        .then(
          () => void result.succeeded++,
          (error: unknown) => void result.failures.push(failure(error, due, via, id)),
        )
        .finally(() => reachedApi.delete(id));
      pending.add(request);
      void request.finally(() => pending.delete(request));
    }
    await Promise.all(pending);
    return result;
  }

  process.on('message', (message: FleetReplicaCommand) => {
    void handle(message).then(
      result => send({ id: message.id, ok: true, result }),
      (error: unknown) => send({ id: message.id, ok: false, error: describeError(error) }),
    );
  });

  async function handle(command: FleetReplicaCommand): Promise<unknown> {
    switch (command.cmd) {
      case 'traffic':
        return traffic(command.ratePerSecond, command.durationMs);
      case 'snapshot':
        return { snapshot: snapshot(), report };
      case 'close':
        manager.close();
        // Let aborted work settle before the handles are counted.
        await new Promise(resolve => setTimeout(resolve, 500));
        return { snapshot: snapshot(), report };
    }
  }

  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
