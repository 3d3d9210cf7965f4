// `npm run soak:fleet`: a chaos soak of a fleet, out of CI. Replica processes (fleetReplica.ts:
// KeycloakTokenManager + installKeycloakAuth + createAuthorizedFetch, sharing their token through
// Backstage's cache on a real redis-server) send steady traffic to a Kagenti stand-in that
// introspects every token at the real oidc-provider token server and refuses as Kagenti's
// AuthBridge does, while chaosSchedule.ts kills and restarts Redis, makes Keycloak hang and answer
// 503 with Retry-After, revokes every token, grows the audience Kagenti requires and rotates the
// client secret. Prints a report and writes it to reports/soak/ (gitignored); exits 1 when a
// request failed that no Keycloak outage excuses, or a replica died.
//
// Settings (environment): SOAK_SECONDS (300), SOAK_TTL token lifetime in s (40), SOAK_RATE requests
// per second per replica (10), SOAK_REPLICAS (3), SOAK_BUFFER tokenExpiryBufferSeconds (5),
// SOAK_OUT report folder (reports/soak).
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startKagentiServer, type KagentiServerHandle } from '../../../test-servers/startKagentiServer';
import { startRedisServer, type RedisServerHandle } from '../../../test-servers/startRedisServer';
import { startTokenServer, type TokenRequestRecord, type TokenServerHandle } from '../../../test-servers/startTokenServer';
import { chaosPlan, type ChaosControls, type ChaosStep, type OutageWindow } from './chaosSchedule';
import {
  FleetReplicaProcess,
  type FailedRequest,
  type ReplicaReport,
  type ReplicaSnapshot,
  type ReplicaTrafficResult,
} from './fleetReplicaProcess';

const env = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const settings = {
  seconds: env('SOAK_SECONDS', 300),
  ttlSeconds: Math.round(env('SOAK_TTL', 40)),
  ratePerReplica: env('SOAK_RATE', 10),
  replicas: Math.round(env('SOAK_REPLICAS', 3)),
  bufferSeconds: env('SOAK_BUFFER', 5),
  tokenTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  outDir: process.env.SOAK_OUT ?? path.join(__dirname, '..', '..', '..', 'reports', 'soak'),
};
/** How long after an outage ends a failure may still be its doing: one token request's time limit in flight, and a Retry-After pause. */
const OUTAGE_TAIL_MS = settings.tokenTimeoutMs + 2_000;

interface KagentiTally {
  byStatus: Record<string, number>;
  refusals: Record<string, number>;
  distinctTokens: number;
}

interface ClassifiedFailure extends FailedRequest {
  replica: string;
  /** Offsets from the start of the traffic, s. */
  dueAtS: number;
  failedAtS: number;
  cause: string;
}

