// One "replica" of a Backstage backend in a child process: Backstage's real cache service
// (`backend.cache.store: redis` when a Redis URL is given), a KeycloakTokenManager using it as
// tokenStore, and an axios instance with installKeycloakAuth calling a loopback server of its own.
// Driven over IPC by storeReplicaProcess.ts (tests) and the fleet bench.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CacheManager } from '@backstage/backend-defaults/cache';
import { ConfigReader } from '@backstage/config';
import axios from 'axios';
import { installKeycloakAuth, KeycloakTokenManager, type LoggerLike, type TokenStore } from '../../lib';

export interface ReplicaOptions {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Without it the manager has no token store. */
  redisUrl?: string;
  tokenExpiryBufferSeconds?: number;
  refreshAhead?: number | false;
  tokenStoreTimeoutMs?: number;
  tokenStoreSecret?: string;
}

export type ReplicaCommand =
  | { id: number; cmd: 'getToken' }
  | { id: number; cmd: 'invalidate'; token?: string }
  | { id: number; cmd: 'traffic'; ratePerSecond: number; durationMs: number; recordAfterMs?: number }
  | { id: number; cmd: 'stats' };

export interface TrafficResult {
  latenciesMs: number[];
  errors: number;
  /** How many different tokens the loopback API saw during this run. */
  distinctTokens: number;
  /** When (ms after the start) each request slower than 500 ms was due, for diagnosis. */
  slowAtMs: number[];
}

export interface ReplicaStats {
  uncaughtExceptions: string[];
  warnings: string[];
  /** Token requests this replica sent. */
  tokenRequests: number;
}

const options = JSON.parse(process.env.REPLICA_OPTIONS ?? '{}') as ReplicaOptions;
const send = (message: unknown) => process.send?.(message);
const stats: ReplicaStats = { uncaughtExceptions: [], warnings: [], tokenRequests: 0 };

// As a Backstage backend does: Backstage's redis client has no 'error' listener on its socket,
// so a Redis that goes away surfaces here; the replica must live on.
process.on('uncaughtException', error => {
  stats.uncaughtExceptions.push(error instanceof Error ? error.message : String(error));
});
process.on('disconnect', () => process.exit(0));

const logger: LoggerLike = {
  error: () => undefined,
  warn: message => void stats.warnings.push(message),
  info: () => undefined,
  debug: () => undefined,
};

async function main(): Promise<void> {
  let tokenStore: TokenStore | undefined;
  if (options.redisUrl) {
    const config = {
      backend: { cache: { store: 'redis', connection: options.redisUrl, redis: { client: { keyPrefixSeparator: ':' } } } },
    };
    // What cacheServiceFactory does: one CacheManager from root config, one client per plugin.
    tokenStore = CacheManager.fromConfig(new ConfigReader(config)).forPlugin('kagenti');
  }
  const tokenHttp = axios.create();
  tokenHttp.interceptors.request.use(config => {
    stats.tokenRequests++;
    return config;
  });
  const manager = new KeycloakTokenManager({
    httpClient: tokenHttp,
    tokenEndpoint: options.tokenEndpoint,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    logger,
    retry: false,
    ...(options.tokenExpiryBufferSeconds !== undefined ? { tokenExpiryBufferSeconds: options.tokenExpiryBufferSeconds } : {}),
    ...(options.refreshAhead !== undefined ? { refreshAhead: options.refreshAhead } : {}),
    ...(options.tokenStoreTimeoutMs !== undefined ? { tokenStoreTimeoutMs: options.tokenStoreTimeoutMs } : {}),
    ...(options.tokenStoreSecret !== undefined ? { tokenStoreSecret: options.tokenStoreSecret } : {}),
    ...(tokenStore ? { tokenStore } : {}),
  });

  const tokensSeen = new Set<string>();
  const api = createServer((request, response) => {
    if (request.headers.authorization) tokensSeen.add(request.headers.authorization);
    response.end('ok');
  });
  await new Promise<void>(resolve => api.listen(0, '127.0.0.1', resolve));
  const http = axios.create({ baseURL: `http://127.0.0.1:${(api.address() as AddressInfo).port}` });
  installKeycloakAuth(http, manager);

  process.on('message', (message: ReplicaCommand) => {
    void handle(message).then(
      result => send({ id: message.id, ok: true, result }),
      (error: unknown) =>
        send({ id: message.id, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
  });

  async function handle(command: ReplicaCommand): Promise<unknown> {
    switch (command.cmd) {
      case 'getToken': {
        const started = performance.now();
        const token = await manager.getToken();
        return { token, ms: performance.now() - started };
      }
      case 'invalidate':
        return manager.invalidate(command.token);
      case 'traffic':
        return traffic(command.ratePerSecond, command.durationMs, command.recordAfterMs ?? 0);
      case 'stats':
        return stats;
    }
  }

  /** Open-loop requests for `durationMs`; latencies of those due before `recordAfterMs` (a run-in) are not kept. */
  async function traffic(ratePerSecond: number, durationMs: number, recordAfterMs: number): Promise<TrafficResult> {
    const result: TrafficResult = { latenciesMs: [], errors: 0, distinctTokens: 0, slowAtMs: [] };
    tokensSeen.clear();
    const pending: Promise<void>[] = [];
    const intervalMs = 1000 / ratePerSecond;
    const start = performance.now();
    for (let i = 0; performance.now() - start < durationMs; i++) {
      const due = start + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait));
      // From when the request was due (open loop), so a stalled replica cannot hide its stall.
      const sent = due;
      pending.push(
        http.get('/api/v1/agents').then(
          () => {
            const latency = performance.now() - sent;
            if (sent - start < recordAfterMs) return;
            result.latenciesMs.push(latency);
            if (latency > 500) result.slowAtMs.push(Math.round(sent - start));
          },
          () => void result.errors++,
        ),
      );
    }
    await Promise.all(pending);
    result.distinctTokens = tokensSeen.size;
    return result;
  }

  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
