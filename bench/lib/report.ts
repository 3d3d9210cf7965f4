// Builds the one results table (measures × contenders, with ratios to the floor) and writes
// it as JSON and Markdown.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTENDERS, contender, FETCH_NAME, floorsOf, type ContenderKey } from './contenders';
import type { TokenRequestResults } from '../scenarios/tokenRequests';
import type { OverheadResult } from '../scenarios/overhead';
import type { ThroughputResult } from '../scenarios/throughput';
import type { RotationResult } from '../scenarios/rotation';
import type { MemoryResult } from '../scenarios/memory';
import { fleetMarkdown, type FleetOptions, type FleetResult } from '../scenarios/fleet';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  memoryGiB: number;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})${osPrettyName()}`,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverageStart: os.loadavg().map(value => Math.round(value * 100) / 100),
  };
}

function osPrettyName(): string {
  try {
    const match = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    return match ? `, ${match[1]}` : '';
  } catch {
    return '';
  }
}

export function versions(): Record<string, string> {
  const read = (name: string) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version;
    } catch {
      return 'missing';
    }
  };
  const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (dirty) commit += ' + uncommitted lib/ changes';
  } catch {
    // not a git checkout
  }
  return {
    [own.name]: `${own.version} (lib/ at ${commit})`,
    axios: read('axios'),
    'axios-auth-refresh': read('axios-auth-refresh'),
    'axios-token-interceptor': read('axios-token-interceptor'),
    'axios-token-interceptor → lock': read('lock'),
    'axios-mock-adapter': read('axios-mock-adapter'),
    undici: read('undici'),
    'undici-oidc-interceptor': read('undici-oidc-interceptor'),
    'the fetch contenders call': FETCH_NAME,
    tinybench: read('tinybench'),
  };
}

/** Per-contender results hold the contenders each measure ran. */
export interface AllResults {
  tokenRequests?: TokenRequestResults;
  overhead?: Partial<Record<ContenderKey, OverheadResult>>;
  /** The cached path without and with an OpenTelemetry SDK (keys: bare, oursNoSdk, oursWithSdk). */
  telemetry?: Record<string, OverheadResult>;
  /** `getCachedToken()` alone without and with an SDK, in ns. */
  telemetryLookup?: { noSdkNs: number; withSdkNs: number; addedNs: number };
  throughput?: Partial<Record<ContenderKey, ThroughputResult>>;
  rotation?: Partial<Record<ContenderKey, RotationResult>>;
  memory?: Partial<Record<ContenderKey, MemoryResult>>;
  fleet?: FleetResult;
}

export interface Report {
  generatedAt: string;
  durationSeconds: number;
  quick: boolean;
  machine: MachineInfo;
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  contenders: { key: ContenderKey; label: string }[];
  table: { measure: string; cells: Record<string, string> }[];
  goals: { goal: string; value: string; met: boolean }[];
  results: AllResults;
}

const fmtInt = (value: number) => Math.round(value).toLocaleString('en-US');
const fmt = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

/** Whether p99 with rotation counts as unchanged from p99 without. */
export function p99Unchanged(rotation: RotationResult): boolean {
  return rotation.rotating.p99 <= rotation.steady.p99 * 1.25 + 5;
}

/** The floor contenders, whose token counts are for reference only. */
const FLOOR_KEYS: readonly ContenderKey[] = ['bare', 'minimal', 'fetchFloor'];

export function buildTable(keys: readonly ContenderKey[], results: AllResults, requestsForMemory: number): Report['table'] {
  const rows: Report['table'] = [];
  /** A row over one measure's results; a contender the measure did not run gets "—". */
  const row = <T>(measure: string, of: Partial<Record<ContenderKey, T>>, cell: (value: T, key: ContenderKey) => string) => {
    const cells: Record<string, string> = {};
    for (const key of keys) {
      const value = of[key];
      cells[key] = value === undefined ? '—' : cell(value, key);
    }
    rows.push({ measure, cells });
  };
  const t = results.tokenRequests;
  if (t) {
    row('Cold burst, 1 000 concurrent: token requests (goal 1)', t.coldBurst, c => fmtInt(c.tokenRequests));
    row('Cold burst: failed requests', t.coldBurst, c => fmtInt(c.failed));
    row('401 storm, 200 in flight: token requests (goal 1)', t.storm, c => fmtInt(c.tokenRequests));
    row('401 storm: failed requests (goal 0)', t.storm, c => fmtInt(c.failed));
    row('Late 401s (199 arrive after the refresh): token requests (goal 0)', t.late, c =>
      c.lateTokenRequests === undefined ? 'n/a²' : fmtInt(c.lateTokenRequests),
    );
    row('Late 401s: failed requests (goal 0)', t.late, c => fmtInt(c.failed));
  }
  const o = results.overhead;
  if (o) {
    row('Cached path, mock transport³: µs per request (median of rounds)', o, c => fmt(c.usPerRequest, 2));
    row('Cached path: requests/s', o, c => fmtInt(c.opsPerSecond));
    row('Cached path: time per request ÷ floor³ (goal ≤ 1.05)', o, c => fmt(c.ratioToFloor, 3));
    row('Cached path: time per request ÷ interceptor floor³, tinybench rounds', o, c => fmt(c.ratioToInterceptorFloor, 3));
    row('Cached path: CPU µs per request', o, c => fmt(c.cpuUsPerRequest, 2));
    row('Cached path: CPU per request ÷ interceptor floor³, tinybench rounds', o, c => fmt(c.cpuRatioToInterceptorFloor, 3));
    if (o.ours?.pairedRatios.length) {
      row('Cached path: time per request ÷ interceptor floor³, paired slices (goal ≤ 1.02)', o, c =>
        fmt(c.pairedRatioToInterceptorFloor, 3),
      );
      row(
        'Paired slices: quartiles of that ratio',
        o,
        c => `${fmt(c.pairedRatioQuartiles[0], 3)}–${fmt(c.pairedRatioQuartiles[1], 3)}`,
      );
      row('Cached path: CPU per request ÷ interceptor floor³, paired slices', o, c => fmt(c.pairedCpuRatioToInterceptorFloor, 3));
    }
  }
  const h = results.throughput;
  if (h) {
    row('Loopback HTTP: requests/s (median of rounds)', h, c => fmtInt(c.requestsPerSecond));
    row('Loopback HTTP: requests/s ÷ floor³ (goal ≥ 0.97)', h, c => fmt(c.ratioToFloor, 3));
    row('Loopback HTTP: client CPU µs per request', h, c => fmt(c.cpuUsPerRequest, 1));
    row('Loopback HTTP: client CPU per request ÷ floor³', h, c => fmt(c.cpuRatioToFloor, 3));
  }
  const r = results.rotation;
  if (r) {
    const triple = (s: RotationResult['rotating']) => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
    row('Latency across token rotation⁴, p50 / p99 / max ms', r, c => triple(c.rotating));
    row('Same run, no rotation: p50 / p99 / max ms', r, c => triple(c.steady));
    row('p99 with rotation ÷ p99 without (goal: unchanged)', r, c => fmt(c.rotating.p99 / c.steady.p99, 2));
    row(
      'Rotation run: token requests / failed requests',
      r,
      c => `${fmtInt(c.rotating.tokenRequests)} / ${fmtInt(c.rotating.errors)}`,
    );
  }
  const m = results.memory;
  if (m) {
    row(`Heap after GC following ${fmtInt(requestsForMemory)} requests: MB`, m, c => fmt(c.heapAfter / 1048576, 2));
    row('Heap after GC ÷ floor³', m, (c, key) => {
      const floor = m[floorsOf(key).floor];
      return floor ? fmt(c.heapAfter / floor.heapAfter, 3) : '—';
    });
    row('Heap growth over those requests: KB', m, c => `${c.retained >= 0 ? '+' : ''}${fmtInt(c.retained / 1024)}`);
  }
  return rows;
}

export function checkGoals(results: AllResults): Report['goals'] {
  const goals: Report['goals'] = [...pathGoals(results, 'ours'), ...pathGoals(results, 'oursFetch')];
  if (results.fleet) {
    const { withStore, withoutStore } = results.fleet;
    goals.push({
      goal: 'fleet: ≤ 1.5 token requests per rotation with the store',
      value: `${fmt(withStore.tokenRequestsPerRotation, 2)} vs ${fmt(withoutStore.tokenRequestsPerRotation, 2)} without`,
      met: withStore.tokenRequestsPerRotation <= 1.5 && withStore.rotations >= 5,
    });
    goals.push({
      goal: 'fleet: 0 token requests for a restarted replica',
      value: String(withStore.restartTokenRequests),
      met: withStore.restartTokenRequests === 0,
    });
    goals.push({
      goal: 'fleet: p99 unchanged by the store (≤ 1.25 × without + 5 ms), 0 errors',
      value: `${ms(withStore.latency.p99)} vs ${ms(withoutStore.latency.p99)} ms`,
      met: withStore.latency.p99 <= withoutStore.latency.p99 * 1.25 + 5 && withStore.errors === 0,
    });
  }
  return goals;
}

/**
 * The goals of one of the package's two paths, `ours` (axios, goal names unprefixed) and
 * `oursFetch` (createAuthorizedFetch, against the fetch floor; its floor and interceptor floor are
 * one, so it has one cached-path goal). A path not in the run has none.
 */
function pathGoals(results: AllResults, key: 'ours' | 'oursFetch'): Report['goals'] {
  const goals: Report['goals'] = [];
  const axios = key === 'ours';
  const prefix = axios ? '' : 'createAuthorizedFetch: ';
  const floor = axios ? 'floor' : 'the fetch floor';
  const goal = (name: string, value: string, met: boolean) => goals.push({ goal: `${prefix}${name}`, value, met });
  const cold = results.tokenRequests?.coldBurst[key];
  const storm = results.tokenRequests?.storm[key];
  const late = results.tokenRequests?.late[key];
  if (cold) goal('cold burst: 1 token request', String(cold.tokenRequests), cold.tokenRequests === 1 && cold.failed === 0);
  if (storm)
    goal(
      '401 storm: 1 token request, 0 failed',
      `${storm.tokenRequests} / ${storm.failed}`,
      storm.tokenRequests === 1 && storm.failed === 0,
    );
  if (late)
    goal(
      'late 401s: 0 token requests, 0 failed',
      `${late.lateTokenRequests ?? 'n/a'} / ${late.failed}`,
      late.lateTokenRequests === 0 && late.failed === 0,
    );
  const overhead = results.overhead?.[key];
  if (overhead) {
    if (axios) goal('cached-path time per request ≤ 1.05 × floor', fmt(overhead.ratioToFloor, 3), overhead.ratioToFloor <= 1.05);
    const ratio = overhead.pairedRatios.length ? overhead.pairedRatioToInterceptorFloor : overhead.ratioToInterceptorFloor;
    goal(`cached-path time per request ≤ 1.02 × ${axios ? 'the minimal interceptor' : floor}`, fmt(ratio, 3), ratio <= 1.02);
  }
  const throughput = results.throughput?.[key];
  if (throughput)
    goal(`loopback HTTP requests/s ≥ 0.97 × ${floor}`, fmt(throughput.ratioToFloor, 3), throughput.ratioToFloor >= 0.97);
  const rotation = results.rotation?.[key];
  if (rotation)
    goal(
      'p99 unchanged across rotation (≤ 1.25 × no-rotation p99 + 5 ms)',
      `${ms(rotation.rotating.p99)} vs ${ms(rotation.steady.p99)} ms`,
      p99Unchanged(rotation) && rotation.rotating.errors === 0,
    );
  return goals;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function toMarkdown(report: Report): string {
  const labels = report.contenders;
  const lines: string[] = [];
  lines.push(
    `Generated ${report.generatedAt} by \`npm run bench\`${report.quick ? ' (**--quick**: fewer rounds, not for comparison)' : ''}; the run took ${Math.round(report.durationSeconds)} s.`,
  );
  lines.push('');
  lines.push(
    `**Machine:** ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB; Node.js ${report.machine.node}; ${report.machine.os}. ` +
      `Load average (1/5/15 min) at start ${report.machine.loadAverageStart.join(' / ')}${report.machine.loadAverageEnd ? `, at end ${report.machine.loadAverageEnd.join(' / ')}` : ''}.`,
  );
  lines.push('');
  lines.push(
    `**Versions:** ${Object.entries(report.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join('; ')}.`,
  );
  lines.push('');
  lines.push(`| Measure | ${labels.map(c => escapeCell(c.label)).join(' | ')} |`);
  lines.push(`|---|${labels.map(() => '--:').join('|')}|`);
  for (const row of report.table) {
    lines.push(`| ${escapeCell(row.measure)} | ${labels.map(c => escapeCell(row.cells[c.key] ?? '—')).join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    '¹ The floors send one fixed token and never refresh: their token-request and failure counts are for reference, not a target.  ',
  );
  lines.push(
    '² The naive interceptor never reuses a token, so revoking tokens produces no 401 at all; it pays one token request per API request instead.  ',
  );
  lines.push(
    "³ Each contender is divided by the floors of its own client: axios columns by bare axios (floor) and the minimal interceptor (interceptor floor), fetch columns by the fixed-header fetch wrapper, which is both. The mock transport is axios-mock-adapter for axios and undici's MockAgent for fetch, so absolute times compare only within one client.  ",
  );
  if (report.results.rotation && labels.some(c => contender(c.key).transport === 'fetch'))
    lines.push(
      "⁴ Run for the axios contenders only. Adding the fetch ones would raise this open-loop measure from 500 to 800 requests/s on the same 2 cores, and with them everyone's queueing; `createAuthorizedFetch` refreshes ahead through the same manager as the axios path. undici-oidc-interceptor counts a token as expired 10 s before its `exp` (not configurable): the 3 s tokens here would cost it a token request per API request.",
    );
  lines.push('');
  if (report.results.fleet) lines.push(...fleetMarkdown(report.results.fleet, report.settings.fleet as FleetOptions));
  if (report.goals.length) {
    lines.push('**Goals for @boost/kagenti-auth in this run:**');
    lines.push('');
    for (const goal of report.goals) lines.push(`- ${goal.met ? 'met' : '**not met**'}: ${goal.goal} — ${goal.value}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function toText(report: Report): string {
  const labels = report.contenders;
  const short = (key: ContenderKey) => contender(key).short;
  const first = Math.max(...report.table.map(row => row.measure.length), 7);
  const widths = labels.map(c => Math.max(short(c.key).length, ...report.table.map(row => (row.cells[c.key] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(first) : cell.padStart(widths[i - 1]))).join('  ');
  return [
    line(['Measure', ...labels.map(c => short(c.key))]),
    ...report.table.map(row => line([row.measure, ...labels.map(c => row.cells[c.key] ?? '—')])),
  ].join('\n');
}

export function writeReport(report: Report): { json: string; md: string } {
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'latest.json');
  const md = path.join(dir, 'latest.md');
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(md, `${toMarkdown(report)}`);
  return { json, md };
}

export const START_MARK = '<!-- bench:results:start -->';
export const END_MARK = '<!-- bench:results:end -->';

/** Replaces the generated section of BENCHMARKS.md; returns false if the markers are missing. */
export function updateBenchmarksMd(report: Report): boolean {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  if (!fs.existsSync(file)) return false;
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf(START_MARK);
  const end = text.indexOf(END_MARK);
  if (start < 0 || end < start) return false;
  fs.writeFileSync(file, `${text.slice(0, start + START_MARK.length)}\n${toMarkdown(report)}${text.slice(end)}`);
  return true;
}

export function contenderLabels(keys: readonly ContenderKey[]): { key: ContenderKey; label: string }[] {
  return keys.map(key => ({
    key,
    label: CONTENDERS.find(c => c.key === key)!.label + (FLOOR_KEYS.includes(key) ? ' ¹' : ''),
  }));
}