const started = Date.now();
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  const durationMs = settings.seconds * 1000;
  const ttlMs = settings.ttlSeconds * 1000;
  const usableMs = ttlMs - settings.bufferSeconds * 1000;
  const plan = chaosPlan(durationMs, ttlMs);
  log(
    `fleet soak: ${settings.replicas} replicas × ${settings.ratePerReplica} req/s for ${settings.seconds} s, ` +
      `tokens of ${settings.ttlSeconds} s (buffer ${settings.bufferSeconds} s)`,
  );

  let redis: RedisServerHandle = await startRedisServer();
  const redisPort = redis.port;
  const tokenServer: TokenServerHandle = await startTokenServer({ ttlSeconds: settings.ttlSeconds });
  const kagenti: KagentiServerHandle = await startKagentiServer({
    introspectionEndpoint: tokenServer.introspectionEndpoint,
    introspectionClient: tokenServer.clients.api,
    rejection: 'authbridge',
    requiredAudiences: [tokenServer.audience],
  });
  const client = tokenServer.clients.basic;
  const secretDir = mkdtempSync(path.join(os.tmpdir(), 'fleet-soak-'));
  const secretFile = path.join(secretDir, 'client-secret');
  const writeSecret = (secret: string) => {
    // Atomically, as a mounted Kubernetes secret changes: a reader sees the old file or the new one.
    writeFileSync(`${secretFile}.next`, `${secret}\n`, { mode: 0o600 });
    renameSync(`${secretFile}.next`, secretFile);
  };
  writeSecret(client.secret);
  const rotatedSecret = `${client.secret}-rotated`;

  const tally: KagentiTally = { byStatus: {}, refusals: {}, distinctTokens: 0 };
  const tokensSeen = new Set<string>();
  // Tallies the answered requests and forgets them, so that a long run holds no growing record.
  const drainKagenti = () => {
    const unanswered = kagenti.requests.filter(request => request.status === 0);
    for (const request of kagenti.requests) {
      if (request.status === 0) continue;
      tally.byStatus[request.status] = (tally.byStatus[request.status] ?? 0) + 1;
      if (request.authError !== undefined) tally.refusals[request.authError] = (tally.refusals[request.authError] ?? 0) + 1;
      if (request.token !== undefined) tokensSeen.add(request.token);
    }
    kagenti.clear();
    kagenti.requests.push(...unanswered);
  };

  const replicas: FleetReplicaProcess[] = [];
  try {
    log('starting replica processes');
    replicas.push(
      ...(await Promise.all(
        Array.from({ length: settings.replicas }, (_, index) =>
          FleetReplicaProcess.start({
            name: `replica-${index + 1}`,
            tokenEndpoint: tokenServer.tokenEndpoint,
            clientId: client.id,
            secretFile,
            redisUrl: redis.url,
            kagentiUrl: kagenti.url,
            tokenExpiryBufferSeconds: settings.bufferSeconds,
            tokenTimeoutMs: settings.tokenTimeoutMs,
            requestTimeoutMs: settings.requestTimeoutMs,
          }),
        ),
      )),
    );
    await tokenServer.reset();

    const controls: ChaosControls = {
      refreshWindowOfNewestToken: async () => {
        const issued = (await tokenServer.stats()).tokenRequests.log.filter(record => record.status === 200);
        const newest = Math.max(...issued.map(record => record.at));
        // The manager's default refreshAhead: the last 15 % of the usable life.
        return Math.max(Date.now(), newest + 0.85 * usableMs);
      },
      killRedis: () => redis.stop(),
      restartRedis: async () => {
        redis = await startRedisServer({ port: redisPort });
      },
      keycloakHang: () => tokenServer.setFault({ mode: 'hang' }),
      keycloakUnavailable: retryAfter => tokenServer.setFault({ mode: 'status', status: 503, retryAfter }),
      keycloakHeal: () => tokenServer.setFault({ mode: 'none' }),
      revokeEveryToken: async () => `${await tokenServer.revokeAll()} tokens revoked`,
      keycloakIssuesAudience: audience => tokenServer.setAudiences([tokenServer.audience, audience]),
      kagentiRequiresAudience: async audience => kagenti.requireAudiences([tokenServer.audience, audience]),
      keycloakRotatesSecret: graceSeconds => tokenServer.rotateSecret(client, rotatedSecret, graceSeconds),
      secretFileRotated: async () => writeSecret(rotatedSecret),
    };

    const trafficStart = Date.now();
    log(`traffic starts; ${plan.length} chaos steps scheduled`);
    const traffic = replicas.map(replica => replica.traffic(settings.ratePerReplica, durationMs));
    const executed: Array<{ atS: number; name: string; note?: string }> = [];
    const outages: OutageWindow[] = [];
    const redisKeys: Array<{ atS: number; keys: number | string }> = [];
    const drainer = setInterval(drainKagenti, 2_000);
    // Whether the fleet's cache holds the shared token: Backstage's client has to reconnect after a restart.
    const sampleRedis = setInterval(() => {
      const atS = seconds(Date.now() - trafficStart);
      redis.command('DBSIZE').then(
        keys => redisKeys.push({ atS, keys: typeof keys === 'number' ? keys : String(keys) }),
        (error: Error) => redisKeys.push({ atS, keys: `down (${error.message.slice(0, 60)})` }),
      );
    }, 5_000);
    const progress = setInterval(() => {
      void tokenServer
        .stats()
        .then(stats =>
          log(
            `+${seconds(Date.now() - trafficStart)} s: ${stats.tokenRequests.total} token requests, ${stats.issued} issued; ` +
              `Kagenti answers so far ${JSON.stringify(tally.byStatus)}; Redis keys ${JSON.stringify(redisKeys.at(-1)?.keys)}`,
          ),
        );
    }, 30_000);
    const record = (name: string, note?: string) => {
      const atS = seconds(Date.now() - trafficStart);
      executed.push({ atS, name, ...(note ? { note } : {}) });
      log(`+${atS} s: ${name}${note ? ` (${note})` : ''}`);
    };
    const heals: Promise<void>[] = [];
    const runStep = async (step: ChaosStep) => {
      if (!('outage' in step)) {
        record(step.name, (await step.run(controls)) ?? undefined);
        return;
      }
      if (step.inRefreshWindow) {
        const wait = (await controls.refreshWindowOfNewestToken()) - Date.now();
        if (wait > 0) await sleep(wait);
      }
      await step.outage.start(controls);
      const startMs = Date.now() - trafficStart;
      record(step.name);
      // Healed in the background, so that the steps after it keep their times.
      heals.push(
        sleep(step.outage.lengthMs).then(async () => {
          await controls.keycloakHeal();
          outages.push({ name: step.name, startMs, endMs: Date.now() - trafficStart });
          record('Keycloak answers again');
        }),
      );
    };
    try {
      for (const step of plan) {
        const wait = trafficStart + step.atMs - Date.now();
        if (wait > 0) await sleep(wait);
        await runStep(step);
      }
      await Promise.all(heals);
      const calmFromMs = Date.now() - trafficStart;
      const results = await Promise.all(traffic);
      log('traffic done; collecting');
      drainKagenti();
      const ends = await Promise.all(replicas.map(replica => replica.snapshot()));
      const closed = await Promise.all(replicas.map(replica => replica.close()));
      const stats = await tokenServer.stats();
      const report = buildReport({
        trafficStart,
        durationMs,
        ttlMs,
        outages,
        calmFromMs,
        executed,
        redisKeys,
        results,
        ends,
        closed,
        tokenLog: stats.tokenRequests.log,
        tokenRequestsTotal: stats.tokenRequests.total,
        issued: stats.issued,
        introspections: stats.introspectionRequests,
        kagenti: { ...tally, distinctTokens: tokensSeen.size },
        alive: replicas.map(replica => replica.alive),
      });
      writeReports(report);
      if (report.verdict !== 'pass') process.exitCode = 1;
    } finally {
      clearInterval(drainer);
      clearInterval(progress);
      clearInterval(sampleRedis);
    }
  } finally {
    await FleetReplicaProcess.stopAll();
    await Promise.all([redis.stop(), tokenServer.stop(), kagenti.close()]);
    rmSync(secretDir, { recursive: true, force: true });
  }
}

