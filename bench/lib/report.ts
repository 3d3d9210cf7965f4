// Builds the one results table (measures × contenders, with ratios to the floor) and writes
// it as JSON and Markdown.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ContenderKey } from './contenders';
import { CONTENDERS } from './contenders';
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
    tinybench: read('tinybench'),
  };
}

export interface AllResults {
  tokenRequests?: TokenRequestResults;
  overhead?: Record<ContenderKey, OverheadResult>;
  /** The cached path without and with an OpenTelemetry SDK (keys: bare, oursNoSdk, oursWithSdk). */
  telemetry?: Record<string, OverheadResult>;
  /** `getCachedToken()` alone without and with an SDK, in ns. */
  telemetryLookup?: { noSdkNs: number; withSdkNs: number; addedNs: number };
  throughput?: Record<ContenderKey, ThroughputResult>;
  rotation?: Record<ContenderKey, RotationResult>;
  memory?: Record<ContenderKey, MemoryResult>;
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

export function buildTable(keys: readonly ContenderKey[], results: AllResults, requestsForMemory: number): Report['table'] {
  const rows: Report['table'] = [];
  const row = (measure: string, cell: (key: ContenderKey) => string) => {
    const cells: Record<string, string> = {};
    for (const key of keys) cells[key] = cell(key);
    rows.push({ measure, cells });
  };
  const t = results.tokenRequests;
  if (t) {
    row('Cold burst, 1 000 concurrent: token requests (goal 1)', key => fmtInt(t.coldBurst[key].tokenRequests));
    row('Cold burst: failed requests', key => fmtInt(t.coldBurst[key].failed));
    row('401 storm, 200 in flight: token requests (goal 1)', key => fmtInt(t.storm[key].tokenRequests));
    row('401 storm: failed requests (goal 0)', key => fmtInt(t.storm[key].failed));
    row('Late 401s (199 arrive after the refresh): token requests (goal 0)', key =>
      t.late[key].lateTokenRequests === undefined ? 'n/a²' : fmtInt(t.late[key].lateTokenRequests),
    );
    row('Late 401s: failed requests (goal 0)', key => fmtInt(t.late[key].failed));
  }
  const o = results.overhead;
  if (o) {
    row('Cached path, mock adapter: µs per request (median of rounds)', key => fmt(o[key].usPerRequest, 2));
    row('Cached path: requests/s', key => fmtInt(o[key].opsPerSecond));
    row('Cached path: time per request ÷ floor (goal ≤ 1.05)', key => fmt(o[key].ratioToFloor, 3));
    row('Cached path: time per request ÷ minimal interceptor, tinybench rounds', key => fmt(o[key].ratioToInterceptorFloor, 3));
    row('Cached path: CPU µs per request', key => fmt(o[key].cpuUsPerRequest, 2));
    row('Cached path: CPU per request ÷ minimal interceptor, tinybench rounds', key => fmt(o[key].cpuRatioToInterceptorFloor, 3));
    if (o.ours?.pairedRatios.length) {
      row('Cached path: time per request ÷ minimal interceptor, paired slices (goal ≤ 1.02)', key =>
        fmt(o[key].pairedRatioToInterceptorFloor, 3),
      );
      row(
        'Paired slices: quartiles of that ratio',
        key => `${fmt(o[key].pairedRatioQuartiles[0], 3)}–${fmt(o[key].pairedRatioQuartiles[1], 3)}`,
      );
      row('Cached path: CPU per request ÷ minimal interceptor, paired slices', key =>
        fmt(o[key].pairedCpuRatioToInterceptorFloor, 3),
      );
    }
  }
  const h = results.throughput;
  if (h) {
    row('Loopback HTTP: requests/s (median of rounds)', key => fmtInt(h[key].requestsPerSecond));
    row('Loopback HTTP: requests/s ÷ floor (goal ≥ 0.97)', key => fmt(h[key].ratioToFloor, 3));
    row('Loopback HTTP: client CPU µs per request', key => fmt(h[key].cpuUsPerRequest, 1));
    row('Loopback HTTP: client CPU per request ÷ floor', key => fmt(h[key].cpuRatioToFloor, 3));
  }
  const r = results.rotation;
  if (r) {
    const triple = (s: RotationResult['rotating']) => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
    row('Latency across token rotation, p50 / p99 / max ms', key => triple(r[key].rotating));
    row('Same run, no rotation: p50 / p99 / max ms', key => triple(r[key].steady));
    row('p99 with rotation ÷ p99 without (goal: unchanged)', key => fmt(r[key].rotating.p99 / r[key].steady.p99, 2));
    row(
      'Rotation run: token requests / failed requests',
      key => `${fmtInt(r[key].rotating.tokenRequests)} / ${fmtInt(r[key].rotating.errors)}`,
    );
  }
  const m = results.memory;
  if (m) {
    const floor = m.bare;
    row(`Heap after GC following ${fmtInt(requestsForMemory)} requests: MB`, key => fmt(m[key].heapAfter / 1048576, 2));
    row('Heap after GC ÷ floor', key => (floor ? fmt(m[key].heapAfter / floor.heapAfter, 3) : '—'));
    row('Heap growth over those requests: KB', key => `${m[key].retained >= 0 ? '+' : ''}${fmtInt(m[key].retained / 1024)}`);
  }
  return rows;
}

export function checkGoals(results: AllResults): Report['goals'] {
  const goals: Report['goals'] = [];
  const t = results.tokenRequests;
  if (t) {
    goals.push({
      goal: 'cold burst: 1 token request',
      value: String(t.coldBurst.ours.tokenRequests),
      met: t.coldBurst.ours.tokenRequests === 1 && t.coldBurst.ours.failed === 0,
    });
    goals.push({
      goal: '401 storm: 1 token request, 0 failed',
      value: `${t.storm.ours.tokenRequests} / ${t.storm.ours.failed}`,
      met: t.storm.ours.tokenRequests === 1 && t.storm.ours.failed === 0,
    });
    goals.push({
      goal: 'late 401s: 0 token requests, 0 failed',
      value: `${t.late.ours.lateTokenRequests ?? 'n/a'} / ${t.late.ours.failed}`,
      met: t.late.ours.lateTokenRequests === 0 && t.late.ours.failed === 0,
    });
  }
  if (results.overhead) {
    const ratio = results.overhead.ours.ratioToFloor;
    goals.push({ goal: 'cached-path time per request ≤ 1.05 × floor', value: fmt(ratio, 3), met: ratio <= 1.05 });
    const ours = results.overhead.ours;
    const toInterceptor = ours.pairedRatios.length ? ours.pairedRatioToInterceptorFloor : ours.ratioToInterceptorFloor;
    goals.push({
      goal: 'cached-path time per request ≤ 1.02 × the minimal interceptor',
      value: fmt(toInterceptor, 3),
      met: toInterceptor <= 1.02,
    });
  }
  if (results.throughput) {
    const ratio = results.throughput.ours.ratioToFloor;
    goals.push({ goal: 'loopback HTTP requests/s ≥ 0.97 × floor', value: fmt(ratio, 3), met: ratio >= 0.97 });
  }
  if (results.rotation) {
    const r = results.rotation.ours;
    goals.push({
      goal: 'p99 unchanged across rotation (≤ 1.25 × no-rotation p99 + 5 ms)',
      value: `${ms(r.rotating.p99)} vs ${ms(r.steady.p99)} ms`,
      met: p99Unchanged(r) && r.rotating.errors === 0,
    });
  }
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
    '² The naive interceptor never reuses a token, so revoking tokens produces no 401 at all; it pays one token request per API request instead.',
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
  const short: Record<ContenderKey, string> = {
    bare: 'floor',
    minimal: 'min-interc.',
    ours: 'kagenti-auth',
    authRefresh: 'auth-refresh',
    tokenInterceptor: 'token-interc.',
    naive: 'naive',
  };
  const first = Math.max(...report.table.map(row => row.measure.length), 7);
  const widths = labels.map(c => Math.max(short[c.key].length, ...report.table.map(row => (row.cells[c.key] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(first) : cell.padStart(widths[i - 1]))).join('  ');
  return [
    line(['Measure', ...labels.map(c => short[c.key])]),
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
    label: CONTENDERS.find(c => c.key === key)!.label + (key === 'bare' || key === 'minimal' ? ' ¹' : ''),
  }));
}
