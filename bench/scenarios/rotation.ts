// Request latency across token rotation. Open loop: requests are due at a fixed rate and
// latency counts from when a request was due, so a stalled client cannot hide its stall by
// sending less (no coordinated omission). Every contender runs two streams at the same time:
// one whose tokens expire every few seconds, one whose tokens outlive the run. The token
// endpoint answers after 200 ms. All streams run concurrently against one server in a child process.
import type { ContenderKey, Contender } from '../lib/contenders';
import { CONTENDERS } from '../lib/contenders';
import { spawnBenchServer } from '../lib/spawnBenchServer';
import { summarizeLatencies, type LatencySummary } from '../lib/stats';

const SECRET = 'bench-secret';
const FIXED_TOKEN = 'fixed-floor-token';

export interface RotationOptions {
  /** Token endpoint answer time, ms. */
  tokenDelayMs: number;
  /** `expires_in` of the rotating tokens, s. */
  ttlSeconds: number;
  /** Expiry buffer every caching contender uses, s. */
  bufferSeconds: number;
  /** Requests per second per stream. */
  rate: number;
  /** Unrecorded run-in after the first token, ms. */
  runInMs: number;
  /** Recorded part of the run, ms. */
  durationMs: number;
}

export interface StreamResult extends LatencySummary {
  errors: number;
  tokenRequests: number;
}

export interface RotationResult {
  rotating: StreamResult;
  steady: StreamResult;
}

interface Stream {
  key: ContenderKey;
  kind: 'rotating' | 'steady';
  contender: Contender;
  offsetMs: number;
  next: number;
  latencies: number[];
  errors: number;
}

export async function runRotation(
  keys: readonly ContenderKey[],
  options: RotationOptions,
  log: (line: string) => void,
): Promise<Record<ContenderKey, RotationResult>> {
  const server = await spawnBenchServer({
    clients: keys.flatMap(key => [
      { id: `${key}-rotating`, secret: SECRET, ttlSeconds: options.ttlSeconds },
      { id: `${key}-steady`, secret: SECRET, ttlSeconds: 3600 },
    ]),
    fixedTokens: [FIXED_TOKEN],
    tokenDelayMs: options.tokenDelayMs,
  });
  const streams: Stream[] = [];
  const intervalMs = 1000 / options.rate;
  for (const key of keys) {
    const def = CONTENDERS.find(candidate => candidate.key === key)!;
    for (const kind of ['rotating', 'steady'] as const) {
      streams.push({
        key,
        kind,
        contender: def.create({
          baseURL: `${server.url}/api`,
          tokenEndpoint: server.tokenEndpoint,
          clientId: `${key}-${kind}`,
          clientSecret: SECRET,
          bufferSeconds: options.bufferSeconds,
          fixedToken: FIXED_TOKEN,
        }),
        // Spread the streams over the interval so that they do not all fire on the same tick.
        offsetMs: (streams.length * intervalMs) / (keys.length * 2),
        next: 0,
        latencies: [],
        errors: 0,
      });
    }
  }
  try {
    // First token for everyone (not recorded).
    await Promise.all(streams.map(stream => stream.contender.get('/items').catch(() => undefined)));
    await server.resetStats();

    const t0 = performance.now();
    const recordFrom = t0 + options.runInMs;
    const end = recordFrom + options.durationMs;
    const inflight = new Set<Promise<void>>();
    await new Promise<void>(resolve => {
      const tick = () => {
        const now = performance.now();
        for (const stream of streams) {
          for (;;) {
            const due = t0 + stream.offsetMs + stream.next * intervalMs;
            if (due > now || due >= end) break;
            stream.next++;
            const recorded = due >= recordFrom;
            const request = stream.contender.get('/items').then(
              () => {
                if (recorded) stream.latencies.push(performance.now() - due);
              },
              () => {
                if (recorded) {
                  stream.errors++;
                  stream.latencies.push(performance.now() - due);
                }
              },
            );
            inflight.add(request);
            void request.finally(() => inflight.delete(request));
          }
        }
        if (now >= end) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    await Promise.all([...inflight]);

    const stats = await server.stats();
    const results = {} as Record<ContenderKey, RotationResult>;
    for (const key of keys) {
      const pick = (kind: 'rotating' | 'steady'): StreamResult => {
        const stream = streams.find(candidate => candidate.key === key && candidate.kind === kind)!;
        return {
          ...summarizeLatencies(stream.latencies),
          errors: stream.errors,
          tokenRequests: stats.tokenRequestsByClient[`${key}-${kind}`] ?? 0,
        };
      };
      results[key] = { rotating: pick('rotating'), steady: pick('steady') };
      const r = results[key];
      log(
        `  ${key}: rotating p50 ${r.rotating.p50.toFixed(1)} p99 ${r.rotating.p99.toFixed(1)} max ${r.rotating.max.toFixed(1)} ms ` +
          `(${r.rotating.tokenRequests} token req, ${r.rotating.errors} errors); steady p50 ${r.steady.p50.toFixed(1)} ` +
          `p99 ${r.steady.p99.toFixed(1)} max ${r.steady.max.toFixed(1)} ms`,
      );
    }
    return results;
  } finally {
    for (const stream of streams) await stream.contender.close();
    await server.close();
  }
}