interface ReportInput {
  trafficStart: number;
  durationMs: number;
  ttlMs: number;
  outages: OutageWindow[];
  calmFromMs: number;
  executed: Array<{ atS: number; name: string; note?: string }>;
  redisKeys: Array<{ atS: number; keys: number | string }>;
  results: ReplicaTrafficResult[];
  ends: Array<{ snapshot: ReplicaSnapshot; report: ReplicaReport }>;
  closed: Array<{ snapshot: ReplicaSnapshot; report: ReplicaReport }>;
  tokenLog: TokenRequestRecord[];
  tokenRequestsTotal: number;
  issued: number;
  introspections: number;
  kagenti: KagentiTally;
  alive: boolean[];
}

/**
 * A failure is excused only when a Keycloak outage explains it: the token could not be had
 * (`TokenRequestError`) while the replica held no usable token, during an outage or its tail.
 */
function classify(failure: FailedRequest, replica: string, input: ReportInput): ClassifiedFailure {
  const dueAtMs = failure.dueAt - input.trafficStart;
  const failedAtMs = failure.failedAt - input.trafficStart;
  const outage = input.outages.find(window => dueAtMs <= window.endMs + OUTAGE_TAIL_MS && failedAtMs >= window.startMs);
  // Either the token request failed, or the request's own time limit ran out while it waited for a token.
  const tokenUnavailable =
    !failure.heldUsableToken && (failure.error === 'TokenRequestError' || (failure.timedOut && !failure.reachedApi));
  const what = `${failure.error}${failure.code ? ` ${failure.code}` : ''}${failure.status ? ` (HTTP ${failure.status})` : ''}`;
  const cause =
    outage && tokenUnavailable
      ? `${outage.name}: no usable token left, ${what}`
      : `unexpected: ${what}${failure.heldUsableToken ? ', while holding a usable token' : ''}${outage ? ` during or just after "${outage.name}"` : ''}`;
  return { ...failure, replica, dueAtS: seconds(dueAtMs), failedAtS: seconds(failedAtMs), cause };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function buildReport(input: ReportInput) {
  const names = input.results.map((_, index) => `replica-${index + 1}`);
  const failures = input.results.flatMap((result, index) => result.failures.map(f => classify(f, names[index], input)));
  const excused = failures.filter(failure => !failure.cause.startsWith('unexpected'));
  const unexpected = failures.filter(failure => failure.cause.startsWith('unexpected'));
  const requests = input.results.reduce((sum, result) => sum + result.requests, 0);

  // Token requests per token lifetime: the run cut into windows as long as a token lives.
  const windows = Math.ceil(input.durationMs / input.ttlMs);
  const perWindow = Array.from({ length: windows }, () => ({ requests: 0, issued: 0 }));
  for (const record of input.tokenLog) {
    const index = Math.floor((record.at - input.trafficStart) / input.ttlMs);
    if (index < 0 || index >= windows) continue;
    perWindow[index].requests++;
    if (record.status === 200) perWindow[index].issued++;
  }
  const issuedInRun = perWindow.reduce((sum, window) => sum + window.issued, 0);
  const requestsInRun = perWindow.reduce((sum, window) => sum + window.requests, 0);
  const faultedOrRefused = input.tokenLog.filter(record => record.status !== 200);

  const replicas = names.map((name, index) => {
    const result = input.results[index];
    const end = input.ends[index];
    const closed = input.closed[index];
    return {
      name,
      alive: input.alive[index],
      requests: result.requests,
      succeeded: result.succeeded,
      failed: result.failures.length,
      tokenRequests: closed.report.tokenRequests,
      retries401: closed.report.retries401,
      heapUsedMiB: {
        first: result.heapSamples.length > 0 ? mib(result.heapSamples[0].heapUsed) : undefined,
        end: mib(end.snapshot.heapUsed),
        afterClose: mib(closed.snapshot.heapUsed),
        samples: result.heapSamples.map(sample => mib(sample.heapUsed)),
      },
      handlesAtEnd: end.snapshot.handles,
      resourcesAtEnd: end.snapshot.resources,
      handlesAfterClose: closed.snapshot.handles,
      resourcesAfterClose: closed.snapshot.resources,
      logged: closed.report.logged,
      uncaughtExceptions: closed.report.uncaughtExceptions,
      unhandledRejections: closed.report.unhandledRejections,
    };
  });
  const calmFailures = failures.filter(failure => failure.dueAtS * 1000 > input.calmFromMs + OUTAGE_TAIL_MS);
  const problems = [
    ...(unexpected.length > 0 ? [`${unexpected.length} unexpected failures`] : []),
    ...(calmFailures.length > 0 ? [`${calmFailures.length} failures after the last disturbance`] : []),
    ...replicas.filter(replica => !replica.alive).map(replica => `${replica.name} died`),
    ...replicas
      .filter(replica => Object.keys(replica.unhandledRejections).length > 0)
      .map(replica => `${replica.name} had unhandled rejections`),
  ];
  return {
    date: new Date(input.trafficStart).toISOString(),
    settings: { ...settings, outageTailMs: OUTAGE_TAIL_MS },
    verdict: problems.length === 0 ? ('pass' as const) : ('fail' as const),
    problems,
    schedule: input.executed,
    calmFromS: seconds(input.calmFromMs),
    redisKeys: input.redisKeys,
    outages: input.outages.map(window => ({ name: window.name, fromS: seconds(window.startMs), toS: seconds(window.endMs) })),
    requests,
    succeeded: requests - failures.length,
    failed: failures.length,
    excused: { count: excused.length, byCause: countBy(excused, failure => failure.cause) },
    unexpected: {
      count: unexpected.length,
      byCause: countBy(unexpected, failure => failure.cause),
      first: unexpected.slice(0, 20),
    },
    failureSpans: spans(failures),
    tokenServer: {
      tokenRequests: input.tokenRequestsTotal,
      issued: input.issued,
      introspections: input.introspections,
      notIssued: countBy(
        faultedOrRefused,
        record => `${record.fault ?? (record.secretRefused ? 'secret refused' : 'refused')} → ${record.status || 'no answer'}`,
      ),
      tokenLifetimes: windows,
      issuedPerLifetime: Math.round((issuedInRun / windows) * 100) / 100,
      requestsPerLifetime: Math.round((requestsInRun / windows) * 100) / 100,
      perLifetime: perWindow.map((window, index) => ({ fromS: (index * input.ttlMs) / 1000, ...window })),
      /** Every token request of the run: when (s), and its status (0: left hanging) or what refused it. */
      requestLog: input.tokenLog
        .filter(record => record.at >= input.trafficStart)
        .map(record => ({
          atS: seconds(record.at - input.trafficStart),
          status: record.status,
          ...(record.fault ? { fault: record.fault } : {}),
          ...(record.secretRefused ? { secretRefused: true } : {}),
        })),
      logTruncated: input.tokenRequestsTotal > input.tokenLog.length,
    },
    kagenti: input.kagenti,
    replicas,
  };
}

type Report = ReturnType<typeof buildReport>;

/** Failed requests grouped into runs (gaps under 5 s), with their causes: when the fleet was hurt, and why. */
function spans(failures: ClassifiedFailure[]) {
  const sorted = [...failures].sort((a, b) => a.failedAtS - b.failedAtS);
  const out: Array<{ fromS: number; toS: number; count: number; causes: Record<string, number> }> = [];
  for (const failure of sorted) {
    const last = out[out.length - 1];
    if (last && failure.failedAtS - last.toS < 5) {
      last.toS = failure.failedAtS;
      last.count++;
      last.causes[failure.cause] = (last.causes[failure.cause] ?? 0) + 1;
    } else out.push({ fromS: failure.failedAtS, toS: failure.failedAtS, count: 1, causes: { [failure.cause]: 1 } });
  }
  return out;
}

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');

function markdown(report: Report): string {
  const lines = [
    `# Fleet soak, ${report.date}`,
    '',
    `**${report.verdict.toUpperCase()}**${report.problems.length > 0 ? `: ${report.problems.join('; ')}` : ''}`,
    '',
    `${report.settings.replicas} replicas × ${report.settings.ratePerReplica} req/s for ${report.settings.seconds} s; tokens of ` +
      `${report.settings.ttlSeconds} s, buffer ${report.settings.bufferSeconds} s; token request limit ${report.settings.tokenTimeoutMs} ms.`,
    '',
    '## Schedule',
    '',
    ...report.schedule.map(step => `- +${step.atS} s: ${step.name}${step.note ? ` (${step.note})` : ''}`),
    `- calm from +${report.calmFromS} s`,
    '',
    '## Requests',
    '',
    `- requests: ${report.requests}, succeeded: ${report.succeeded}, failed: ${report.failed}`,
    `- unexpected failures: ${report.unexpected.count}`,
    ...Object.entries(report.unexpected.byCause).map(([cause, count]) => `  - ${count} × ${cause}`),
    `- failures excused by a Keycloak outage longer than the token's remaining life: ${report.excused.count}`,
    ...Object.entries(report.excused.byCause).map(([cause, count]) => `  - ${count} × ${cause}`),
    ...(report.failureSpans.length > 0
      ? ['- when: ' + report.failureSpans.map(span => `+${span.fromS}–${span.toS} s (${span.count})`).join(', ')]
      : []),
    `- Kagenti answered: ${JSON.stringify(report.kagenti.byStatus)}; refusals: ${JSON.stringify(report.kagenti.refusals)}; ` +
      `${report.kagenti.distinctTokens} distinct tokens seen`,
    '',
    '## Token requests',
    '',
    `- ${report.tokenServer.tokenRequests} token requests, ${report.tokenServer.issued} tokens issued, over ` +
      `${report.tokenServer.tokenLifetimes} token lifetimes: ${report.tokenServer.issuedPerLifetime} issued and ` +
      `${report.tokenServer.requestsPerLifetime} requested per lifetime (whole fleet)`,
    `- not issued: ${JSON.stringify(report.tokenServer.notIssued)}`,
    `- per lifetime (issued/requested): ${report.tokenServer.perLifetime.map(w => `+${w.fromS}s ${w.issued}/${w.requests}`).join(', ')}`,
    `- tokens issued at (s): ${report.tokenServer.requestLog
      .filter(entry => entry.status === 200)
      .map(entry => entry.atS)
      .join(', ')}`,
    `- keys in Redis every 5 s: ${report.redisKeys.map(sample => `+${sample.atS}s ${sample.keys}`).join(', ')}`,
    '',
    '## Replicas',
    '',
    '| replica | requests | failed | token requests | 401 retries | heap first → end → after close, MiB | handles at end | resources at end | resources after close |',
    '|---|--:|--:|--:|--:|---|---|---|---|',
    ...report.replicas.map(
      r =>
        `| ${r.name}${r.alive ? '' : ' (died)'} | ${r.requests} | ${r.failed} | ${r.tokenRequests} | ${r.retries401} | ` +
        `${r.heapUsedMiB.first ?? '—'} → ${r.heapUsedMiB.end} → ${r.heapUsedMiB.afterClose} | ` +
        `${counts(r.handlesAtEnd)} | ${counts(r.resourcesAtEnd)} | ${counts(r.resourcesAfterClose)} |`,
    ),
    '',
    ...report.replicas.flatMap(r => [
      `- ${r.name}: heap samples every 15 s (MiB): ${r.heapUsedMiB.samples.join(', ')}`,
      ...Object.entries(r.logged).map(([message, count]) => `  - logged ${count} × ${message}`),
      ...Object.entries(r.uncaughtExceptions).map(([message, count]) => `  - uncaught ${count} × ${message}`),
      ...Object.entries(r.unhandledRejections).map(([message, count]) => `  - unhandled rejection ${count} × ${message}`),
    ]),
    '',
  ];
  return lines.join('\n');
}

function writeReports(report: Report): void {
  mkdirSync(settings.outDir, { recursive: true });
  const stamp = report.date.replace(/[:.]/g, '-');
  const base = path.join(settings.outDir, `fleet-${stamp}`);
  const text = markdown(report);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, text);
  console.log(`\n${text}`);
  log(`report written to ${base}.{md,json} (${seconds(Date.now() - started)} s in all)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
